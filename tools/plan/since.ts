/**
 * `npm run plan -- --stack <name> --since <git-ref>`: what `pulumi up` of the working tree would do
 * to a stack last deployed from `<ref>`. An imitation kept because it needs no CLI and no state:
 * the old commit's program stands for the deployed stack (test/engine/ checks its predictions on the
 * real engine).
 *
 * The program and the stack file as they were at `<ref>` are checked out in a temporary
 * `git worktree add --detach`, removed afterwards and on Ctrl-C or SIGTERM; a later run removes
 * what a crash left (scratch.ts). That checkout gets its own node_modules: when
 * this checkout's packages serve its package-lock.json (lockServes), a directory of symlinks to this checkout's packages,
 * except the workspace packages (@incremental-crawl/components, /policies), which point at the
 * worktree's own directories, so the old program loads the old components; otherwise `npm ci` in
 * the worktree. Each side runs in its own child process (the Pulumi runtime is global): the old one
 * with a copy of this checkout's offline engine (offline/) placed in the worktree (so that it resolves @pulumi/pulumi
 * from the worktree's node_modules, as the old program does), the new one from here, with the
 * `--config` overrides. The lifecycle engine compares the two; when a command resource's stdout
 * changes with the update, the new program runs once more over that stdout.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ProgramRun } from "../../offline";
import { stackDir, stackFilePath } from "../../offline/stacks";
import type { EvaluateRequest, EvaluateResult } from "./evaluate-program";
import { hasErrors, LifecyclePlan, planLifecycle, programFailsVerdict, stdoutsAfterUpdate } from "./lifecycle";
import { formatLifecyclePlan } from "./lifecycle-format";
import { outputWidth } from "../cli/command";
import { fitLines } from "../cli/text-table";
import { killOnInterrupt, makeScratch, onInterrupt, removeScratch, removeStaleScratch } from "./scratch";

const HERE = path.resolve(__dirname, "..", "..");

const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** The commit a ref names; throws a readable error for an unknown ref. */
export function resolveCommit(root: string, ref: string): string {
    try {
        return git(root, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
        throw new Error(`--since ${ref}: not a commit of this repository`);
    }
}

/** The workspace packages of a checkout: package name → directory. */
export function workspacePackages(dir: string): Map<string, string> {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const out = new Map<string, string>();
    const patterns: string[] = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
    for (const pattern of patterns) {
        const dirs = pattern.endsWith("/*")
            ? fs
                  .readdirSync(path.join(dir, pattern.slice(0, -2)), { withFileTypes: true })
                  .filter((d) => d.isDirectory())
                  .map((d) => path.join(pattern.slice(0, -2), d.name))
            : [pattern];
        for (const d of dirs) {
            const file = path.join(dir, d, "package.json");
            if (fs.existsSync(file)) out.set(JSON.parse(fs.readFileSync(file, "utf8")).name, path.join(dir, d));
        }
    }
    return out;
}

/**
 * `<target>/node_modules` as symlinks to `<source>/node_modules`'s packages, except the target's
 * workspace packages, which link to the target's own directories.
 */
export function linkNodeModules(source: string, target: string): void {
    const from = path.join(source, "node_modules");
    const to = path.join(target, "node_modules");
    fs.mkdirSync(to, { recursive: true });
    const workspaces = workspacePackages(target);
    const scopes = new Set([...workspaces.keys()].filter((n) => n.startsWith("@")).map((n) => n.split("/")[0]));
    for (const entry of fs.readdirSync(from)) {
        if (entry === ".package-lock.json") continue;
        if (scopes.has(entry)) {
            fs.mkdirSync(path.join(to, entry), { recursive: true });
            for (const member of fs.readdirSync(path.join(from, entry))) {
                if (workspaces.has(`${entry}/${member}`)) continue;
                fs.symlinkSync(path.join(from, entry, member), path.join(to, entry, member));
            }
        } else if (!workspaces.has(entry)) {
            fs.symlinkSync(path.join(from, entry), path.join(to, entry));
        }
    }
    for (const [name, dir] of workspaces) {
        fs.mkdirSync(path.dirname(path.join(to, name)), { recursive: true });
        fs.symlinkSync(dir, path.join(to, name), "dir");
    }
}

/**
 * Whether this checkout's node_modules can serve a checkout locked by `theirs`: every package it
 * pins (outside its workspace packages) is pinned at the same version here. A commit before a
 * dependency was added, or before the package declared what it already used, still links.
 */
export function lockServes(ours: string, theirs: string): boolean {
    const parse = (text: string): Record<string, { version?: string; link?: boolean }> | undefined => {
        try {
            return JSON.parse(text).packages;
        } catch {
            return undefined;
        }
    };
    const mine = parse(ours);
    const wanted = parse(theirs);
    if (!mine || !wanted) return false;
    return Object.entries(wanted).every(
        ([key, entry]) =>
            !key.startsWith("node_modules/") ||
            entry.link === true ||
            (mine[key] !== undefined && mine[key].link !== true && mine[key].version === entry.version),
    );
}

/** Gives the worktree its node_modules: links when this checkout's packages serve its lockfile, `npm ci` otherwise. */
export function provideNodeModules(root: string, worktree: string, log: (line: string) => void): "linked" | "installed" {
    const lock = (dir: string) =>
        fs.existsSync(path.join(dir, "package-lock.json")) ? fs.readFileSync(path.join(dir, "package-lock.json"), "utf8") : "";
    if (fs.existsSync(path.join(root, "node_modules")) && lockServes(lock(root), lock(worktree))) {
        linkNodeModules(root, worktree);
        return "linked";
    }
    log(`package-lock.json pins other packages at that commit: npm ci in ${worktree} ...`);
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: worktree, stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error(`npm ci in the worktree failed (exit ${r.status})`);
    return "installed";
}

/** Places this checkout's harness and evaluator in `dir`; returns the evaluator's path there. */
export function installEvaluator(dir: string): string {
    const base = path.join(dir, ".lake-since");
    for (const file of [
        "offline/index.ts",
        "offline/mocks.ts",
        "offline/stacks.ts",
        "offline/stack-file.ts",
        "tools/plan/evaluate-program.ts",
    ]) {
        fs.mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
        fs.copyFileSync(path.join(HERE, file), path.join(base, file));
    }
    return path.join(base, "tools", "plan", "evaluate-program.ts");
}

/** Temporary folders of `plan --since`: the old commit's worktree, and each evaluation's request and result. */
export const SCRATCH = { worktree: "lake-since-", evaluation: "lake-eval-" } as const;

/** Runs one program in a child process (cwd: its root, as `pulumi up` would). */
export async function evaluateInChild(evaluator: string, req: EvaluateRequest): Promise<EvaluateResult> {
    const tmp = makeScratch(SCRATCH.evaluation);
    const done = onInterrupt(() => removeScratch(tmp));
    try {
        const requestFile = path.join(tmp, "request.json");
        const resultFile = path.join(tmp, "result.json");
        fs.writeFileSync(requestFile, JSON.stringify(req));
        const register = require.resolve("ts-node/register/transpile-only", { paths: [path.dirname(evaluator), req.root] });
        await new Promise<void>((resolve, reject) => {
            const child = execFile(
                process.execPath,
                ["-r", register, evaluator, requestFile, resultFile],
                {
                    cwd: req.root,
                    maxBuffer: 64 << 20,
                    env: { ...process.env, TS_NODE_PROJECT: path.join(req.root, "tsconfig.json") },
                },
                (err) => (err ? reject(err) : resolve()),
            );
            killOnInterrupt(child);
        });
        return JSON.parse(fs.readFileSync(resultFile, "utf8")) as EvaluateResult;
    } finally {
        done();
        removeScratch(tmp);
    }
}

export interface SinceOptions {
    stack: string;
    ref: string;
    /** Stack settings over the working tree's stack file (the new side only). */
    config?: Record<string, string>;
    program?: string;
    /** The working tree. Default: this checkout. */
    root?: string;
    /**
     * Resources renamed in the state before the update, old logical name → new (what `pulumi state
     * rename` does: the URN's name changes, nothing else).
     */
    stateRenames?: Record<string, string>;
    log?: (line: string) => void;
}

export interface SinceResult {
    ref: string;
    commit: string;
    stack: string;
    /** The old run; an empty stack when the stack file did not exist at the commit. */
    old: ProgramRun;
    new: ProgramRun;
    plan: LifecyclePlan;
    notes: string[];
}

const emptyRun = (stack: string): ProgramRun => ({ stack, config: {}, resources: [], outputs: {} });

/** Evaluates `ref` and the working tree, and plans the update from one to the other. */
export async function planSince(opts: SinceOptions): Promise<SinceResult> {
    const root = path.resolve(opts.root ?? HERE);
    const log = opts.log ?? (() => undefined);
    const commit = resolveCommit(root, opts.ref);
    const notes: string[] = [];
    // What an interrupted or crashed run left behind.
    for (const dir of removeStaleScratch(Object.values(SCRATCH), root)) log(`removed ${dir}, left by an earlier run that did not finish`);
    const tmp = makeScratch(SCRATCH.worktree);
    const worktree = path.join(tmp, "tree");
    // Ctrl-C (or a SIGTERM) from here on removes the worktree and the folder, as the end of the run does.
    const done = onInterrupt(() => removeScratch(tmp, root));
    try {
        git(root, "worktree", "add", "--detach", worktree, commit);
        notes.push(`node_modules of ${opts.ref}: ${provideNodeModules(root, worktree, log)}`);
        const oldEvaluator = installEvaluator(worktree);
        const newEvaluator = path.join(HERE, "tools", "plan", "evaluate-program.ts");
        const oldStackFile = stackFilePath(stackDir(worktree), opts.stack);
        const hasStack = fs.existsSync(oldStackFile);
        if (!hasStack) notes.push(`${opts.ref} has no ${path.relative(worktree, oldStackFile)}: the stack starts empty`);
        const newReq: EvaluateRequest = { root, stack: opts.stack, program: opts.program, config: opts.config };
        const [oldResult, newResult] = await Promise.all([
            hasStack
                ? evaluateInChild(oldEvaluator, { root: worktree, stack: opts.stack, program: opts.program })
                : Promise.resolve<EvaluateResult>({ ok: true, run: emptyRun(opts.stack) }),
            evaluateInChild(newEvaluator, newReq),
        ]);
        if (!oldResult.ok)
            throw new Error(`the program at ${opts.ref} (${commit.slice(0, 12)}) does not run for stack ${opts.stack}: ${oldResult.error}`);
        if (!newResult.ok) throw new Error(`the working tree's program does not run for stack ${opts.stack}: ${newResult.error}`);
        const oldRun = renamedInState(oldResult.run, opts.stateRenames ?? {}, opts.ref);
        for (const [from, to] of Object.entries(opts.stateRenames ?? {}))
            notes.push(`${from} renamed to ${to} in the state before the update`);
        const plan = planLifecycle(oldRun, newResult.run);
        const { stored, changed } = stdoutsAfterUpdate(plan, newResult.run);
        if (changed) {
            const after = await evaluateInChild(newEvaluator, { ...newReq, stdouts: stored });
            if (!after.ok) plan.verdicts.push(programFailsVerdict(changed, after.error));
            else notes.push("the program runs over the stdout the update leaves in the state");
        }
        return { ref: opts.ref, commit, stack: opts.stack, old: oldRun, new: newResult.run, plan, notes };
    } finally {
        done();
        removeScratch(tmp, root);
    }
}

/**
 * The state after `pulumi state rename` of each resource named in `renames` (old logical name → new):
 * its URN's name segment changes (https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_rename/).
 */
export function renamedInState(run: ProgramRun, renames: Record<string, string>, ref: string): ProgramRun {
    let resources = run.resources;
    for (const [from, to] of Object.entries(renames)) {
        const found = resources.filter((r) => r.name === from);
        if (found.length !== 1) {
            throw new Error(
                `--state-rename ${from}=${to}: ${found.length === 0 ? "no" : "more than one"} resource named ${from} in the stack at ${ref}`,
            );
        }
        const urn = `${found[0].urn.slice(0, found[0].urn.lastIndexOf("::") + 2)}${to}`;
        resources = resources.map((r) => (r === found[0] ? { ...r, urn, name: to } : r));
    }
    return { ...run, resources };
}

/** The text `npm run plan -- --since` prints. */
export function formatSince(result: SinceResult): string {
    const overrides = result.notes.length ? `\n${result.notes.map((n) => `  (${n})`).join("\n")}` : "";
    return formatLifecyclePlan(result.plan, {
        title: `Changes: stack ${result.stack}, from ${result.ref} (${result.commit.slice(0, 12)}) to the working tree (offline, under mocks)${overrides}`,
    });
}

export interface RunSinceOptions extends SinceOptions {
    /** Exit 1 on an advisory verdict too (a full re-export, a new database...). */
    failOnAdvisory?: boolean;
    /** Awaited before anything is printed; what it throws is the command's error (the program's type check). */
    gate?: () => Promise<void>;
}

/**
 * For tools/plan/main.ts: prints the plan; exit 1 on an error verdict (collision, data loss...), or on
 * any verdict with `failOnAdvisory`, 0 otherwise.
 */
export async function runSince(opts: RunSinceOptions): Promise<number> {
    const result = await planSince({ ...opts, log: opts.log ?? ((l) => console.error(l)) }).catch((e: Error) => e);
    await opts.gate?.();
    // An unknown ref, a program that does not run, a failed install: exit 2, as plan does.
    if (result instanceof Error) {
        console.error(result.message);
        return 2;
    }
    console.log(fitLines(formatSince(result), outputWidth()));
    return sinceExitCode(result.plan, opts.failOnAdvisory === true);
}

/** 1 on an error verdict, or on any verdict when advisories fail too; 0 otherwise. */
export function sinceExitCode(plan: LifecyclePlan, failOnAdvisory: boolean): number {
    return hasErrors(plan) || (failOnAdvisory && plan.verdicts.length > 0) ? 1 : 0;
}
