/**
 * `npm run check:iam -- --stack <dev|prod> [--markdown] [--arns] [--update-doc] [--check-doc]`
 *
 * Runs the program under the test harness's mocks for the stack, takes every policy document from
 * the resource graph, evaluates the IAM access matrix (scripts/lib/iam-matrix.ts) with
 * @cloud-copilot/iam-simulate and prints principal × action × resource → decision, expected, ok.
 * Exits 1 on any mismatch (or, with --check-doc, when docs/security.md's table is stale).
 *
 *   --markdown    print the Markdown table of docs/security.md instead of the text table
 *   --arns        show the ARNs evaluated next to the labels (text table)
 *   --update-doc  rewrite the stack's generated table in docs/security.md
 *   --check-doc   fail when docs/security.md's table differs from the matrix
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram, ROOT } from "../test/harness";
import { DOC_PATH, docSection, evaluateMatrix, formatMarkdown, formatText, replaceDocSection } from "./lib/iam-matrix";

function usage(message?: string): never {
    if (message) console.error(message);
    console.error("usage: npm run check:iam -- --stack <dev|prod> [--markdown] [--arns] [--update-doc] [--check-doc]");
    process.exit(2);
}

function parseArgs(argv: string[]) {
    const opts = { stack: "", markdown: false, arns: false, updateDoc: false, checkDoc: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack") opts.stack = argv[++i] ?? usage("--stack needs a value");
        else if (a.startsWith("--stack=")) opts.stack = a.slice("--stack=".length);
        else if (a === "--markdown") opts.markdown = true;
        else if (a === "--arns") opts.arns = true;
        else if (a === "--update-doc") opts.updateDoc = true;
        else if (a === "--check-doc") opts.checkDoc = true;
        else if (a === "--help" || a === "-h") usage();
        else usage(`unknown argument ${a}`);
    }
    if (!opts.stack) usage("--stack is required");
    if (!fs.existsSync(path.join(ROOT, `Pulumi.${opts.stack}.yaml`))) usage(`no stack file Pulumi.${opts.stack}.yaml`);
    return opts;
}

async function main(): Promise<number> {
    const opts = parseArgs(process.argv.slice(2));
    const run = await runProgram({ stack: opts.stack });
    const { results } = await evaluateMatrix(run.resources);
    const bad = results.filter((r) => !r.ok);

    if (opts.markdown) console.log(formatMarkdown(results));
    else console.log(formatText(results, { arns: opts.arns }));

    const docFile = path.join(ROOT, DOC_PATH);
    let code = bad.length === 0 ? 0 : 1;
    if (opts.updateDoc) {
        const text = fs.existsSync(docFile) ? fs.readFileSync(docFile, "utf8") : "# Security\n";
        fs.writeFileSync(docFile, replaceDocSection(text, opts.stack, formatMarkdown(results)));
        console.error(`updated the ${opts.stack} table in ${DOC_PATH}`);
    } else if (opts.checkDoc) {
        const section = fs.existsSync(docFile) ? docSection(fs.readFileSync(docFile, "utf8"), opts.stack) : undefined;
        if (section !== formatMarkdown(results)) {
            console.error(`${DOC_PATH}: the ${opts.stack} table is stale or missing; run npm run check:iam -- --stack ${opts.stack} --update-doc`);
            code = 1;
        }
    }

    const allowed = results.filter((r) => r.decision === "Allowed").length;
    console.error(`\n${opts.stack}: ${results.length} cells, ${allowed} allowed, ${results.length - allowed} denied; ${bad.length} mismatch${bad.length === 1 ? "" : "es"}`);
    for (const r of bad) {
        console.error(`  MISMATCH ${r.id}: ${r.principal.label} ${r.action} ${r.resource.label} → ${r.decision}, expected ${r.expected}${r.problem ? ` (${r.problem})` : ""}`);
    }
    return code;
}

main().then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(2);
});
