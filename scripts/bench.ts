/**
 * `npm run bench`: how long the program takes to evaluate under mocks, and how many cloud
 * resources it declares, for a dev stack with 1, 10 and 50 exported tables. Prints a table;
 * asserts nothing (timings depend on the machine).
 */
import { Graph, graphOf, stackConfig } from "../test/harness";

async function main(): Promise<void> {
    const template = JSON.parse(stackConfig("dev")["incremental-crawl:tables"])[0];
    const rows: string[][] = [];
    await graphOf({ stack: "dev" }); // warm the module cache so the first row is comparable
    for (const n of [1, 10, 50]) {
        const tables = Array.from({ length: n }, (_, i) => ({ ...template, name: `${template.name}_${String(i + 1).padStart(2, "0")}` }));
        const started = process.hrtime.bigint();
        const g: Graph = await graphOf({ stack: "dev", config: { "incremental-crawl:tables": tables } });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        rows.push([String(n), ms.toFixed(0), String(g.cloud.length), String(g.resources.length)]);
    }
    const header = ["tables", "evaluate (ms)", "cloud resources", "all resources"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(" | ")} |`;
    console.log(line(header));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) console.log(line(r));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
