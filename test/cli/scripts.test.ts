/**
 * The scripts as a user runs them: spawned with node and ts-node, their exit codes, stdout and
 * stderr. Only what is about the process (exit codes, streams, no stack trace) is here; the
 * parser, the messages and the commands are tested in process beside.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, usageLine, usageText } from "../../tools/cli/command";
import { stackDir, stackFilePath, TEST_STACKS_ENV } from "../../offline/stacks";
import { spec as benchSpec } from "../../tools/bench/main";
import { spec as checkIamSpec } from "../../tools/check-iam/main";

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** `node -r ts-node/register/transpile-only tools/<script>/main.ts ...args`, with `env` over a clean npm-free environment. */
function spawn(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join("tools", script, "main.ts"), ...args],
            { cwd: ROOT, env: { ...clean, [TEST_STACKS_ENV]: STACKS, ...env }, maxBuffer: 16 << 20, timeout: 60_000 },
            (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
        );
    });
}

const STACK_TRACE = /\n\s+at .+\(.*:\d+:\d+\)/;
/** Throwaway stacks beside the example ones, in a folder of their own that the scripts read as their stack files. */
let STACKS = "";
const BROKEN_YAML = "broken-yaml";
const BROKEN_CONFIG = "broken-config";
const DEV = fs.readFileSync(stackFilePath(stackDir(ROOT), "dev"), "utf8");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("cli: the scripts as processes", function () {
    this.timeout(120_000);
    const runs = new Map<string, Run>();
    const cases: Record<string, [string, string[], NodeJS.ProcessEnv?]> = {
        iamHelp: ["check-iam", ["--help"]],
        iamUnknown: ["check-iam", ["--stack", "dev", "--bogus"]],
        diagramNoValue: ["diagram", ["--stack"]],
        benchHelp: ["bench", ["--help"]],
        benchTooMany: ["bench", ["--tables", "500"]],
        npm: ["plan", ["prod"], { npm_lifecycle_event: "plan", npm_config_stack: "true" }],
        yaml: ["plan", ["--stack", BROKEN_YAML]],
        yamlDebug: ["plan", ["--stack", BROKEN_YAML, "--debug"]],
        config: ["plan", [`--stack=${BROKEN_CONFIG}`]],
    };

    before(async () => {
        STACKS = fs.mkdtempSync(path.join(os.tmpdir(), "clitest-stacks-"));
        for (const s of ["dev", "prod"]) fs.copyFileSync(stackFilePath(stackDir(ROOT), s), stackFilePath(STACKS, s));
        fs.writeFileSync(
            stackFilePath(STACKS, BROKEN_YAML),
            DEV.replace("  incremental-crawl:versioning: false", "  incremental-crawl:versioning: false: true"),
        );
        fs.writeFileSync(
            stackFilePath(STACKS, BROKEN_CONFIG),
            DEV.replace("incremental-crawl:glueDatabase: lake_dev", "incremental-crawl:glueDatabse: lake_dev"),
        );
        try {
            // Three at a time: each is a node process compiling the scripts.
            const names = Object.keys(cases);
            for (let i = 0; i < names.length; i += 3) {
                await Promise.all(names.slice(i, i + 3).map(async (n) => runs.set(n, await spawn(...cases[n]))));
            }
        } finally {
            fs.rmSync(STACKS, { recursive: true, force: true });
        }
    });
    const r = (name: string) => runs.get(name)!;

    // --help answers instead of running: the whole usage text on stdout, exit 0.
    for (const [run, spec] of [
        ["iamHelp", checkIamSpec],
        ["benchHelp", benchSpec],
    ] as const)
        it(`${spec.script} --help prints the usage on stdout and exits 0`, () => {
            assert.deepEqual([r(run).code, r(run).stdout, r(run).stderr], [0, usageText(spec), ""]);
        });

    // Refused before doing anything: exit 2, the reason on stderr, nothing on stdout.
    const refusals: Array<[title: string, run: string, stderr: RegExp | string]> = [
        [
            "an unknown option is named on stderr, with the usage line, exit 2",
            "iamUnknown",
            `check:iam: unknown option --bogus\n${usageLine(checkIamSpec)}\nRun \`npm run check:iam -- --help\` for the options.\n`,
        ],
        ["diagram --stack without a value is refused, exit 2", "diagramNoValue", /^diagram: --stack needs a value: --stack <name>\n/],
        ["bench refuses --tables 500, exit 2", "benchTooMany", /^bench: --tables: a stack holds at most 200 tables/],
        [
            "npm run plan --stack prod (without --) gets the command that was meant, exit 2",
            "npm",
            /^plan: npm took --stack for one of its own settings .*did you mean `npm run plan -- --stack prod`\?\n/,
        ],
    ];
    for (const [title, run, stderr] of refusals)
        it(title, () => {
            assert.deepEqual([r(run).code, r(run).stdout], [2, ""], r(run).stderr);
            if (typeof stderr === "string") assert.equal(r(run).stderr, stderr);
            else assert.match(r(run).stderr, stderr);
        });

    it("a YAML syntax error names the stack file and line, without a stack trace unless --debug", () => {
        const line = DEV.split("\n").findIndex((l) => l.includes("incremental-crawl:versioning")) + 1;
        assert.equal(r("yaml").code, 2);
        assert.match(
            r("yaml").stderr,
            new RegExp(`^plan: ${escape(stackFilePath(STACKS, BROKEN_YAML))}:${line}:\\d+: YAML syntax error: `),
        );
        assert.doesNotMatch(r("yaml").stderr, STACK_TRACE);
        assert.equal(r("yamlDebug").code, 2);
        assert.match(r("yamlDebug").stderr, STACK_TRACE);
    });

    it("a configuration error names file, line, key and the key it most likely meant, without a stack trace", () => {
        const line = DEV.split("\n").findIndex((l) => l.includes("incremental-crawl:glueDatabase")) + 1;
        assert.equal(r("config").code, 2);
        assert.equal(
            r("config").stderr,
            `plan: stack ${BROKEN_CONFIG}: invalid configuration (1 problem):\n` +
                `  ${stackFilePath(STACKS, BROKEN_CONFIG)}:${line}:3: incremental-crawl:glueDatabse: expected one of the project settings (did you mean glueDatabase?), got "an unknown key"\n`,
        );
        assert.equal(r("config").stdout, "");
    });
});
