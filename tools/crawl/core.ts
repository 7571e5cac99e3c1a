/**
 * The crawl on demand behind `npm run crawl`: for each selected table, start its Glue crawler now
 * (or find the run in progress), optionally register the partition folders the catalog misses
 * first (`repair`), optionally wait for the run, and say what it did.
 *
 * - An event-mode crawler reads the whole target on its first run only; every later run reads the
 *   objects whose events are in its queue ("Accelerating crawls using Amazon S3 event
 *   notifications", https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html).
 *   A crawl on demand therefore cannot find a partition whose event was lost: `repair` lists the
 *   export's partition folders in S3 and registers the missing ones as the backfill does
 *   (components/warehouse/backfill/glue-partitions.ts).
 * - Glue's crawler metrics count tables, not partitions (TablesCreated, TablesUpdated,
 *   TablesDeleted: https://docs.aws.amazon.com/glue/latest/webapi/API_CrawlerMetrics.html), so
 *   the partitions a crawl added are counted with GetPartitions before and after.
 *
 * Pure apart from its injected dependencies (AWS SDK v3 clients, a clock and a sleep): tests
 * drive it with `aws-sdk-client-mock` and never wait.
 */
import { GetCrawlerMetricsCommand, GetTableCommand, GlueClient, paginateGetPartitions } from "@aws-sdk/client-glue";
import { paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { PARTITION_FOLDER, partitionCatalogOn } from "@incremental-crawl/components/runtime";
import { startCrawler, waitForCrawl } from "./crawler-run";
import { errorText } from "../cli/errors";
import { formatTable, hangingLines } from "../cli/text-table";
import { fmtDuration, fmtInt, sample } from "../verify/core";
import { StackOutputs, TableOutputs } from "../verify/outputs";

export interface CrawlDeps {
    glue: GlueClient;
    s3: S3Client;
    /** Milliseconds since the epoch. */
    now(): number;
    sleep(ms: number): Promise<void>;
    /** Progress, one line each, as it happens (the CLI writes them to stderr). */
    progress(line: string): void;
}

export interface CrawlOptions {
    /** The region of the stack's resources (the Glue catalog the repair writes to). */
    region: string;
    /** Folder names of the tables to crawl; all when undefined. */
    tables?: string[];
    /** Wait for each run and report what it did. */
    wait: boolean;
    /** Register the export's partition folders the catalog misses before the crawl. */
    repair: boolean;
    /** The longest wait for each run. */
    timeoutSeconds: number;
    /** Between two GetCrawler calls; default 15. */
    pollSeconds?: number;
}

export const DEFAULT_CRAWL_TIMEOUT_SECONDS = 900;

/**
 * What came of one table's crawl: `succeeded`, or `started` without waiting (a run already in
 * progress counts: it takes the queued events); `failed` when the run did not succeed or outlasted
 * the wait; `could not run` when an AWS call failed (the crawl may never have started).
 */
const OUTCOMES = ["succeeded", "started", "failed", "could not run"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface TableCrawl {
    /** The table's folder name (`orders`). */
    table: string;
    crawler: string;
    outcome: Outcome;
    /** How the crawl began: a run this command started, or the run already in progress. */
    start?: "started" | "already running";
    /** The run's LastCrawl status, its duration and error, once waited for. */
    run?: { status: string; seconds: number; error?: string; logs?: string };
    /** Glue's crawler metrics of the last run: tables, not partitions. */
    tables?: { created: number; updated: number; deleted: number };
    /** Partitions of the Glue table before anything was done, and at the end (after the run, or the repair). */
    partitions?: { before: number; after?: number };
    repair?: { folders: number; added: number; skipped: string[] };
    /** What went wrong, when something did. */
    problem?: string;
}

/** Crawls every selected table concurrently; the results in table order. */
export async function crawlStack(outputs: StackOutputs, deps: CrawlDeps, options: CrawlOptions): Promise<TableCrawl[]> {
    const folders = options.tables ?? Object.keys(outputs.tables);
    const unknown = folders.filter((f) => outputs.tables[f] === undefined);
    if (unknown.length > 0)
        throw new Error(`no table ${unknown.join(", ")} in the stack outputs (tables: ${Object.keys(outputs.tables).join(", ")})`);
    return Promise.all(folders.map((f) => crawlTable(f, outputs.tables[f], outputs, deps, options)));
}

async function crawlTable(folder: string, t: TableOutputs, outputs: StackOutputs, deps: CrawlDeps, o: CrawlOptions): Promise<TableCrawl> {
    const log = (line: string) => deps.progress(`[${folder}] ${line}`);
    const name = t.crawlerName;
    const r: TableCrawl = { table: folder, crawler: name, outcome: "could not run" };
    const where = `${outputs.glueDatabase}.${t.glueTable}`;
    const fail = (problem: string, outcome: Outcome = "could not run"): TableCrawl => {
        log(problem);
        return { ...r, outcome, problem };
    };

    let catalogued: string[][];
    try {
        catalogued = await partitionValues(deps.glue, outputs.glueDatabase, t.glueTable);
    } catch (e) {
        return fail(`GetPartitions ${where}: ${errorText(e)}`);
    }
    r.partitions = { before: catalogued.length };

    if (o.repair) {
        try {
            r.repair = await repair(t, outputs, catalogued, deps, o.region, log);
        } catch (e) {
            return fail(`repair of ${where}: ${errorText(e)}`);
        }
    }

    const start = await startCrawler(deps.glue, name);
    if (start.kind === "error") return fail(`${start.call} ${name}: ${errorText(start.error)}`);
    r.start = start.kind === "started" ? "started" : "already running";
    log(
        start.kind === "started"
            ? `crawler ${name} started`
            : `crawler ${name} is already running (CrawlerRunningException): ${o.wait ? "waiting for that run" : "that run takes the queued events"}`,
    );

    const countAfter = async (): Promise<void> => {
        try {
            r.partitions = {
                before: catalogued.length,
                after: (await partitionValues(deps.glue, outputs.glueDatabase, t.glueTable)).length,
            };
        } catch (e) {
            r.problem = `GetPartitions ${where} after the crawl: ${errorText(e)}`;
        }
    };
    if (!o.wait) {
        // The run goes on: only the repair's partitions can be counted now.
        if (o.repair) await countAfter();
        return { ...r, outcome: "started" };
    }

    const timeoutMs = o.timeoutSeconds * 1000;
    const wait = await waitForCrawl(name, start.previousStart, deps, {
        timeoutMs,
        pollMs: (o.pollSeconds ?? 15) * 1000,
        onPoll: (state, elapsed) => log(`crawler ${name}: ${state}, ${fmtDuration(elapsed)} elapsed`),
    });
    if (wait.kind === "error") return fail(`GetCrawler ${name}: ${errorText(wait.error)}`);
    if (wait.kind === "timeout") {
        await countAfter();
        return fail(
            `crawler ${name} still ${wait.state} after ${fmtDuration(wait.elapsedMs)} (--timeout-seconds ${o.timeoutSeconds}); the run goes on`,
            "failed",
        );
    }
    const last = wait.lastCrawl;
    const status = last.Status ?? "no status";
    log(`crawler ${name}: ${status}`);
    // The last run's metrics: its duration, and the tables (not partitions) it changed.
    let seconds = wait.elapsedMs / 1000;
    try {
        const m = (await deps.glue.send(new GetCrawlerMetricsCommand({ CrawlerNameList: [name] }))).CrawlerMetricsList?.[0];
        if (m) {
            r.tables = { created: m.TablesCreated ?? 0, updated: m.TablesUpdated ?? 0, deleted: m.TablesDeleted ?? 0 };
            seconds = m.LastRuntimeSeconds ?? seconds;
        }
    } catch (e) {
        log(`GetCrawlerMetrics ${name}: ${errorText(e)} (the run's table counts are not known)`);
    }
    r.run = {
        status,
        seconds,
        ...(last.ErrorMessage ? { error: last.ErrorMessage } : {}),
        ...(last.LogGroup ? { logs: `${last.LogGroup}${last.LogStream ? ` / ${last.LogStream}` : ""}` } : {}),
    };
    await countAfter();
    return { ...r, outcome: status === "SUCCEEDED" ? "succeeded" : "failed" };
}

/** The values of every partition of the table (GetPartitions, page by page, without column schemas). */
async function partitionValues(glue: GlueClient, database: string, table: string): Promise<string[][]> {
    const out: string[][] = [];
    const input = { DatabaseName: database, TableName: table, ExcludeColumnSchema: true };
    for await (const page of paginateGetPartitions({ client: glue }, input))
        for (const p of page.Partitions ?? []) out.push(p.Values ?? []);
    return out;
}

/** The folder names directly under `prefix` (ListObjectsV2 with Delimiter `/`, page by page). */
async function foldersUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, Delimiter: "/" })) {
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length).replace(/\/$/, ""));
    }
    return out.sort();
}

