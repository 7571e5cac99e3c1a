/**
 * Glue/EventBridge cron expressions: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
 * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
 *
 * Reads the fields with croner, accepts the subset the project does (`*`, `?`, numbers, names,
 * ranges, lists and steps; not `L`, `W` or `#`), and measures the longest and shortest gaps between
 * two runs (the daily safety-net crawl's interval, `arrival.ts`). Glue runs a schedule at most
 * every 5 minutes.
 */
import { Cron, CronPattern } from "croner";

export interface CronSchedule {
    /** The expression as given, e.g. `cron(0 * * * ? *)`. */
    expression: string;
    /** The longest time between two consecutive runs, in minutes. */
    maxIntervalMinutes: number;
    /** The shortest time between two consecutive runs, in minutes. */
    minIntervalMinutes: number;
}

const FIELD_NAMES = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"];

/**
 * Parses and measures a Glue cron expression; throws an Error whose message says what is wrong.
 * The interval is measured over two years of UTC minutes from 2026-01-01.
 */
export function parseCron(expression: string): CronSchedule {
    const m = /^cron\((.*)\)$/.exec(expression.trim());
    if (!m) throw new Error(`"${expression}" is not of the form cron(Minutes Hours Day-of-month Month Day-of-week Year)`);
    const fields = m[1].trim().split(/\s+/);
    if (fields.length !== 6)
        throw new Error(`cron has ${fields.length} fields, expected 6 (Minutes Hours Day-of-month Month Day-of-week Year)`);
    // AWS: "You can't specify the Day-of-month and Day-of-week fields in the same cron expression.
    // If you specify a value in one of the fields, you must use a ? in the other."
    if ((fields[2] === "?") === (fields[4] === "?")) {
        throw new Error("exactly one of Day-of-month and Day-of-week must be ?");
    }
    // A year other than * ends the schedule: the crawls it promises would stop.
    if (fields[5] !== "*") throw new Error(`year "${fields[5]}" ends the schedule: use * so that it runs every year`);
    fields.forEach((f, i) => {
        if (/[LW#]/i.test(f.replace(/[A-Z]{3}/gi, ""))) {
            throw new Error(`${FIELD_NAMES[i]} "${f}" uses L, W or #, which this project does not accept`);
        }
    });
    // croner reads AWS's fields once a seconds field is put first: Quartz weekdays (SUN=1, as AWS
    // numbers them), an optional year, `0/15` steps (sloppyRanges), and `?` as any.
    const options = { timezone: "UTC", mode: "6-or-7-parts", alternativeWeekdays: true, sloppyRanges: true, paused: true } as const;
    let cron: Cron;
    try {
        cron = new Cron(`0 ${fields.join(" ")}`, options);
    } catch (e) {
        throw new Error((e as Error).message.replace(/^CronPattern: /, ""));
    }
    // The minutes and hours of a day on which it runs; a day runs when its first such time does.
    const { minute, hour } = new CronPattern(`0 ${fields[0]} ${fields[1]} * * *`, "UTC", options);
    const times = hour.flatMap((h, hi) => (h ? minute.flatMap((m, mi) => (m ? [hi * 60 + mi] : [])) : []));

    const runs: number[] = [];
    const start = Date.UTC(2026, 0, 1) / 60_000;
    for (let d = 0; d < 731; d++) {
        const day = start + d * 1440;
        if (cron.match(new Date((day + times[0]) * 60_000))) runs.push(...times.map((t) => day + t));
    }
    if (runs.length < 2) throw new Error(`"${expression}" runs fewer than twice in 2026-2027; use no schedule for on-demand crawls`);
    let maxGap = 0;
    let minGap = Infinity;
    for (let i = 1; i < runs.length; i++) {
        const gap = runs[i] - runs[i - 1];
        maxGap = Math.max(maxGap, gap);
        minGap = Math.min(minGap, gap);
    }
    // Glue: "the minimum precision for a schedule is 5 minutes" (monitor-data-warehouse-schedule).
    if (minGap < 5) throw new Error(`"${expression}" runs every ${minGap} minute(s); Glue schedules run at most every 5 minutes`);
    return { expression: expression.trim(), maxIntervalMinutes: maxGap, minIntervalMinutes: minGap };
}
