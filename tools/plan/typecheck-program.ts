/**
 * `npm run plan`'s type check of the program. `pulumi up` runs a TypeScript program through ts-node
 * with type checking (unless PULUMI_NODEJS_TRANSPILE_ONLY is set: @pulumi/pulumi cmd/run/run.ts),
 * so a type error in index.ts fails it, while the plan, which transpiles only, would not notice.
 *
 * Checked: the program and the project's own files it imports (index.ts, config.ts), with the
 * project's tsconfig.json; not the component package (its build type-checks it) nor node_modules.
 * Loading the providers' declarations takes most of the time, so the check runs in a child process
 * beside the program's evaluation (the machine's other core), the plan waits for its verdict
 * before it prints anything, and the verdict is kept until a file it was computed from changes.
 *
 *   node -r ts-node/register/transpile-only typecheck-program.ts <root> <program>   → JSON string[]
 */
import { ChildProcess, execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { killOnInterrupt } from "./scratch";

/**
 * The last verdict per program, with what it was computed from: the sha-256 of each file of the
 * project that the compiler read (node_modules aside, whose state package-lock.json stands for).
 * A plan whose program and project files did not change takes the verdict from here.
 */
interface Verdict {
    inputs: Record<string, string>;
    errors: string[];
}

const cacheFile = (root: string) => path.join(root, "node_modules", ".cache", "incremental-crawl", "typecheck.json");
const sha = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function readCache(root: string): Record<string, Verdict> {
    try {
        return JSON.parse(fs.readFileSync(cacheFile(root), "utf8"));
    } catch {
        return {};
    }
}

/** The cached verdict of `program` when none of its inputs changed since. */
export function cachedVerdict(root: string, program: string): string[] | undefined {
    const entry = readCache(root)[program];
    if (!entry) return undefined;
    for (const [file, hash] of Object.entries(entry.inputs)) {
        const abs = path.join(root, file);
        if (!fs.existsSync(abs) || sha(abs) !== hash) return undefined;
    }
    return entry.errors;
}

/** The type errors of `program` (relative to `root`) and the project files it imports, as `tsc` prints them. */
export function typeErrors(root: string, program: string): string[] {
    // Loaded here: the parent process never needs the compiler.
    const ts = require("typescript") as typeof import("typescript");
    const configFile = path.join(root, "tsconfig.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const options = { ...(parsed?.options ?? { strict: true }), noEmit: true };
    const prog = ts.createProgram({ rootNames: [path.resolve(root, program)], options });
    const inProject = (f: string) => {
        const rel = path.relative(root, f);
        return !rel.startsWith("..") && !path.isAbsolute(rel) && !rel.split(path.sep).includes("node_modules");
    };
    // The program's own files: not the component package (its build type-checks it).
    const own = (f: string) => inProject(f) && !path.relative(root, f).split(path.sep).includes("components");
    const diagnostics = prog
        .getSourceFiles()
        .filter((f) => own(f.fileName))
        .flatMap((f) => [...prog.getSyntacticDiagnostics(f), ...prog.getSemanticDiagnostics(f)]);
    const host: import("typescript").FormatDiagnosticsHost = {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => root,
        getNewLine: () => "\n",
    };
    const errors = diagnostics.map((d) => ts.formatDiagnostic(d, host).trimEnd());
    const inputs = [
        "tsconfig.json",
        "package-lock.json",
        ...prog
            .getSourceFiles()
            .map((f) => f.fileName)
            .filter(inProject)
            .map((f) => path.relative(root, f)),
    ].filter((f) => fs.existsSync(path.join(root, f)));
    try {
        const cache = readCache(root);
        cache[program] = { inputs: Object.fromEntries(inputs.map((f) => [f, sha(path.join(root, f))])), errors };
        fs.mkdirSync(path.dirname(cacheFile(root)), { recursive: true });
        fs.writeFileSync(cacheFile(root), JSON.stringify(cache));
    } catch {
        // A read-only checkout checks every time.
    }
    return errors;
}

export interface TypeCheck {
    /** The errors, once the child is done (it fails: the error names why). */
    errors: Promise<string[]>;
    /** Stops the child (the plan ended before it needed the verdict). */
    cancel(): void;
}

/** Starts `typeErrors` in a child process, unless the verdict of the same inputs is cached. */
export function startTypeCheck(root: string, program: string): TypeCheck {
    const cached = cachedVerdict(root, program);
    if (cached !== undefined) return { errors: Promise.resolve(cached), cancel: () => undefined };
    let child: ChildProcess | undefined;
    const errors = new Promise<string[]>((resolve, reject) => {
        const register = require.resolve("ts-node/register/transpile-only", { paths: [root, __dirname] });
        child = execFile(
            process.execPath,
            ["-r", register, __filename, root, program],
            { cwd: root, maxBuffer: 16 << 20 },
            (err, stdout, stderr) => {
                if (err) reject(new Error(`the type check of ${program} could not run: ${stderr.trim() || err.message}`));
                else resolve(JSON.parse(stdout) as string[]);
            },
        );
        killOnInterrupt(child);
    });
    return { errors, cancel: () => void child?.kill() };
}

if (require.main === module) {
    const [root, program] = process.argv.slice(2);
    process.stdout.write(JSON.stringify(typeErrors(root, program)));
}
