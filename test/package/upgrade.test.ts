/**
 * The package's restructuring (0.1.0 → the index-module tokens, folders by stage, the public
 * arguments) as a second `pulumi up` of a stack deployed from the commit before it: the lifecycle
 * engine, with the providers' replace rules and the engine's alias matching, plans the upgrade.
 * The renames alone create, replace and delete nothing (the unload commands' `create` is updated);
 * what later versions add is created, which this test allows.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { ROOT } from "../../offline";
import { planSince } from "../../tools/plan/since";

/** The last commit with the 0.1.0 layout and tokens (incremental-crawl:lake:EventLake, ...). */
const BEFORE_RESTRUCTURE = "3e146be";

const hasCommit = (() => {
    try {
        execFileSync("git", ["cat-file", "-e", `${BEFORE_RESTRUCTURE}^{commit}`], { cwd: ROOT, stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
})();

describe("package: upgrading a stack deployed before the restructuring", function () {
    this.timeout(300_000);
    before(function () {
        if (!hasCommit) this.skip(); // a shallow clone without the history
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the aliases keep every resource: nothing replaced or deleted, nothing created under a new token`, async () => {
            const { plan, old } = await planSince({ stack, ref: BEFORE_RESTRUCTURE });
            assert.ok(
                old.resources.some((r) => r.type === "incremental-crawl:lake:EventLake"),
                "the old stack has the old tokens",
            );
            const by = (op: string) => plan.steps.filter((s) => s.op === op);
            assert.deepEqual(
                [...by("replace"), ...by("delete")].map((s) => `${s.op} ${s.urn}`),
                [],
            );
            // What later work adds is created; a resource of the old stack re-created under a new
            // URN (a rename without its alias) would show here with its old name.
            const key = (type: string, name: string) =>
                `${type
                    .split("$")
                    .pop()!
                    .replace(/^incremental-crawl:[a-z]+:/, "incremental-crawl:")} ${name}`;
            const oldNames = new Set(old.resources.map((r) => key(r.type, r.name)));
            assert.deepEqual(
                by("create")
                    .filter((s) => oldNames.has(key(s.type, s.name)))
                    .map((s) => s.urn),
                [],
            );
            const commands = by("update").filter((u) => u.type === "command:local:Command");
            assert.ok(
                commands.length > 0 && commands.every((u) => u.changed.includes("create")),
                "the unload commands' create string updates",
            );
            assert.ok(
                by("same").some((s) =>
                    s.reasons.some((r) => /known before as .*incremental-crawl:lake:EventLake\$aws:s3\/bucket:Bucket/.test(r)),
                ),
                "the bucket is matched through its parent's alias",
            );
            assert.deepEqual(
                plan.verdicts.filter((v) => v.level === "error"),
                [],
            );
        });
    }
});
