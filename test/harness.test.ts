import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Graph, graphOf, runProgram, stackConfig } from "../offline";
import { mapOnlyErrorsWithAMessage } from "../offline/stack-traces";

describe("harness: the graph of a program under mocks", () => {
    let g: Graph;
    before(async () => {
        g = await graphOf({ program: "test/fixtures/harness-probe.ts", stack: "dev" });
    });

    it("records type, name, URN and parent", () => {
        const queue = g.one("aws:sqs/queue:Queue");
        const probe = g.one("test:probe:Probe");
        assert.equal(queue.name, "queue");
        assert.equal(queue.urn, "urn:pulumi:dev::incremental-crawl::test:probe:Probe$aws:sqs/queue:Queue::queue");
        assert.equal(queue.parent, probe.urn);
        assert.equal(probe.custom, false);
    });

    it("sees an explicit dependsOn edge and an edge through inputs", () => {
        const queue = g.one("aws:sqs/queue:Queue");
        const topic = g.one("aws:sns/topic:Topic");
        const policy = g.one("aws:sqs/queuePolicy:QueuePolicy");
        assert.ok(g.dependsOn(queue, topic), "dependsOn: [topic]");
        assert.ok(g.dependsOn(policy, queue), "queueUrl comes from the queue");
        assert.deepEqual(policy.propertyDependencies.queueUrl, [queue.urn]);
        assert.ok(!g.dependsOn(topic, queue));
    });

    it("sees protect and retainOnDelete", () => {
        const bucket = g.one("aws:s3/bucket:Bucket");
        assert.equal(bucket.protect, true);
        assert.equal(bucket.retainOnDelete, true);
        assert.equal(g.one("aws:sns/topic:Topic").protect, false);
    });

    it("resolves inputs, and marks secret inputs", () => {
        const policy = g.one("aws:sqs/queuePolicy:QueuePolicy");
        assert.deepEqual(policy.secretInputPaths, ["policy"]);
        assert.match(policy.inputs.policy, /"Resource":"arn:aws:sqs:eu-west-1:123456789012:q-lake_dev"/);
    });

    it("applies the stack's settings over Pulumi.yaml defaults", () => {
        assert.equal(g.one("aws:sqs/queue:Queue").inputs.name, "q-lake_dev");
        const cfg = stackConfig("dev");
        assert.equal(cfg["incremental-crawl:exportPrefix"], "exports", "default from Pulumi.yaml");
        assert.equal(cfg["incremental-crawl:queueRetentionDays"], "4", "from Pulumi.dev.yaml");
        assert.equal(JSON.parse(cfg["incremental-crawl:tables"])[0].name, "ORDERS", "objects as JSON");
        assert.equal(stackConfig("dev", { "incremental-crawl:exportPrefix": undefined })["incremental-crawl:exportPrefix"], undefined);
    });

    it("returns realistic outputs: ARNs per service, queue URLs, stack outputs", () => {
        assert.match(g.run.outputs.bucketArn as string, /^arn:aws:s3:::kept-[0-9a-f]{7}$/);
        assert.equal(g.run.outputs.queueUrl, "https://sqs.eu-west-1.amazonaws.com/123456789012/q-lake_dev");
        assert.match(g.one("aws:sns/topic:Topic").outputs.arn, /^arn:aws:sns:eu-west-1:123456789012:events-[0-9a-f]{7}$/);
    });

    it("runs the real program for a stack and rejects bad config before registering anything", async () => {
        const prod = await graphOf({ stack: "prod" });
        assert.ok(prod.cloud.length > 20);
        await assert.rejects(
            runProgram({ stack: "dev", config: { "incremental-crawl:exportPrefix": "../escape" } }),
            (e: any) => /incremental-crawl:exportPrefix: expected an S3 prefix/.test(e.message) && e.registered.length === 0,
        );
    });
});

describe("harness: stack traces of a mocked run", () => {
    // test/setup.ts has run mapOnlyErrorsWithAMessage over ts-node's source-map-support.
    it("maps an error with a message to its TypeScript line", () => {
        const stack = new Error("marker: mapped line").stack!;
        const source = fs.readFileSync(__filename, "utf8").split("\n");
        const line = source.findIndex((l) => l.includes(`new Error("marker: mapped line")`)) + 1;
        assert.match(stack.split("\n")[1], new RegExp(`harness\\.test\\.ts:${line}:`));
    });

    it("leaves the stacks of errors without a message (the Pulumi SDK's own) unmapped, and wraps the mapper once", () => {
        const before = Error.prepareStackTrace;
        const mapped: string[] = [];
        try {
            Error.prepareStackTrace = (e) => (mapped.push(e.message), "mapped");
            mapOnlyErrorsWithAMessage();
            const wrapped = Error.prepareStackTrace;
            mapOnlyErrorsWithAMessage();
            assert.equal(Error.prepareStackTrace, wrapped, "a second call wraps the wrapper again");
            assert.match(new Error().stack!, /^Error\n    at /);
            assert.equal(new Error("kept").stack, "mapped");
            assert.deepEqual(mapped, ["kept"]);
        } finally {
            Error.prepareStackTrace = before;
        }
    });
});
