/**
 * `plan --since` leaves nothing behind: Ctrl-C (SIGINT) or SIGTERM during the run removes its git
 * worktree and temporary folders, and a run removes what an earlier one left when it crashed or
 * was killed, without touching the folders of a run still going.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../../offline";
import { SCRATCH } from "../../tools/plan/since";
import { isStale, makeScratch, removeStaleScratch, worktreesOf } from "../../tools/plan/scratch";

const OWNER = ".owner-pid";
const inside = (dir: string) => worktreesOf(ROOT).filter((w) => w.startsWith(`${dir}${path.sep}`));
/** Scratch folders of `prefix` owned by `pid`. */
const ownedBy = (prefix: string, pid: number) =>
    fs
        .readdirSync(os.tmpdir())
        .filter((e) => e.startsWith(prefix))
        .map((e) => path.join(os.tmpdir(), e))
        .filter((d) => {
            try {
                return fs.readFileSync(path.join(d, OWNER), "utf8") === String(pid);
            } catch {
                return false;
            }
        });

async function until<T>(what: string, probe: () => T | undefined, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
        const v = probe();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("lifecycle: plan --since cleans up", function () {
    this.timeout(180_000);

    it("removes the folders and worktrees of a run that crashed, and keeps those of a run still going", () => {
        const prefix = `lake-since-cleanup-test-${process.pid}-`;
        const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
        const crashed = makeScratch(prefix);
        fs.writeFileSync(path.join(crashed, OWNER), String(dead));
        execFileSync("git", ["worktree", "add", "--detach", path.join(crashed, "tree"), "HEAD"], { cwd: ROOT, stdio: "ignore" });
        const running = makeScratch(prefix); // this process: alive
        const unownedOld = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        const hoursAgo = (Date.now() - 2 * 3600_000) / 1000;
        fs.utimesSync(unownedOld, hoursAgo, hoursAgo);
        const unownedNew = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        try {
            assert.deepEqual([isStale(crashed), isStale(running), isStale(unownedOld), isStale(unownedNew)], [true, false, true, false]);
            assert.equal(inside(crashed).length, 1);
            assert.deepEqual(removeStaleScratch([prefix], ROOT).sort(), [crashed, unownedOld].sort());
            assert.ok(!fs.existsSync(crashed) && !fs.existsSync(unownedOld));
            assert.deepEqual(inside(crashed), [], "git forgot the worktree");
            assert.ok(fs.existsSync(running) && fs.existsSync(unownedNew), "a live run's folders, and a fresh one without owner, stay");
        } finally {
            for (const d of [crashed, running, unownedOld, unownedNew]) fs.rmSync(d, { recursive: true, force: true });
            execFileSync("git", ["worktree", "prune"], { cwd: ROOT });
        }
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        it(`removes its worktree and temporary folders on ${signal}, and ends by that signal`, async () => {
            const tsNode = require.resolve("ts-node/register/transpile-only", { paths: [ROOT] });
            const child: ChildProcess = spawn(process.execPath, ["-r", tsNode, "tools/plan/main.ts", "--stack", "dev", "--since", "HEAD"], {
                cwd: ROOT,
                stdio: "ignore",
            });
            const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
                child.on("exit", (code, sig) => resolve({ code, signal: sig })),
            );
            try {
                // Interrupted once the worktree is there and the programs run.
                const dir = await until("the worktree", () => ownedBy(SCRATCH.worktree, child.pid!).find((d) => inside(d).length > 0));
                await until("an evaluation", () => (ownedBy(SCRATCH.evaluation, child.pid!).length > 0 ? true : undefined));
                child.kill(signal);
                assert.deepEqual(await exited, { code: null, signal });
                assert.ok(!fs.existsSync(dir), `${dir} removed`);
                assert.deepEqual(inside(dir), [], "git forgot the worktree");
                assert.deepEqual([...ownedBy(SCRATCH.worktree, child.pid!), ...ownedBy(SCRATCH.evaluation, child.pid!)], []);
            } finally {
                child.kill("SIGKILL");
            }
        });
    }
});
