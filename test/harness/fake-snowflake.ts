/**
 * A stand-in for one Snowflake account, for the unload's failure paths (test/unload-faults.test.ts):
 * one external stage (S3, not transactional), one append-only stream, the unload log (LAKE_UNLOADS)
 * and its baseline (LAKE_UNLOAD_BASELINE). It gives the statements the program writes
 * (sql.unloadStatements, sql.taskBody) the meaning Snowflake documents:
 * - `COPY INTO @stage/<path>` writes one file per partition, named with its query id, and returns one
 *   DETAILED_OUTPUT row per file, or the summary row when there is nothing to unload, with upper- or
 *   lower-case column names (`columnCase`); it consumes the stream only when its transaction commits
 *   (https://docs.snowflake.com/en/user-guide/streams-intro);
 * - `BEGIN TRANSACTION` / `COMMIT` / `ROLLBACK`: the log, the baseline and the stream's offset change at
 *   COMMIT; a failed statement leaves the transaction open (https://docs.snowflake.com/en/sql-reference/transactions);
 * - the log INSERT's select items (`GET_IGNORE_CASE(O, 'x')` of `OBJECT_CONSTRUCT(*)`, casts, SYSDATE(),
 *   the COALESCE filter) are evaluated, and the log's NOT NULL columns enforced;
 * - `LIST`, `REMOVE ... PATTERN`, `ALTER SESSION`, `SELECT CURRENT_REGION()`;
 * - a clock that moves a second per statement: SYSDATE() and SHOW STREAMS' `created_on`; the stream
 *   can be recreated (`recreateStream`: a new stream under the same name starts with the table's rows);
 * - the schema's tasks (`tasks`, name to WHEN condition, as the provider created them) and SHOW TASKS;
 * - `runTaskBody` runs a task's Snowflake Scripting block statement by statement: VARCHAR variables,
 *   SQLID, binds, RESULTSET, a cursor FOR loop, EXECUTE IMMEDIATE, SELECT ... INTO, IF ... THEN, a
 *   declared EXCEPTION and RAISE of it, a WHEN OTHER handler with RAISE.
 * Faults: a COPY that fails after writing some files (a SQL error, or a lost connection: no
 * `sqlState`), a run cancelled mid-COPY (USER_TASK_TIMEOUT_MS), a log INSERT that fails.
 * It does NOT parse SQL: any other statement, select item or scripting construct throws. The cleanup's
 * baseline INSERT and unlisted-id SELECT, and the stream and task checks, are recognised by their form (the table
 * and export literals, the LIST or SHOW they scan, the file-name pattern, the stream's or task's name) and given
 * the meaning their SQL states; sql.test.ts checks their text. No warehouses, roles, privileges, types beyond the log's, or concurrency.
 */
import { SqlConnection, UNLOAD_LOG_COLUMNS } from "@incremental-crawl/components/runtime";

export interface Row {
    id: number;
    dt: string;
}

export interface LogRow {
    table: string;
    exportId: string;
    queryId: string;
    fileName: string;
    fileSize: number;
    rowCount: number;
    /** UNLOADED_AT (SYSDATE() of the INSERT), ms. */
    unloadedAt: number;
}

interface BaselineRow {
    table: string;
    exportId: string;
    queryId: string;
}

/** A run stopped by Snowflake (USER_TASK_TIMEOUT_MS): no handler of the block runs. */
export class RunCancelled extends Error {
    readonly sqlState = "57014";
    constructor(readonly queryId: string) {
        super(`Statement reached its statement or warehouse timeout of 3600 second(s) and was canceled. (query ${queryId})`);
        this.name = "RunCancelled";
    }
}

type Fault = { kind: "error"; afterFiles: number; error: Error } | { kind: "cancel"; afterFiles: number } | { kind: "internal retry" };

