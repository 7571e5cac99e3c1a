import * as assert from "node:assert/strict";
import { Check, CHECKS, verifyStack } from "../../tools/verify/core";
import { EXIT } from "../../tools/cli/command";
import { formatReport } from "../../tools/verify/format";
import { DAY, deps, healthyWorld, LOG_SQL, stackOutputs, START, stopMocks, World } from "./world";

const TIMEOUT = 900;

async function run(w: World, timeoutSeconds = TIMEOUT, outputs = stackOutputs()) {
    const d = deps(w);
    const checks = await verifyStack(outputs, d.deps, { timeoutSeconds });
    return { ...d, checks, report: formatReport(checks) };
}

function check(checks: Check[], name: string): Check {
    const c = checks.find((x) => x.check === name);
    assert.ok(c, `no check ${name} in ${checks.map((x) => x.check).join(", ")}`);
    return c;
}

/** Exactly the named checks failed; the others passed or were skipped. */
function assertFailed(checks: Check[], expected: string[]): void {
    assert.deepEqual(
        checks
            .filter((c) => c.result === "fail")
            .map((c) => c.check)
            .sort(),
        [...expected].sort(),
    );
}

/** The failure's cause appears in the report's "Likely causes" under the failing check. */
function assertReported(report: { text: string; exitCode: number }, name: string, cause: RegExp): void {
    assert.equal(report.exitCode, EXIT.failed);
    const causes = report.text.slice(report.text.indexOf("Likely causes:"));
    const line = causes.split("\n").find((l) => l.includes(`orders / ${name}:`));
    assert.ok(line, `no cause line for ${name} in:\n${report.text}`);
    assert.match(line, cause);
}

/** A broken stack: the check verify fails, and what it says. */
interface Broken {
    name: string;
    /** How the stack differs from a healthy one. */
    world: Partial<World>;
    check: string;
    /** The checks that fail with it: exactly these fail, as errors; the others pass or are skipped. */
    alsoFailed?: string[];
    /** Its detail: equal to a string, or matching a pattern. */
    detail?: string | RegExp;
    /** What its line under the report's "Likely causes" says. */
    reported?: RegExp[];
    /** What its cause says. */
    cause?: RegExp[];
    /** Other checks' results: a failure skips the checks that need its answer, and only those. */
    results?: Record<string, Check["result"]>;
}

