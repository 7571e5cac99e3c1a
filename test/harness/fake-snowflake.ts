/**
 * A fake Snowflake for the unload's failure paths: one stage holding files and one append-only
 * stream, with the semantics the program relies on and nothing else:
 * - `COPY INTO @stage/<path> FROM (... stream ...) PARTITION BY ...` writes one file per partition,
 *   named with the query id (INCLUDE_QUERY_ID), and returns one DETAILED_OUTPUT row per file;
 * - a COPY that fails leaves the files it wrote and does not advance the stream; one that succeeds
 *   commits and does (https://docs.snowflake.com/en/user-guide/streams-intro);
 * - `REMOVE @stage/<path> PATTERN = '<regex>'` and `LIST @stage/<path>` act on the stage's files;
 * - `INSERT INTO <log> ... FROM TABLE(RESULT_SCAN('<query id>'))` logs that query's output rows.
 * A fault makes the next COPY fail after writing a given number of files.
 */
import { SqlConnection } from "../../components/warehouse/backfill/backfill";

export interface Row {
    id: number;
    dt: string;
}

export class FakeSnowflake {
    /** Rows of the stream not yet consumed. */
    pending: Row[];
    /** Files of the stage, by path under the stage (`orders/g1-x/dt=.../data_<qid>_0_0_0.snappy.parquet`). */
    readonly files = new Map<string, Row[]>();
    readonly statements: string[] = [];
    /** The unload log: one row per file of a logged query. */
    readonly log: Array<{ queryId: string; fileName: string; rowCount: number }> = [];
    private readonly results = new Map<string, Record<string, unknown>[]>();
    /** Makes the next INSERT into the log fail. */
    failNextLog = false;
    lastQueryId: string | undefined;
    private queries = 0;
    private faults: Array<{ afterFiles: number; error: Error }> = [];

    constructor(rows: Row[], readonly bucketUrl = "s3://lake-bucket/exports/") {
        this.pending = [...rows];
    }

    /** The next COPY writes `afterFiles` files, then fails with `error`. */
    failNextCopy(afterFiles: number, error: Error): void {
        this.faults.push({ afterFiles, error });
    }

    /** Every row the lake's files hold, as Athena would count them. */
    lakeRows(): Row[] {
        return [...this.files.values()].flat();
    }

    private nextQueryId(): string {
        const n = (++this.queries).toString(16).padStart(12, "0");
        this.lastQueryId = `01bc0000-0000-4000-8000-${n}`;
        return this.lastQueryId;
    }

