/**
 * `npm run plan -- --since <ref>`: the worktree's node_modules (links, with the workspace packages
 * pointing at the worktree's own directories), and the command end to end against HEAD with a
 * settings change on the working tree's side.
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { linkNodeModules, lockServes, resolveCommit, workspacePackages } from "../../tools/plan/since";
import { ROOT } from "../../offline";

const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
// Lines as long as they come (COLUMNS: the output is not a terminal), for the patterns below.
const plan = (...args: string[]) =>
    promisify(execFile)(tsNode, ["--transpile-only", "tools/plan/main.ts", ...args], {
        cwd: ROOT,
        maxBuffer: 16 << 20,
        env: { ...process.env, COLUMNS: "1000" },
    }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

describe("lifecycle: plan --since", function () {
    this.timeout(120_000);

    it("links a worktree's node_modules to this checkout's packages, its workspace packages to its own directories", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "link-test-"));
        try {
            const source = path.join(tmp, "source");
            const target = path.join(tmp, "target");
            for (const dir of [
                "node_modules/left-pad",
                "node_modules/@pulumi/aws",
                "node_modules/@acme/lib",
                "node_modules/@acme/other",
                "node_modules/.bin",
            ]) {
                fs.mkdirSync(path.join(source, dir), { recursive: true });
            }
            fs.writeFileSync(path.join(source, "node_modules", ".package-lock.json"), "{}");
            fs.mkdirSync(path.join(target, "lib"), { recursive: true });
            fs.writeFileSync(path.join(target, "package.json"), JSON.stringify({ workspaces: ["lib"] }));
            fs.writeFileSync(path.join(target, "lib", "package.json"), JSON.stringify({ name: "@acme/lib" }));
            assert.deepEqual([...workspacePackages(target)], [["@acme/lib", path.join(target, "lib")]]);
            linkNodeModules(source, target);
            const link = (p: string) => fs.realpathSync(path.join(target, "node_modules", p));
            assert.equal(link("left-pad"), fs.realpathSync(path.join(source, "node_modules", "left-pad")));
            assert.equal(
                link("@pulumi"),
                fs.realpathSync(path.join(source, "node_modules", "@pulumi")),
                "a scope without workspace packages: one link",
            );
            assert.equal(link("@acme/other"), fs.realpathSync(path.join(source, "node_modules", "@acme", "other")));
            assert.equal(link("@acme/lib"), fs.realpathSync(path.join(target, "lib")), "the workspace package is the worktree's own");
            assert.ok(!fs.lstatSync(path.join(target, "node_modules", "@acme")).isSymbolicLink());
            assert.ok(!fs.existsSync(path.join(target, "node_modules", ".package-lock.json")));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("refuses a ref that is not a commit (exit 2)", async () => {
        assert.throws(() => resolveCommit(ROOT, "no-such-ref-anywhere"), /--since no-such-ref-anywhere: not a commit of this repository/);
        const r = await plan("--stack", "dev", "--since", "no-such-ref-anywhere");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /not a commit of this repository/);
    });

    it("plans the working tree over HEAD with a settings change: steps in the tree, verdicts under them, the summary last", async () => {
        const r = await plan("--stack", "dev", "--since", "HEAD", "--config", "incremental-crawl:maxFileSizeMb=32");
        const lines = r.stdout.trimEnd().split("\n");
        assert.match(lines[0], /^Changes: stack dev, from HEAD \([0-9a-f]{12}\) to the working tree \(offline, under mocks\)$/);
        assert.match(lines[lines.length - 1], /^\d+ to create, \d+ to update, \d+ to replace, \d+ to delete$/);
        assert.match(lines[lines.length - 2], /^\d+ errors? and \d+ advisor(y|ies)$/);
        // (Uncommitted changes of the working tree add their own steps: the patterns leave room for them.)
        assert.ok(
            lines.some((l) =>
                /^ {16}~ snowflake:index\/task:Task {2}incremental-crawl-dev-snowflake-orders-task .*changed: \S*sqlStatement/.test(l),
            ),
            r.stdout,
        );
        const backfill = lines.find((l) =>
            /^ {16}(~ |\+-)command:local:Command {2}incremental-crawl-dev-snowflake-orders-backfill .*\[runs (update|create)\]/.test(l),
        );
        assert.ok(backfill, r.stdout);
        if (backfill.includes("[runs update]"))
            assert.ok(
                lines.some((l) => /^ {22}· stdout after the update: /.test(l)),
                "what pulumi-command stores after the update",
            );
        // An error verdict (today: the program fails over the stdout `node -e 0` leaves) is exit 1.
        assert.equal(r.code, r.stdout.includes("✖ error") ? 1 : 0, r.stderr);
        // Other checkouts of the repository come and go; none of ours may stay.
        const worktrees = execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: ROOT, encoding: "utf8" });
        assert.deepEqual(
            worktrees.split("\n").filter((l) => l.startsWith("worktree ") && l.includes("lake-since-")),
            [],
            "the temporary worktree is gone",
        );
    });
});

describe("lifecycle: plan --since reuses this checkout's packages when they serve the old lockfile", () => {
    const lock = (packages: Record<string, unknown>) => JSON.stringify({ lockfileVersion: 3, packages });
    it("links when every package the old commit pins is here at its version, workspace links aside", () => {
        const ours = lock({
            "": {},
            "node_modules/a": { version: "1.0.0" },
            "node_modules/b": { version: "2.0.0" },
            "node_modules/@x/pkg": { link: true },
        });
        assert.equal(
            lockServes(ours, lock({ "": {}, "node_modules/a": { version: "1.0.0" }, "node_modules/@x/pkg": { link: true } })),
            true,
        );
        assert.equal(lockServes(ours, lock({ "node_modules/a": { version: "1.0.1" } })), false, "another version");
        assert.equal(lockServes(ours, lock({ "node_modules/c": { version: "1.0.0" } })), false, "a package not installed here");
        assert.equal(
            lockServes(ours, lock({ "node_modules/@x/pkg": { version: "1.0.0" } })),
            false,
            "installed there, a workspace link here",
        );
        assert.equal(lockServes(ours, "not json"), false);
    });
});