export class FakeSnowflake {
    /** Rows of the stream not yet consumed (committed). */
    pending: Row[];
    /** Files of the stage, by path under the stage (`orders/g1-x/dt=.../data_<qid>_0_0_0.snappy.parquet`). */
    readonly files = new Map<string, Row[]>();
    readonly statements: string[] = [];
    /** The unload log's committed rows. */
    readonly log: LogRow[] = [];
    /** The baseline's committed rows. */
    readonly baseline: BaselineRow[] = [];
    /** Every file of a committed unload: none of them may ever be removed. */
    readonly committedFiles = new Set<string>();
    /** How COPY results name their columns. */
    columnCase: "upper" | "lower" = "upper";
    /** Whether COPY honours DETAILED_OUTPUT = TRUE (false: the summary row even when it wrote files). */
    detailedOutput = true;
    /** What CURRENT_REGION() answers. */
    region = "AWS_EU_WEST_1";
    /** Makes the next INSERT into the log fail. */
    failNextLog = false;
    /** The schema's tasks: name to the condition of their WHEN (SHOW TASKS' `condition`). */
    readonly tasks = new Map<string, string>();
    private queries = 0;
    /** Now, ms: a second later at each statement. */
    private clock = Date.UTC(2024, 0, 10);
    /** When the stream was created (SHOW STREAMS' created_on). */
    private streamCreatedAt = this.clock;
    private faults: Fault[] = [];
    private readonly results = new Map<string, Record<string, unknown>[]>();
    private readonly filesOfQuery = new Map<string, string[]>();
    private tx: { consumed: boolean; copies: string[]; log: LogRow[]; baseline: BaselineRow[] } | undefined;

    constructor(rows: Row[]) {
        this.pending = [...rows];
    }

    /**
     * The stream is created again under the same name (a setting set back, or a stale stream the
     * provider recreates): it returns `tableRows`, all the table's rows, as its initial rows.
     */
    recreateStream(tableRows: Row[]): void {
        this.clock += 1000;
        this.streamCreatedAt = this.clock;
        this.pending = [...tableRows];
    }

    /** The next COPY writes `afterFiles` files, then fails with `error`. */
    failNextCopy(afterFiles: number, error: Error): void {
        this.faults.push({ kind: "error", afterFiles, error });
    }

    /**
     * The next COPY is retried inside Snowflake after a machine or network failure: it commits, but
     * its files carry the retried query's id, not the one the statement reports (copy-into-location,
     * INCLUDE_QUERY_ID).
     */
    retryNextCopyInternally(): void {
        this.faults.push({ kind: "internal retry" });
    }

    /** The next COPY writes `afterFiles` files, then its run is cancelled (`RunCancelled`). */
    cancelNextCopy(afterFiles: number): void {
        this.faults.push({ kind: "cancel", afterFiles });
    }

    /** Every row the lake's files hold, as Athena would count them. */
    lakeRows(): Row[] {
        return [...this.files.values()].flat();
    }

    /** Whether a transaction is open. */
    get inTransaction(): boolean {
        return this.tx !== undefined;
    }

    /** Snowflake rolls back the open transaction of a cancelled run, or of a session that is gone. */
    abort(): void {
        this.tx = undefined;
    }

    private nextQueryId(): string {
        return `01bc0000-0000-4000-8000-${(++this.queries).toString(16).padStart(12, "0")}`;
    }

    private name(column: string): string {
        return this.columnCase === "upper" ? column.toUpperCase() : column.toLowerCase();
    }

    readonly connection: SqlConnection = {
        execute: async (sqlText) => {
            this.statements.push(sqlText);
            this.clock += 1000;
            const queryId = this.nextQueryId();
            const rows = this.run(sqlText.trim(), queryId);
            this.results.set(queryId, rows);
            return { rows, queryId };
        },
    };

