/**
 * The one reader of `Pulumi.yaml` and `Pulumi.<stack>.yaml`, for the offline engine and every tool:
 * a stack file as a `yaml` Document (comments, order and layout kept, every node with its position)
 * and the configuration in the form the engine hands the program (full key → string). A syntax
 * error names the file, line and column with the `yaml` package's own code frame.
 *
 * Imports nothing of the project: `plan --since` copies this file, with the rest of offline/, into
 * an older checkout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { ROOT, stackDir, stackFilePath } from "./stacks";

/** A stack file that cannot be read: its message names the file (and line) and is the whole story. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** The first error's message without the position the prefix already gives, then its code frame. */
function describeYamlError(file: string, e: YAML.YAMLError): string {
    const pos = e.linePos?.[0];
    const [head, ...frame] = e.message.split("\n");
    const reason = head.replace(/ at line \d+, column \d+:?$/, "");
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const snippet = frame.join("\n").replace(/^\n+|\n+$/g, "");
    return `${where}: YAML syntax error: ${reason}${
        snippet
            ? `\n${snippet
                  .split("\n")
                  .map((l) => `    ${l}`)
                  .join("\n")}`
            : ""
    }`;
}

/** One error for every syntax error of a parsed document (`doc.errors`). */
export function yamlSyntaxError(file: string, errors: readonly YAML.YAMLError[]): StackFileError {
    const shown = errors.slice(0, 3).map((e) => describeYamlError(file, e));
    const more = errors.length > 3 ? `\n(${errors.length - 3} more YAML errors after these)` : "";
    return new StackFileError(`${shown.join("\n")}${more}`);
}

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
export function readStackFileAt(
    file: string,
    stack: string = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? "stack",
    name: string = file,
): StackFile {
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
    if (config === undefined || config === null)
        throw new StackFileError(`${f.name}: no config: mapping of settings to lay over the stack's`);
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
export function engineConfig(
    doc: YAML.Document | undefined,
    root: string = ROOT,
    overrides: Record<string, unknown> = {},
    name = "the stack file",
): Record<string, string> {
    const { project, config } = projectDefaults(root);
    const out = { ...config };
    const values = (doc?.toJS() as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [k, v] of Object.entries(values)) {
        if (v !== null && typeof v === "object" && "secure" in (v as object)) {
            throw new StackFileError(
                `${name}: ${k} is an encrypted secret; the tools cannot decrypt it (and this program takes no secrets from stack files)`,
            );
        }
        out[k.includes(":") ? k : `${project}:${k}`] = asConfigString(v);
    }
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete out[k];
        else out[k] = asConfigString(v);
    }
    return out;
}

/** The document as text, with long lines left as they are. */
export function stackFileText(doc: YAML.Document): string {
    return doc.toString({ lineWidth: 0 });
}
