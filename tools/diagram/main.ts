/**
 * `npm run diagram`: prints the stack's architecture as Mermaid, rendered from the real resource
 * graph under mocks; `--write` puts the example dev stack's into docs/architecture.md (the README documents the
 * example stacks, not yours: offline/stacks.ts). Options: `spec` below (`--help`).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, EXIT, Parsed, ROOT, runScript, UsageError } from "../cli/command";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose graph is drawn", default: "dev" },
    write: {
        type: "boolean",
        description:
            "put the example dev stack's diagram (test/fixtures/stacks/Pulumi.dev.yaml, not yours) into docs/architecture.md, which a test compares with the graph",
    },
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
    // The README shows the example dev stack, and a test compares it with its render.
    if (values.write && stack !== "dev")
        throw new UsageError("--write puts the example dev stack's diagram into docs/architecture.md; drop --stack or use --stack dev");
    // Loaded here: --help and argument errors answer at once.
    const { validateStack } = await import("../cli/stack-config");
    const { graphOf } = await import("../../offline");
    const { exampleStackDir } = await import("../../offline/stacks");
    const { readmeBlock, renderMermaid, replaceBlock } = await import("./diagram");
    const stackDir = values.write ? exampleStackDir(ROOT) : undefined;
    validateStack(stack, { dir: stackDir });
    const g = await graphOf({ stack, stackDir });
    const mermaid = renderMermaid(g, `incremental-crawl-${stack}`);
    if (values.write) {
        const file = path.join(ROOT, "docs", "architecture.md");
        fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), readmeBlock(mermaid, stack)));
        console.error(`docs/architecture.md: diagram of the example ${stack} stack updated`);
    } else {
        console.log(mermaid);
    }
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
