/**
 * `npm run check:iam`: runs the program under the test harness's mocks for the stack, takes every
 * policy document from the resource graph, evaluates the IAM access matrix (tools/check-iam/iam-matrix.ts)
 * with @cloud-copilot/iam-simulate and prints principal × action × resource → decision. The options
 * are in `spec` below (`--help`).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, EXIT, outputWidth, Parsed, ROOT, runScript, UsageError } from "../cli/command";

// The program, the simulator and config.ts load in `main`: --help and argument errors answer at once.
const DOC_PATH = "docs/security.md";

const options = {
    stack: { type: "string", value: "name", description: "the stack whose graph is evaluated" },
    with: {
        type: "string",
        value: "file",
        description: "a YAML file of settings (config:, as in a stack file) laid over the stack's, e.g. docs/examples/sharing.yaml",
    },
    markdown: { type: "boolean", description: "print the Markdown table of docs/security.md instead of the text table" },
    arns: { type: "boolean", description: "show the ARNs evaluated next to the labels (text table)" },
    width: { type: "string", value: "columns", description: "width of the text table (default: the terminal's, else 100)" },
    "update-doc": { type: "boolean", description: `rewrite ${DOC_PATH}'s table of the example stack (test/fixtures/stacks, not yours)` },
    "check-doc": { type: "boolean", description: `fail when ${DOC_PATH}'s table differs from the example stack's matrix` },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "check:iam",
    synopsis: "--stack <name> [--with <settings file>] [--markdown | --update-doc | --check-doc] [--arns] [--width <columns>]",
    summary:
        "Evaluates the stack's IAM access matrix (who may publish, send, receive, read, write, assume) with an IAM policy simulator, offline.",
    description:
        "Every policy document comes from the program's resource graph under mocks. The text table abbreviates " +
        "decisions and wraps long labels to fit the terminal; the full matrix of the example stacks is in docs/security.md " +
        "(--update-doc and --check-doc evaluate the example stack of that name, whatever your stack file holds).",
    options,
    stackRequired: true,
    examples: [
        "npm run check:iam -- --stack prod",
        "npm run check:iam -- --stack prod --update-doc",
        "npm run check:iam -- --stack prod --with docs/examples/sharing.yaml",
    ],
    footer: "Exit status: 0 every cell as expected, 1 a mismatch (or, with --check-doc, a stale table), 2 the check could not run.",
};

async function main({ values: opts }: Parsed<typeof options>): Promise<number> {
    const stack = opts.stack!;
    if (opts["update-doc"] && opts["check-doc"]) throw new UsageError("give one of --update-doc and --check-doc");
    const width = opts.width === undefined ? Math.max(60, outputWidth()) : Number(opts.width);
    if (!Number.isInteger(width) || width < 40)
        throw new UsageError(`--width must be a number of columns (40 or more), got ${JSON.stringify(opts.width)}`);
    const { validateStack } = await import("../cli/stack-config");
    const { exampleStackDir, stacksIn } = await import("../../offline/stacks");
    // docs/security.md documents the example stacks: a table added to yours leaves it as it is.
    const stackDir = opts["update-doc"] || opts["check-doc"] ? exampleStackDir(ROOT) : undefined;
    if (stackDir !== undefined && !stacksIn(stackDir).includes(stack)) {
        throw new UsageError(
            `${DOC_PATH} documents the example stacks (${stacksIn(stackDir).join(", ")}), and ${stack} is not one of them`,
        );
    }
    validateStack(stack, { dir: stackDir });
    const { runProgram } = await import("../../offline");
    const { describeResult, docSection, evaluateMatrix, formatMarkdown, formatText, replaceDocSection } = await import("./iam-matrix");
    const target = { stack, with: opts.with === undefined ? undefined : path.relative(ROOT, path.resolve(opts.with)) };
    const table = `${stack}${target.with ? ` with ${target.with}` : ""}`;
    const { overlaySettings } = await import("../../offline/stack-file");
    const run = await runProgram({
        stack,
        stackDir,
        config: opts.with === undefined ? undefined : overlaySettings(path.resolve(opts.with)),
    });
    const { results } = await evaluateMatrix(run.resources, run.outputs.sharing);
    const bad = results.filter((r) => !r.ok);

    if (opts.markdown) console.log(formatMarkdown(results));
    else console.log(formatText(results, { arns: opts.arns, width }));

    const docFile = path.join(ROOT, DOC_PATH);
    let code = bad.length === 0 ? EXIT.ok : EXIT.failed;
    if (opts["update-doc"]) {
        const text = fs.existsSync(docFile) ? fs.readFileSync(docFile, "utf8") : "# Security\n";
        fs.writeFileSync(docFile, replaceDocSection(text, target, formatMarkdown(results)));
        console.error(`updated the ${table} table in ${DOC_PATH}`);
    } else if (opts["check-doc"]) {
        const section = fs.existsSync(docFile) ? docSection(fs.readFileSync(docFile, "utf8"), target) : undefined;
        if (section !== formatMarkdown(results)) {
            console.error(
                `${DOC_PATH}: the ${table} table is stale or missing; run npm run check:iam -- --stack ${stack}${target.with ? ` --with ${target.with}` : ""} --update-doc`,
            );
            code = EXIT.failed;
        }
    }

    const allowed = results.filter((r) => r.decision === "Allowed").length;
    console.error(
        `\n${stack}: ${results.length} cells, ${allowed} allowed, ${results.length - allowed} denied; ${bad.length} mismatch${bad.length === 1 ? "" : "es"}`,
    );
    for (const r of bad) console.error(`  MISMATCH ${describeResult(r)}`);
    return code;
}

if (require.main === module) runScript(spec, main);
