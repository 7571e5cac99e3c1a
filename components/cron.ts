/**
 * Glue/EventBridge cron expressions: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
 * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
 *
 * Parses the subset the project accepts (`*`, `?`, numbers, names, ranges, lists and steps; not
 * `L`, `W` or `#`), and measures the longest and shortest gaps between two runs (the daily
 * safety-net crawl's interval, `arrival.ts`). Glue runs a schedule at most every 5 minutes.
 */

export interface CronSchedule {
    /** The expression as given, e.g. `cron(0 * * * ? *)`. */
    expression: string;
    /** The longest time between two consecutive runs, in minutes. */
    maxIntervalMinutes: number;
    /** The shortest time between two consecutive runs, in minutes. */
    minIntervalMinutes: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const FIELDS: FieldSpec[] = [
    { name: "minutes", min: 0, max: 59 },
    { name: "hours", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day-of-week", min: 1, max: 7, names: DAYS },
    { name: "year", min: 1970, max: 2199 },
];

/** `undefined` for "any" (`*` or `?`), else the set of allowed values. */
type FieldSet = Set<number> | undefined;

function parseValue(token: string, spec: FieldSpec): number {
    const byName = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    const n = byName >= 0 ? byName + spec.min : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
        throw new Error(`${spec.name} value "${token}" is not in ${spec.min}-${spec.max}`);
    }
    return n;
}

function parseField(text: string, spec: FieldSpec): FieldSet {
    if (text === "*" || text === "?") return undefined;
    if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (m) => (spec.names?.includes(m.toUpperCase()) ? "" : m)))) {
        throw new Error(`${spec.name} "${text}" uses L, W or #, which this project does not accept`);
    }
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const m = /^([^/]+?)(?:\/(\d+))?$/.exec(part);
        if (!m) throw new Error(`${spec.name} "${part}" is not a value, range or step`);
        const [, range, stepText] = m;
        const step = stepText === undefined ? 1 : Number(stepText);
        if (step < 1) throw new Error(`${spec.name} step in "${part}" must be at least 1`);
        let lo: number;
        let hi: number;
        if (range === "*") {
            lo = spec.min;
            hi = spec.max;
        } else if (range.includes("-")) {
            const [a, b, ...rest] = range.split("-");
            if (rest.length > 0) throw new Error(`${spec.name} range "${range}" is malformed`);
            lo = parseValue(a, spec);
            hi = parseValue(b, spec);
            if (lo > hi) throw new Error(`${spec.name} range "${range}" runs backwards`);
        } else {
            lo = parseValue(range, spec);
            hi = stepText === undefined ? lo : spec.max;
        }
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return values;
}

const matches = (set: FieldSet, v: number): boolean => set === undefined || set.has(v);

/**
 * Parses and measures a Glue cron expression; throws an Error whose message says what is wrong.
 * The interval is measured over two years of UTC minutes from 2026-01-01.
 */
export function parseCron(expression: string): CronSchedule {
    const m = /^cron\((.*)\)$/.exec(expression.trim());
    if (!m) throw new Error(`"${expression}" is not of the form cron(Minutes Hours Day-of-month Month Day-of-week Year)`);
    const texts = m[1].trim().split(/\s+/);
    if (texts.length !== 6)
        throw new Error(`cron has ${texts.length} fields, expected 6 (Minutes Hours Day-of-month Month Day-of-week Year)`);
    // AWS: "You can't specify the Day-of-month and Day-of-week fields in the same cron expression.
    // If you specify a value in one of the fields, you must use a ? in the other."
    if ((texts[2] === "?") === (texts[4] === "?")) {
        throw new Error("exactly one of Day-of-month and Day-of-week must be ?");
    }
    const [minutes, hours, dom, month, dow, year] = texts.map((t, i) => parseField(t, FIELDS[i]));

    const runs: number[] = [];
    const start = Date.UTC(2026, 0, 1);
    const DAY = 86_400_000;
    for (let d = 0; d < 731; d++) {
        const day = new Date(start + d * DAY);
        if (!matches(year, day.getUTCFullYear()) || !matches(month, day.getUTCMonth() + 1)) continue;
        if (!matches(dom, day.getUTCDate()) || !matches(dow, day.getUTCDay() + 1)) continue;
        for (let h = 0; h < 24; h++) {
            if (!matches(hours, h)) continue;
            for (let mi = 0; mi < 60; mi++) {
                if (matches(minutes, mi)) runs.push((start + d * DAY) / 60_000 + h * 60 + mi);
            }
        }
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
