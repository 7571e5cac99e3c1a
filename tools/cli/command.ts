/**
 * The command line of every script (`npm run plan`, `check:iam`, `diagram`, `bench`, `verify`,
 * `add-table`): one parser over `node:util` `parseArgs`, one usage text, one way to report errors.
 *
 * - `-h`/`--help` prints the usage (with examples) on stdout and exits 0, whatever else is given.
 * - An unknown option is named, with the option it most likely meant; the script exits 2.
 * - `--stack x` and `--stack=x` both work; the stack is checked against the `Pulumi.<stack>.yaml`
 *   files of the project.
 * - `npm run plan --stack prod` (no `--`) makes npm keep `--stack` as one of its own settings: npm
 *   sets `npm_config_stack` and passes `prod` on as an argument. That is detected and answered with
 *   the command that was meant.
 * - Errors are one message without a stack trace; `--debug` adds the trace.
 */
import { parseArgs, ParseArgsConfig } from "node:util";
import { closest, didYouMean } from "@incremental-crawl/components/runtime";
import { ROOT, stackDir, stacksIn } from "../../offline/stacks";
import { mapOnlyErrorsWithAMessage } from "../../offline/stack-traces";
import { wrapCell } from "./text-table";

export { closest, didYouMean };

export type OptionSpec =
    | { type: "boolean"; description: string; short?: string }
    | { type: "string"; value: string; description: string; short?: string; multiple?: false; default?: string }
    | { type: "string"; value: string; description: string; short?: string; multiple: true };

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
    /** The npm script: `npm run <script>`. */
    script: string;
    /** What follows `npm run <script> --` in the usage line. */
    synopsis: string;
    /** One sentence: what the command does. The README lists it under the usage line. */
    summary: string;
    /** Further paragraphs of the usage text. */
    description?: string;
    options: O;
    /** Positional arguments: a name for the usage text and how many are allowed. Default: none. */
    positionals?: { name: string; min: number; max: number };
    /** Whether `--stack` must be given (when the command has a `stack` option). */
    stackRequired?: boolean;
    /** Whole command lines. */
    examples: string[];
    /** Text after the examples: environment, exit status. */
    footer?: string;
}

type ValueOf<S extends OptionSpec> = S extends { type: "boolean" }
    ? boolean
    : S extends { multiple: true }
      ? string[]
      : S extends { default: string }
        ? string
        : string | undefined;

export type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> };

export interface Parsed<O extends Record<string, OptionSpec>> {
    values: Values<O>;
    positionals: string[];
    help: boolean;
    debug: boolean;
}

/** Wrong arguments: the script prints the message and its usage line, and exits 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Exit codes shared by the tools. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const COMMON = {
    debug: { type: "boolean", description: "on an error, also print its stack trace" },
    help: { type: "boolean", short: "h", description: "show this text" },
} as const satisfies Record<string, OptionSpec>;

export { ROOT };

/** Names of the stacks that have a `Pulumi.<stack>.yaml` among `root`'s stack files. */
export function stackNames(root: string = ROOT): string[] {
    return stacksIn(stackDir(root));
}

const WIDTH = 100;

/**
 * Columns of the output: the terminal's; when stdout is not a terminal (a file, a pipe, CI), the
 * `COLUMNS` environment variable's, else 100.
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
    if (stream.isTTY && stream.columns) return stream.columns;
    const columns = Number(env.COLUMNS);
    return Number.isInteger(columns) && columns > 0 ? columns : WIDTH;
}

/** The paragraphs of `text` (separated by blank lines) wrapped; lines that start with spaces are kept as they are. */
function fill(text: string, width: number): string {
    return text
        .trim()
        .split(/\n\s*\n/)
        .map((para) =>
            /^\s/m.test(para) && para.split("\n").some((l) => /^ {2}/.test(l))
                ? para
                : wrapCell(para.replace(/\s+/g, " "), width).join("\n"),
        )
        .join("\n\n");
}

export function usageLine(spec: CommandSpec): string {
    return `Usage: npm run ${spec.script} -- ${spec.synopsis}`;
}

