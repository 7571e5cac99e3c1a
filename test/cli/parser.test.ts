/**
 * The one argument parser of the scripts (tools/cli/command.ts), in process: options in both forms,
 * unknown and misspelt options, values, positionals, stacks, npm's swallowed options, usage text,
 * and errors reported without stack traces.
 */
import * as assert from "node:assert/strict";
import { CommandError, CommandSpec, formatError, parseCommand, runCommand, UsageError, usageText } from "../../tools/cli/command";
import { StackFileError } from "../../offline/stack-file";

const options = {
    stack: { type: "string", value: "name", description: "the stack", default: "dev" },
    table: { type: "string", value: "folder", multiple: true, description: "a table" },
    "dry-run": { type: "boolean", description: "only print" },
} as const;

const spec: CommandSpec<typeof options> = {
    script: "demo",
    synopsis: "[--stack <name>] [--table <folder>]... [--dry-run] [<item>]",
    summary: "Demonstrates the parser.",
    options,
    positionals: { name: "<item>", min: 0, max: 1 },
    examples: ["npm run demo -- --stack prod"],
};
const stacks = () => ["dev", "prod"];
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommand(spec, argv, env, stacks);
const usageError = (argv: string[], message: RegExp, env: NodeJS.ProcessEnv = {}) =>
    assert.throws(
        () => parse(argv, env),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        `${argv.join(" ")}`,
    );

describe("cli: the argument parser", () => {
    it("takes --stack x and --stack=x alike, with defaults for what is not given", () => {
        assert.deepEqual(parse(["--stack", "prod"]).values, { stack: "prod", table: [], "dry-run": false });
        assert.deepEqual(parse(["--stack=prod"]).values, { stack: "prod", table: [], "dry-run": false });
        assert.deepEqual(parse([]).values, { stack: "dev", table: [], "dry-run": false });
        assert.deepEqual(parse(["--table", "a", "--table=b", "--dry-run", "x"]), {
            values: { stack: "dev", table: ["a", "b"], "dry-run": true },
            positionals: ["x"],
            help: false,
            debug: false,
        });
        assert.equal(parse(["--debug"]).debug, true);
    });

    it("names an unknown option, with the one it most likely meant", () => {
        usageError(["--bogus"], /^unknown option --bogus$/);
        usageError(["--stak", "prod"], /^unknown option --stak \(did you mean --stack\?\)$/);
        usageError(["--dryrun"], /^unknown option --dryrun \(did you mean --dry-run\?\)$/);
        usageError(["-x"], /^unknown option -x$/);
    });

    it("refuses an option without its value, and a value for a flag", () => {
        usageError(["--stack"], /^--stack needs a value: --stack <name>$/);
        usageError(["--stack="], /^--stack needs a value/);
        usageError(["--stack", "--dry-run"], /^--stack needs a value/);
        usageError(["--dry-run=yes"], /^--dry-run takes no value \(got --dry-run=yes\)$/);
        usageError(["--stack", "dev", "--stack", "prod"], /^--stack is given twice \(dev and prod\)$/);
    });

    it("checks the stack against the stack files", () => {
        usageError(["--stack", "prd"], /^no stack "prd": there is no Pulumi\.prd\.yaml \(did you mean prod\? stacks: dev, prod\)$/);
        usageError(["--stack=staging"], /^no stack "staging": there is no Pulumi\.staging\.yaml \(stacks: dev, prod\)$/);
        assert.throws(
            () =>
                parseCommand(
                    { ...spec, stackRequired: true, options: { stack: { type: "string", value: "name", description: "s" } } },
                    [],
                    {},
                    stacks,
                ),
            /^UsageError: --stack is required \(stacks: dev, prod\)$/,
        );
    });

    it("refuses extra arguments, and says when one is a stack name without --stack", () => {
        usageError(["a", "b"], /^unexpected argument b$/);
        assert.throws(
            () => parseCommand({ ...spec, positionals: undefined }, ["prod"], {}, stacks),
            /unexpected argument prod \(did you mean --stack prod\?\)/,
        );
    });

    it("answers --help before anything else is checked", () => {
        assert.equal(parse(["--bogus", "--help"]).help, true);
        assert.equal(parse(["-h", "--stack"]).help, true);
        assert.equal(parse(["--", "--help"]).help, false, "after -- it is an argument");
    });

    it("recognises npm's swallowed options (npm run demo --stack prod, without --) and gives the command that was meant", () => {
        const npm = { npm_lifecycle_event: "demo" };
        // `npm run demo --stack prod`: npm sets npm_config_stack=true and passes prod on.
        usageError(
            ["prod"],
            /^npm took --stack for one of its own settings \(options before `--` go to npm, not to the script\): did you mean `npm run demo -- --stack prod`\?$/,
            { ...npm, npm_config_stack: "true" },
        );
        // `npm run demo --stack=prod --dry-run`: nothing reaches the script at all.
        usageError([], /did you mean `npm run demo -- --stack prod --dry-run`\?/, {
            ...npm,
            npm_config_stack: "prod",
            npm_config_dry_run: "true",
        });
        // Outside npm, or with the option given after --, nothing is suspected.
        assert.equal(parse(["prod"], { npm_config_stack: "true" }).positionals[0], "prod");
        assert.equal(parse(["--stack", "prod"], { ...npm, npm_config_stack: "true" }).values.stack, "prod");
    });

    it("prints a usage text with the synopsis first, every option, --debug, --help and an example", () => {
        const text = usageText(spec);
        const lines = text.split("\n");
        assert.equal(lines[0], "Usage: npm run demo -- [--stack <name>] [--table <folder>]... [--dry-run] [<item>]");
        assert.equal(lines[2], "Demonstrates the parser.");
        assert.match(text, /\n {2}--stack <name> {2,}the stack \(default dev\)\n/);
        assert.match(text, /\n {2}--table <folder> {2,}a table; repeatable\n/);
        assert.match(text, /\n {2}--debug {2,}on an error, also print its stack trace\n/);
        assert.match(text, /\n {2}-h, --help {2,}show this text\n/);
        assert.match(text, /\nExample:\n {2}npm run demo -- --stack prod\n$/);
        assert.ok(
            lines.every((l) => l.length <= 100 || l.startsWith("Usage:")),
            "wrapped at 100 columns",
        );
    });
});

