/**
 * Temporary folders (and the git worktrees and child processes in them) that a command must not
 * leave behind: removed when the work is done, and when the command is interrupted (SIGINT,
 * SIGTERM: Node's default handling exits at once, skipping every `finally`). Each folder holds the
 * pid of the process that made it, so that a later run removes the folders of a process that
 * crashed or was killed (SIGKILL) without touching those of one still running.
 */
import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const OWNER = ".owner-pid";
/** A folder without an owner file (made before owners were written) is stale once this old. */
const UNOWNED_STALE_MS = 60 * 60 * 1000;

type Cleanup = () => void;
const cleanups = new Set<Cleanup>();
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

function onSignal(signal: NodeJS.Signals): void {
    for (const cleanup of [...cleanups].reverse()) {
        try {
            cleanup();
        } catch {
            // The others still run.
        }
    }
    cleanups.clear();
    for (const s of SIGNALS) process.off(s, onSignal);
    // The signal again, with the default handling: the exit status says how the command ended.
    process.kill(process.pid, signal);
}

/** Runs `cleanup` if the process is interrupted before the returned function is called (which unregisters it). */
export function onInterrupt(cleanup: Cleanup): () => void {
    if (cleanups.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
    cleanups.add(cleanup);
    return () => {
        cleanups.delete(cleanup);
        if (cleanups.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
    };
}

/** Stops a child process when the command is interrupted; unregistered when it exits. */
export function killOnInterrupt(child: ChildProcess): void {
    const done = onInterrupt(() => void child.kill("SIGKILL"));
    child.once("exit", done);
}

/** A new folder `<tmpdir>/<prefix>XXXXXX` owned by this process. */
export function makeScratch(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.writeFileSync(path.join(dir, OWNER), String(process.pid));
    return dir;
}

/** Removes a scratch folder, and first the git worktrees of `repo` inside it. */
export function removeScratch(dir: string, repo?: string): void {
    if (repo !== undefined) {
        for (const worktree of worktreesOf(repo).filter((w) => w === dir || w.startsWith(`${dir}${path.sep}`))) {
            try {
                execFileSync("git", ["worktree", "remove", "--force", worktree], { cwd: repo, stdio: "ignore" });
            } catch {
                // Removed below with the folder; prune forgets it.
            }
        }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    if (repo !== undefined) execFileSync("git", ["worktree", "prune"], { cwd: repo, stdio: "ignore" });
}

/** The paths of `repo`'s worktrees. */
export function worktreesOf(repo: string): string[] {
    const list = execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: repo, encoding: "utf8" });
    return list
        .split("\n")
        .filter((l) => l.startsWith("worktree "))
        .map((l) => l.slice("worktree ".length));
}

const alive = (pid: number): boolean => {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
};

/** Whether a scratch folder's owner is gone (or, without an owner file, the folder is over an hour old). */
export function isStale(dir: string, now: number = Date.now()): boolean {
    try {
        const pid = Number(fs.readFileSync(path.join(dir, OWNER), "utf8"));
        return !(Number.isInteger(pid) && pid > 0 && alive(pid));
    } catch {
        try {
            return now - fs.statSync(dir).mtimeMs > UNOWNED_STALE_MS;
        } catch {
            return false;
        }
    }
}

/**
 * Removes what an earlier run left in `<tmpdir>/<prefix>*` when it could not clean up (a crash, a
 * SIGKILL), with `repo`'s worktrees there; returns the folders removed.
 */
export function removeStaleScratch(prefixes: string[], repo?: string, now: number = Date.now()): string[] {
    const tmp = os.tmpdir();
    const removed: string[] = [];
    for (const entry of fs.readdirSync(tmp)) {
        const dir = path.join(tmp, entry);
        if (!prefixes.some((p) => entry.startsWith(p)) || !isStale(dir, now)) continue;
        try {
            removeScratch(dir, repo);
            removed.push(dir);
        } catch {
            // Another user's folder, or one being removed: left as it is.
        }
    }
    if (repo !== undefined) execFileSync("git", ["worktree", "prune"], { cwd: repo, stdio: "ignore" });
    return removed;
}