/** The whole `--help` text. */
export function usageText(spec: CommandSpec): string {
    const all: Record<string, OptionSpec> = { ...spec.options, ...COMMON };
    const label = (name: string, o: OptionSpec) =>
        `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.value}>` : ""}`;
    const labels = Object.entries(all).map(([name, o]) => label(name, o));
    const col = Math.min(30, Math.max(...labels.map((l) => l.length)) + 4);
    const options = Object.values(all).flatMap((o, i) => {
        const text = `${o.description}${o.type === "string" && "default" in o && o.default !== undefined ? ` (default ${o.default})` : ""}${o.type === "string" && o.multiple ? "; repeatable" : ""}`;
        const lines = wrapCell(text, WIDTH - 2 - col);
        const first = labels[i].length + 4 <= col ? [`  ${labels[i].padEnd(col - 2)}${lines.shift()}`] : [`  ${labels[i]}`];
        return [...first, ...lines.map((l) => `${" ".repeat(col)}${l}`)];
    });
    const parts = [usageLine(spec), "", fill(spec.summary, WIDTH)];
    if (spec.description) parts.push("", fill(spec.description, WIDTH));
    parts.push("", "Options:", ...options);
    parts.push("", spec.examples.length === 1 ? "Example:" : "Examples:", ...spec.examples.map((e) => `  ${e}`));
    if (spec.footer) parts.push("", fill(spec.footer, WIDTH));
    return `${parts.join("\n")}\n`;
}

const flag = (name: string) => `--${name}`;

/**
 * What npm swallowed: options given before `--` (or without it) that npm took for its own config.
 * npm puts them in the environment as `npm_config_<name>` (`true` for a bare flag, whose value it
 * then passes on as an argument) and never hands them to the script.
 */
function npmHint(spec: CommandSpec, argv: string[], given: Set<string>, positionals: string[], env: NodeJS.ProcessEnv): string | undefined {
    if (env.npm_lifecycle_event === undefined) return undefined;
    const names = [...Object.keys(spec.options), "debug"];
    const swallowed = names.filter((n) => !given.has(n) && env[`npm_config_${n.replace(/-/g, "_")}`] !== undefined);
    if (swallowed.length === 0) return undefined;
    // A bare `--stack` left its value behind as an argument: the first ones, in the order declared.
    const rest = [...argv];
    const words: string[] = [];
    for (const n of swallowed) {
        const o = (spec.options as Record<string, OptionSpec>)[n] ?? COMMON.debug;
        const v = env[`npm_config_${n.replace(/-/g, "_")}`]!;
        if (o.type === "boolean") {
            words.push(flag(n));
        } else if (v === "true" || v === "") {
            const value = positionals.find((p) => rest.includes(p));
            if (value !== undefined) rest.splice(rest.indexOf(value), 1);
            words.push(flag(n), value ?? `<${o.value}>`);
        } else {
            words.push(flag(n), v);
        }
    }
    const quote = (w: string) => (/^[\w@%+=:,./<>-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`);
    const meant = ["npm", "run", spec.script, "--", ...words, ...rest].map(quote).join(" ");
    const what = swallowed.map(flag).join(", ");
    return `npm took ${what} for one of its own settings (options before \`--\` go to npm, not to the script): did you mean \`${meant}\`?`;
}

/**
 * Parses `argv` (what follows `--`) against `spec`. Throws `UsageError` on anything wrong; returns
 * `help: true` as soon as `-h`/`--help` is among the options, without looking further.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    argv: string[],
    env: NodeJS.ProcessEnv = {},
    stacks: () => string[] = stackNames,
): Parsed<O> {
    const all: Record<string, OptionSpec> = { ...spec.options, ...COMMON };
    const terminator = argv.indexOf("--");
    const beforeTerminator = terminator < 0 ? argv : argv.slice(0, terminator);
    const help = beforeTerminator.some((a) => a === "--help" || a === "-h");

    // Only the tokens are read (repeated options, values and errors are this parser's own), so
    // parseArgs needs each option's type and short form, not whether it may repeat.
    const { tokens } = parseArgs({
        args: argv,
        options: Object.fromEntries(
            Object.entries(all).map(([n, o]) => [n, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
        ) as ParseArgsConfig["options"],
        strict: false,
        allowPositionals: true,
        tokens: true,
    });

    const values: Record<string, string | boolean | string[] | undefined> = {};
    const positionals: string[] = [];
    const given = new Set<string>();
    const problems: string[] = [];
    for (const t of tokens ?? []) {
        if (t.kind === "positional") {
            positionals.push(t.value);
            continue;
        }
        if (t.kind !== "option") continue;
        const o = all[t.name];
        if (o === undefined) {
            problems.push(`unknown option ${t.rawName}${didYouMean(t.name, Object.keys(all), flag)}`);
            continue;
        }
        if (o.type === "boolean") {
            if (t.inlineValue) problems.push(`${t.rawName} takes no value (got ${t.rawName}=${t.value})`);
            values[t.name] = true;
        } else {
            const v = t.value;
            if (v === undefined || v === "" || (!t.inlineValue && v.startsWith("-"))) {
                problems.push(`${t.rawName} needs a value: ${flag(t.name)} <${o.value}>`);
                continue;
            }
            if (o.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), v];
            else if (given.has(t.name)) problems.push(`${flag(t.name)} is given twice (${values[t.name]} and ${v})`);
            else values[t.name] = v;
        }
        given.add(t.name);
    }
    if (help) return { values: withDefaults(spec, values), positionals, help: true, debug: values.debug === true };

    const hint = npmHint(spec, argv, given, positionals, env);
    if (hint) throw new UsageError(hint);
    if (problems.length > 0) throw new UsageError(problems.join("\n"));

    const p = spec.positionals ?? { name: "", min: 0, max: 0 };
    if (positionals.length > p.max) {
        const extra = positionals.slice(p.max);
        const known = "stack" in spec.options ? stacks() : [];
        const asStack = extra.length === 1 && known.includes(extra[0]) && !given.has("stack") ? ` (did you mean --stack ${extra[0]}?)` : "";
        throw new UsageError(`unexpected argument${extra.length === 1 ? "" : "s"} ${extra.join(" ")}${asStack}`);
    }
    if (positionals.length < p.min) throw new UsageError(`missing ${p.name}`);

    if ("stack" in spec.options) {
        const stack = values.stack as string | undefined;
        if (stack === undefined && spec.stackRequired) throw new UsageError(`--stack is required (stacks: ${stacks().join(", ")})`);
        if (stack !== undefined) checkStack(stack, stacks());
    }
    return { values: withDefaults(spec, values), positionals, help: false, debug: values.debug === true };
}

/** Throws a `UsageError` naming the stacks when `stack` has no stack file. */
export function checkStack(stack: string, known: string[] = stackNames()): void {
    if (known.includes(stack)) return;
    const near = closest(stack, known);
    throw new UsageError(
        `no stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml (${near ? `did you mean ${near}? ` : ""}stacks: ${known.join(", ") || "none"})`,
    );
}