const BROKEN: Broken[] = [
    {
        name: "fails when export objects were not replicated: none written before the configuration, nor FAILED, with the way out",
        world: { replication: (_key, i) => (i < 2 ? undefined : i === 2 ? "FAILED" : "COMPLETED") },
        check: CHECKS.replication,
        detail: "3 COMPLETED, 1 FAILED, 2 without a status (6 objects; replica s3://lake-dev-replica-bucket)",
        reported: [
            /2 objects \(dt=2024-01-30\/data_0_0_0\.snappy\.parquet, dt=2024-01-30\/data_0_0_1\.snappy\.parquet\) have no replication status: written before the replication configuration existed .*S3 Batch Replication/,
            /S3 could not replicate 1 object \(dt=2024-01-31\/data_0_0_0\.snappy\.parquet\): check the replication role's grants/,
        ],
    },
    {
        name: "fails when the dead-letter queue is not empty",
        world: { dlq: { visible: 4, inFlight: 1 } },
        check: CHECKS.deadLetterQueue,
        detail: /^4 visible, 1 in flight in https:\/\/sqs\.eu-west-1\.amazonaws\.com\/123456789012\/orders-dlq$/,
        reported: [/the crawler cannot read the queue \(role\/KMS\) or events are malformed/],
        cause: [/rawMessageDelivery/],
    },
    {
        name: "fails when the table's prefix holds no objects",
        world: { folders: [], partitions: [], glueTableExists: false },
        check: CHECKS.objects,
        alsoFailed: [CHECKS.glueTable],
        detail: /^no objects under s3:\/\/lake-dev-bucket\/exports\/orders\/g1-0a1b2c3d\/; the backfill reported status ok, 1,000 rows, 3 files$/,
        reported: [/no objects: the backfill did not run or the integration role cannot write/],
        cause: [/1,000 rows unloaded, so they went elsewhere/],
        results: { [CHECKS.partitions]: "skip", [CHECKS.athenaRows]: "skip", [CHECKS.rowCounts]: "skip" },
    },
    {
        name: "fails when the crawler has not created the Glue table",
        world: { glueTableExists: false, partitions: [] },
        check: CHECKS.glueTable,
        reported: [/the crawler has not created lake\.orders/],
    },
    {
        name: "fails when the Glue table points elsewhere than the table's folder",
        world: { glueTableLocation: `s3://other-bucket/exports/orders/` },
        check: CHECKS.glueTable,
        reported: [
            /the table points at s3:\/\/other-bucket\/exports\/orders\/, not s3:\/\/lake-dev-bucket\/exports\/orders\/g1-0a1b2c3d\//,
        ],
    },
    {
        name: "fails when the Glue table has no partition keys although the folders are partitions",
        world: { gluePartitionKeys: [] },
        check: CHECKS.glueTable,
        reported: [/no partition keys although the prefix holds partition folders/],
    },
    {
        name: "fails the queue check when the queue cannot be read",
        world: {
            queueError: Object.assign(new Error("User is not authorized to perform: sqs:GetQueueAttributes"), { name: "AccessDenied" }),
        },
        check: CHECKS.queue,
        detail: /orders-queue: .*not authorized to perform: sqs:GetQueueAttributes/,
        reported: [/sqs:GetQueueAttributes/],
    },
    {
        name: "fails when the crawler's run FAILED",
        world: {
            crawlerStatus: "FAILED",
            crawlerError:
                "Service Principal: glue.amazonaws.com is not authorized to perform: sqs:ReceiveMessage on resource: orders-queue",
        },
        check: CHECKS.crawler,
        detail: /: FAILED: Service Principal: glue\.amazonaws\.com is not authorized .*; logs: \/aws-glue\/crawlers \/ incremental-crawl-dev-orders$/,
        reported: [/the crawler cannot use its event queue: its role needs sqs:ReceiveMessage/],
    },
    {
        name: "names the crawler's own encrypted log group when the run could not write its log",
        world: {
            crawlerStatus: "FAILED",
            crawlerError:
                "User: arn:aws:sts::123456789012:assumed-role/incremental-crawl-prod-orders-crawler/AWS-Crawler is not authorized to perform: logs:AssociateKmsKey on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/x",
        },
        check: CHECKS.crawler,
        reported: [/the crawler cannot write its CloudWatch log: .*\/aws-glue\/crawlers-role\/<role>-<security configuration>/],
    },
    {
        name: "fails when the Athena query FAILED",
        world: {
            athenaStates: ["RUNNING", "FAILED"],
            athenaReason:
                "HIVE_BAD_DATA: Field amount's type INT64 in parquet file s3://lake-dev-bucket/exports/orders/g1-0a1b2c3d/dt=2024-01-31/data_0_0_0.snappy.parquet is incompatible with type double",
        },
        check: CHECKS.athenaRows,
        detail: /^query qe-1 FAILED: HIVE_BAD_DATA: Field amount's type INT64/,
        reported: [/the files disagree with the table's schema: unload with ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE/],
        results: { [CHECKS.rowCounts]: "skip" },
    },
    {
        // The task's state is the answer to SHOW TASKS LIKE 'ORDERS_LAKE_EXPORT', the one form of it the fake answers.
        name: "fails when Athena and Snowflake counts differ, naming the suspended task and the pending rows",
        world: { athenaRows: 1200, streamPending: 34, taskState: "suspended" },
        check: CHECKS.rowCounts,
        detail: "Snowflake 1,234 > Athena 1,200 (lake 34 behind); 34 rows pending in stream ORDERS_LAKE_0A1B2C3D; task ORDERS_LAKE_EXPORT suspended",
        reported: [/the lake holds fewer rows than Snowflake: the task is not running, the stream is stale, or the crawler is behind/],
        cause: [/task ORDERS_LAKE_EXPORT is suspended/, /the 34 missing rows are still in the stream/],
    },
    {
        name: "fails when the stream is stale: raise the generation before pulumi up",
        world: { stream: { stale: "true", staleAfter: new Date(START - 3 * DAY) } },
        check: CHECKS.stream,
        detail: "ORDERS_LAKE_0A1B2C3D is stale (stale_after 2023-11-11T22:13:20Z, 3d ago); task ORDERS_LAKE_EXPORT started",
        reported: [/raise the table's `generation` in the stack file before the next pulumi up/],
        cause: [
            /recreated stream starts with every row .* refuses to unload again into export g1-0a1b2c3d/,
            /the first pulumi up after a refresh \(pulumi refresh, or pulumi up --refresh\) recreates the stream in place/,
        ],
    },
    {
        name: "fails when the stream is gone: its re-creation would re-export the table into the same folder",
        world: { stream: "missing" },
        check: CHECKS.stream,
        detail: "no stream ORDERS_LAKE_0A1B2C3D in LAKE_EXPORT.EXPORT",
        cause: [/raise the table's `generation`/],
    },
    {
        name: "fails when Snowflake answers with an error",
        world: {
            snowflakeError: Object.assign(
                new Error("SQL compilation error:\nObject 'LAKE_EXPORT.EXPORT.ORDERS' does not exist or not authorized."),
                { code: "002003" },
            ),
        },
        check: CHECKS.snowflakeRows,
        alsoFailed: [CHECKS.stream],
        detail: /^"LAKE_EXPORT"."EXPORT"."ORDERS": SQL compilation error: ?\nObject/,
        reported: [/LAKE_EXPORT\.EXPORT\.ORDERS is missing, or the session's role lacks USAGE/],
        // The AWS side is still verified.
        results: { [CHECKS.rowCounts]: "skip", [CHECKS.athenaRows]: "pass" },
    },
    {
        name: "names a failed Snowflake login as such",
        world: { snowflakeError: new Error("could not log in to Snowflake account ORG-ACC as VERIFY: JWT token is invalid.") },
        check: CHECKS.snowflakeRows,
        alsoFailed: [CHECKS.stream, CHECKS.partitionRows],
        cause: [/Snowflake refused the login/],
    },
];

describe("verify: core checks against a mocked stack", () => {
    after(stopMocks);

    for (const b of BROKEN)
        it(b.name, async () => {
            const { checks, report } = await run(Object.assign(healthyWorld(), b.world));
            assertFailed(checks, [b.check, ...(b.alsoFailed ?? [])]);
            for (const c of checks.filter((x) => x.result === "fail")) assert.equal(c.severity, undefined, `${c.check} is an error`);
            const c = check(checks, b.check);
            if (typeof b.detail === "string") assert.equal(c.detail, b.detail);
            else if (b.detail) assert.match(c.detail, b.detail);
            for (const cause of b.reported ?? []) assertReported(report, b.check, cause);
            for (const cause of b.cause ?? []) assert.match(c.cause!, cause);
            for (const [name, result] of Object.entries(b.results ?? {})) assert.equal(check(checks, name).result, result);
        });

    it("passes every check of a healthy stack, exit code 0", async () => {
        const { checks, report, calls, clock, progress } = await run(healthyWorld());
        // Not a source table, so its columns are not compared with Snowflake's.
        assert.deepEqual(
            checks.map((c) => c.check),
            Object.values(CHECKS).filter((c) => c !== CHECKS.columns),
        );
        assert.deepEqual(
            checks.filter((c) => c.result !== "pass"),
            [],
        );
        assert.equal(report.exitCode, EXIT.ok);

        assert.match(check(checks, CHECKS.snowflakeRows).detail, /^1,234 rows in LAKE_EXPORT\.EXPORT\.ORDERS$/);
        // 3 folders over 2 pages of CommonPrefixes, 6 objects over 2 pages of Contents.
        assert.match(
            check(checks, CHECKS.objects).detail,
            /^6 objects \(5\.9 KiB\) in 3 partition folders under s3:\/\/lake-dev-bucket\/exports\/orders\/g1-0a1b2c3d\/$/,
        );
        assert.equal(check(checks, CHECKS.replication).detail, "6 COMPLETED (6 objects; replica s3://lake-dev-replica-bucket)");
        assert.match(check(checks, CHECKS.queue).detail, /before the crawl 3 visible, 0 in flight/);
        assert.match(check(checks, CHECKS.crawler).detail, /SUCCEEDED \(started by verify, 45s\)/);
        assert.match(check(checks, CHECKS.glueTable).detail, /2 columns, partition keys \(dt\), parquet/);
        assert.equal(check(checks, CHECKS.partitions).detail, "3 partitions for 3 folders");
        assert.match(check(checks, CHECKS.athenaRows).detail, /^1,234 rows \(query qe-1, workgroup incremental-crawl-dev\)$/);
        assert.equal(check(checks, CHECKS.rowCounts).detail, "Snowflake 1,234 = Athena 1,234");
        assert.equal(check(checks, CHECKS.stream).detail, "ORDERS_LAKE_0A1B2C3D is not stale; stale after 2023-11-24T22:13:20Z, in 10d");
        assert.equal(
            check(checks, CHECKS.partitionRows).detail,
            "3 partitions, 1,234 rows in Athena as in the unload log (6 files of export g1-0a1b2c3d; query qe-2)",
        );

        assert.equal(calls.startCrawler, 1);
        assert.deepEqual(calls.sql, [
            'SELECT COUNT(*) AS "ROW_COUNT" FROM "LAKE_EXPORT"."EXPORT"."ORDERS"',
            `SHOW STREAMS LIKE 'ORDERS_LAKE_0A1B2C3D' IN SCHEMA "LAKE_EXPORT"."EXPORT"`,
            LOG_SQL,
        ]);
        // Rows per partition: the NULL partition and two result pages (header on the first) read back as folders.
        assert.deepEqual(calls.athena, ['SELECT COUNT(*) FROM "lake"."orders"', 'SELECT "dt", COUNT(*) FROM "lake"."orders" GROUP BY 1']);
        // Waits went through the injected sleep: 3 crawler polls of 15 s, 2 polls of 2 s for each Athena query.
        assert.deepEqual(clock.sleeps, [15_000, 15_000, 15_000, 2_000, 2_000, 2_000, 2_000]);
        assert.ok(
            progress.some((l) => /^\[orders\] crawler incremental-crawl-dev-orders: RUNNING, \d+s elapsed \(timeout 15m\)$/.test(l)),
            progress.join("\n"),
        );

        assert.match(report.text, /^TABLE\s+CHECK\s+RESULT\s+DETAIL\n/);
        assert.match(report.text, /\norders\s+glue partitions\s+PASS\s+3 partitions for 3 folders\n/);
        assert.match(report.text, /12 passed, 0 failed, 0 skipped \(12 checks\)/);
        assert.doesNotMatch(report.text, /Likely causes/);
    });

    it("passes objects whose replication is PENDING, and warns once one has been pending for more than a day", async () => {
        const w = healthyWorld();
        w.replication = (_key, i) => (i === 5 ? "PENDING" : "COMPLETED");
        w.objectAgeMs = (i) => (i === 5 ? 10 * 60 * 1000 : 2 * DAY);
        const fresh = await run(w);
        assert.equal(check(fresh.checks, CHECKS.replication).result, "pass");
        assert.match(check(fresh.checks, CHECKS.replication).detail, /^5 COMPLETED, 1 PENDING /);
        w.objectAgeMs = () => 2 * DAY;
        const { checks, report } = await run(w);
        assert.deepEqual([check(checks, CHECKS.replication).result, check(checks, CHECKS.replication).severity], ["fail", "warning"]);
        assert.match(report.text, /\n {2}orders \/ s3 replication \(warning\): 1 objects have been PENDING for more than a day/);
    });

    it("asks at most the oldest and newest objects of a large export, and skips without a replica", async () => {
        const w = healthyWorld();
        w.objectsPerFolder = 400;
        w.unloadLog = Object.fromEntries(Object.entries(w.unloadLog as Record<string, number>));
        w.objectAgeMs = (i) => (1200 - i) * 60_000;
        const { checks, calls } = await run(w);
        assert.equal(calls.heads, 1000);
        assert.match(check(checks, CHECKS.replication).detail, /^1,000 COMPLETED \(the 500 oldest and 500 newest of 1,200 objects; /);
        const none = await run(healthyWorld(), TIMEOUT, { ...stackOutputs(), replica: undefined });
        assert.deepEqual(
            [check(none.checks, CHECKS.replication).result, check(none.checks, CHECKS.replication).detail],
            ["skip", "the stack has no replica (replicaRegion)"],
        );
        assert.equal(none.calls.heads, 0);
    });

    describe("a table with retentionDays: S3 expires what Snowflake keeps", () => {
        /** 30 days' retention; dt=2024-01-29's 766 rows were unloaded long ago and have expired (its partition stays catalogued). */
        function retainedWorld(): World {
            const w = healthyWorld();
            w.snowflakeRows = 2000;
            w.unloadLog = { "dt=2024-01-29": 766, "dt=2024-01-30": 600, "dt=2024-01-31": 600, "dt=__HIVE_DEFAULT_PARTITION__": 34 };
            w.unloadLogKept = { "dt=2024-01-29": 0, "dt=2024-01-30": 600, "dt=2024-01-31": 600, "dt=__HIVE_DEFAULT_PARTITION__": 34 };
            w.partitions = [...w.folders, "dt=2024-01-29"];
            return w;
        }
        const retained = () => {
            const o = stackOutputs();
            o.tables.orders.retentionDays = 30;
            return o;
        };

        it("passes when Athena holds the rows unloaded within the retention: Snowflake's count is no lower bound", async () => {
            const { checks, calls, report } = await run(retainedWorld(), TIMEOUT, retained());
            assert.equal(report.exitCode, EXIT.ok, report.text);
            const since = "2023-10-16 22:13:20"; // the clock's start less 29 days, when the check ran (after the crawler's 45 s)
            assert.match(
                check(checks, CHECKS.rowCounts).detail,
                new RegExp(
                    `^Snowflake 2,000 > Athena 1,234: the table keeps its objects 30 days \\(retentionDays\\).*the unload log has 1,234 rows unloaded since ${since.slice(0, 13)}.*, and Athena holds them$`,
                ),
            );
            assert.match(
                check(checks, CHECKS.partitionRows).detail,
                /^4 partitions, 1,234 rows in Athena of the unload log's 2,000 .*retentionDays 30: at least the rows unloaded since/,
            );
            assert.match(
                check(checks, CHECKS.partitions).detail,
                /without a folder: dt=2024-01-29, whose objects expired \(retentionDays 30\)/,
            );
            assert.ok(
                calls.sql.some((q) => /KEPT_ROWS/.test(q)),
                "the log is asked for the rows unloaded since the retention's start",
            );
        });

        it("without retentionDays in the outputs the same lake fails the row counts, the rows per partition and the partitions", async () => {
            const { checks } = await run(retainedWorld());
            assertFailed(checks, [CHECKS.rowCounts, CHECKS.partitionRows, CHECKS.partitions]);
        });

        it("fails when Athena holds fewer rows than were unloaded within the retention", async () => {
            const w = retainedWorld();
            w.unloadLogKept = { ...w.unloadLogKept!, "dt=2024-01-29": 100 };
            const { checks, report } = await run(w, TIMEOUT, retained());
            assertFailed(checks, [CHECKS.rowCounts, CHECKS.partitionRows]);
            assert.match(check(checks, CHECKS.rowCounts).detail, /1,334 rows unloaded since .*; Athena is 100 short/);
            assertReported(report, CHECKS.partitionRows, /partitions Athena does not have \(dt=2024-01-29\)/);
        });

        it("says why it cannot compare without the unload log", async () => {
            const w = retainedWorld();
            w.unloadLog = "missing";
            const { checks } = await run(w, TIMEOUT, retained());
            assert.equal(check(checks, CHECKS.rowCounts).result, "skip");
            assert.match(
                check(checks, CHECKS.rowCounts).detail,
                /keeps its objects 30 days \(retentionDays\).*no lower bound, and there is no unload log LAKE_EXPORT\.EXPORT\.LAKE_UNLOADS to compare with/,
            );
        });
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
        assertFailed(checks, [CHECKS.partitions, CHECKS.partitionRows]);
        assert.equal(check(checks, CHECKS.partitions).detail, "2 partitions for 3 folders; not catalogued: dt=__HIVE_DEFAULT_PARTITION__");
        // The uncatalogued partition's rows are missing from Athena, and named so.
        assert.match(
            check(checks, CHECKS.partitionRows).detail,
            /^1 with fewer rows in Athena than the unload log \(34 rows\): dt=__HIVE_DEFAULT_PARTITION__ \(Athena 0, log 34\); 2 of 3 partitions agree/,
        );
        assertReported(
            report,
            CHECKS.partitionRows,
            /partitions Athena does not have \(dt=__HIVE_DEFAULT_PARTITION__\) are not catalogued yet/,
        );
        assertReported(
            report,
            CHECKS.partitions,
            /partitions fewer than folders: the crawler has not consumed the events yet .*or the notification\/subscription filter is wrong/,
        );
    });

    it("stops an Athena query that outlasts the timeout", async () => {
        const w = healthyWorld();
        w.athenaStates = ["QUEUED"];
        const { checks, calls } = await run(w, 10);
        assert.match(check(checks, CHECKS.athenaRows).detail, /still QUEUED after 10s; stopped/);
        assert.equal(calls.stopQuery, 1);
    });

    it("passes the count check when the lake holds more rows than Snowflake: a lower bound, with a note", async () => {
        const w = healthyWorld();
        w.snowflakeRows = 1200;
        const { checks, report } = await run(w);
        assert.equal(report.exitCode, EXIT.ok);
        assert.deepEqual(check(checks, CHECKS.rowCounts), {
            table: "orders",
            check: CHECKS.rowCounts,
            result: "pass",
            detail: "Snowflake 1,200 < Athena 1,234; 34 rows more than Snowflake holds now: deleted or updated upstream, the lake is append-only; see partition rows for duplicates",
        });
    });

    it("names the partitions with fewer rows (lost) and more rows (duplicated) than the unload log", async () => {
        const w = healthyWorld();
        w.lakeRows = { "dt=2024-01-30": 550, "dt=2024-01-31": 1200, "dt=__HIVE_DEFAULT_PARTITION__": 34 };
        w.athenaRows = 1784;
        const { checks, report, calls } = await run(w);
        // The lake is ahead of Snowflake in total, which passes; the partitions tell what is wrong.
        assertFailed(checks, [CHECKS.partitionRows]);
        assert.equal(check(checks, CHECKS.rowCounts).result, "pass");
        assert.equal(
            check(checks, CHECKS.partitionRows).detail,
            "1 with fewer rows in Athena than the unload log (50 rows): dt=2024-01-30 (Athena 550, log 600); " +
                "1 with more (600 rows): dt=2024-01-31 (Athena 1,200, log 600); 1 of 3 partitions agree (Athena 1,784, log 1,234 rows; query qe-2)",
        );
        const cause = check(checks, CHECKS.partitionRows).cause!;
        assert.match(cause, /catalogued partitions with fewer rows than were unloaded lost files/);
        assert.match(cause, /a stream recreated with its initial rows .* re-exports every row into the same export/);
        assertReported(report, CHECKS.partitionRows, /lost files/);
        // More rows than logged: the log is read again, in case an unload committed meanwhile.
        assert.equal(calls.sql.filter((q) => q === LOG_SQL).length, 2);
    });

    it("passes rows per partition when an unload committed while Athena counted", async () => {
        const w = healthyWorld();
        w.lakeRows = { ...w.lakeRows, "dt=2024-01-31": 650 };
        w.unloadLogLater = { ...(w.unloadLog as Record<string, number>), "dt=2024-01-31": 650 };
        const { checks, report } = await run(w);
        assert.equal(report.exitCode, EXIT.ok, report.text);
        assert.match(check(checks, CHECKS.partitionRows).detail, /^3 partitions, 1,284 rows in Athena as in the unload log/);
    });

    it("skips rows per partition without an unload log, or with none of the export's files, or without an export id", async () => {
        const missing = healthyWorld();
        missing.unloadLog = "missing";
        const a = await run(missing);
        assert.equal(a.report.exitCode, EXIT.ok);
        const skipped = check(a.checks, CHECKS.partitionRows);
        assert.equal(skipped.result, "skip");
        assert.match(
            skipped.detail,
            /^no unload log LAKE_EXPORT\.EXPORT\.LAKE_UNLOADS to compare with \(SQL compilation error: Object .* does not exist or not authorized\.\): a stack deployed before the log/,
        );
        // Athena is not asked for rows per partition when there is nothing to compare them with.
        assert.deepEqual(a.calls.athena, ['SELECT COUNT(*) FROM "lake"."orders"']);

        const empty = healthyWorld();
        empty.unloadLog = {};
        const b = await run(empty);
        assert.deepEqual([check(b.checks, CHECKS.partitionRows).result, b.report.exitCode], ["skip", EXIT.ok]);
        assert.match(
            check(b.checks, CHECKS.partitionRows).detail,
            /^per-partition check skipped: the unload log LAKE_EXPORT\.EXPORT\.LAKE_UNLOADS records no files of ORDERS export g1-0a1b2c3d, while S3 holds [\d,]+ objects of it\. They were unloaded before the log existed, or by a version whose log INSERT failed after its COPY had committed \(COPY results with lower-case column names/,
        );
        assert.match(b.report.text, /per-partition check skipped/, "the report says so");

        const older = stackOutputs();
        older.tables.orders.exportId = undefined;
        const c = await run(healthyWorld(), TIMEOUT, older);
        assert.equal(check(c.checks, CHECKS.partitionRows).result, "skip");
        assert.match(check(c.checks, CHECKS.partitionRows).detail, /the outputs carry no exportId/);
        assert.ok(!c.calls.sql.includes(LOG_SQL));
    });

    it("fails, as a warning, when the stream goes stale in less than two days, naming the task's state", async () => {
        const w = healthyWorld();
        w.stream = { stale: "false", staleAfter: new Date(START + DAY + 6 * 3600_000) };
        w.taskState = "suspended";
        const { checks, report } = await run(w);
        assertFailed(checks, [CHECKS.stream]);
        const c = check(checks, CHECKS.stream);
        assert.equal(c.severity, "warning");
        assert.equal(
            c.detail,
            "ORDERS_LAKE_0A1B2C3D goes stale in 1d 6h, at 2023-11-16T04:13:20Z (less than 2d away); task ORDERS_LAKE_EXPORT suspended",
        );
        assert.equal(report.exitCode, EXIT.failed);
        assert.match(
            report.text,
            /\n {2}orders \/ snowflake stream \(warning\): the task is not consuming the stream .*SHOW TASKS .*alerts topic .*RESUME/,
        );
        assert.match(report.text, /11 passed, 1 failed \(1 of them a warning\), 0 skipped \(12 checks\)/);
    });

    it("passes an empty Snowflake table with nothing exported", async () => {
        const w = healthyWorld();
        w.folders = [];
        w.partitions = [];
        w.snowflakeRows = 0;
        w.glueTableExists = false;
        const { checks, report } = await run(w);
        assert.equal(report.exitCode, EXIT.ok);
        assert.deepEqual(
            checks.filter((c) => c.result === "skip").map((c) => c.check),
            [CHECKS.replication, CHECKS.glueTable, CHECKS.partitions, CHECKS.athenaRows, CHECKS.rowCounts, CHECKS.partitionRows],
        );
    });

    it("refuses a table that is not in the outputs", async () => {
        const d = deps(healthyWorld());
        await assert.rejects(
            verifyStack(stackOutputs(), d.deps, { timeoutSeconds: 1, tables: ["customers"] }),
            /no table customers in the stack outputs \(tables: orders\)/,
        );
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
        assert.equal(
            report.text,
            [
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
            ].join("\n"),
        );
    });

    it("marks a warning-level failure in the summary and its cause; it still fails", () => {
        const report = formatReport([
            {
                table: "orders",
                check: "snowflake stream",
                result: "fail",
                detail: "goes stale in 1d",
                cause: "resume the task",
                severity: "warning",
            },
        ]);
        assert.equal(report.exitCode, EXIT.failed);
        assert.match(report.text, /\norders  snowflake stream  FAIL    goes stale in 1d\n/);
        assert.match(report.text, /\n0 passed, 1 failed \(1 of them a warning\), 0 skipped \(1 checks\)\n/);
        assert.match(report.text, /\n {2}orders \/ snowflake stream \(warning\): resume the task\n/);
    });

    it("fails when no check ran", () => {
        assert.equal(formatReport([]).exitCode, EXIT.failed);
    });
});