describe("cli: running a command", () => {
    async function run(argv: string[], main: () => Promise<number>) {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCommand(spec, main, { argv, env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stacks });
        return { code, stdout: out.join(""), stderr: err.join("") };
    }
    const never = async () => assert.fail("main ran");

    it("prints the usage on stdout and exits 0 on --help", async () => {
        const r = await run(["--help"], never);
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, usageText(spec), ""]);
    });

    it("exits 2 on a usage error, with the message, the usage line and where to find more", async () => {
        const r = await run(["--bogus"], never);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            "demo: unknown option --bogus\nUsage: npm run demo -- [--stack <name>] [--table <folder>]... [--dry-run] [<item>]\nRun `npm run demo -- --help` for the options.\n",
        );
        assert.equal(r.stdout, "");
    });

    it("reports a stack file or configuration error as its message alone, and the stack trace with --debug", async () => {
        const fail = async (): Promise<number> => {
            throw new StackFileError("Pulumi.dev.yaml:3:5: YAML syntax error: bad");
        };
        const plain = await run([], fail);
        assert.deepEqual([plain.code, plain.stderr], [2, "demo: Pulumi.dev.yaml:3:5: YAML syntax error: bad\n"]);
        const debug = await run(["--debug"], fail);
        assert.match(debug.stderr, /^demo: StackFileError: Pulumi\.dev\.yaml:3:5: YAML syntax error: bad\n {4}at /);
    });

    it("hides the stack trace of an unexpected error unless --debug, and uses a CommandError's exit code", async () => {
        const r = await run([], async () => {
            throw new TypeError("x is undefined");
        });
        assert.deepEqual([r.code, r.stderr], [2, "demo: TypeError: x is undefined\n(run with --debug for the stack trace)\n"]);
        const c = await run([], async () => {
            throw new CommandError("3 columns cannot be exported", 1);
        });
        assert.deepEqual([c.code, c.stderr], [1, "demo: 3 columns cannot be exported\n"]);
        assert.doesNotMatch(formatError("demo", new Error("boom"), false), /\n\s+at /);
    });
});
