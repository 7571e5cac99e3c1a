/**
 * The unload's failure paths, on both runners (the deploy-time backfill and the task), against the
 * fake Snowflake: whatever fails, and wherever a run is stopped, a file is listed in LAKE_UNLOADS
 * exactly when the unload that wrote it committed, the next run leaves every row in the lake once,
 * and no committed file is ever removed.
 */
import * as assert from "node:assert/strict";
import * as sql from "../components/warehouse/sql";
import { BackfillPlan, PartitionCatalog, runBackfill } from "../components/warehouse/backfill/backfill";
import { FakeSnowflake, RaisedException, Row, RunCancelled, runTaskBody } from "./harness/fake-snowflake";

const stage: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "LAKE_STAGE"];
const path = "orders/g1-0a1b2c3d/";
const copy = [
    `COPY INTO @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/${path}`,
    `FROM (SELECT * FROM "LAKE_EXPORT"."EXPORT"."ORDERS_LAKE_0A1B2C3D")`,
    "DETAILED_OUTPUT = TRUE",
].join("\n");
const stream: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "ORDERS_LAKE_0A1B2C3D"];
const statements = sql.unloadStatements({
    copy,
    stage,
    path,
    table: "ORDERS",
    exportId: "g1-0a1b2c3d",
    stream: stream[2],
    task: "ORDERS_LAKE_EXPORT",
});
const plan: BackfillPlan = { table: "ORDERS", session: [], ...statements };
const body = sql.taskBody(statements, "ORDERS");

const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i, dt: `2024-01-0${(i % 3) + 1}` }));
const ids = (sf: FakeSnowflake) =>
    sf
        .lakeRows()
        .map((r) => r.id)
        .sort((a, b) => a - b);
const quiet = { sleep: async () => undefined, log: () => undefined };
const accessDenied = () => new Error("Failure using stage area. Cause: [Access Denied (Status Code: 403; Error Code: AccessDenied)]");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The invariant: the log lists exactly the files in the export, with their rows, and no committed file is gone. */
function assertLogMatchesLake(sf: FakeSnowflake): void {
    const inLake = [...sf.files.keys()]
        .filter((k) => k.startsWith(path))
        .map((k) => k.slice(path.length))
        .sort();
    assert.deepEqual(sf.log.map((l) => l.fileName).sort(), inLake, "LAKE_UNLOADS lists exactly the export's files");
    for (const l of sf.log) assert.equal(l.rowCount, sf.files.get(`${path}${l.fileName}`)!.length, l.fileName);
    for (const f of sf.committedFiles) assert.ok(sf.files.has(f), `committed file ${f} removed`);
}

const task = (sf: FakeSnowflake) => runTaskBody(body, sf);
const backfill = (sf: FakeSnowflake, log: (line: string) => void = quiet.log) => runBackfill(sf.connection, plan, { ...quiet, log });

/**
 * A run that fails as `rejects` says commits nothing (the stream keeps its rows, the log stays empty,
 * no transaction is left open); after `check`, the next run leaves every row in the lake once, logged.
 */
async function failsThenRecovers(
    run: (sf: FakeSnowflake, log: (line: string) => void) => Promise<unknown>,
    sf: FakeSnowflake,
    rejects: RegExp | (new (...args: never[]) => Error),
    check?: (lines: string[]) => void,
): Promise<void> {
    const n = sf.pending.length;
    const lines: string[] = [];
    await assert.rejects(run(sf, lines.push.bind(lines)), rejects);
    assert.deepEqual([sf.pending.length, sf.log.length, sf.inTransaction], [n, 0, false], "nothing committed");
    check?.(lines);
    await run(sf, quiet.log);
    assert.deepEqual(ids(sf), range(n), "every row once");
    assertLogMatchesLake(sf);
}

