/**
 * A stack's configuration validated by config.ts, each problem located in its stack file: a
 * `ConfigError` keeps its problems (`key: expected ..., got ...`); each is prefixed with
 * `Pulumi.<stack>.yaml:<line>:<col>` of its key in the file, found with the `yaml` Document API
 * (node ranges and a `LineCounter`). A problem whose key is not in the file (a missing setting)
 * points at the nearest enclosing key that is.
 */
import * as YAML from "yaml";
import { ConfigError, parseSettings, PROJECT, Settings } from "../../config";
import { engineConfig, readStackFile, readStackFileAt, StackFile } from "../../offline/stack-file";
import { ROOT } from "./command";

/** A configuration with problems, located in its stack file. `problems` are config.ts's, unchanged. */
export class StackConfigError extends Error {
    constructor(
        message: string,
        readonly problems: string[],
        readonly located: string[],
    ) {
        super(message);
        this.name = "StackConfigError";
    }
}

/** The key a `key: expected ..., got ...` problem is about. */
export function problemKey(problem: string): string {
    const at = problem.indexOf(": expected ");
    return at < 0 ? problem : problem.slice(0, at);
}

/** `incremental-crawl:tables[0].columns[4].name` → top-level key and the path below it. */
export function keyPath(key: string): { top: string; path: Array<string | number> } {
    const top = /^[^[.]+/.exec(key)?.[0] ?? key;
    const path: Array<string | number> = [];
    for (const m of key.slice(top.length).matchAll(/\[(\d+)\]|\.([^.[\]]+)/g)) path.push(m[1] !== undefined ? Number(m[1]) : m[2]);
    return { top, path };
}

export interface Location {
    line: number;
    col: number;
    /** False when the key itself is missing and this is its nearest enclosing key. */
    exact: boolean;
}

function pairOf(map: unknown, key: string): YAML.Pair<YAML.Node, YAML.Node | null> | undefined {
    if (!YAML.isMap(map)) return undefined;
    return (map.items as Array<YAML.Pair<YAML.Node, YAML.Node | null>>).find((p) => YAML.isScalar(p.key) && String(p.key.value) === key);
}

/**
 * Where `key` (a problem's key, e.g. `incremental-crawl:tables[0].partitionBy`) is written in the
 * stack file: the line and column of the key (or list item), 1-based. `project` lets a short key
 * (`tables:` for `incremental-crawl:tables`) be found too. Undefined when not even the top-level
 * key is in the file.
 */
export function locate(doc: YAML.Document, lines: YAML.LineCounter, key: string, project: string): Location | undefined {
    const { top, path } = keyPath(key);
    const config = doc.get("config", true);
    const short = top.startsWith(`${project}:`) ? top.slice(project.length + 1) : undefined;
    const pair = pairOf(config, top) ?? (short !== undefined ? pairOf(config, short) : undefined);
    if (!pair?.key?.range) return undefined;
    let at = pair.key.range[0];
    let node: unknown = pair.value;
    let exact = true;
    for (const step of path) {
        if (typeof step === "number" && YAML.isSeq(node) && node.items[step] !== undefined) {
            node = node.items[step];
            const r = (node as YAML.Node).range;
            if (r) at = r[0];
        } else if (typeof step === "string" && YAML.isMap(node) && pairOf(node, step)) {
            const p = pairOf(node, step)!;
            if (p.key.range) at = p.key.range[0];
            node = p.value;
        } else {
            exact = false;
            break;
        }
    }
    const pos = lines.linePos(at);
    return { line: pos.line, col: pos.col, exact };
}

export interface LocateOptions {
    /** The stack file's name as the user knows it (`Pulumi.dev.yaml`). */
    file: string;
    doc: YAML.Document;
    lines: YAML.LineCounter;
    project: string;
    stack: string;
    /** Where a top-level key's value came from when not from the file (`--config`), else undefined. */
    origin?: (topKey: string) => string | undefined;
}

/** `err`'s problems, each prefixed with where its key is: `Pulumi.dev.yaml:27:7: <problem>`. */
export function locateProblems(err: Pick<ConfigError, "problems">, o: LocateOptions): StackConfigError {
    const located = err.problems.map((problem) => {
        const key = problemKey(problem);
        const from = o.origin?.(keyPath(key).top);
        if (from !== undefined) return `${from}: ${problem}`;
        const at = key === "stack name" ? undefined : locate(o.doc, o.lines, key, o.project);
        return `${at ? `${o.file}:${at.line}:${at.col}` : o.file}: ${problem}`;
    });
    const n = located.length;
    const message = `stack ${o.stack}: invalid configuration (${n} problem${n === 1 ? "" : "s"}):\n  ${located.join("\n  ")}`;
    return new StackConfigError(message, err.problems, located);
}

export interface ValidatedStack {
    file: StackFile;
    config: Record<string, string>;
    settings: Settings;
}

/**
 * Reads the stack file (`path`, else `Pulumi.<stack>.yaml` in `dir`, else among `root`'s stack
 * files) and validates its configuration with config.ts's `parseSettings`. Throws
 * `StackFileError` (YAML) or `StackConfigError` (each problem with its file and line; problems of
 * keys set by `overrides` are attributed to `overrideLabel` instead).
 */
export function validateStack(
    stack: string,
    opts: { root?: string; dir?: string; path?: string; overrides?: Record<string, unknown>; overrideLabel?: string } = {},
): ValidatedStack {
    const root = opts.root ?? ROOT;
    const file = opts.path !== undefined ? readStackFileAt(opts.path, stack) : readStackFile(stack, root, opts.dir);
    return validateStackFile(file, opts);
}

/** `validateStack` of a stack file already read (or changed in memory: its `doc` is what counts). */
export function validateStackFile(
    file: StackFile,
    opts: { root?: string; overrides?: Record<string, unknown>; overrideLabel?: string } = {},
): ValidatedStack {
    const root = opts.root ?? ROOT;
    const stack = file.stack;
    const overrides = opts.overrides ?? {};
    const config = engineConfig(file.doc, root, overrides, file.name);
    try {
        return { file, config, settings: parseSettings(config, { project: PROJECT, stack }) };
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw locateProblems(e, {
            file: file.name,
            doc: file.doc,
            lines: file.lines,
            project: PROJECT,
            stack,
            origin: (top) => (Object.prototype.hasOwnProperty.call(overrides, top) ? (opts.overrideLabel ?? "override") : undefined),
        });
    }
}