/**
 * Registers the current export's partition folders that the Glue table has no partition for,
 * with the backfill's catalog (the table's storage descriptor at each folder). Folders that are
 * not `<partition key>=<value>` are left alone and named.
 */
async function repair(
    t: TableOutputs,
    outputs: StackOutputs,
    catalogued: string[][],
    deps: CrawlDeps,
    region: string,
    log: (line: string) => void,
) {
    const { Table } = await deps.glue.send(new GetTableCommand({ DatabaseName: outputs.glueDatabase, Name: t.glueTable }));
    const keys = (Table?.PartitionKeys ?? []).map((k) => k.Name ?? "");
    if (keys.length !== 1) throw new Error(`the Glue table has ${keys.length} partition keys (${keys.join(", ")}), not one`);
    const folders = await foldersUnder(deps.s3, outputs.bucketName, t.s3Prefix);
    const partitionFolders = folders.filter((f) => PARTITION_FOLDER.test(f) && f.split("=")[0] === keys[0]);
    const skipped = folders.filter((f) => !partitionFolders.includes(f));
    const have = new Set(catalogued.map((v) => `${keys[0]}=${v[0]}`));
    const missing = partitionFolders.filter((f) => !have.has(f));
    log(
        `repair: ${partitionFolders.length} partition folders under s3://${outputs.bucketName}/${t.s3Prefix}, ${missing.length} not in the catalog` +
            `${missing.length ? ` (${sample(missing)})` : ""}${skipped.length ? `; not partition folders: ${sample(skipped)}` : ""}`,
    );
    const catalog = partitionCatalogOn(deps.glue, { region, database: outputs.glueDatabase, table: t.glueTable }, log);
    const added = await catalog.register(missing);
    return { folders: partitionFolders.length, added, skipped };
}