describe("the unload log: COPY results whatever their case and shape", () => {
    for (const columnCase of ["upper", "lower"] as const) {
        it(`task: logs every file of a run (${columnCase}-case result columns)`, async () => {
            const sf = new FakeSnowflake(rows(9));
            sf.columnCase = columnCase;
            await task(sf);
            assert.deepEqual(ids(sf), range(9));
            assert.equal(sf.log.length, 3);
            assertLogMatchesLake(sf);
        });

        it(`task: a run with nothing to unload returns the summary row and logs nothing (${columnCase}-case)`, async () => {
            // SYSTEM$STREAM_HAS_DATA may answer TRUE with nothing to consume: 0-row runs are routine.
            const sf = new FakeSnowflake([]);
            sf.columnCase = columnCase;
            await task(sf);
            assert.deepEqual([sf.files.size, sf.log.length], [0, 0]);
            sf.pending = rows(3);
            await task(sf);
            assert.deepEqual(ids(sf), range(3));
            assertLogMatchesLake(sf);
        });

        it(`backfill: logs every file, and never leaves the log empty (${columnCase}-case result columns)`, async () => {
            const sf = new FakeSnowflake(rows(9));
            sf.columnCase = columnCase;
            const summary = await backfill(sf);
            assert.deepEqual([summary.rows, summary.files], [9, 3]);
            assert.ok(sf.log.every((l) => l.queryId === summary.queryId && l.table === "ORDERS" && l.exportId === "g1-0a1b2c3d"));
            assertLogMatchesLake(sf);
        });

        it(`backfill: an empty table unloads nothing and commits (${columnCase}-case summary row)`, async () => {
            const sf = new FakeSnowflake([]);
            sf.columnCase = columnCase;
            const summary = await backfill(sf);
            assert.deepEqual([summary.rows, summary.files, sf.log.length, sf.inTransaction], [0, 0, 0, false]);
        });
    }

    it("task: a result the log cannot list commits nothing; the next run unloads every row once", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.detailedOutput = false; // a result without file names: the log's NOT NULL FILE_NAME refuses it
        await failsThenRecovers(task, sf, /NULL result in a non-nullable column FILE_NAME/, () => (sf.detailedOutput = true));
    });
});

describe("unload faults: a COPY Snowflake retries internally", () => {
    for (const [runner, run] of [
        ["task", task],
        ["backfill", backfill],
    ] as const) {
        it(`${runner}: logs the files under the id their names carry, so the next run's cleanup keeps them`, async () => {
            const sf = new FakeSnowflake(rows(6));
            sf.retryNextCopyInternally();
            await run(sf);
            assert.deepEqual(ids(sf), range(6));
            sf.pending.push(...rows(9).slice(6));
            await task(sf);
            assert.deepEqual(ids(sf), range(9), "every row once");
            assertLogMatchesLake(sf);
        });
    }
});

describe("unload faults: the task", () => {
    it("a failed COPY fails the run; the next run removes its files and unloads every row once", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.failNextCopy(2, accessDenied());
        await failsThenRecovers(task, sf, /Access Denied/);
    });

    it("a log INSERT that fails rolls the COPY back with it; the next run leaves every row once, logged", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.failNextLog = true;
        await failsThenRecovers(task, sf, /Insufficient privileges/);
    });

    it("a run cancelled in the middle of its COPY runs no handler; the next run leaves every row once", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.cancelNextCopy(2);
        await failsThenRecovers(task, sf, RunCancelled, () => assert.equal(sf.files.size, 2, "its files stay until the next run"));
    });

    it("never removes a committed file, over runs that fail, are cancelled, or unload nothing", async () => {
        const sf = new FakeSnowflake(rows(3));
        let next = 3;
        const arrive = (n: number) =>
            sf.pending.push(...Array.from({ length: n }, () => ({ id: next, dt: `2024-02-0${(next++ % 5) + 1}` })));
        await task(sf);
        arrive(4);
        sf.cancelNextCopy(1);
        await assert.rejects(task(sf));
        await task(sf);
        await task(sf); // nothing to unload
        arrive(5);
        sf.failNextLog = true;
        await assert.rejects(task(sf));
        arrive(2);
        sf.failNextCopy(3, accessDenied());
        await assert.rejects(task(sf));
        await task(sf);
        assert.deepEqual(ids(sf), range(next));
        assertLogMatchesLake(sf);
        assert.ok(sf.committedFiles.size >= 5);
    });

    it("keeps the files of an export unloaded before the log listed them: the first run takes them as its baseline", async () => {
        const sf = new FakeSnowflake(rows(6));
        // An earlier version's unload: committed, its log INSERT lost (upper-case columns assumed).
        await sf.connection.execute(copy);
        const earlier = [...sf.files.keys()];
        sf.pending = [{ id: 6, dt: "2024-01-04" }];
        await task(sf);
        for (const f of earlier) assert.ok(sf.files.has(f), `${f} kept`);
        assert.deepEqual(ids(sf), range(7));
        assert.deepEqual(sf.baseline.map((b) => b.queryId).sort(), ["", earlier[0].match(/data_([0-9a-f-]{36})_/)![1]]);
        sf.pending = [{ id: 7, dt: "2024-01-05" }];
        sf.cancelNextCopy(1);
        await assert.rejects(task(sf));
        await task(sf);
        assert.deepEqual(ids(sf), range(8), "later failures are still removed");
        for (const f of earlier) assert.ok(sf.files.has(f));
    });

    it("looks only at its own export's folder", async () => {
        const sf = new FakeSnowflake(rows(3));
        sf.files.set("orders/g0-99999999/dt=2023-12-31/data_01bc0000-0000-4000-8000-0000000000ff_0_0_0.snappy.parquet", [
            { id: 100, dt: "2023-12-31" },
        ]);
        await task(sf);
        sf.cancelNextCopy(0);
        sf.pending = [{ id: 3, dt: "2024-01-09" }];
        await assert.rejects(task(sf));
        await task(sf);
        assert.ok(sf.files.has("orders/g0-99999999/dt=2023-12-31/data_01bc0000-0000-4000-8000-0000000000ff_0_0_0.snappy.parquet"));
    });

    it("builds a block that cleans up first, then commits the COPY and its log together", () => {
        const at = (s: string) => body.indexOf(s);
        assert.match(body, /^DECLARE\n/);
        assert.ok(at("LIST @") < at('INSERT INTO "LAKE_EXPORT"."EXPORT"."LAKE_UNLOAD_BASELINE"'));
        assert.ok(at("LAKE_UNLOAD_BASELINE") < at("EXECUTE IMMEDIATE :cleanup"));
        assert.ok(at("EXECUTE IMMEDIATE :cleanup") < at("BEGIN TRANSACTION;"));
        assert.ok(at("BEGIN TRANSACTION;") < at("COPY INTO") && at("COPY INTO") < at("copy_id := SQLID;"));
        assert.ok(at("copy_id := SQLID;") < at('INSERT INTO "LAKE_EXPORT"."EXPORT"."LAKE_UNLOADS"') && at('LAKE_UNLOADS"') < at("COMMIT;"));
        assert.match(body, /\nEXCEPTION\n {2}WHEN OTHER THEN\n {4}ROLLBACK;\n {4}RAISE;\nEND$/);
        assert.match(body, /FROM TABLE\(RESULT_SCAN\(:copy_id\)\)/);
        assert.match(body, /FROM TABLE\(RESULT_SCAN\(:list_id\)\)/);
        assert.ok(!body.includes("{queryId}") && !body.includes("{listId}"));
    });
});

