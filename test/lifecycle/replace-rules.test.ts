/**
 * The replace-rule table against the program and the installed SDKs: every cloud type the stacks
 * declare has a rule, and every input a rule names (ForceNew, auto-named, recreating, renaming) is
 * an input of that type in the installed @pulumi/* package, spelled as the harness captures it
 * (camelCase, after the bridge's renames). A provider upgrade that renames an input fails here.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { REPLACE_RULES } from "../../tools/plan/replace-rules";
import { ROOT, stackGraph } from "../../offline";

/** The input names of a resource type's `<Name>Args` interface in its SDK's .d.ts. */
function sdkInputs(type: string): Set<string> {
    const m = /^([^:]+):([^:]+):(.+)$/.exec(type);
    if (!m) throw new Error(`not a type token: ${type}`);
    const [, pkg, mod, name] = m;
    const file = mod.includes("/") ? mod.replace(/^index\//, "") : `${mod}/${name.charAt(0).toLowerCase()}${name.slice(1)}`;
    const dts = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, `${file}.d.ts`), "utf8");
    const start = dts.indexOf(`export interface ${name}Args {`);
    if (start < 0) throw new Error(`${type}: no ${name}Args in ${file}.d.ts`);
    const body = dts.slice(start, dts.indexOf("\n}", start));
    return new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((x) => x[1]));
}

describe("lifecycle: the replace-rule table", () => {
    it("has a rule, with its source, for every cloud type the dev and prod stacks declare", async () => {
        const types = new Set<string>();
        for (const stack of ["dev", "prod"] as const) {
            for (const r of (await stackGraph(stack)).cloud) types.add(r.type);
        }
        const missing = [...types].filter((t) => REPLACE_RULES[t] === undefined);
        assert.deepEqual(missing, []);
        for (const [type, rule] of Object.entries(REPLACE_RULES)) assert.match(rule.source, /@|v\d/, `${type}: cite the file and commit`);
    });

    it("names only inputs the installed SDKs declare", () => {
        const wrong: string[] = [];
        for (const [type, rule] of Object.entries(REPLACE_RULES)) {
            const inputs = sdkInputs(type);
            const named = [
                ...rule.forceNew,
                ...(rule.autoName ? [rule.autoName] : []),
                ...(rule.recreateOnUpdate ?? []),
                ...(rule.renames ?? []),
                ...Object.keys(rule.stateDefaults ?? {}),
            ];
            for (const key of named) if (!inputs.has(key.split(/[.[]/)[0])) wrong.push(`${type}: ${key}`);
        }
        assert.deepEqual(wrong, []);
    });

    it("reads a few rules as the sources state them", () => {
        assert.deepEqual(REPLACE_RULES["aws:glue/crawler:Crawler"].forceNew, ["name", "databaseName"]);
        assert.deepEqual(REPLACE_RULES["aws:sns/topicSubscription:TopicSubscription"].forceNew, ["topic", "endpoint", "protocol"]);
        assert.equal(
            REPLACE_RULES["aws:glue/catalogDatabase:CatalogDatabase"].autoName,
            undefined,
            "pulumi-aws gives it a non-AutoNamed default",
        );
        assert.equal(REPLACE_RULES["aws:iam/rolePolicyAttachment:RolePolicyAttachment"].deleteBeforeReplace, true);
        assert.ok(!REPLACE_RULES["snowflake:index/database:Database"].forceNew.includes("name"), "v1.2.1 renames a database in place");
        assert.deepEqual(REPLACE_RULES["snowflake:index/streamOnTable:StreamOnTable"].recreateOnUpdate, [
            "table",
            "appendOnly",
            "showInitialRows",
            "at",
            "before",
        ]);
        assert.deepEqual(REPLACE_RULES["command:local:Command"].forceNew, ["triggers"]);
        // Object Lock set on the bucket itself replaces it; a region of its own moves nothing in place.
        assert.ok(REPLACE_RULES["aws:s3/bucket:Bucket"].forceNew.includes("objectLockEnabled"));
        assert.deepEqual(
            REPLACE_RULES["aws:s3/bucketLogging:BucketLogging"].forceNew,
            ["bucket", "expectedBucketOwner", "region"],
            "target bucket and prefix update in place",
        );
        assert.deepEqual(
            REPLACE_RULES["aws:s3/bucketReplicationConfig:BucketReplicationConfig"].forceNew,
            ["bucket", "region"],
            "role and rules update in place",
        );
    });
});
