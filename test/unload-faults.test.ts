/**
 * Fault injection on both unload paths, the deploy-time backfill and the task: a COPY that fails
 * after writing some files must leave no row twice in the lake once the next unload succeeds.
 */
import * as assert from "node:assert/strict";
import { sql } from "@incremental-crawl/components";
import { BackfillPlan, PartitionCatalog, runBackfill } from "../components/warehouse/backfill/backfill";
import { FakeSnowflake, Row, runTaskBody } from "./harness/fake-snowflake";

const stage: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "LAKE_STAGE"];
const path = "orders/g1-0a1b2c3d/";
const copy = [`COPY INTO @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/${path}`, `FROM (SELECT * FROM "LAKE_EXPORT"."EXPORT"."ORDERS_LAKE_0A1B2C3D")`, "DETAILED_OUTPUT = TRUE"].join("\n");
const cleanup = sql.removeFilesOfQuery(stage, path);
const logInsert = sql.unloadLogInsert(["LAKE_EXPORT", "EXPORT", sql.UNLOAD_LOG_TABLE], "ORDERS", "g1-0a1b2c3d");
const plan: BackfillPlan = { table: "ORDERS", session: [], copy, cleanup, list: sql.listFiles(stage, path), log: logInsert };
const logged = (sf: FakeSnowflake) => sf.log.reduce((n, l) => n + l.rowCount, 0);

const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i, dt: `2024-01-0${(i % 3) + 1}` }));
const ids = (sf: FakeSnowflake) => sf.lakeRows().map((r) => r.id).sort((a, b) => a - b);
const quiet = { sleep: async () => undefined, log: () => undefined };
const accessDenied = () => new Error("Failure using stage area. Cause: [Access Denied (Status Code: 403; Error Code: AccessDenied)]");

describe("unload faults: the backfill", () => {
    it("removes what a failed attempt wrote before retrying: every row once", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.failNextCopy(2, accessDenied());
        const summary = await runBackfill(sf.connection, plan, quiet);
        assert.equal(summary.attempts, 2);
        assert.deepEqual(ids(sf), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert.ok([...sf.files.keys()].every((k) => k.includes(summary.queryId)), "only the committed query's files remain");
        assert.equal(logged(sf), 9, "the log holds the committed COPY's files only");
        assert.ok(sf.log.every((l) => l.queryId === summary.queryId));
    });

    it("a log that cannot be written does not fail a committed backfill", async () => {
        const sf = new FakeSnowflake(rows(3));
        sf.failNextLog = true;
        const lines: string[] = [];
        await runBackfill(sf.connection, plan, { ...quiet, log: (l) => lines.push(l) });
        assert.deepEqual(ids(sf), [0, 1, 2]);
        assert.ok(lines.some((l) => /unload log was not written/.test(l)));
    });

    it("would unload rows twice without the removal (the fault is real)", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.failNextCopy(2, accessDenied());
        await runBackfill(sf.connection, { ...plan, cleanup: undefined }, quiet);
        assert.ok(ids(sf).length > 9, "the failed attempt's files stay beside the retry's");
    });

    it("leaves the files of a COPY whose outcome it does not know (a lost connection): they may be committed", async () => {
        const sf = new FakeSnowflake(rows(6));
        // A network error carries no SQLSTATE: Snowflake did not say the statement failed.
        sf.failNextCopy(2, Object.assign(new Error("Network error. Could not reach Snowflake."), { sqlState: undefined }));
        const lines: string[] = [];
        await assert.rejects(runBackfill(sf.connection, plan, { ...quiet, log: (l) => lines.push(l) }));
        assert.equal(sf.files.size, 2, "nothing removed");
        assert.ok(!sf.statements.some((x) => x.startsWith("REMOVE")));
        assert.ok(lines.some((l) => /outcome is unknown/.test(l)));
    });

    it("removes what a permanently failed COPY wrote, so the next `pulumi up` starts clean", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.failNextCopy(1, new Error("SQL compilation error: invalid identifier 'X'"));
        await assert.rejects(runBackfill(sf.connection, plan, quiet), /SQL compilation error/);
        assert.deepEqual(ids(sf), [], "nothing of the failed COPY is left");
        assert.equal(sf.pending.length, 6, "the stream did not advance");
        await runBackfill(sf.connection, plan, quiet); // the next `pulumi up` runs create again
        assert.deepEqual(ids(sf), [0, 1, 2, 3, 4, 5]);
    });

    it("registers every partition folder of the export, after the COPY", async () => {
        const sf = new FakeSnowflake(rows(6));
        const registered: string[][] = [];
        const catalog: PartitionCatalog = { register: async (folders) => (registered.push(folders), folders.length) };
        const summary = await runBackfill(sf.connection, plan, { ...quiet, catalog });
        assert.deepEqual(registered, [["dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-03"]]);
        assert.equal(summary.partitionsAdded, 3);
        assert.ok(sf.statements.indexOf(plan.list!) > sf.statements.findIndex((s) => s.startsWith("COPY")), "LIST after the COPY");
    });

    it("fails when the partitions cannot be registered, saying the rows are unloaded and a re-run is safe", async () => {
        const sf = new FakeSnowflake(rows(3));
        const catalog: PartitionCatalog = { register: async () => { throw new Error("AccessDeniedException: glue:BatchCreatePartition"); } };
        await assert.rejects(runBackfill(sf.connection, plan, { ...quiet, catalog }), /COPY succeeded[\s\S]*re-run unloads only new rows/);
        assert.equal(sf.pending.length, 0);
    });
});