    private run(sqlText: string, queryId: string): Record<string, unknown>[] {
        const copy = /^COPY INTO @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+)\s/.exec(sqlText);
        if (copy) return this.copy(copy[1], queryId);
        if (/^BEGIN TRANSACTION$/i.test(sqlText)) {
            // "if a transaction is already active, any BEGIN TRANSACTION statements are ignored"
            this.tx ??= { consumed: false, copies: [], log: [], baseline: [] };
            return [{ status: "Statement executed successfully." }];
        }
        if (/^COMMIT$/i.test(sqlText)) {
            const tx = this.tx;
            this.tx = undefined;
            if (tx) {
                if (tx.consumed) this.pending = [];
                for (const q of tx.copies) for (const f of this.filesOfQuery.get(q) ?? []) this.committedFiles.add(f);
                this.log.push(...tx.log);
                this.baseline.push(...tx.baseline);
            }
            return [{ status: "Statement executed successfully." }];
        }
        if (/^ROLLBACK$/i.test(sqlText)) {
            this.tx = undefined;
            return [{ status: "Statement executed successfully." }];
        }
        if (/^INSERT INTO \S+"LAKE_UNLOAD_BASELINE" /.test(sqlText)) return this.insertBaseline(sqlText);
        if (/^INSERT INTO \S+"LAKE_UNLOADS" /.test(sqlText)) return this.insertLog(sqlText);
        if (/^SELECT F\.QUERY_ID FROM /.test(sqlText)) return this.unlisted(sqlText);
        const show = /^SHOW STREAMS LIKE '((?:[^']|'')*)' IN SCHEMA "[^"]+"\."[^"]+"$/.exec(sqlText);
        // SHOW's columns are lower-case, created_on a TIMESTAMP_LTZ. https://docs.snowflake.com/en/sql-reference/sql/show-streams
        if (show) return [{ created_on: new Date(this.streamCreatedAt), name: show[1].replace(/''/g, "'"), stale: "false" }];
        if (/^SELECT IFF\(COUNT_IF\(/.test(sqlText)) return this.repeated(sqlText);
        if (/^SELECT COUNT\(\*\) AS FILES, /.test(sqlText)) return this.since(sqlText);
        const showTasks = /^SHOW TASKS LIKE '((?:[^']|'')*)' IN SCHEMA "[^"]+"\."[^"]+"$/.exec(sqlText);
        // The fake's names hold no LIKE wildcard but `_`, which matches itself too. https://docs.snowflake.com/en/sql-reference/sql/show-tasks
        if (showTasks) {
            const like = new RegExp(`^${showTasks[1].replace(/''/g, "'").replace(/_/g, ".")}$`, "i");
            return [...this.tasks].filter(([name]) => like.test(name)).map(([name, condition]) => ({ name, condition, state: "started" }));
        }
        if (/^SELECT COUNT\(\*\) AS TASKS /.test(sqlText)) return this.taskReads(sqlText);
        const remove = /^REMOVE @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+) PATTERN = '(.*)'$/.exec(sqlText);
        if (remove) {
            const re = new RegExp(`^${remove[2]}$`);
            const removed = [...this.files.keys()].filter((k) => k.startsWith(remove[1]) && re.test(k.slice(remove[1].length)));
            for (const k of removed) this.files.delete(k);
            return removed.map((name) => ({ name, result: "removed" }));
        }
        const list = /^LIST @"[^"]+"\."[^"]+"\."[^"]+"\/(\S+)$/.exec(sqlText);
        if (list) {
            const names = [...this.files.keys()].filter((k) => k.startsWith(list[1]));
            // LIST's columns are lower-case. https://docs.snowflake.com/en/sql-reference/sql/list
            return names.map((k) => ({
                name: `s3://lake-bucket/exports/${k}`,
                size: 1,
                md5: "0",
                last_modified: "Mon, 1 Jan 2024 00:00:00 GMT",
            }));
        }
        if (/^SELECT CURRENT_REGION\(\)/i.test(sqlText)) return [{ "CURRENT_REGION()": this.region }];
        if (/^ALTER SESSION SET /.test(sqlText)) return [{ status: "Statement executed successfully." }];
        throw new Error(`FakeSnowflake: unexpected statement ${sqlText}`);
    }

    private copy(path: string, queryId: string): Record<string, unknown>[] {
        const byDt = new Map<string, Row[]>();
        for (const r of this.tx?.consumed ? [] : this.pending) byDt.set(r.dt, [...(byDt.get(r.dt) ?? []), r]);
        const fault = this.faults.shift();
        const out: Record<string, unknown>[] = [];
        const written: string[] = [];
        const fileId = fault?.kind === "internal retry" ? this.nextQueryId() : queryId;
        for (const [dt, rows] of [...byDt.entries()].sort()) {
            if (fault && "afterFiles" in fault && written.length === fault.afterFiles) break;
            const name = `dt=${dt}/data_${fileId}_0_0_${written.length}.snappy.parquet`;
            this.files.set(`${path}${name}`, rows);
            written.push(`${path}${name}`);
            out.push({
                [this.name("FILE_NAME")]: name,
                [this.name("FILE_SIZE")]: 100 * rows.length,
                [this.name("ROW_COUNT")]: rows.length,
            });
        }
        this.filesOfQuery.set(queryId, written);
        if (fault?.kind === "cancel") throw new RunCancelled(queryId);
        if (fault?.kind === "error") {
            // A lost connection (a SQLSTATE that is not there): the session is gone, and with it its
            // open transaction, which never commits and which Snowflake aborts (transactions, "Aborting transactions").
            if ("sqlState" in fault.error && (fault.error as { sqlState?: unknown }).sqlState === undefined) this.tx = undefined;
            throw Object.assign(fault.error, { data: { queryId } }, "sqlState" in fault.error ? {} : { sqlState: "XX000" });
        }
        if (this.tx) {
            this.tx.consumed = true;
            this.tx.copies.push(queryId);
        } else {
            this.pending = [];
            for (const f of written) this.committedFiles.add(f);
        }
        if (out.length === 0 || !this.detailedOutput) {
            const unloaded = out.reduce((n, r) => n + Number(r[this.name("ROW_COUNT")]), 0);
            const bytes = out.reduce((n, r) => n + Number(r[this.name("FILE_SIZE")]), 0);
            return [{ [this.name("ROWS_UNLOADED")]: unloaded, [this.name("INPUT_BYTES")]: bytes, [this.name("OUTPUT_BYTES")]: bytes }];
        }
        return out;
    }

    /** `INSERT INTO <log> (<columns>) SELECT <items> FROM (SELECT OBJECT_CONSTRUCT(*) AS O FROM <result>) [WHERE COALESCE(<item>, n) <> m]`. */
    private insertLog(sqlText: string): Record<string, unknown>[] {
        const m =
            /^INSERT INTO \S+ \(([^)]*)\) SELECT (.*) FROM \(SELECT OBJECT_CONSTRUCT\(\*\) AS O FROM TABLE\(RESULT_SCAN\('([^']+)'\)\)\)( WHERE (.*))?$/.exec(
                sqlText,
            );
        if (!m) throw new Error(`FakeSnowflake: unexpected log INSERT ${sqlText}`);
        if (this.failNextLog) {
            this.failNextLog = false;
            throw Object.assign(new Error("Insufficient privileges to operate on table 'LAKE_UNLOADS'"), { sqlState: "42501" });
        }
        const [, columnList, itemList, resultId, , where] = m;
        const source = this.results.get(resultId);
        if (!source) throw new Error(`Statement ${resultId} not found`);
        const rows = source.map((r) => ({ O: r }));
        const columns = columnList.split(",").map((c) => c.trim());
        const items = splitTopLevel(itemList);
        const filter = where === undefined ? undefined : /^COALESCE\((.+), (-?\d+)\) <> (-?\d+)$/.exec(where);
        if (where !== undefined && !filter) throw new Error(`FakeSnowflake: unexpected WHERE ${where}`);
        const inserted: LogRow[] = [];
        for (const row of rows) {
            if (filter) {
                const v = evaluate(filter[1], row);
                if ((v === null ? Number(filter[2]) : Number(v)) === Number(filter[3])) continue;
            }
            const values = items.map((item) => evaluate(item, row, new Date(this.clock)));
            columns.forEach((c, i) => {
                if (values[i] === null && UNLOAD_LOG_COLUMNS.some((x) => x.name === c && !x.nullable)) {
                    throw Object.assign(new Error(`NULL result in a non-nullable column ${c}`), { sqlState: "22004" });
                }
            });
            const v = (c: string) => values[columns.indexOf(c)];
            inserted.push({
                table: String(v("TABLE_NAME")),
                exportId: String(v("EXPORT_ID")),
                queryId: String(v("QUERY_ID")),
                fileName: String(v("FILE_NAME")),
                fileSize: Number(v("FILE_SIZE")),
                rowCount: Number(v("ROW_COUNT")),
                unloadedAt: (v("UNLOADED_AT") as Date).getTime(),
            });
        }
        if (this.tx) this.tx.log.push(...inserted);
        else this.log.push(...inserted);
        return [{ "number of rows inserted": inserted.length }];
    }

    /** The query ids the files of a LIST name, by the pattern the statement extracts them with. */
    private listedQueryIds(sqlText: string): { ids: string[]; table: string; exportId: string } {
        const listId = /RESULT_SCAN\('([^']+)'\)/.exec(sqlText)?.[1];
        const [, pattern, group] =
            /REGEXP_SUBSTR\(GET_IGNORE_CASE\(O, 'name'\)::VARCHAR, '((?:[^']|'')*)', 1, 1, 'e', (\d+)\)/.exec(sqlText) ?? [];
        const table = /TABLE_NAME = '([^']*)'/.exec(sqlText)?.[1];
        const exportId = /EXPORT_ID = '([^']*)'/.exec(sqlText)?.[1];
        if (!listId || !pattern || table === undefined || exportId === undefined)
            throw new Error(`FakeSnowflake: unexpected cleanup statement ${sqlText}`);
        const listed = this.results.get(listId);
        if (!listed) throw new Error(`Statement ${listId} not found`);
        const re = new RegExp(pattern);
        const ids = new Set<string>();
        for (const r of listed) {
            const match = re.exec(String(r.name));
            if (match?.[Number(group)]) ids.add(match[Number(group)]);
        }
        return { ids: [...ids], table, exportId };
    }

    /** The export's committed log rows from before and since the `created_on` of the stream in the SHOW a check scans. */
    private aroundStream(sqlText: string): { before: LogRow[]; since: LogRow[] } {
        const showId = /RESULT_SCAN\('([^']+)'\)/.exec(sqlText)?.[1];
        const stream = /WHERE "name" = '((?:[^']|'')*)'\)/.exec(sqlText)?.[1]?.replace(/''/g, "'");
        const table = /TABLE_NAME = '([^']*)'/.exec(sqlText)?.[1];
        const exportId = /EXPORT_ID = '([^']*)'/.exec(sqlText)?.[1];
        const shown = showId === undefined ? undefined : this.results.get(showId);
        if (!shown || stream === undefined || table === undefined || exportId === undefined)
            throw new Error(`FakeSnowflake: unexpected stream check ${sqlText}`);
        const created = (shown.find((r) => r.name === stream)?.created_on as Date | undefined)?.getTime();
        // No such stream: the cross join with its (empty) row has no rows.
        const mine = created === undefined ? [] : this.log.filter((l) => l.table === table && l.exportId === exportId);
        return { before: mine.filter((l) => l.unloadedAt < created!), since: mine.filter((l) => l.unloadedAt >= created!) };
    }

    /** The repeat check (sql.unloadStatements `repeated`): the files from before the stream, when none is since; else 0. */
    private repeated(sqlText: string): Record<string, unknown>[] {
        const { before, since } = this.aroundStream(sqlText);
        return [{ [sqlText.slice(7, sqlText.indexOf(" FROM "))]: since.length === 0 ? before.length : 0 }];
    }

    /** What the log lists since the stream's creation (sql.unloadStatements `since`). */
    private since(sqlText: string): Record<string, unknown>[] {
        const { since } = this.aroundStream(sqlText);
        const first = [...since].sort((a, b) => a.unloadedAt - b.unloadedAt)[0];
        const sum = (f: (l: LogRow) => number) => since.reduce((n, l) => n + f(l), 0);
        return [
            {
                FILES: since.length,
                ROW_TOTAL: sum((l) => l.rowCount),
                BYTE_TOTAL: sum((l) => l.fileSize),
                FIRST_QUERY_ID: first?.queryId ?? null,
            },
        ];
    }

    /** The task check (sql.unloadStatements `taskReads`): the SHOW's rows of the task whose condition holds the stream's quoted name. */
    private taskReads(sqlText: string): Record<string, unknown>[] {
        const m =
            /^SELECT COUNT\(\*\) AS TASKS FROM TABLE\(RESULT_SCAN\('([^']+)'\)\) WHERE "name" = '((?:[^']|'')*)' AND CONTAINS\(UPPER\("condition"\), UPPER\('((?:[^']|'')*)'\)\)$/.exec(
                sqlText,
            );
        const shown = m && this.results.get(m[1]);
        if (!m || !shown) throw new Error(`FakeSnowflake: unexpected task check ${sqlText}`);
        const [name, needle] = [m[2], m[3]].map((v) => v.replace(/''/g, "'"));
        return [{ TASKS: shown.filter((r) => r.name === name && String(r.condition).toUpperCase().includes(needle.toUpperCase())).length }];
    }

    private marked(table: string, exportId: string): boolean {
        return this.baseline.some((b) => b.table === table && b.exportId === exportId && b.queryId === "");
    }

    /** The baseline, taken once per export: a marker, and every query id the export's files name that the log does not list. */
    private insertBaseline(sqlText: string): Record<string, unknown>[] {
        const { ids, table, exportId } = this.listedQueryIds(sqlText);
        if (this.marked(table, exportId)) return [{ "number of rows inserted": 0 }];
        const logged = new Set(this.log.filter((l) => l.table === table && l.exportId === exportId).map((l) => l.queryId));
        const rows = ["", ...ids.filter((q) => !logged.has(q))].map((queryId) => ({ table, exportId, queryId }));
        if (this.tx) this.tx.baseline.push(...rows);
        else this.baseline.push(...rows);
        return [{ "number of rows inserted": rows.length }];
    }

    /** Query ids of the export's files that neither the log nor the baseline lists, once the baseline is taken. */
    private unlisted(sqlText: string): Record<string, unknown>[] {
        const { ids, table, exportId } = this.listedQueryIds(sqlText);
        if (!this.marked(table, exportId)) return [];
        const known = new Set(
            [...this.log, ...this.baseline].filter((l) => l.table === table && l.exportId === exportId).map((l) => l.queryId),
        );
        return ids.filter((q) => !known.has(q)).map((q) => ({ QUERY_ID: q }));
    }
}