describe("unload faults: the backfill", () => {
    it("removes what a failed attempt wrote before retrying: every row once, logged", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.failNextCopy(2, accessDenied());
        const summary = await backfill(sf);
        assert.equal(summary.attempts, 2);
        assert.deepEqual(ids(sf), range(9));
        assert.ok(
            [...sf.files.keys()].every((k) => k.includes(summary.queryId)),
            "only the committed query's files remain",
        );
        assertLogMatchesLake(sf);
    });

    it("fails when the log cannot be written, committing nothing; the next pulumi up unloads every row once", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.failNextLog = true;
        await failsThenRecovers(backfill, sf, /Insufficient privileges[\s\S]*rolled back/);
    });

    it("a connection lost during the COPY: its transaction never commits, and the next pulumi up leaves every row once", async () => {
        const sf = new FakeSnowflake(rows(6));
        // A network error carries no SQLSTATE: the session, and its open transaction, are gone.
        sf.failNextCopy(2, Object.assign(new Error("Network error. Could not reach Snowflake."), { sqlState: undefined }));
        await failsThenRecovers(backfill, sf, /Network error/, (lines) => assert.match(lines.join("\n"), /never commits/));
    });

    it("a permanently failed COPY: the next pulumi up removes its files first", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.failNextCopy(1, new Error("SQL compilation error: invalid identifier 'X'"));
        await failsThenRecovers(backfill, sf, /SQL compilation error/);
    });

    it("refuses a Snowflake account hosted outside AWS before unloading anything", async () => {
        for (const region of ["AZURE_WESTEUROPE", "PUBLIC.GCP_US_CENTRAL1"]) {
            const sf = new FakeSnowflake(rows(3));
            sf.region = region;
            const refusal = `${region.replace(".", "\\.")}.*not on AWS[\\s\\S]*cross-cloud support is not available for push notifications`;
            await assert.rejects(backfill(sf), new RegExp(refusal));
            assert.ok(!sf.statements.some((s) => s.startsWith("COPY") || s.startsWith("LIST")), region);
        }
        const aws = new FakeSnowflake(rows(3));
        aws.region = "PUBLIC.AWS_US_GOV_WEST_1";
        await backfill(aws);
        assert.deepEqual(ids(aws), range(3));
    });

    it("registers every partition folder of the export, after the commit", async () => {
        const sf = new FakeSnowflake(rows(6));
        const registered: string[][] = [];
        const catalog: PartitionCatalog = { register: async (folders) => (registered.push(folders), folders.length) };
        const summary = await runBackfill(sf.connection, plan, { ...quiet, catalog });
        assert.deepEqual(registered, [["dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-03"]]);
        assert.equal(summary.partitionsAdded, 3);
        assert.ok(sf.statements.lastIndexOf(plan.list!) > sf.statements.indexOf("COMMIT"), "LIST after the commit");
    });

    it("fails when the partitions cannot be registered, saying the rows are unloaded and a re-run is safe", async () => {
        const sf = new FakeSnowflake(rows(3));
        const catalog: PartitionCatalog = { register: () => Promise.reject(new Error("AccessDeniedException: glue:BatchCreatePartition")) };
        await assert.rejects(
            runBackfill(sf.connection, plan, { ...quiet, catalog }),
            /COPY succeeded[\s\S]*re-run unloads nothing more \(the task unloads what is new\) and registers every partition/,
        );
        // Registration failing again on the re-run says the first read committed, not that a COPY ran.
        await assert.rejects(runBackfill(sf.connection, plan, { ...quiet, catalog }), /hint: The stream's first read committed \(query /);
        assert.equal(sf.pending.length, 0);
        assertLogMatchesLake(sf);
        // The re-run (pulumi up again) registers the partitions and summarises the first read; the task unloads the new row.
        sf.pending = [{ id: 3, dt: "2024-01-01" }];
        const registered: string[][] = [];
        const again = await runBackfill(sf.connection, plan, {
            ...quiet,
            catalog: { register: async (f) => (registered.push(f), f.length) },
        });
        assert.deepEqual([again.rows, again.files, again.attempts, again.queryId], [3, 3, 0, sf.log[0].queryId]);
        assert.deepEqual(registered, [["dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-03"]]);
        assert.equal(sf.pending.length, 1, "the backfill left the new row to the task");
        await task(sf);
        assert.deepEqual(ids(sf), range(4));
        assertLogMatchesLake(sf);
    });

    it("replaced beside the running task (pulumi up --replace): unloads nothing and removes nothing", async () => {
        const sf = new FakeSnowflake(rows(6));
        await backfill(sf);
        sf.pending = [6, 7].map((id) => ({ id, dt: "2024-01-05" }));
        await task(sf);
        // A task run has written a file and not committed yet when the replaced backfill runs.
        const inFlight = "orders/g1-0a1b2c3d/dt=2024-01-06/data_01bc0000-0000-4000-8000-0000000000aa_0_0_0.snappy.parquet";
        sf.files.set(inFlight, [{ id: 8, dt: "2024-01-06" }]);
        sf.pending = [{ id: 8, dt: "2024-01-06" }];
        const from = sf.statements.length;
        const catalog: PartitionCatalog = { register: async (folders) => folders.length };
        const summary = await runBackfill(sf.connection, plan, { ...quiet, catalog });
        const ran = sf.statements.slice(from);
        // Only the registration's LIST: no cleanup, no COPY, no log line.
        assert.ok(!ran.some((q) => /^(COPY|REMOVE|INSERT|BEGIN)/.test(q)), ran.join("\n"));
        assert.equal(ran.filter((q) => q.startsWith("LIST")).length, 1);
        // Every folder LIST shows, the in-flight run's too: a partition with no committed file yet reads as empty.
        assert.equal(summary.partitionsAdded, 5);
        assert.ok(sf.files.has(inFlight), "the task's uncommitted file is left to its own run");
        // It reports what the stream's reads committed: the first read's 6 rows in 3 files, the task run's 2 in 1.
        assert.deepEqual([summary.rows, summary.files, summary.queryId, sf.pending.length], [8, 4, sf.log[0].queryId, 1]);
    });
});

