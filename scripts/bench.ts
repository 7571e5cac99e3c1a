/**
 * `npm run bench`: how long the program takes to evaluate under mocks, and how many cloud
 * resources it declares, for a stack with 1, 10 and 50 exported tables (or `--tables`). Prints a
 * table, a row as each size finishes; asserts nothing (timings depend on the machine).
 */
import type { Graph } from "../test/harness";
import { CommandSpec, EXIT, Parsed, runScript } from "./lib/cli";
import { DEFAULT_COUNTS, parseCounts, runBench } from "./lib/bench";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose settings and first table are used", default: "dev" },
    tables: { type: "string", value: "counts", description: "table counts to measure, separated by commas", default: DEFAULT_COUNTS.join(",") },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "bench",
    synopsis: "[--stack <name>] [--tables <counts>]",
    summary: "Measures how long the program takes to evaluate under mocks, and how many resources it declares, for stacks of 1, 10 and 50 tables.",
    description: "Each table is a copy of the stack's first table under another name. Rows are printed as each size finishes; progress goes to stderr.",
    options,
    examples: ["npm run bench", "npm run bench -- --tables 1,100,200"],
};

async function main({ values }: Parsed<typeof options>): Promise<number> {
    // Loaded here: --help and argument errors answer at once.
    const { MAX_TABLES } = await import("../config");
    const counts = parseCounts(values.tables, MAX_TABLES);
    const stack = values.stack;
    const { validateStack } = await import("./lib/stack-file");
    const { graphOf } = await import("../test/harness");
    const { config } = validateStack(stack);
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
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