/** Splits at commas outside quotes and parentheses. */
function splitTopLevel(text: string, separator = ","): string[] {
    const out: string[] = [];
    let depth = 0;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (ch === "'") quoted = !quoted;
        else if (!quoted && ch === "(") depth++;
        else if (!quoted && ch === ")") depth--;
        else if (!quoted && depth === 0 && text.startsWith(separator, i)) {
            out.push(text.slice(start, i).trim());
            start = i + separator.length;
        }
    }
    out.push(text.slice(start).trim());
    return out;
}

/** One select item of the log INSERT against one source row, at `now`. */
function evaluate(item: string, row: Record<string, unknown>, now = new Date(0)): unknown {
    const cast = /^(.*)::(VARCHAR|NUMBER(?:\(\d+,\s*\d+\))?)$/.exec(item);
    if (cast) {
        const v = evaluate(cast[1], row);
        if (v === null || v === undefined) return null;
        return cast[2] === "VARCHAR" ? String(v) : Number(v);
    }
    const literal = /^'((?:[^']|'')*)'$/.exec(item);
    if (literal) return literal[1].replace(/''/g, "'");
    const field = /^GET_IGNORE_CASE\(O, '([^']+)'\)$/.exec(item);
    if (field) {
        const o = row.O as Record<string, unknown>;
        const key = Object.keys(o).find((k) => k.toUpperCase() === field[1].toUpperCase());
        const v = key === undefined ? undefined : o[key];
        return v === undefined || v === null ? null : v; // OBJECT_CONSTRUCT omits NULL values
    }
    if (item === "SYSDATE()") return now;
    const coalesce = /^COALESCE\((.+)\)$/.exec(item);
    if (coalesce)
        return (
            splitTopLevel(coalesce[1])
                .map((i) => evaluate(i, row))
                .find((v) => v !== null && v !== undefined) ?? null
        );
    const regexp = /^REGEXP_SUBSTR\((.+), '((?:[^']|'')*)', 1, 1, 'e', (\d+)\)$/.exec(item);
    if (regexp) return new RegExp(regexp[2]).exec(String(evaluate(regexp[1], row)))?.[Number(regexp[3])] ?? null;
    throw new Error(`FakeSnowflake: unexpected select item ${item}`);
}

