import * as assert from "node:assert/strict";
import { Check, CHECKS, verifyStack } from "../../scripts/lib/verify-core";
import { EXIT, formatReport } from "../../scripts/lib/verify-format";
import { deps, healthyWorld, stackOutputs, stopMocks, World } from "./world";

const TIMEOUT = 900;

async function run(w: World, timeoutSeconds = TIMEOUT) {
    const d = deps(w);
    const checks = await verifyStack(stackOutputs(), d.deps, { timeoutSeconds });
    return { ...d, checks, report: formatReport(checks) };
}

function check(checks: Check[], name: string): Check {
    const c = checks.find((x) => x.check === name);
    assert.ok(c, `no check ${name} in ${checks.map((x) => x.check).join(", ")}`);
    return c;
}

/** Exactly the named checks failed; the others passed or were skipped. */
function assertFailed(checks: Check[], expected: string[]): void {
    assert.deepEqual(checks.filter((c) => c.result === "fail").map((c) => c.check).sort(), [...expected].sort());
}

/** The failure's cause appears in the report's "Likely causes" under the failing check. */
function assertReported(report: { text: string; exitCode: number }, name: string, cause: RegExp): void {
    assert.equal(report.exitCode, EXIT.failed);
    const causes = report.text.slice(report.text.indexOf("Likely causes:"));
    const line = causes.split("\n").find((l) => l.includes(`orders / ${name}:`));
    assert.ok(line, `no cause line for ${name} in:\n${report.text}`);
    assert.match(line, cause);
}

