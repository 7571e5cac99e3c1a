/**
 * What the lifecycle engine needs from the harness: a program in another project root with that
 * root's own Pulumi.yaml and stack file, the `deleteBeforeReplace` and `aliases` options, the
 * command mock's view of the prior run, and a program whose unawaited `apply` throws failing the
 * run (as it fails `pulumi up`) without leaking into the next run.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { ProgramRun, ROOT, runProgram, stackConfig } from "../../offline";

const OTHER = path.join(ROOT, "test", "fixtures", "other-root");

describe("lifecycle: what the harness captures", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ root: OTHER, stack: "dev" });
    });
    const byName = (name: string) => run.resources.find((r) => r.name === name)!;

    it("runs a program at another root with that root's project name, defaults and stack file", () => {
        assert.equal(byName("queue").urn, "urn:pulumi:dev::other-project::test:other:Group$aws:sqs/queue:Queue::queue");
        assert.equal(byName("queue").inputs.name, "from-other-root");
        assert.equal(run.outputs.greeting, "hello", "default from the other Pulumi.yaml");
        assert.deepEqual(stackConfig("dev", {}, OTHER), {
            "other-project:greeting": "hello",
            "aws:region": "eu-central-1",
            "other-project:queueName": "from-other-root",
        });
    });

    it("captures deleteBeforeReplace when the program sets it, true or false", () => {
        assert.equal(byName("queue").deleteBeforeReplace, true);
        assert.equal(byName("topic").deleteBeforeReplace, false);
        assert.equal(byName("plain").deleteBeforeReplace, undefined);
    });

    it("captures aliases: URNs as given, specs resolved under the resource's parent", () => {
        assert.deepEqual(byName("plain").aliases, ["urn:pulumi:dev::other-project::aws:sns/topic:Topic::older"]);
        assert.deepEqual(byName("topic").aliases, ["urn:pulumi:dev::other-project::test:other:Group$aws:sns/topic:Topic::old-topic"]);
        assert.deepEqual(byName("queue").aliases, []);
    });

    it("gives the command mock the command's URN and its resource in the prior run", async () => {
        const prior: ProgramRun = {
            ...run,
            resources: run.resources.map((r) => (r.name === "cmd" ? { ...r, outputs: { ...r.outputs, stdout: "before" } } : r)),
        };
        const seen: string[] = [];
        const again = await runProgram({
            root: OTHER,
            stack: "dev",
            prior,
            commandStdout: (inputs, context) => {
                seen.push(`${context.type} ${context.name} ${context.urn}`);
                return `${context.prior?.outputs.stdout}+${(inputs.environment as Record<string, string>).QUEUE}`;
            },
        });
        assert.deepEqual(seen, ["command:local:Command cmd urn:pulumi:dev::other-project::test:other:Group$command:local:Command::cmd"]);
        assert.equal(again.outputs.stdout, "before+from-other-root");
    });

    it("fails a run whose program throws in an apply nobody awaits, and the next run is clean", async () => {
        await assert.rejects(runProgram({ root: OTHER, stack: "dev", program: "throws.ts" }), /Unexpected end of JSON input/);
        const next = await runProgram({ stack: "dev" });
        assert.ok(next.resources.length > 40);
    });
});
