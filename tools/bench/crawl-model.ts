/**
 * The cost and freshness model of `npm run bench`: a day of arrivals generated from the stack's
 * task schedule, and what each crawl design makes of it: crawler runs, billed crawler minutes,
 * and the worst time from a row's unload to its partition in the catalog.
 *
 * It is a model, not a measurement: pure arithmetic over stated assumptions (`assumptionLines`),
 * tested for its arithmetic only. The billing rule is the one the Glue pricing page states for
 * crawlers: "$0.44 per DPU-Hour, billed per second, with a 10-minute minimum per crawler run"
 * (https://aws.amazon.com/glue/pricing/).
 */
import { UsageError } from "../cli/command";
import { bulletLines, markdownTable } from "../cli/text-table";

/** Glue's stated crawler billing: per second, at least 10 minutes a run, $0.44 per DPU-hour. */
export const CRAWLER_MIN_BILLED_SECONDS = 600;
export const CRAWLER_PRICE_PER_DPU_HOUR = 0.44;
/** The hourly design this replaced: every table's crawler at minute 15 of every hour. */
export const HOURLY_CRON_MINUTE = 15;
/** The safety net: 03:15 UTC (`cron(15 3 * * ? *)`). */
export const SAFETY_NET_SECOND = (3 * 60 + 15) * 60;

const DAY = 86_400;

export interface ModelInput {
    tables: number;
    /** The stack's taskScheduleMinutes: a task run every this many minutes, from 00:00. */
    taskScheduleMinutes: number;
    /** Share (0 to 1) of a table's task runs that find rows and write files. */
    share: number;
    /** Files one writing run unloads (S3 objects, so events). */
    filesPerRun: number;
    /** Seconds from a task run's start to its files in S3. */
    unloadSeconds: number;
    /** Seconds one crawl takes, start to partitions in the catalog. */
    crawlSeconds: number;
    /** The trigger's batching condition. */
    batchSize: number;
    batchWindowSeconds: number;
}

export type Design = "hourly cron" | "on arrival" | "on arrival + safety net";
export const DESIGNS: Design[] = ["hourly cron", "on arrival", "on arrival + safety net"];

export interface DesignResult {
    design: Design;
    tables: number;
    /** Crawler runs started in the day (a batch whose crawler was busy starts none). */
    runs: number;
    /** Billed crawler minutes (per DPU): each run max(10 min, its duration). */
    billedMinutes: number;
    /** The longest unload-to-catalog time of the day's arrivals, in minutes; undefined on an idle day. */
    worstMinutes?: number;
    /** Arrivals of the day. */
    arrivals: number;
}

/**
 * When one table's files land, in seconds from 00:00 of one day: on `share` of the task's runs,
 * spread evenly (run r writes when floor((r+1)·share + phase) > floor(r·share + phase)); the
 * phase staggers the tables so they do not all write on the same runs.
 */
export function arrivalsOf(input: ModelInput, table: number): number[] {
    const runs = Math.ceil(1440 / input.taskScheduleMinutes);
    const phase = input.tables > 0 ? table / input.tables : 0;
    const out: number[] = [];
    for (let r = 0; r < runs; r++) {
        if (Math.floor((r + 1) * input.share + phase) > Math.floor(r * input.share + phase)) {
            out.push(r * input.taskScheduleMinutes * 60 + input.unloadSeconds);
        }
    }
    return out;
}

const billed = (crawlSeconds: number) => Math.max(CRAWLER_MIN_BILLED_SECONDS, crawlSeconds) / 60;

/** One table under the hourly cron: a crawl at :15 of every hour, whatever arrived. */
function hourlyTable(input: ModelInput, arrivals: number[]): { runs: number; billed: number; worst?: number } {
    let worst: number | undefined;
    for (const t of arrivals) {
        // The first crawl that starts after the object's event is in the queue (ticks repeat daily).
        const tick = Math.floor((t - HOURLY_CRON_MINUTE * 60) / 3600 + 1) * 3600 + HOURLY_CRON_MINUTE * 60;
        const wait = tick + input.crawlSeconds - t;
        worst = Math.max(worst ?? 0, wait);
    }
    return { runs: 24, billed: 24 * billed(input.crawlSeconds), worst };
}

/**
 * One table crawled on arrival: the trigger opens a batch at its first event and starts the
 * crawler `batchWindowSeconds` later, or at once when `batchSize` events are in; a start while
 * the crawler runs starts nothing (CrawlerRunningException), and its events wait in the queue for
 * the next crawl that starts. Two identical days are simulated so that a late batch, and events
 * whose bell rang during a crawl, find the crawl that takes them; runs and worst times count day 0.
 */