describe("unload faults: a backfill replaced beside the task of a stream that committed no file", () => {
    /** The provider creates (or updates) the table's task once the backfill succeeded, reading `on`. */
    const deployTask = (sf: FakeSnowflake, on = stream) => sf.tasks.set("ORDERS_LAKE_EXPORT", sql.streamHasDataCondition(on));
    const inFlight = "orders/g1-0a1b2c3d/dt=2024-01-02/data_01bc0000-0000-4000-8000-0000000000aa_0_0_0.snappy.parquet";

    it("an empty table's export, its task mid-run: unloads nothing and removes nothing; the task's next run leaves every row once", async () => {
        const sf = new FakeSnowflake([]);
        assert.equal((await backfill(sf)).files, 0, "the first read found nothing and wrote nothing");
        deployTask(sf);
        // Rows arrive; a task run has written a file of them and not committed when the replaced backfill runs.
        sf.pending = rows(3);
        sf.files.set(inFlight, rows(3));
        const from = sf.statements.length;
        const lines: string[] = [];
        const summary = await backfill(sf, lines.push.bind(lines));
        const ran = sf.statements.slice(from);
        assert.ok(!ran.some((q) => /^(COPY|REMOVE|INSERT|BEGIN|LIST)/.test(q)), ran.join("\n"));
        assert.deepEqual([summary.rows, summary.files, summary.attempts, sf.pending.length], [0, 0, 0, 3]);
        assert.ok(sf.files.has(inFlight), "the task's uncommitted file is left to its own run");
        assert.ok(
            lines.some((l) => /past its first read \(the task reads it\)/.test(l)),
            lines.join("\n"),
        );
        // That run never commits (cancelled); the next removes its file and unloads the rows once.
        await task(sf);
        assert.deepEqual(ids(sf), range(3));
        assertLogMatchesLake(sf);
    });

    it("a new export's backfill runs beside the task of the earlier export's stream", async () => {
        const sf = new FakeSnowflake(rows(3));
        deployTask(sf, ["LAKE_EXPORT", "EXPORT", "ORDERS_LAKE_FFFFFFFF"]);
        sf.tasks.set("ORDERS$LAKE_EXPORT", sql.streamHasDataCondition(stream)); // another task, which SHOW's LIKE matches (`_`)
        const summary = await backfill(sf);
        assert.deepEqual([summary.rows, summary.attempts], [3, 1]);
        assert.deepEqual(ids(sf), range(3));
    });
});