// --- the report --------------------------------------------------------------------------------

/** Exit codes of `npm run crawl`. */
export const CRAWL_EXIT = { ok: 0, failed: 1, couldNotRun: 2 } as const;

/** The exit code of a set of crawls: 2 when one could not run, else 1 when one failed, else 0. */
export function crawlExitCode(results: TableCrawl[]): number {
    if (results.some((r) => r.outcome === "could not run")) return CRAWL_EXIT.couldNotRun;
    if (results.some((r) => r.outcome === "failed")) return CRAWL_EXIT.failed;
    return CRAWL_EXIT.ok;
}

const HEADERS = ["TABLE", "CRAWL", "PARTITIONS", "GLUE TABLES"];

function runCell(r: TableCrawl): string {
    const how = r.start === "already running" ? "joined the run in progress" : "started";
    if (r.outcome === "could not run") return "could not run";
    if (r.outcome === "started") return r.start === "already running" ? "already running, not waited for" : "started, not waited for";
    if (!r.run) return `${how}, still running`;
    return `${r.run.status} (${how}, ${fmtDuration(r.run.seconds * 1000)})`;
}

function partitionsCell(r: TableCrawl): string {
    const p = r.partitions;
    if (!p) return "-";
    if (p.after === undefined) return `${fmtInt(p.before)}`;
    const delta = p.after - p.before;
    return `${fmtInt(p.before)} → ${fmtInt(p.after)} (${delta >= 0 ? "+" : ""}${fmtInt(delta)})`;
}

function tablesCell(r: TableCrawl): string {
    if (!r.tables) return "-";
    const t = r.tables;
    const changed = (["created", "updated", "deleted"] as const).filter((k) => t[k] > 0);
    return changed.map((k) => `${t[k]} ${k}`).join(", ") || "none changed";
}

/** What else there is to say of a table's crawl: the repair, Glue's error and logs, a problem. */
function notes(r: TableCrawl): string[] {
    const out: string[] = [];
    if (r.repair) {
        out.push(
            `repair: ${fmtInt(r.repair.added)} of ${fmtInt(r.repair.folders)} partition folders registered from S3` +
                `${r.repair.skipped.length ? `; ${r.repair.skipped.length} other folder${r.repair.skipped.length === 1 ? "" : "s"} left alone` : ""}`,
        );
    }
    if (r.run?.error) out.push(r.run.error);
    if (r.problem) out.push(r.problem);
    if (r.run?.logs && r.outcome !== "succeeded") out.push(`logs: ${r.run.logs}`);
    if (r.outcome === "started") out.push("the run goes on: --wait follows it to the end");
    return out;
}

/** One table of the crawls, each table's notes, a summary line, and the exit code. */
export function formatCrawlReport(results: TableCrawl[], width = 100): { text: string; exitCode: number } {
    const rows = [HEADERS, ...results.map((r) => [r.table, runCell(r), partitionsCell(r), tablesCell(r)])];
    const lines = formatTable(rows, { total: width });
    const noted = results.filter((r) => notes(r).length > 0);
    if (noted.length > 0) {
        lines.push("", "Notes:");
        for (const r of noted) {
            for (const note of notes(r)) lines.push(...hangingLines(`${r.table}: ${note}`, width, "  ", "    "));
        }
    }
    const counts = OUTCOMES.map((o) => [results.filter((r) => r.outcome === o).length, o] as const).filter(([n]) => n > 0);
    const summary = counts.map(([n, o]) => `${n} ${o}`).join(", ");
    lines.push("", `${results.length} crawl${results.length === 1 ? "" : "s"}: ${summary || "none"}`);
    return { text: `${lines.join("\n")}\n`, exitCode: crawlExitCode(results) };
}
