/**
 * `npm run bench`: how long the program takes to evaluate under mocks, and how many cloud
 * resources it declares, for a stack with 1, 10 and 50 exported tables (or `--tables`). Prints a
 * table, a row as each size finishes; asserts nothing (timings depend on the machine). Then the
 * crawl cost and freshness model (scripts/lib/crawl-model.ts) for the same table counts: a day
 * of arrivals from the stack's task schedule, under the hourly cron and crawls on arrival.
 */
import type { Graph } from "../offline";
import { CommandSpec, EXIT, Parsed, runScript } from "./lib/cli";
import { DEFAULT_COUNTS, parseCounts, runBench } from "./lib/bench";
import { assumptionLines, modelDay, modelTable, parseSeconds, parseShare } from "./lib/crawl-model";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose settings and first table are used", default: "dev" },
    tables: { type: "string", value: "counts", description: "table counts to measure, separated by commas", default: DEFAULT_COUNTS.join(",") },
    share: { type: "string", value: "0-1", description: "crawl model: share of each table's task runs that write files (0: an idle day)", default: "0.25" },
    "crawl-seconds": { type: "string", value: "seconds", description: "crawl model: how long one crawl takes", default: "120" },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "bench",
    synopsis: "[--stack <name>] [--tables <counts>] [--share <0-1>] [--crawl-seconds <seconds>]",
    summary: "Measures how long the program takes to evaluate under mocks, and how many resources it declares, for stacks of 1, 10 and 50 tables; then models a day of crawls (runs, billed minutes, freshness) under the hourly cron and on arrival.",
    description: "Each table is a copy of the stack's first table under another name. Rows are printed as each size finishes; progress goes to stderr. " +
        "The crawl model generates a day of arrivals from the stack's taskScheduleMinutes (each table writing on --share of its runs) and prints, with its assumptions, " +
        "crawler runs, billed crawler minutes (per second, 10-minute minimum per run: https://aws.amazon.com/glue/pricing/) and the worst unload-to-catalog time of each design.",
    options,
    examples: ["npm run bench", "npm run bench -- --tables 1,100,200", "npm run bench -- --share 0   # an idle day"],
};

async function main({ values }: Parsed<typeof options>): Promise<number> {
    // Loaded here: --help and argument errors answer at once.
    const { MAX_TABLES } = await import("../config");
    const counts = parseCounts(values.tables, MAX_TABLES);
    const share = parseShare(values.share);
    const crawlSeconds = parseSeconds("crawl-seconds", values["crawl-seconds"]);
    const stack = values.stack;
    const { validateStack } = await import("./lib/stack-file");
    const { graphOf } = await import("../offline");
    const { config, settings } = validateStack(stack);
    const template = JSON.parse(config["incremental-crawl:tables"])[0];
    await runBench(counts, {
        warm: async () => void await graphOf({ stack }), // warm the module cache
        measure: async (n) => {
            const tables = Array.from({ length: n }, (_, i) => ({ ...template, name: `${template.name}_${String(i + 1).padStart(2, "0")}` }));
            const started = process.hrtime.bigint();
            const g: Graph = await graphOf({ stack, config: { "incremental-crawl:tables": tables } });
            return { ms: Number(process.hrtime.bigint() - started) / 1e6, cloud: g.cloud.length, all: g.resources.length };
        },
        out: (line) => console.log(line),
        progress: (line) => console.error(line),
    });

    const model = {
        taskScheduleMinutes: settings.taskScheduleMinutes, share, filesPerRun: 4, unloadSeconds: 60, crawlSeconds,
        batchSize: settings.crawlBatchSize, batchWindowSeconds: settings.crawlBatchWindowSeconds,
    };
    console.log("");
    for (const line of assumptionLines(model, stack, settings.safetyNetSchedule)) console.log(line);
    console.log("");
    for (const line of modelTable(counts.flatMap((tables) => modelDay({ ...model, tables })))) console.log(line);
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