describe("unload faults: a new stream's first read into a folder an earlier stream filled", () => {
    /** An export the backfill and a task run filled (rows 0-8), then its stream created again with the table's 12 rows. */
    async function exportedThenRecreated(): Promise<FakeSnowflake> {
        const sf = new FakeSnowflake(rows(9));
        await backfill(sf);
        sf.pending = [9, 10, 11].map((id) => ({ id, dt: "2024-01-04" }));
        await task(sf);
        sf.recreateStream(rows(12));
        return sf;
    }
    const copies = (sf: FakeSnowflake) => sf.statements.filter((q) => q.startsWith("COPY INTO")).length;
    /** Refused before any COPY: the lake, the log and the stream as they were. */
    async function refuses(sf: FakeSnowflake, run: Promise<unknown>, error: (err: Error) => void): Promise<void> {
        const before = [copies(sf), sf.files.size];
        await assert.rejects(run, (err: Error) => (error(err), true));
        assert.deepEqual([copies(sf), sf.files.size, sf.log.length, sf.inTransaction], [...before, before[1], false], "nothing unloaded");
        assert.deepEqual([ids(sf), sf.pending.length], [range(12), 12], "every row once in the lake, and still in the stream");
        assertLogMatchesLake(sf);
    }

    it("backfill (a setting set back to an earlier value): refuses before unloading, and says to raise generation", async () => {
        const sf = await exportedThenRecreated();
        await refuses(sf, backfill(sf), (err) => {
            assert.match(
                err.message,
                /ORDERS: the export folder holds files that an earlier stream committed[\s\S]*Raise the table generation/,
            );
            assert.match(err.message, /lists 4 files of this export from before its stream was created[\s\S]*Nothing was unloaded/);
        });
    });

    it("task (a stale stream recreated in place): the run fails with the exception, unloading nothing", async () => {
        const sf = await exportedThenRecreated();
        await refuses(sf, task(sf), (err) => {
            assert.ok(err instanceof RaisedException);
            assert.equal(err.message, `-20001 (P0001): ${sql.repeatedExportMessage("ORDERS")}`);
        });
    });

    it("goes on once the new stream has committed files: an export repeated before the check keeps flowing", async () => {
        const sf = await exportedThenRecreated();
        // An earlier version's task unloaded the recreated stream's rows, without the check.
        await runTaskBody(body.replace(/\n {2}SHOW STREAMS [^]*?END IF;/, ""), sf);
        sf.pending = [{ id: 12, dt: "2024-01-05" }];
        await task(sf);
        assert.equal(ids(sf).filter((id) => id === 12).length, 1, "the new row once");
        assertLogMatchesLake(sf);
    });

    it("an empty export's folder, or an export the stream itself filled, runs as before", async () => {
        const sf = new FakeSnowflake([]);
        await backfill(sf);
        sf.recreateStream(rows(3));
        await task(sf);
        assert.deepEqual(ids(sf), range(3), "no file was committed before the stream, so nothing repeats");
        sf.pending = [{ id: 3, dt: "2024-01-01" }];
        await task(sf);
        assert.deepEqual(ids(sf), range(4));
    });
});
