/**
 * The suite reads the example stacks in test/fixtures/stacks, never the project's own
 * Pulumi.<stack>.yaml, which users edit: where every tool resolves a stack file, and a part of the
 * suite run in a copy of the project whose own stack files have a table added by hand (as docs/operating.md's
 * "Add a table" shows), which before failed 26 tests of the full suite.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as YAML from "yaml";
import { ROOT, stackConfig } from "../offline";
import { EXAMPLE_STACKS, exampleStackDir, stackDir, stackFilePath, stacksIn, TEST_STACKS_ENV } from "../offline/stacks";
import { stackNames } from "../tools/cli/command";
import { readStackFile } from "../offline/stack-file";
import { copyProject } from "./harness/project-copy";

const EXAMPLES = path.join(ROOT, EXAMPLE_STACKS);

/** The entry docs' "Add a table" shows, appended to a stack file's `tables`. */
const ADDED_TABLE = [
    "    - name: ADDED_BY_HAND",
    "      columns:",
    '        - { name: EVENT_ID, type: "NUMBER(38,0)", nullable: false }',
    "        - { name: EVENT_TS, type: TIMESTAMP_NTZ }",
    "      partitionBy: EVENT_TS",
    "      partitionGranularity: day",
    "",
].join("\n");

describe("stack files: the suite reads the example stacks, not yours", function () {
    this.timeout(300_000);

    it("resolves every stack file to test/fixtures/stacks under npm test, and to the project root otherwise", () => {
        assert.equal(process.env[TEST_STACKS_ENV], EXAMPLE_STACKS, "test/setup.ts sets it");
        assert.equal(stackDir(ROOT), EXAMPLES);
        assert.equal(exampleStackDir(ROOT), EXAMPLES);
        assert.equal(stackDir(ROOT, {}), ROOT, "without the setting: beside Pulumi.yaml, as Pulumi keeps them");
        assert.deepEqual(stackNames(), ["dev", "prod"]);
        assert.equal(readStackFile("dev").path, stackFilePath(EXAMPLES, "dev"));
        assert.equal(readStackFile("dev").name, path.join(EXAMPLE_STACKS, "Pulumi.dev.yaml"), "messages name the file read");
        const fixture = YAML.parse(fs.readFileSync(stackFilePath(EXAMPLES, "prod"), "utf8")).config;
        assert.equal(stackConfig("prod")["incremental-crawl:tables"], JSON.stringify(fixture["incremental-crawl:tables"]));
        // Another project root (a fixture project, a temporary one, an older commit's worktree)
        // without the folder keeps its own stack files; an absolute folder serves every root.
        const other = fs.mkdtempSync(path.join(os.tmpdir(), "stack-dir-"));
        try {
            assert.equal(stackDir(other), other);
            assert.equal(stackDir(other, { [TEST_STACKS_ENV]: EXAMPLES }), EXAMPLES);
            assert.deepEqual(stacksIn(EXAMPLES), ["dev", "prod"]);
        } finally {
            fs.rmSync(other, { recursive: true, force: true });
        }
    });

    it("keeps the example stacks the project ships: the root's stack files as they were, under a fixture header", () => {
        for (const stack of ["dev", "prod"]) {
            const text = fs.readFileSync(stackFilePath(EXAMPLES, stack), "utf8");
            assert.match(text, /^# Test fixture: the example \w+ stack as the project ships it\./);
            const tables = JSON.parse(stackConfig(stack)["incremental-crawl:tables"]);
            assert.deepEqual(
                tables.map((t: { name: string }) => t.name),
                stack === "dev" ? ["ORDERS"] : ["ORDERS", "CUSTOMERS"],
            );
        }
    });

    it("passes in a copy of the project whose own stack files have a table added by hand", async () => {
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "adopter-"));
        try {
            copyProject(copy);
            for (const stack of ["dev", "prod"]) {
                const own = stackFilePath(copy, stack);
                fs.writeFileSync(own, fs.readFileSync(own, "utf8").replace(/\n*$/, "\n") + ADDED_TABLE);
            }
            // The copy's own mocha setup must point the suite at the fixtures: not this process's setting.
            const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== TEST_STACKS_ENV && !k.startsWith("npm_")));
            const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
            // Tests that failed on such a copy before: a second crawler, the diagram in the docs.
            const subset = ["test/catalog.test.ts", "test/readme.test.ts"];
            const run = await promisify(execFile)(process.execPath, [mocha, "--reporter", "dot", ...subset], {
                cwd: copy,
                env,
                maxBuffer: 16 << 20,
            }).then(
                (r) => ({ code: 0, out: r.stdout + r.stderr }),
                (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
            );
            assert.equal(run.code, 0, run.out);
            assert.match(run.out, /\d+ passing/);
            // A script a test spawns inherits the setting; outside the suite, the tools read the stack file you edited.
            const tables = (childEnv: NodeJS.ProcessEnv) =>
                promisify(execFile)(
                    process.execPath,
                    [
                        "-r",
                        "ts-node/register/transpile-only",
                        "-e",
                        'console.log(JSON.parse(require("./offline").stackConfig("dev")["incremental-crawl:tables"]).map((t) => t.name).join(","))',
                    ],
                    { cwd: copy, env: childEnv },
                ).then((r) => r.stdout.trim());
            assert.equal(await tables({ ...env, [TEST_STACKS_ENV]: EXAMPLE_STACKS }), "ORDERS");
            const own = YAML.parse(fs.readFileSync(stackFilePath(copy, "dev"), "utf8")).config["incremental-crawl:tables"];
            assert.equal(own.at(-1).name, "ADDED_BY_HAND");
            assert.equal(await tables(env), own.map((t: { name: string }) => t.name).join(","));
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });
});
