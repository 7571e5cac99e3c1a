/**
 * verify's source-columns check: a source table's columns in the stack file against Snowflake's
 * DESCRIBE TABLE, reported before the export fails on a change upstream; and every check's line
 * printed as it completes.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CHECKS, verifyStack } from "../../tools/verify/core";
import { ROOT } from "../../offline";
import { stackDir, stackFilePath } from "../../offline/stacks";
import { cli, deps, healthyWorld, stackOutputs, stopMocks } from "./world";

const row = (name: string, type: string) => ({ name, type, kind: "COLUMN", "null?": "Y" });
const CONFIGURED = [
    { name: "ORDER_ID", type: "NUMBER(38,0)" },
    { name: "STATUS", type: "VARCHAR(32)" },
    { name: "AMOUNT", type: "NUMBER(12,2)" },
];

describe("verify: source columns (drift upstream)", () => {
    after(stopMocks);

    it("passes when Snowflake's columns are the stack file's, and notes columns added upstream", async () => {
        const w = healthyWorld();
        w.describeRows = [...CONFIGURED, { name: "NOTE", type: "VARCHAR(100)" }].map((c) => row(c.name, c.type));
        const d = deps(w);
        const checks = await verifyStack(stackOutputs(), d.deps, { timeoutSeconds: 900, sourceColumns: { orders: CONFIGURED } });
        assert.deepEqual(checks.map((c) => c.check).slice(0, 2), [CHECKS.snowflakeRows, CHECKS.columns]);
        const c = checks.find((x) => x.check === CHECKS.columns)!;
        assert.deepEqual(
            [c.result, c.detail],
            ["pass", "3 columns as the stack file lists them; added upstream: NOTE (VARCHAR(100), column 4), not exported"],
        );
    });

    it("fails naming what was renamed, dropped and retyped upstream, and what to do", async () => {
        const w = healthyWorld();
        w.describeRows = [row("ORDER_ID", "NUMBER(38,0)"), row("ORDER_STATUS", "VARCHAR(32)"), row("AMOUNT", "NUMBER(14,2)")];
        const d = deps(w);
        const checks = await verifyStack(stackOutputs(), d.deps, { timeoutSeconds: 900, sourceColumns: { orders: CONFIGURED } });
        const c = checks.find((x) => x.check === CHECKS.columns)!;
        assert.equal(c.result, "fail");
        assert.equal(
            c.detail,
            "LAKE_EXPORT.EXPORT.ORDERS changed upstream: renamed upstream: STATUS → ORDER_STATUS (VARCHAR(32), column 2); retyped upstream: AMOUNT NUMBER(12,2) → NUMBER(14,2)",
        );
        assert.match(c.cause!, /the task's unload selects them and fails on its next run .*npm run add-table -- --stack <stack> --check/);
        // The other checks still run.
        assert.equal(checks.filter((x) => x.result === "fail").length, 1);
    });

    it("prints each check's line as it completes, in the order they complete", async () => {
        const d = deps(healthyWorld());
        await verifyStack(stackOutputs(), d.deps, { timeoutSeconds: 900 });
        const lines = d.progress.filter((l) => /^\[orders\] (PASS|FAIL|SKIP) /.test(l));
        assert.equal(lines.length, 12);
        assert.equal(lines[0], "[orders] PASS snowflake rows: 1,234 rows in LAKE_EXPORT.EXPORT.ORDERS");
        // The crawler's progress comes between the checks before it and its own line.
        const crawled = d.progress.indexOf(lines.find((l) => l.includes("PASS crawler run"))!);
        assert.ok(d.progress.slice(0, crawled).some((l) => /crawler incremental-crawl-dev-orders: RUNNING/.test(l)));
    });

    it("reads the source tables' columns from the stack file given with --stack-file", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-drift-"));
        try {
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(outputs, JSON.stringify(stackOutputs()));
            const stackFile = path.join(dir, "Pulumi.dev.yaml");
            const dev = fs.readFileSync(stackFilePath(stackDir(ROOT), "dev"), "utf8");
            fs.writeFileSync(
                stackFile,
                dev.replace("    - name: ORDERS\n", "    - name: ORDERS\n      source: LAKE_EXPORT.EXPORT.ORDERS\n"),
            );
            const w = healthyWorld();
            w.describeRows = [
                row("ORDER_ID", "NUMBER(38,0)"),
                row("CUSTOMER_ID", "NUMBER(38,0)"),
                row("ORDER_TS", "TIMESTAMP_TZ(9)"),
                row("AMOUNT", "NUMBER(12,2)"),
            ];
            const r = await cli(["--outputs", outputs, "--stack-file", stackFile], w);
            assert.equal(r.code, 1, r.stderr);
            assert.match(
                r.stdout,
                /\norders\s+source columns\s+FAIL\s+LAKE_EXPORT\.EXPORT\.ORDERS changed upstream: dropped upstream: STATUS \(VARCHAR\(32\)\)\n/,
            );
            assert.match(r.stderr, /\[orders\] FAIL source columns: /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