function arrivalTable(input: ModelInput, arrivals: number[], safetyNet: boolean): { runs: number; billed: number; worst?: number } {
    const days = [0, 1];
    const events = days.flatMap((d) => arrivals.map((t) => t + d * DAY));
    const starts: number[] = [];
    let open: number | undefined;
    let count = 0;
    for (const t of events) {
        if (open !== undefined && t >= open + input.batchWindowSeconds) {
            starts.push(open + input.batchWindowSeconds);
            open = undefined;
        }
        if (open === undefined) {
            open = t;
            count = 0;
        }
        count += input.filesPerRun;
        while (count >= input.batchSize) {
            starts.push(t);
            count -= input.batchSize;
            open = count > 0 ? t : undefined;
        }
    }
    if (open !== undefined) starts.push(open + input.batchWindowSeconds);
    if (safetyNet) starts.push(...days.map((d) => SAFETY_NET_SECOND + d * DAY));
    starts.sort((a, b) => a - b);

    let busyUntil = -Infinity;
    let runs = 0;
    const catalogued = new Map<number, number>();
    for (const s of starts) {
        if (s < busyUntil) continue; // the crawler is running: this start is no run, and no loss
        busyUntil = s + input.crawlSeconds;
        if (s < DAY) runs++;
        for (const t of events) if (t <= s && !catalogued.has(t)) catalogued.set(t, busyUntil);
    }
    let worst: number | undefined;
    for (const t of arrivals) worst = Math.max(worst ?? 0, (catalogued.get(t) ?? Infinity) - t);
    return { runs, billed: runs * billed(input.crawlSeconds), worst };
}

/** The three designs for `input.tables` tables: runs and billed minutes summed, the worst time the worst of any table. */
export function modelDay(input: ModelInput): DesignResult[] {
    return DESIGNS.map((design) => {
        let runs = 0;
        let billedMinutes = 0;
        let worst: number | undefined;
        let count = 0;
        for (let i = 0; i < input.tables; i++) {
            const arrivals = arrivalsOf(input, i);
            count += arrivals.length;
            const r =
                design === "hourly cron"
                    ? hourlyTable(input, arrivals)
                    : arrivalTable(input, arrivals, design === "on arrival + safety net");
            runs += r.runs;
            billedMinutes += r.billed;
            if (r.worst !== undefined) worst = Math.max(worst ?? 0, r.worst);
        }
        return {
            design,
            tables: input.tables,
            runs,
            billedMinutes,
            worstMinutes: worst === undefined ? undefined : worst / 60,
            arrivals: count,
        };
    });
}

/** `0.25` → 0.25: a share of runs from 0 to 1. */
export function parseShare(text: string): number {
    const n = Number(text);
    if (!/^\d*\.?\d+$/.test(text.trim()) || !(n >= 0 && n <= 1))
        throw new UsageError(`--share takes the share of task runs that write files, from 0 to 1 (got ${JSON.stringify(text)})`);
    return n;
}

/** `120` → 120: whole seconds from 1 to 86400. */
export function parseSeconds(option: string, text: string): number {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < 1 || n > DAY)
        throw new UsageError(`--${option} takes whole seconds from 1 to 86400 (got ${JSON.stringify(text)})`);
    return n;
}

/** What the model assumes, printed with its table, wrapped to `width` columns. */
export function assumptionLines(
    input: Omit<ModelInput, "tables">,
    stack: string,
    safetyNetSchedule: string | undefined,
    width = 100,
): string[] {
    const runs = Math.ceil(1440 / input.taskScheduleMinutes);
    const bullets = [
        `Model of one day (${stack} stack's settings; a model, not a measurement):`,
        `- each table's task runs every ${input.taskScheduleMinutes} min from 00:00 (${runs} runs); ${Math.round(input.share * 100)}% of them write ` +
            `${input.filesPerRun} file(s), which land ${input.unloadSeconds} s after the run starts (--share; an idle day is --share 0);`,
        `- every crawl takes ${input.crawlSeconds} s (--crawl-seconds); billed per second with a 10-minute minimum per crawler run, ` +
            `$${CRAWLER_PRICE_PER_DPU_HOUR} per DPU-hour (the rule stated on https://aws.amazon.com/glue/pricing/): minutes below are per DPU;`,
        `- hourly cron: each crawler at minute ${HOURLY_CRON_MINUTE} of every hour, whatever arrived (the design this replaced);`,
        `- on arrival: a crawl ${input.batchWindowSeconds} s after a table's first new object, or at once at ${input.batchSize} objects ` +
            "(crawlBatchWindowSeconds, crawlBatchSize); a start while the crawler runs starts nothing and its events wait in the queue for the next crawl;",
        `- safety net: one more crawl a day at 03:15 UTC (the default safetyNetSchedule; this stack: ${safetyNetSchedule ?? "none, acknowledged"});`,
        "- worst: the longest time from a file's unload to its partition in the catalog, over the day's files " +
            `(with unloads at any minute, the bounds are an hour plus a crawl for the hourly cron, the batch window plus a crawl on arrival).`,
    ];
    return bulletLines(bullets, width);
}

const HEADER = ["tables", "design", "crawler runs", "billed crawler min", "worst unload→catalog (min)"];

/** The model's table, one row per table count and design. */
export function modelTable(results: DesignResult[]): string[] {
    const rows = results.map((r) => [
        String(r.tables),
        r.design,
        String(r.runs),
        r.billedMinutes.toFixed(0),
        r.worstMinutes === undefined ? "- (idle)" : Number.isFinite(r.worstMinutes) ? r.worstMinutes.toFixed(1) : "next arrival",
    ]);
    return markdownTable([HEADER, ...rows], (i) => i === 1);
}
