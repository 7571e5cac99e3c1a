/**
 * The stack files as the scripts read and write them: `Pulumi.<stack>.yaml` as a `yaml` Document
 * (comments, order and layout kept, every node with its position), the configuration in the form
 * the engine hands the program (full key → string, as `offline/` builds it), and its validation
 * by config.ts with each problem located in the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { ConfigError, parseSettings, PROJECT, Settings } from "../../config";
import { stackDir, stackFilePath } from "../../offline/stacks";
import { ROOT } from "./cli";
import { locateProblems, StackFileError, yamlSyntaxError } from "./yaml-errors";

export interface StackFile {
    stack: string;
    /** Absolute path. */
    path: string;
    /** As the user knows it: `Pulumi.dev.yaml` (relative to the project root). */
    name: string;
    text: string;
    doc: YAML.Document.Parsed;
    lines: YAML.LineCounter;
}

/** Parses YAML text into a document; throws `StackFileError` naming `name`, line and column on a syntax error. */
export function parseYamlFile(name: string, text: string): { doc: YAML.Document.Parsed; lines: YAML.LineCounter } {
    const lines = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: true });
    if (doc.errors.length > 0) throw yamlSyntaxError(name, doc.errors);
    return { doc, lines };
}

/** Reads and parses `Pulumi.<stack>.yaml` of `root` (in `dir`, default `root`'s stack files: offline/stacks.ts). */
export function readStackFile(stack: string, root: string = ROOT, dir: string = stackDir(root)): StackFile {
    const file = stackFilePath(dir, stack);
    const relative = path.relative(root, file);
    return readStackFileAt(file, stack, relative.startsWith("..") ? file : relative);
}

/**
 * Reads and parses a stack file at any path (`name`: how messages call it, default the path); its
 * stack is named by the file name `Pulumi.<stack>.yaml`.
 */
export function readStackFileAt(file: string, stack: string = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? "stack", name: string = file): StackFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new StackFileError(`${name}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const { doc, lines } = parseYamlFile(name, text);
    const config = doc.get("config", true);
    if (config !== undefined && config !== null && !YAML.isMap(config)) {
        const at = lines.linePos((config as YAML.Node).range?.[0] ?? 0);
        throw new StackFileError(`${name}:${at.line}:${at.col}: config must be a mapping of settings (key: value)`);
    }
    return { stack, path: file, name, text, doc, lines };
}

/**
 * The settings of a file laid over a stack's (`check:iam --with`): its `config` mapping, in a stack
 * file's form (full keys; values as YAML gives them). Throws `StackFileError` naming the file.
 */
export function overlaySettings(file: string): Record<string, unknown> {
    const f = readStackFileAt(file, "overlay", path.relative(process.cwd(), file) || file);
    const config = f.doc.toJS()?.config;
    if (config === undefined || config === null) throw new StackFileError(`${f.name}: no config: mapping of settings to lay over the stack's`);
    return config as Record<string, unknown>;
}

/** A config value as the CLI passes it to the program: strings as-is, everything else as JSON. */
const asConfigString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** The project settings' defaults declared in `Pulumi.yaml`, in engine form. */
export function projectDefaults(root: string = ROOT): { project: string; config: Record<string, string> } {
    const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    const project = parseYamlFile("Pulumi.yaml", text).doc.toJS() as { name: string; config?: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, decl] of Object.entries<any>(project.config ?? {})) {
        const full = k.includes(":") ? k : `${project.name}:${k}`;
        if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
            if ("default" in decl) out[full] = asConfigString(decl.default);
            else if ("value" in decl) out[full] = asConfigString(decl.value);
        } else {
            out[full] = asConfigString(decl);
        }
    }
    return { project: project.name, config: out };
}

/**
 * The stack's configuration in engine form: the project defaults, the stack file's values over
 * them, then `overrides` (full keys; `undefined` removes one).
 */
export function engineConfig(doc: YAML.Document, root: string = ROOT, overrides: Record<string, unknown> = {}, name = "the stack file"): Record<string, string> {
    const { project, config } = projectDefaults(root);
    const out = { ...config };
    const values = (doc.toJS() as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [k, v] of Object.entries(values)) {
        if (v !== null && typeof v === "object" && "secure" in (v as object)) {
            throw new StackFileError(`${name}: ${k} is an encrypted secret; the scripts cannot decrypt it (and this program takes no secrets from stack files)`);
        }
        out[k.includes(":") ? k : `${project}:${k}`] = asConfigString(v);
    }
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete out[k];
        else out[k] = asConfigString(v);
    }
    return out;
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
export function validateStack(stack: string, opts: { root?: string; dir?: string; path?: string; overrides?: Record<string, unknown>; overrideLabel?: string } = {}): ValidatedStack {
    const root = opts.root ?? ROOT;
    const file = opts.path !== undefined ? readStackFileAt(opts.path, stack) : readStackFile(stack, root, opts.dir);
    return validateStackFile(file, opts);
}

/** `validateStack` of a stack file already read (or changed in memory: its `doc` is what counts). */
export function validateStackFile(file: StackFile, opts: { root?: string; overrides?: Record<string, unknown>; overrideLabel?: string } = {}): ValidatedStack {
    const root = opts.root ?? ROOT;
    const stack = file.stack;
    const overrides = opts.overrides ?? {};
    const config = engineConfig(file.doc, root, overrides, file.name);
    try {
        return { file, config, settings: parseSettings(config, { project: PROJECT, stack }) };
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw locateProblems(e, {
            file: file.name, doc: file.doc, lines: file.lines, project: PROJECT, stack,
            origin: (top) => (Object.prototype.hasOwnProperty.call(overrides, top) ? (opts.overrideLabel ?? "override") : undefined),
        });
    }
}

/** The document as text, with long lines left as they are. */
export function stackFileText(doc: YAML.Document): string {
    return doc.toString({ lineWidth: 0 });
}