// --- Snowflake Scripting ------------------------------------------------------------------------

/** Splits statements at `;` outside quotes, keeping FOR ... END FOR and IF ... END IF together. */
function statements(text: string): string[] {
    const raw = splitTopLevel(text, ";").filter((s) => s !== "");
    const out: string[] = [];
    for (let i = 0; i < raw.length; i++) {
        const block = /^(FOR|IF) /.exec(raw[i])?.[1];
        if (!block) {
            out.push(raw[i]);
            continue;
        }
        const end = raw.indexOf(`END ${block}`, i);
        if (end < 0) throw new Error(`runTaskBody: no END ${block}`);
        out.push(`${raw.slice(i, end + 1).join(";\n")};`);
        i = end;
    }
    return out;
}

/** The block's variables, declared exceptions (name to message), body and WHEN OTHER handler. */
function parseBlock(body: string): { declared: string[]; exceptions: Map<string, string>; body: string[]; handler: string[] } {
    const m = /^DECLARE\n([\s\S]*?)\nBEGIN\n([\s\S]*?)\nEXCEPTION\n {2}WHEN OTHER THEN\n([\s\S]*?)\nEND$/.exec(body.trim());
    if (!m) throw new Error(`runTaskBody: not a block:\n${body}`);
    const declared: string[] = [];
    const exceptions = new Map<string, string>();
    for (const d of statements(m[1])) {
        const variable = /^([a-z_]+) (VARCHAR|INTEGER)$/.exec(d);
        const exception = /^([a-z_]+) EXCEPTION \((-20\d{3}), '((?:[^']|'')*)'\)$/.exec(d);
        if (variable) declared.push(variable[1]);
        else if (exception) exceptions.set(exception[1], `${exception[2]} (P0001): ${exception[3].replace(/''/g, "'")}`);
        else throw new Error(`runTaskBody: unexpected declaration ${d}`);
    }
    return { declared, exceptions, body: statements(m[2]), handler: statements(m[3]) };
}