describe("verify: core checks against a mocked stack", () => {
    after(stopMocks);

    it("passes every check of a healthy stack, exit code 0", async () => {
        const { checks, report, calls, clock, progress } = await run(healthyWorld());
        // Not a source table, so its columns are not compared with Snowflake's.
        assert.deepEqual(checks.map((c) => c.check), Object.values(CHECKS).filter((c) => c !== CHECKS.columns));
        assert.deepEqual(checks.filter((c) => c.result !== "pass"), []);
        assert.equal(report.exitCode, EXIT.ok);

        assert.match(check(checks, CHECKS.snowflakeRows).detail, /^1,234 rows in LAKE_EXPORT\.EXPORT\.ORDERS$/);
        // 3 folders over 2 pages of CommonPrefixes, 6 objects over 2 pages of Contents.
        assert.match(check(checks, CHECKS.objects).detail, /^6 objects \(5\.9 KiB\) in 3 partition folders under s3:\/\/lake-dev-bucket\/exports\/orders\/$/);
        assert.match(check(checks, CHECKS.queue).detail, /before the crawl 3 visible, 0 in flight/);
        assert.match(check(checks, CHECKS.crawler).detail, /SUCCEEDED \(started by verify, 45s\)/);
        assert.match(check(checks, CHECKS.glueTable).detail, /2 columns, partition keys \(dt\), parquet/);
        assert.equal(check(checks, CHECKS.partitions).detail, "3 partitions for 3 folders");
        assert.match(check(checks, CHECKS.athenaRows).detail, /^1,234 rows \(query qe-1, workgroup incremental-crawl-dev\)$/);
        assert.equal(check(checks, CHECKS.rowCounts).detail, "Snowflake 1,234 = Athena 1,234");

        assert.equal(calls.startCrawler, 1);
        assert.deepEqual(calls.sql, ['SELECT COUNT(*) AS "ROW_COUNT" FROM "LAKE_EXPORT"."EXPORT"."ORDERS"']);
        // Waits went through the injected sleep: 3 crawler polls of 15 s, 2 Athena polls of 2 s.
        assert.deepEqual(clock.sleeps, [15_000, 15_000, 15_000, 2_000, 2_000]);
        assert.ok(progress.some((l) => /^\[orders\] crawler incremental-crawl-dev-orders: RUNNING, \d+s elapsed \(timeout 15m\)$/.test(l)), progress.join("\n"));

        assert.match(report.text, /^TABLE\s+CHECK\s+RESULT\s+DETAIL\n/);
        assert.match(report.text, /\norders\s+glue partitions\s+PASS\s+3 partitions for 3 folders\n/);
        assert.match(report.text, /9 passed, 0 failed, 0 skipped \(9 checks\)/);
        assert.doesNotMatch(report.text, /Likely causes/);
    });

    it("fails when the dead-letter queue is not empty", async () => {
        const w = healthyWorld();
        w.dlq = { visible: 4, inFlight: 1 };
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.deadLetterQueue]);
        assert.match(check(checks, CHECKS.deadLetterQueue).detail, /^4 visible, 1 in flight in https:\/\/sqs\.eu-west-1\.amazonaws\.com\/123456789012\/orders-dlq$/);
        assertReported(report, CHECKS.deadLetterQueue, /the crawler cannot read the queue \(role\/KMS\) or events are malformed/);
        assert.match(check(checks, CHECKS.deadLetterQueue).cause!, /rawMessageDelivery/);
    });

    it("fails when the table's prefix holds no objects", async () => {
        const w = healthyWorld();
        w.folders = [];
        w.partitions = [];
        w.glueTableExists = false;
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.objects, CHECKS.glueTable]);
        const objects = check(checks, CHECKS.objects);
        assert.match(objects.detail, /^no objects under s3:\/\/lake-dev-bucket\/exports\/orders\/; the backfill reported status ok, 1,000 rows, 3 files$/);
        assertReported(report, CHECKS.objects, /no objects: the backfill did not run or the integration role cannot write/);
        assert.match(objects.cause!, /1,000 rows unloaded, so they went elsewhere/);
        assert.equal(check(checks, CHECKS.partitions).result, "skip");
        assert.equal(check(checks, CHECKS.athenaRows).result, "skip");
        assert.equal(check(checks, CHECKS.rowCounts).result, "skip");
    });

    it("fails when the crawler has not created the Glue table", async () => {
        const w = healthyWorld();
        w.glueTableExists = false;
        w.partitions = [];
        const { checks, report } = await run(w);
        assert.equal(check(checks, CHECKS.glueTable).result, "fail");
        assertReported(report, CHECKS.glueTable, /the crawler has not created lake\.orders/);
    });

    it("fails when the Glue table points elsewhere than the table's folder", async () => {
        const w = healthyWorld();
        w.glueTableLocation = `s3://other-bucket/exports/orders/`;
        const { checks, report } = await run(w);
        assert.equal(check(checks, CHECKS.glueTable).result, "fail");
        assertReported(report, CHECKS.glueTable, /the table points at s3:\/\/other-bucket\/exports\/orders\/, not s3:\/\/lake-dev-bucket\/exports\/orders\//);
    });

    it("fails when the Glue table has no partition keys although the folders are partitions", async () => {
        const w = healthyWorld();
        w.gluePartitionKeys = [];
        const { checks, report } = await run(w);
        assert.equal(check(checks, CHECKS.glueTable).result, "fail");
        assertReported(report, CHECKS.glueTable, /no partition keys although the prefix holds partition folders/);
    });

    it("fails the queue check when the queue cannot be read", async () => {
        const w = healthyWorld();
        w.queueError = Object.assign(new Error("User is not authorized to perform: sqs:GetQueueAttributes"), { name: "AccessDenied" });
        const { checks, report } = await run(w);
        assert.equal(check(checks, CHECKS.queue).result, "fail");
        assert.match(check(checks, CHECKS.queue).detail, /orders-queue: .*not authorized to perform: sqs:GetQueueAttributes/);
        assertReported(report, CHECKS.queue, /sqs:GetQueueAttributes/);
    });

    it("fails when the crawler's run FAILED", async () => {
        const w = healthyWorld();
        w.crawlerStatus = "FAILED";
        w.crawlerError = "Service Principal: glue.amazonaws.com is not authorized to perform: sqs:ReceiveMessage on resource: orders-queue";
        const { checks, report } = await run(w);
        assert.equal(check(checks, CHECKS.crawler).result, "fail");
        assert.match(check(checks, CHECKS.crawler).detail, /: FAILED: Service Principal: glue\.amazonaws\.com is not authorized .*; logs: \/aws-glue\/crawlers \/ incremental-crawl-dev-orders$/);
        assertReported(report, CHECKS.crawler, /the crawler cannot use its event queue: its role needs sqs:ReceiveMessage/);
    });

    it("fails when the crawler outlasts the timeout, without sleeping for real", async () => {
        const w = healthyWorld();
        w.crawlerStates = ["RUNNING"];
        const started = Date.now();
        const { checks, report, clock, calls } = await run(w, 60);
        assert.ok(Date.now() - started < 2000);
        const crawler = check(checks, CHECKS.crawler);
        assert.equal(crawler.result, "fail");
        assert.match(crawler.detail, /still RUNNING after 1m \(--timeout-seconds 60\)/);
        assertReported(report, CHECKS.crawler, /the crawl outlasted the timeout: .*raise --timeout-seconds/);
        // 60 s of 15 s polls: slept 4 times, polled 5 times after the start (and once before).
        assert.deepEqual(clock.sleeps.filter((ms) => ms === 15_000).length, 4);
        assert.equal(calls.getCrawler, 6);
    });

    it("tolerates CrawlerRunningException and waits for the run in progress", async () => {
        const w = healthyWorld();
        w.crawlerAlreadyRunning = true;
        const { checks, report, progress } = await run(w);
        assert.equal(report.exitCode, EXIT.ok);
        assert.match(check(checks, CHECKS.crawler).detail, /SUCCEEDED \(joined a run in progress/);
        assert.ok(progress.includes("[orders] crawler incremental-crawl-dev-orders is already running; waiting for that run"));
    });

    it("fails when partitions are fewer than folders", async () => {
        const w = healthyWorld();
        w.partitions = ["dt=2024-01-30", "dt=2024-01-31"];
        w.athenaRows = 1200;
        w.snowflakeRows = 1200;
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.partitions]);
        assert.equal(check(checks, CHECKS.partitions).detail, "2 partitions for 3 folders; not catalogued: dt=__HIVE_DEFAULT_PARTITION__");
        assertReported(report, CHECKS.partitions, /partitions fewer than folders: the crawler has not consumed the events yet .*or the notification\/subscription filter is wrong/);
    });

    it("fails when the Athena query FAILED", async () => {
        const w = healthyWorld();
        w.athenaStates = ["RUNNING", "FAILED"];
        w.athenaReason = "HIVE_BAD_DATA: Field amount's type INT64 in parquet file s3://lake-dev-bucket/exports/orders/dt=2024-01-31/data_0_0_0.snappy.parquet is incompatible with type double";
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.athenaRows]);
        assert.match(check(checks, CHECKS.athenaRows).detail, /^query qe-1 FAILED: HIVE_BAD_DATA: Field amount's type INT64/);
        assertReported(report, CHECKS.athenaRows, /the files disagree with the table's schema: unload with ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE/);
        assert.equal(check(checks, CHECKS.rowCounts).result, "skip");
    });

    it("stops an Athena query that outlasts the timeout", async () => {
        const w = healthyWorld();
        w.athenaStates = ["QUEUED"];
        const { checks, calls } = await run(w, 10);
        assert.match(check(checks, CHECKS.athenaRows).detail, /still QUEUED after 10s; stopped/);
        assert.equal(calls.stopQuery, 1);
    });

    it("fails when Athena and Snowflake counts differ, naming the suspended task and the pending rows", async () => {
        const w = healthyWorld();
        w.athenaRows = 1200;
        w.streamPending = 34;
        w.taskState = "suspended";
        const { checks, report, calls } = await run(w);
        assertFailed(checks, [CHECKS.rowCounts]);
        assert.equal(check(checks, CHECKS.rowCounts).detail,
            "Snowflake 1,234 ≠ Athena 1,200 (lake 34 behind); 34 rows pending in stream ORDERS_LAKE_0A1B2C3D; task ORDERS_LAKE_EXPORT suspended");
        assertReported(report, CHECKS.rowCounts, /counts differ: the task is not running, the stream is stale, or the crawler is behind/);
        const cause = check(checks, CHECKS.rowCounts).cause!;
        assert.match(cause, /task ORDERS_LAKE_EXPORT is suspended/);
        assert.match(cause, /the 34 missing rows are still in the stream/);
        assert.ok(calls.sql.some((s) => s.startsWith("SHOW TASKS LIKE 'ORDERS_LAKE_EXPORT'")));
    });

    it("fails the count check when the lake holds more rows than Snowflake", async () => {
        const w = healthyWorld();
        w.athenaRows = 1300;
        const { checks } = await run(w);
        assertFailed(checks, [CHECKS.rowCounts]);
        assert.match(check(checks, CHECKS.rowCounts).cause!, /deleted or updated in Snowflake stay in the append-only lake/);
    });

    it("fails when Snowflake answers with an error", async () => {
        const w = healthyWorld();
        w.snowflakeError = Object.assign(new Error("SQL compilation error:\nObject 'LAKE_EXPORT.EXPORT.ORDERS' does not exist or not authorized."), { code: "002003" });
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.snowflakeRows]);
        assert.match(check(checks, CHECKS.snowflakeRows).detail, /^"LAKE_EXPORT"."EXPORT"."ORDERS": SQL compilation error: ?\nObject/);
        assertReported(report, CHECKS.snowflakeRows, /LAKE_EXPORT\.EXPORT\.ORDERS is missing, or the session's role lacks USAGE/);
        assert.equal(check(checks, CHECKS.rowCounts).result, "skip");
        // The AWS side is still verified.
        assert.equal(check(checks, CHECKS.athenaRows).result, "pass");
    });

    it("names a failed Snowflake login as such", async () => {
        const w = healthyWorld();
        w.snowflakeError = new Error("could not log in to Snowflake account ORG-ACC as VERIFY: JWT token is invalid.");
        const { checks } = await run(w);
        assert.match(check(checks, CHECKS.snowflakeRows).cause!, /Snowflake refused the login/);
    });

    it("passes an empty Snowflake table with nothing exported", async () => {
        const w = healthyWorld();
        w.folders = [];
        w.partitions = [];
        w.snowflakeRows = 0;
        w.glueTableExists = false;
        const { checks, report } = await run(w);
        assert.equal(report.exitCode, EXIT.ok);
        assert.deepEqual(checks.filter((c) => c.result === "skip").map((c) => c.check), [CHECKS.glueTable, CHECKS.partitions, CHECKS.athenaRows, CHECKS.rowCounts]);
    });

    it("refuses a table that is not in the outputs", async () => {
        const d = deps(healthyWorld());
        await assert.rejects(verifyStack(stackOutputs(), d.deps, { timeoutSeconds: 1, tables: ["customers"] }), /no table customers in the stack outputs \(tables: orders\)/);
    });
});

describe("verify: report", () => {
    it("aligns the columns and lists the likely causes of failures", () => {
        const report = formatReport([
            { table: "orders", check: "s3 objects", result: "pass", detail: "6 objects" },
            { table: "customers", check: "dead-letter queue", result: "fail", detail: "2 visible", cause: "events are malformed" },
            { table: "customers", check: "row counts", result: "skip", detail: "needs both counts" },
        ]);
        assert.equal(report.exitCode, EXIT.failed);
        assert.equal(report.text, [
            "TABLE      CHECK              RESULT  DETAIL",
            "---------  -----------------  ------  ------",
            "orders     s3 objects         PASS    6 objects",
            "customers  dead-letter queue  FAIL    2 visible",
            "customers  row counts         SKIP    needs both counts",
            "",
            "1 passed, 1 failed, 1 skipped (3 checks)",
            "",
            "Likely causes:",
            "  customers / dead-letter queue: events are malformed",
            "",
        ].join("\n"));
    });

    it("fails when no check ran", () => {
        assert.equal(formatReport([]).exitCode, EXIT.failed);
    });
});