    readonly connection: SqlConnection = {
        execute: async (sqlText) => {
            this.statements.push(sqlText);
            const queryId = this.nextQueryId();
            const copy = /^COPY INTO @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+)\n/.exec(sqlText);
            if (copy) {
                const rows = this.copy(copy[1], queryId);
                this.results.set(queryId, rows);
                return { rows, queryId };
            }
            const insert = /^INSERT INTO \S+ \(.*\) SELECT .* FROM TABLE\(RESULT_SCAN\('([^']+)'\)\)$/.exec(sqlText);
            if (insert) {
                if (this.failNextLog) {
                    this.failNextLog = false;
                    throw new Error("Insufficient privileges to operate on table 'LAKE_UNLOADS'");
                }
                const rows = this.results.get(insert[1]);
                if (!rows) throw new Error(`Statement ${insert[1]} not found`);
                for (const r of rows) this.log.push({ queryId: insert[1], fileName: String(r.FILE_NAME), rowCount: Number(r.ROW_COUNT) });
                return { rows: [{ "number of rows inserted": rows.length }], queryId };
            }
            const remove = /^REMOVE @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+) PATTERN = '(.*)'$/.exec(sqlText);
            if (remove) {
                const re = new RegExp(`^${remove[2]}$`);
                const removed = [...this.files.keys()].filter((k) => k.startsWith(remove[1]) && re.test(k.slice(remove[1].length)));
                for (const k of removed) this.files.delete(k);
                return { rows: removed.map((name) => ({ name, result: "removed" })), queryId };
            }
            const list = /^LIST @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+)$/.exec(sqlText);
            if (list) {
                const names = [...this.files.keys()].filter((k) => k.startsWith(list[1]));
                return { rows: names.map((k) => ({ name: `${this.bucketUrl}${k}`, size: 1 })), queryId };
            }
            if (/^ALTER SESSION SET /.test(sqlText)) return { rows: [{ status: "Statement executed successfully." }], queryId };
            throw new Error(`FakeSnowflake: unexpected statement ${sqlText}`);
        },
    };

    private copy(path: string, queryId: string): Record<string, unknown>[] {
        const byDt = new Map<string, Row[]>();
        for (const r of this.pending) byDt.set(r.dt, [...(byDt.get(r.dt) ?? []), r]);
        const fault = this.faults.shift();
        const out: Record<string, unknown>[] = [];
        let written = 0;
        for (const [dt, rows] of [...byDt.entries()].sort()) {
            if (fault && written === fault.afterFiles) break;
            const name = `dt=${dt}/data_${queryId}_0_0_${written}.snappy.parquet`;
            this.files.set(`${path}${name}`, rows);
            out.push({ FILE_NAME: name, FILE_SIZE: 100 * rows.length, ROW_COUNT: rows.length });
            written++;
        }
        if (fault) throw Object.assign(fault.error, { data: { queryId } }, "sqlState" in fault.error ? {} : { sqlState: "XX000" });
        this.pending = []; // committed: the stream advances
        return out;
    }
}

/**
 * Runs a task body as Snowflake would run our block (`sql.taskBody`): the COPY, the assignment of
 * its query id, the log INSERT with `:copy_id` bound, and on a failure the handler's statements in
 * order. Only the forms that builder writes are understood.
 */
export async function runTaskBody(body: string, sf: FakeSnowflake): Promise<void> {
    const m = /^DECLARE\n {2}copy_id VARCHAR DEFAULT NULL;\n {2}failed VARCHAR DEFAULT NULL;\n {2}cleanup VARCHAR DEFAULT NULL;\nBEGIN\n {2}([\s\S]+?);\n {2}copy_id := SQLID;\n {2}(INSERT INTO [^\n]+);\nEXCEPTION\n {2}WHEN OTHER THEN\n {4}failed := LAST_QUERY_ID\(\);\n([\s\S]+)\nEND$/.exec(body);
    if (!m) throw new Error(`runTaskBody: not a task body:\n${body}`);
    const [, copySql, insert, handler] = m;
    let copyId: string | undefined;
    try {
        await sf.connection.execute(copySql.replace(/\n {2}/g, "\n"));
        copyId = sf.lastQueryId; // SQLID: the last query of the block
        await sf.connection.execute(insert.split(":copy_id").join(`'${copyId}'`));
    } catch (err) {
        const failed = sf.lastQueryId; // LAST_QUERY_ID(), read before anything else runs
        const guard = /IF \(copy_id IS NULL AND REGEXP_LIKE\(failed, '([^']+)', 'i'\)\) THEN/.exec(handler);
        const assign = /cleanup := '((?:[^']|'')*)' \|\| failed \|\| '((?:[^']|'')*)';/.exec(handler);
        if (!guard || !assign || !/EXECUTE IMMEDIATE :cleanup;/.test(handler) || !/RAISE;$/.test(handler.trim())) throw new Error(`runTaskBody: unexpected handler:\n${handler}`);
        if (copyId === undefined && failed !== undefined && new RegExp(guard[1], "i").test(failed)) {
            const unquote = (s: string) => s.replace(/''/g, "'");
            await sf.connection.execute(`${unquote(assign[1])}${failed}${unquote(assign[2])}`);
        }
        throw err;
    }
}
