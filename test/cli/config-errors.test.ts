/**
 * Configuration and YAML errors as one clean message: unknown keys answered with the key they most
 * likely meant, every problem located at its file and line, syntax errors with the file's name, and
 * a bad configuration under `pulumi up` a `RunError` (printed by the engine without a stack trace).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError, fullKey, PROJECT, PROJECT_KEYS, PROVIDER_KEYS } from "../../config";
import { configOverrides } from "../../tools/plan/main";
import { ROOT } from "../../tools/cli/command";
import { stackDir, stackFilePath } from "../../offline/stacks";
import { readStackFile, StackFileError } from "../../offline/stack-file";
import { keyPath, locate, problemKey, StackConfigError, validateStack } from "../../tools/cli/stack-config";
import { runProgram } from "../../offline";

const k = (key: string) => `${PROJECT}:${key}`;

/** Runs `test` in a project root in a temporary directory: Pulumi.yaml and one stack file of `text`. */
function inRoot(stack: string, text: string, test: (root: string) => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    try {
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
        test(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const DEV = fs.readFileSync(stackFilePath(stackDir(ROOT), "dev"), "utf8");
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("cli: a configuration error under pulumi up", () => {
    // Each refusal and its did-you-mean are in config.test.ts.
    it("is a pulumi.RunError, so that pulumi up prints the problems without a stack trace", async () => {
        let error: unknown;
        try {
            await runProgram({ stack: "dev", config: { [k("glueDatabse")]: "lake" } });
        } catch (e) {
            error = e;
        }
        assert.ok(error instanceof ConfigError);
        assert.ok(pulumi.RunError.isInstance(error), "ConfigError is a RunError");
        assert.match(
            (error as Error).message,
            /^invalid stack configuration \(1 problem\):\n {2}- incremental-crawl:glueDatabse: .*did you mean glueDatabase\?/,
        );
    });
});

describe("cli: configuration problems located in the stack file", () => {
    it("reads a problem's key and its path", () => {
        assert.equal(
            problemKey('incremental-crawl:tables[0].name: expected an upper-case identifier, got "a: b"'),
            "incremental-crawl:tables[0].name",
        );
        assert.deepEqual(keyPath("incremental-crawl:tables[1].columns[4].name"), {
            top: "incremental-crawl:tables",
            path: [1, "columns", 4, "name"],
        });
        assert.deepEqual(keyPath("aws:region"), { top: "aws:region", path: [] });
    });

    it("finds the line and column of keys, list items and keys inside flow maps", () => {
        const lines = new YAML.LineCounter();
        const doc = YAML.parseDocument(DEV, { lineCounter: lines });
        assert.deepEqual(locate(doc, lines, "aws:region", PROJECT), { line: lineOf(DEV, "aws:region"), col: 3, exact: true });
        assert.deepEqual(locate(doc, lines, k("tables[0].partitionBy"), PROJECT), {
            line: lineOf(DEV, "partitionBy:"),
            col: 7,
            exact: true,
        });
        const status = lineOf(DEV, "name: STATUS");
        assert.deepEqual(locate(doc, lines, k("tables[0].columns[3].type"), PROJECT), {
            line: status,
            col: DEV.split("\n")[status - 1].indexOf("type:") + 1,
            exact: true,
        });
        // A missing key points at the nearest enclosing one.
        assert.deepEqual(locate(doc, lines, k("tables[0].source"), PROJECT), { line: lineOf(DEV, "- name: ORDERS"), col: 7, exact: false });
        assert.equal(locate(doc, lines, k("alertEmails"), PROJECT), undefined);
        assert.equal(locate(doc, lines, "stack name", PROJECT), undefined);
    });

    it("prefixes each problem with Pulumi.<stack>.yaml:<line>:<col>, and keeps config.ts's problems as they are", () => {
        const text = DEV.replace("incremental-crawl:glueDatabase: lake_dev", "incremental-crawl:glueDatabse: lake_dev").replace(
            "partitionBy: ORDER_TS",
            "partitionBy: ORDER_TZ",
        );
        inRoot("broken", text, (root) => {
            assert.throws(
                () => validateStack("broken", { root }),
                (e: unknown) => {
                    assert.ok(e instanceof StackConfigError);
                    assert.equal(e.problems.length, 2);
                    assert.match(
                        e.problems[0],
                        /^incremental-crawl:glueDatabse: expected one of the project settings \(did you mean glueDatabase\?\)/,
                    );
                    assert.equal(e.message.split("\n")[0], "stack broken: invalid configuration (2 problems):");
                    assert.equal(e.located[0], `Pulumi.broken.yaml:${lineOf(text, "glueDatabse")}:3: ${e.problems[0]}`);
                    assert.equal(e.located[1], `Pulumi.broken.yaml:${lineOf(text, "partitionBy")}:7: ${e.problems[1]}`);
                    assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace in the message");
                    return true;
                },
            );
            // A key set on the command line is attributed to it, not to the file.
            assert.throws(
                () => validateStack("broken", { root, overrides: { [k("production")]: "yes" }, overrideLabel: "--config" }),
                (e: StackConfigError) => e.located.includes('--config: incremental-crawl:production: expected true or false, got "yes"'),
            );
        });
    });

    it("names the file, line and column of a YAML syntax error, with the offending line", () => {
        const text = DEV.replace("  incremental-crawl:production: false", "  incremental-crawl:production: false: true");
        inRoot("syntax", text, (root) => {
            assert.throws(
                () => readStackFile("syntax", root),
                (e: unknown) => {
                    assert.ok(e instanceof StackFileError);
                    assert.match(
                        e.message,
                        new RegExp(
                            `^Pulumi\\.syntax\\.yaml:${lineOf(text, "production: false: true")}:\\d+: YAML syntax error: Nested mappings are not allowed in compact mappings\\n`,
                        ),
                    );
                    assert.ok(e.message.includes("incremental-crawl:production: false: true"), e.message);
                    return true;
                },
            );
        });
    });
});

describe("cli: --config as `pulumi config set` takes it", () => {
    const overrides = (...pairs: string[]) => configOverrides(pairs, fullKey, [PROJECT, ...Object.keys(PROVIDER_KEYS)]);

    it("reads a key without a namespace as the project's, as Pulumi does", () => {
        assert.deepEqual(overrides("maxFileSizeMb=32", "aws:region=eu-central-1", "incremental-crawl:production=true"), {
            [k("maxFileSizeMb")]: "32",
            "aws:region": "eu-central-1",
            [k("production")]: "true",
        });
    });

    it("changes what the program declares: the task unloads files of the size set in short form", async () => {
        const run = await runProgram({ stack: "dev", config: overrides("maxFileSizeMb=32") });
        const task = run.resources.find((r) => r.type === "snowflake:index/task:Task")!;
        assert.match(task.inputs.sqlStatement, /MAX_FILE_SIZE = 33554432\b/);
    });

    it("refuses an unknown key with the key it most likely meant, as in the stack file", () => {
        const refused = (pairs: string[], located: string) =>
            assert.throws(
                () => validateStack("dev", { overrides: overrides(...pairs), overrideLabel: "--config" }),
                (e: unknown) => e instanceof StackConfigError && e.located.includes(located),
            );
        refused(
            ["nosuchkey=1"],
            `--config: incremental-crawl:nosuchkey: expected one of the project settings (${PROJECT_KEYS.join(", ")}), got "an unknown key"`,
        );
        refused(
            ["maxFileSizMb=32"],
            '--config: incremental-crawl:maxFileSizMb: expected one of the project settings (did you mean maxFileSizeMb?), got "an unknown key"',
        );
        refused(
            ["aws:regoin=eu-west-1"],
            '--config: aws:regoin: expected one of the aws provider settings (did you mean region?), got "an unknown key"',
        );
        refused(["aws:region=eu-wst-1"], '--config: aws:region: expected an AWS region (did you mean eu-west-1?), got "eu-wst-1"');
    });

    it("refuses a namespace the program does not read, with the one it most likely meant", () => {
        assert.throws(
            () => overrides("incremental-crwal:production=true"),
            /^UsageError: --config incremental-crwal:production: the program reads no incremental-crwal: setting \(did you mean incremental-crawl:production\?\); it reads incremental-crawl:, aws:, snowflake: settings/,
        );
        assert.throws(() => overrides("=1"), /--config expects key=value, got =1/);
    });
});