describe("unload faults: the task", () => {
    const body = sql.taskBody(copy, cleanup, logInsert);

    it("removes the failed run's files and still fails the run; the next run unloads every row once", async () => {
        const sf = new FakeSnowflake(rows(9));
        sf.failNextCopy(2, accessDenied());
        await assert.rejects(runTaskBody(body, sf), /Access Denied/, "the run fails: the error integration alerts");
        assert.deepEqual(ids(sf), [], "no file of the failed run is left");
        await runTaskBody(body, sf);
        assert.deepEqual(ids(sf), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert.equal(logged(sf), 9, "the log holds the second run's files, as the lake does");
    });

    it("removes nothing when the COPY committed and only its log failed: the rows are the stream's last", async () => {
        const sf = new FakeSnowflake(rows(6));
        sf.failNextLog = true;
        await assert.rejects(runTaskBody(body, sf), /Insufficient privileges/, "the run fails and alerts");
        assert.deepEqual(ids(sf), [0, 1, 2, 3, 4, 5], "the committed files stay");
        assert.equal(sf.pending.length, 0);
    });

    it("leaves earlier exports' files alone: the pattern names the failed query only", async () => {
        const sf = new FakeSnowflake(rows(3));
        await runTaskBody(body, sf);
        const kept = [...sf.files.keys()];
        sf.pending = [{ id: 10, dt: "2024-01-04" }, { id: 11, dt: "2024-01-05" }];
        sf.failNextCopy(1, accessDenied());
        await assert.rejects(runTaskBody(body, sf));
        assert.deepEqual([...sf.files.keys()], kept);
    });

    it("builds a handler that re-raises and removes only by a query id's form", () => {
        assert.match(body, /^DECLARE\n {2}copy_id VARCHAR DEFAULT NULL;\n[\s\S]*\nBEGIN\n {2}COPY INTO /);
        assert.match(body, /\n {2}copy_id := SQLID;\n/, "the COPY's id, taken right after it");
        assert.match(body, /WHEN OTHER THEN\n {4}failed := LAST_QUERY_ID\(\);\n/, "the failed statement's id, read before anything else runs");
        assert.match(body, /RAISE;\nEND$/);
        assert.match(body, /REGEXP_LIKE\(failed, '\[0-9a-f\]\{8\}-/);
        assert.match(body, /FROM TABLE\(RESULT_SCAN\(:copy_id\)\)/);
        assert.throws(() => sql.taskBody(copy, "REMOVE @x", logInsert), /must contain \{queryId\}/);
        assert.throws(() => sql.taskBody(copy, cleanup, "INSERT INTO x"), /must contain '\{queryId\}'/);
    });
});