function withDefaults<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, values: Record<string, unknown>): Values<O> {
    const out: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(spec.options as Record<string, OptionSpec>)) {
        const v = values[name];
        if (o.type === "boolean") out[name] = v === true;
        else if (o.multiple) out[name] = v ?? [];
        else out[name] = v ?? ("default" in o ? o.default : undefined);
    }
    return out as Values<O>;
}

export interface Io {
    argv: string[];
    env: NodeJS.ProcessEnv;
    stdout(text: string): void;
    stderr(text: string): void;
    stacks(): string[];
}

export const processIo: Io = {
    argv: process.argv.slice(2),
    env: process.env,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stacks: () => stackNames(),
};

/** An error whose message is the whole story (a configuration or stack file problem): printed without "unexpected". */
export function isReportedError(e: unknown): boolean {
    return (
        e instanceof Error &&
        ["ConfigError", "StackConfigError", "StackFileError", "UsageError", "EnvironmentError", "CommandError"].includes(e.name)
    );
}

/** An error a command raises on purpose: its message is printed as it is, exit code `code`. */
export class CommandError extends Error {
    constructor(
        message: string,
        readonly code: number = EXIT.failed,
    ) {
        super(message);
        this.name = "CommandError";
    }
}

/** How an error reaches the user: its message; its stack trace only with `--debug`. */
export function formatError(script: string, e: unknown, debug: boolean): string {
    const err = e instanceof Error ? e : new Error(String(e));
    const text = `${script}: ${isReportedError(err) ? err.message : `${err.name && err.name !== "Error" ? `${err.name}: ` : ""}${err.message}`}`;
    if (debug) return `${script}: ${err.stack ?? text}\n`;
    return isReportedError(err) ? `${text}\n` : `${text}\n(run with --debug for the stack trace)\n`;
}

/**
 * Parses the arguments, prints the usage on `--help`, runs `main`, and turns every error into one
 * message; resolves to the exit code (2 for usage and configuration errors, `CommandError.code`,
 * or 2 for anything unexpected).
 */
export async function runCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    main: (args: Parsed<O>, io: Io) => Promise<number>,
    overrides: Partial<Io> = {},
): Promise<number> {
    const io: Io = { ...processIo, ...overrides };
    const usage = (e: UsageError) => {
        io.stderr(`${spec.script}: ${e.message}\n${usageLine(spec)}\nRun \`npm run ${spec.script} -- --help\` for the options.\n`);
        return EXIT.usage;
    };
    let args: Parsed<O>;
    try {
        args = parseCommand(spec, io.argv, io.env, io.stacks);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        return usage(e);
    }
    if (args.help) {
        io.stdout(usageText(spec));
        return EXIT.ok;
    }
    try {
        return await main(args, io);
    } catch (e) {
        if (e instanceof UsageError) return usage(e);
        io.stderr(formatError(spec.script, e, args.debug));
        return e instanceof CommandError ? e.code : EXIT.usage;
    }
}

/** Exits with `code` once stdout and stderr are flushed (an idle socket must not hold the process). */
export function exit(code: number): void {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** `runCommand` for a script's `main`: runs it and exits with its code. */
export function runScript<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    main: (args: Parsed<O>, io: Io) => Promise<number>,
): void {
    mapOnlyErrorsWithAMessage();
    runCommand(spec, main).then(exit, (e: unknown) => {
        process.stderr.write(formatError(spec.script, e, true));
        exit(EXIT.usage);
    });
}
