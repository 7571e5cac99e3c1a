/**
 * The table of `npm run bench`, written a row at a time as each size finishes (a run of 50 tables
 * takes seconds). Pure apart from the injected program run and output.
 */
import { UsageError } from "../cli/command";
import { markdownTable } from "../cli/text-table";

export const DEFAULT_COUNTS = [1, 10, 50];

const HEADER = ["tables", "evaluate (ms)", "cloud resources", "all resources"];

/** `1,10,50` → [1, 10, 50]; each a whole number from 1 to `max` (config.ts's MAX_TABLES: what a stack may hold). */
export function parseCounts(text: string, max: number): number[] {
    const parts = text.split(",").map((p) => p.trim());
    const counts = parts.map(Number);
    const bad = parts.filter((p, i) => !/^\d+$/.test(p) || counts[i] < 1);
    if (bad.length > 0)
        throw new UsageError(`--tables takes table counts separated by commas, such as 1,10,50 (got ${JSON.stringify(text)})`);
    const tooMany = counts.filter((n) => n > max);
    if (tooMany.length > 0)
        throw new UsageError(`--tables: a stack holds at most ${max} tables (one SNS filter policy each), got ${tooMany.join(", ")}`);
    return counts;
}

export interface Measure {
    ms: number;
    cloud: number;
    all: number;
}

/**
 * Prints the header, then one row per count as soon as its run ends; `progress` (stderr) says
 * what runs meanwhile. Columns have the header's widths, so the first row needs no later ones.
 */
export async function runBench(
    counts: number[],
    deps: {
        warm(): Promise<void>;
        measure(tables: number): Promise<Measure>;
        out(line: string): void;
        progress(line: string): void;
    },
): Promise<Measure[]> {
    const right = () => false;
    deps.progress("warming up: one run first, so that the first row is comparable");
    await deps.warm();
    markdownTable([HEADER], right).forEach((l) => deps.out(l));
    const results: Measure[] = [];
    for (const n of counts) {
        deps.progress(`evaluating ${n} table${n === 1 ? "" : "s"}...`);
        const m = await deps.measure(n);
        results.push(m);
        // The row under the header's widths (a wider cell widens its own line only): the third line.
        deps.out(markdownTable([HEADER, [String(n), m.ms.toFixed(0), String(m.cloud), String(m.all)]], right)[2]);
    }
    return results;
}
