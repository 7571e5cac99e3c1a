/**
 * `npm run bench`: how long the program takes to evaluate under mocks, and how many cloud
 * resources it declares, for a stack with 1, 10 and 50 exported tables (or `--tables`). Prints a
 * table, a row as each size finishes; asserts nothing (timings depend on the machine). Then the
 * crawl cost and freshness model (tools/bench/crawl-model.ts) for the same table counts: a day
 * of arrivals from the stack's task schedule, under the hourly cron and crawls on arrival. Last,
 * the storage cost model (tools/bench/storage-cost.ts): a month of one table's year of exports,
 * all in STANDARD against the stack's storage tiers (or `--tiers`).
 */
import type { Graph } from "../../offline";
import { CommandSpec, EXIT, Parsed, runScript } from "../cli/command";
import { DEFAULT_COUNTS, parseCounts, runBench } from "./bench";
import { assumptionLines, modelDay, modelTable, parseSeconds, parseShare } from "./crawl-model";
import { parsePositive, parseTiersOption, storageAssumptionLines, storageTable, yearOfExports } from "./storage-cost";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose settings and first table are used", default: "dev" },
    tables: {
        type: "string",
        value: "counts",
        description: "table counts to measure, separated by commas",
        default: DEFAULT_COUNTS.join(","),
    },
    share: {
        type: "string",
        value: "0-1",
        description: "crawl model: share of each table's task runs that write files (0: an idle day)",
        default: "0.25",
    },
    "crawl-seconds": { type: "string", value: "seconds", description: "crawl model: how long one crawl takes", default: "120" },
    "gb-per-day": { type: "string", value: "GB", description: "storage model: GB of Parquet a table's unloads write a day", default: "1" },
    "object-mb": {
        type: "string",
        value: "MB",
        description: "storage model: mean size of one unloaded file (default: the stack's maxFileSizeMb)",
    },
    tiers: {
        type: "string",
        value: "CLASS:DAYS,...",
        description: "storage model: these tiers for every table instead of the stack's, e.g. STANDARD_IA:30,GLACIER_IR:120",
    },
    "storage-only": { type: "boolean", description: "print the storage model only (no evaluation, no crawl model)" },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "bench",
    synopsis:
        "[--stack <name>] [--tables <counts>] [--share <0-1>] [--crawl-seconds <seconds>] [--gb-per-day <GB>] [--tiers <CLASS:DAYS,...>] [--storage-only]",
    summary:
        "Measures how long the program takes to evaluate under mocks, and how many resources it declares, for stacks of 1, 10 and 50 tables; then models a day of crawls (runs, billed minutes, freshness) under the hourly cron and on arrival, and a month of each table's storage under its tiers against STANDARD.",
    description:
        "Each table is a copy of the stack's first table under another name. Rows are printed as each size finishes; progress goes to stderr. " +
        "The crawl model generates a day of arrivals from the stack's taskScheduleMinutes (each table writing on --share of its runs) and prints, with its assumptions, " +
        "crawler runs, billed crawler minutes (per second, 10-minute minimum per run: https://aws.amazon.com/glue/pricing/) and the worst unload-to-catalog time of each design. " +
        "The storage model prices one year of each table's exports (--gb-per-day) a month, every object in STANDARD against the table's storage tiers and retention, " +
        "at the per-GB prices of https://aws.amazon.com/s3/pricing/ it prints with the region they are for.",
    options,
    examples: [
        "npm run bench",
        "npm run bench -- --tables 1,100,200",
        "npm run bench -- --share 0   # an idle day",
        "npm run bench -- --stack prod --storage-only --tiers STANDARD_IA:30,GLACIER_IR:120 --gb-per-day 5",
    ],
};

const print = (lines: string[]) => console.log(lines.join("\n"));

async function main({ values }: Parsed<typeof options>): Promise<number> {
    // Loaded here: --help and argument errors answer at once.
    const { MAX_TABLES } = await import("../../config");
    const counts = parseCounts(values.tables, MAX_TABLES);
    const share = parseShare(values.share);
    const crawlSeconds = parseSeconds("crawl-seconds", values["crawl-seconds"]);
    const gbPerDay = parsePositive("gb-per-day", values["gb-per-day"]);
    const objectMb = values["object-mb"] !== undefined ? parsePositive("object-mb", values["object-mb"]) : undefined;
    const tiers = values.tiers !== undefined ? parseTiersOption(values.tiers) : undefined;
    const stack = values.stack;
    const { validateStack } = await import("../cli/stack-config");
    const { graphOf } = await import("../../offline");
    const { config, settings } = validateStack(stack);

    // The storage model: every table of the stack, its tiers (or --tiers) and its retention.
    const storage = () => {
        const size = objectMb ?? settings.maxFileSizeMb;
        const noncurrentDays = settings.versioning ? settings.noncurrentVersionDays : 0;
        const rows = settings.tables.map((t) => {
            const own = tiers ?? t.storageTiers ?? [];
            const retention = t.retentionDays !== undefined ? { days: t.retentionDays, noncurrentDays } : undefined;
            return { table: t.name, tiers: own, cost: yearOfExports({ tiers: own, gbPerDay, objectMb: size, retention }) };
        });
        print(["", ...storageAssumptionLines({ gbPerDay, objectMb: size, stack }), "", ...storageTable(rows)]);
    };
    if (values["storage-only"]) {
        storage();
        return EXIT.ok;
    }
    const template = JSON.parse(config["incremental-crawl:tables"])[0];
    await runBench(counts, {
        warm: async () => void (await graphOf({ stack })), // warm the module cache
        measure: async (n) => {
            const tables = Array.from({ length: n }, (_, i) => ({
                ...template,
                name: `${template.name}_${String(i + 1).padStart(2, "0")}`,
            }));
            const started = process.hrtime.bigint();
            const g: Graph = await graphOf({ stack, config: { "incremental-crawl:tables": tables } });
            return { ms: Number(process.hrtime.bigint() - started) / 1e6, cloud: g.cloud.length, all: g.resources.length };
        },
        out: (line) => console.log(line),
        progress: (line) => console.error(line),
    });

    const model = {
        taskScheduleMinutes: settings.taskScheduleMinutes,
        share,
        filesPerRun: 4,
        unloadSeconds: 60,
        crawlSeconds,
        batchSize: settings.crawlBatchSize,
        batchWindowSeconds: settings.crawlBatchWindowSeconds,
    };
    print([
        "",
        ...assumptionLines(model, stack, settings.safetyNetSchedule),
        "",
        ...modelTable(counts.flatMap((tables) => modelDay({ ...model, tables }))),
    ]);
    storage();
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