class Raise extends Error {}
/** A declared exception, raised. */
export class RaisedException extends Error {}

/**
 * Runs a task body as Snowflake would run the block: statement by statement, `:name` bound to the
 * variable's value, SQLID the id of the block's last query. A failed statement runs the handler
 * (RAISE re-raises it); a cancelled run runs nothing more, and Snowflake rolls back its open
 * transaction. Only the constructs the program writes are understood.
 */
export async function runTaskBody(body: string, sf: FakeSnowflake): Promise<void> {
    const block = parseBlock(body);
    const vars = new Map<string, unknown>(block.declared.map((d) => [d, null]));
    let sqlId: string | undefined;
    const rowVars = new Map<string, Record<string, unknown>>();
    const cursors = new Map<string, Record<string, unknown>[]>();

    const value = (expr: string): unknown => {
        const parts = splitTopLevel(expr, " || ");
        if (parts.length > 1) return parts.map((p) => String(value(p))).join("");
        const literal = /^'((?:[^']|'')*)'$/.exec(expr);
        if (literal) return literal[1].replace(/''/g, "'");
        const field = /^([a-z_]+)\.([A-Z_]+)$/.exec(expr);
        if (field && rowVars.has(field[1])) return rowVars.get(field[1])![field[2]];
        if (vars.has(expr)) return vars.get(expr);
        throw new Error(`runTaskBody: unexpected expression ${expr}`);
    };
    /** `:name` outside quotes (not `::TYPE`) becomes the variable's value as a literal. */
    const bind = (text: string): string => {
        let out = "";
        let quoted = false;
        for (let i = 0; i < text.length; i++) {
            const ch = text[i];
            if (ch === "'") quoted = !quoted;
            const name =
                !quoted && ch === ":" && text[i - 1] !== ":" && text[i + 1] !== ":" ? /^[a-z_]+/.exec(text.slice(i + 1))?.[0] : undefined;
            if (name !== undefined && vars.has(name)) {
                out += `'${String(vars.get(name)).replace(/'/g, "''")}'`;
                i += name.length;
            } else {
                out += ch;
            }
        }
        return out;
    };
    const query = async (text: string) => {
        const r = await sf.connection.execute(
            bind(text)
                .split("\n")
                .map((l) => l.trim())
                .join("\n"),
        );
        sqlId = r.queryId;
        return r.rows;
    };

    let failure: unknown;
    const exec = async (list: string[]): Promise<void> => {
        for (const s of list) {
            let m: RegExpExecArray | null;
            if (s === "RAISE") throw new Raise();
            if ((m = /^RAISE ([a-z_]+)$/.exec(s))) {
                const message = block.exceptions.get(m[1]);
                if (message === undefined) throw new Error(`runTaskBody: no exception ${m[1]}`);
                throw new RaisedException(message);
            }
            if ((m = /^(SELECT [\s\S]*?) INTO :([a-z_]+) (FROM [\s\S]*)$/.exec(s))) {
                const [row, more] = await query(`${m[1]} ${m[3]}`);
                if (row === undefined || more !== undefined) throw new Error("SELECT INTO: the query must return one row");
                vars.set(m[2], Object.values(row)[0]);
                continue;
            }
            if ((m = /^IF \(([a-z_]+) > 0\) THEN\n([\s\S]*)\nEND IF;$/.exec(s))) {
                if (Number(vars.get(m[1])) > 0) await exec(statements(m[2]));
                continue;
            }
            if ((m = /^([a-z_]+) := SQLID$/.exec(s))) vars.set(m[1], sqlId ?? null);
            else if ((m = /^LET ([a-z_]+) RESULTSET := \(([\s\S]+)\)$/.exec(s))) cursors.set(m[1], await query(m[2]));
            else if ((m = /^LET ([a-z_]+) CURSOR FOR ([a-z_]+)$/.exec(s))) cursors.set(m[1], cursors.get(m[2]) ?? []);
            else if ((m = /^([a-z_]+) := ([\s\S]+)$/.exec(s))) vars.set(m[1], value(m[2]));
            else if ((m = /^EXECUTE IMMEDIATE :([a-z_]+)$/.exec(s))) await query(String(vars.get(m[1])));
            else if ((m = /^FOR ([a-z_]+) IN ([a-z_]+) DO\n([\s\S]*)\nEND FOR;$/.exec(s))) {
                for (const row of cursors.get(m[2]) ?? []) {
                    rowVars.set(m[1], row);
                    await exec(statements(m[3]));
                }
                rowVars.delete(m[1]);
            } else await query(s);
        }
    };

    try {
        await exec(block.body);
        if (sf.inTransaction) {
            // "If a transaction is started inside a stored procedure and is still active when the stored
            // procedure finishes, an error occurs and the transaction is rolled back."
            throw Object.assign(new Error("Modifying a transaction that has started at a different scope is not allowed."), {
                sqlState: "0A000",
            });
        }
    } catch (err) {
        if (err instanceof RunCancelled) {
            sf.abort();
            throw err;
        }
        failure = err;
        try {
            await exec(block.handler);
        } catch (handled) {
            sf.abort();
            throw handled instanceof Raise ? failure : handled;
        }
        sf.abort();
    }
}
