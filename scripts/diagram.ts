/**
 * `npm run diagram`: prints the stack's architecture as Mermaid, rendered from the real resource
 * graph under mocks; `--write` puts it into README.md. Options: `spec` below (`--help`).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, EXIT, Parsed, ROOT, runScript, UsageError } from "./lib/cli";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose graph is drawn", default: "dev" },
    write: { type: "boolean", description: "put the diagram into README.md (the dev stack's, which a test compares with the graph)" },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "diagram",
    synopsis: "[--stack <name>] [--write]",
    summary: "Prints the stack's architecture as a Mermaid flowchart, drawn from the program's resource graph under mocks.",
    options,
    examples: ["npm run diagram -- --stack prod", "npm run diagram -- --write"],
};

async function main({ values }: Parsed<typeof options>): Promise<number> {
    const stack = values.stack;
    // The README shows dev, and a test compares it with the dev render.
    if (values.write && stack !== "dev") throw new UsageError("--write puts the dev stack's diagram into README.md; drop --stack or use --stack dev");
    // Loaded here: --help and argument errors answer at once.
    const { validateStack } = await import("./lib/stack-file");
    const { graphOf } = await import("../offline");
    const { readmeBlock, renderMermaid, replaceBlock } = await import("./lib/diagram");
    validateStack(stack);
    const g = await graphOf({ stack });
    const mermaid = renderMermaid(g, `incremental-crawl-${stack}`);
    if (values.write) {
        const file = path.join(ROOT, "README.md");
        fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), readmeBlock(mermaid, stack)));
        console.error(`README.md: diagram of ${stack} updated`);
    } else {
        console.log(mermaid);
    }
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
