/**
 * At the longest inputs the configuration accepts, every name the program gives (or lets Pulumi
 * give) is within its service's limit: the mocks refuse a longer name of every named type, as the
 * providers would (offline/mocks.ts NAME_LIMITS).
 */
import * as assert from "node:assert/strict";
import { graphOf, stackConfig } from "../offline";
import { createMocks, NAME_LIMITS } from "../offline/mocks";

const LONGEST_STACK = "a2345678901234567890"; // naming.stackName: at most 20
const longTable = (letter: string) => `${letter}${"X".repeat(127)}`; // naming.snowflakeIdentifier: at most 128

describe("name limits at the longest accepted inputs", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every named resource is within its limit with a 20-character stack name and 128-character table names`, async () => {
            const base = JSON.parse(stackConfig(stack)["incremental-crawl:tables"]);
            const tables = base.map((t: Record<string, unknown>, i: number) => ({ ...t, name: longTable(String.fromCharCode(65 + i)) }));
            const g = await graphOf({
                stack,
                stackName: LONGEST_STACK,
                config: {
                    "incremental-crawl:tables": tables,
                    "incremental-crawl:glueDatabase": `l${"x".repeat(254)}`,
                    "incremental-crawl:snowflakeDatabase": `D${"X".repeat(127)}`,
                    "incremental-crawl:snowflakeSchema": `S${"X".repeat(127)}`,
                },
            });
            let checked = 0;
            for (const r of g.cloud) {
                const limit = NAME_LIMITS[r.type];
                if (limit === undefined) continue;
                const name = String(r.outputs.name ?? r.outputs.bucket ?? "");
                assert.ok(name.length > 0, `${r.type} ${r.name} has a name`);
                assert.ok(name.length <= limit, `${r.type} ${r.name}: ${name.length} > ${limit}`);
                checked++;
            }
            const types = new Set(g.cloud.map((r) => r.type).filter((t) => NAME_LIMITS[t] !== undefined));
            for (const t of [
                "aws:sqs/queue:Queue",
                "aws:iam/role:Role",
                "aws:cloudwatch/eventRule:EventRule",
                "aws:athena/namedQuery:NamedQuery",
                "aws:athena/workgroup:Workgroup",
                "aws:glue/crawler:Crawler",
                "aws:glue/catalogTable:CatalogTable",
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                "aws:s3/bucket:Bucket",
                "snowflake:index/streamOnTable:StreamOnTable",
                "snowflake:index/task:Task",
                "aws:glue/workflow:Workflow",
                "aws:glue/trigger:Trigger",
            ]) {
                assert.ok(types.has(t), `the run declares a ${t}`);
            }
            assert.ok(checked >= 25, `only ${checked} names checked`);
        });
    }

    it("the mock refuses an over-long name, as the provider does (the check can fail)", async () => {
        const mocks = createMocks("eu-west-1", () => "");
        const query = { type: "aws:athena/namedQuery:NamedQuery", name: "q", custom: true, id: undefined, provider: "" };
        await assert.rejects(Promise.resolve(mocks.newResource({ ...query, inputs: { name: "x".repeat(129) } })), /over the limit of 128/);
        assert.ok(await mocks.newResource({ ...query, inputs: { name: "x".repeat(128) } }));
    });
});
