/**
 * `npm run diagram -- [--stack dev] [--write]`: prints the stack's architecture as Mermaid,
 * rendered from the real resource graph under mocks; `--write` puts it into README.md.
 */
import * as fs from "fs";
import * as path from "path";
import { graphOf, requireStackFile, ROOT } from "../test/harness";
import { readmeBlock, renderMermaid, replaceBlock } from "./lib/diagram";

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const stackAt = args.indexOf("--stack");
    const stack = stackAt >= 0 ? args[stackAt + 1] ?? "" : "dev";
    requireStackFile(stack);
    // The README shows dev, and a test compares it with the dev render.
    if (args.includes("--write") && stack !== "dev") throw new Error("--write puts the dev stack's diagram into README.md; drop --stack or use --stack dev");
    const g = await graphOf({ stack });
    const mermaid = renderMermaid(g, `incremental-crawl-${stack}`);
    if (args.includes("--write")) {
        const file = path.join(ROOT, "README.md");
        fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), readmeBlock(mermaid, stack)));
        console.error(`README.md: diagram of ${stack} updated`);
    } else {
        console.log(mermaid);
    }
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
