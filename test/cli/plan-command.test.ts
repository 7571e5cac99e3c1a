/**
 * `npm run plan` as a command: the program type-checked as `pulumi up` does before its plan is
 * printed, options that exclude each other refused, advisories that fail a CI gate on request;
 * and `npm run generate -- --help`.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CommandSpec, EXIT, Io, OptionSpec, Parsed, ROOT, runCommand, usageLine, usageText } from "../../tools/cli/command";
import { main as planMain, spec as planSpec } from "../../tools/plan/main";
import { main as generateMain, spec as generateSpec } from "../../tools/generate/main";
import { cachedVerdict, typeErrors } from "../../tools/plan/typecheck-program";
import { sinceExitCode } from "../../tools/plan/since";
import type { LifecyclePlan, Verdict } from "../../tools/plan/lifecycle";

const TYPE_ERROR = "test/fixtures/type-error/index.ts";

/** Runs a command in this process; what it prints on stdout (console.log included) and stderr. */
async function run<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    main: (args: Parsed<O>, io: Io) => Promise<number>,
    argv: string[],
) {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void out.push(`${a.join(" ")}\n`);
    try {
        const io: Partial<Io> = { argv, env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
        const code = await runCommand(spec, main, io);
        return { code, stdout: out.join(""), stderr: err.join("") };
    } finally {
        console.log = log;
    }
}

describe("cli: npm run plan type-checks the program as pulumi up does", function () {
    this.timeout(180_000);

    it("finds the type error a transpile-only run lets through, in the program and not in what it imports from node_modules", () => {
        const expected = [`${TYPE_ERROR}(8,7): error TS2322: Type 'string' is not assignable to type 'number'.`];
        assert.deepEqual(typeErrors(ROOT, TYPE_ERROR), expected);
        assert.deepEqual(cachedVerdict(ROOT, TYPE_ERROR), expected, "kept for the next plan");
    });

    it("refuses to plan such a program: exit 2, the compiler's message, no plan", async () => {
        const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
        const r = await promisify(execFile)(tsNode, ["--transpile-only", "tools/plan/main.ts", "--stack", "dev", "--program", TYPE_ERROR], {
            cwd: ROOT,
        }).then(
            (x) => ({ code: 0, ...x }),
            (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.equal(r.code, 2, r.stderr);
        assert.equal(
            r.stderr,
            `plan: ${TYPE_ERROR} does not type-check, and pulumi up type-checks it (1 error):\n` +
                `  ${TYPE_ERROR}(8,7): error TS2322: Type 'string' is not assignable to type 'number'.\n`,
        );
        assert.equal(r.stdout, "", "no plan of a program pulumi up would refuse");
    });

    it("keeps a verdict until a file it was computed from changes", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "typecheck-cache-"));
        try {
            fs.writeFileSync(path.join(root, "index.ts"), "export const n: number = 1;\n");
            fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, types: [] } }));
            assert.equal(cachedVerdict(root, "index.ts"), undefined);
            assert.deepEqual(typeErrors(root, "index.ts"), []);
            assert.deepEqual(cachedVerdict(root, "index.ts"), []);
            fs.writeFileSync(path.join(root, "index.ts"), 'export const n: number = "1";\n');
            assert.equal(cachedVerdict(root, "index.ts"), undefined, "the program changed");
            assert.match(typeErrors(root, "index.ts")[0], /^index\.ts\(1,14\): error TS2322/);
            fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false, types: [] } }));
            assert.equal(cachedVerdict(root, "index.ts"), undefined, "the compiler options changed");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("cli: plan's options", function () {
    this.timeout(180_000);

    it("refuses --since with the options of the policy plan, which it would ignore", async () => {
        for (const extra of [["--preview"], ["--policy-config", "p.json"], ["--write-policy-config", "p.json"]]) {
            const r = await run(planSpec, planMain, ["--stack", "dev", "--since", "HEAD", ...extra]);
            assert.equal(r.code, EXIT.usage, extra.join(" "));
            assert.equal(
                r.stderr.split("\n")[0],
                `plan: --since plans the update from <git-ref> and runs no policy: ${extra[0]} cannot go with it (run the plan without --since for it)`,
            );
        }
    });

    it("fails on advisories with --fail-on-advisory, the summary line counting them", async () => {
        const policy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "advisory-")), "policy.json");
        try {
            fs.writeFileSync(policy, JSON.stringify({ "aws-allowed-regions": "advisory" }));
            const argv = ["--stack", "dev", "--config", "aws:region=us-east-1", "--policy-config", policy];
            const plain = await run(planSpec, planMain, argv);
            assert.equal(plain.code, EXIT.ok, plain.stderr);
            const summary = plain.stdout.trimEnd().split("\n").pop()!;
            assert.match(summary, /^\d+ policies, \d+ resources, 0 mandatory and [1-9]\d* advisory violations$/);
            const gated = await run(planSpec, planMain, [...argv, "--fail-on-advisory"]);
            assert.equal(gated.code, EXIT.failed);
            assert.equal(gated.stdout.trimEnd().split("\n").pop(), summary);
        } finally {
            fs.rmSync(path.dirname(policy), { recursive: true, force: true });
        }
        // --since: an advisory verdict (a full re-export, a new database) fails the gate too.
        const advisory: Verdict = { kind: "rows-exported-again", level: "advisory", urn: "urn:x", message: "re-exported" };
        const plan = (...verdicts: Verdict[]): LifecyclePlan => ({
            steps: [],
            verdicts,
            summary: { create: 0, update: 0, replace: 0, delete: 0 },
        });
        assert.deepEqual(
            [sinceExitCode(plan(advisory), false), sinceExitCode(plan(advisory), true), sinceExitCode(plan(), true)],
            [0, 1, 0],
        );
        assert.equal(sinceExitCode(plan({ ...advisory, level: "error" }), false), 1);
    });
});

describe("cli: npm run generate", () => {
    it("answers --help with its usage instead of writing the derived files", async () => {
        const before = fs.statSync(path.join(ROOT, "components", "schema.json")).mtimeMs;
        const r = await run(generateSpec, generateMain, ["--help"]);
        assert.deepEqual([r.code, r.stdout, r.stderr], [EXIT.ok, usageText(generateSpec), ""]);
        assert.equal(r.stdout.split("\n")[0], usageLine(generateSpec));
        assert.equal(fs.statSync(path.join(ROOT, "components", "schema.json")).mtimeMs, before, "nothing written");
        const bad = await run(generateSpec, generateMain, ["--chek"]);
        assert.equal(bad.code, EXIT.usage);
        assert.match(bad.stderr, /^generate: unknown option --chek \(did you mean --check\?\)/);
    });
});
