/**
 * The command line of `npm run crawl`: arguments, the stack's outputs (as `npm run verify` reads
 * them), clients and credentials, then the crawls of `core.ts` and their report. Everything
 * that touches the process comes in through `CrawlCliDeps`, so tests run the whole command
 * against mocked clients.
 */
import * as fs from "node:fs";
import { naming } from "@incremental-crawl/components/runtime";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { CommandSpec, EXIT, Io, Parsed, runCommand, stackNames, UsageError } from "../cli/command";
import { crawlStack, DEFAULT_CRAWL_TIMEOUT_SECONDS, formatCrawlReport } from "./core";
import { awsCredentialsProblem } from "../cli/errors";
import { deployedStack, pulumiStackOutputs } from "../verify/outputs";

const options = {
    stack: { type: "string", value: "name", description: "read the outputs with `pulumi stack output --json --stack <name>`" },
    outputs: { type: "string", value: "file", description: "read the outputs from a file holding that command's JSON" },
    table: {
        type: "string",
        value: "folder",
        multiple: true,
        description: "crawl only this table (its folder name, e.g. orders); every table by default",
    },
    wait: { type: "boolean", description: "wait for each run, showing its progress, and report what it did" },
    repair: {
        type: "boolean",
        description: "first register the partition folders in S3 that the Glue table lacks (events that never reached the queue)",
    },
    "timeout-seconds": {
        type: "string",
        value: "n",
        description: `with --wait, the longest wait for each run (default ${DEFAULT_CRAWL_TIMEOUT_SECONDS})`,
    },
    region: {
        type: "string",
        value: "region",
        description: "AWS region (default: the region in the stack's ARNs and queue URLs, else AWS_REGION or AWS_DEFAULT_REGION)",
    },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "crawl",
    synopsis: "(--stack <name> | --outputs <file>) [--table <folder>]... [--wait] [--repair] [options]",
    summary:
        "Starts the tables' Glue crawlers now; with --wait, shows each run's progress and ends with what it did: its status, " +
        "the tables it changed and the partitions it added; --repair first registers the partition folders the catalog lacks.",
    description:
        "A crawler already running is reported, and its run joined: it takes the queued events. An event-mode crawler reads only the objects " +
        "whose S3 events are in its queue (after its first run, which lists the whole folder), so a crawl on demand cannot find a partition whose event " +
        "was lost: --repair lists the current export's partition folders in S3 and registers those the Glue table lacks, as the backfill does. " +
        "Partitions are counted with GetPartitions before and after: Glue's crawler metrics count tables, not partitions.\n\n" +
        "Progress goes to stderr as it happens; stdout gets one table of the crawls (status, partitions before → after, tables created, updated and deleted).",
    options,
    stackRequired: false,
    examples: [
        "npm run crawl -- --stack dev --wait",
        "npm run crawl -- --stack prod --table customers --wait --repair",
        "npm run crawl -- --outputs outputs.json --table orders",
    ],
    footer:
        "Environment: AWS credentials from the SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/..., SSO, roles); the caller needs " +
        "glue:GetCrawler, StartCrawler, GetCrawlerMetrics and GetPartitions, and with --repair glue:GetTable, BatchCreatePartition and s3:ListBucket.\n\n" +
        "Exit status: 0 every crawl succeeded (or started, without --wait), 1 a crawl failed or outlasted --timeout-seconds, " +
        "2 crawl could not run (arguments, outputs, credentials, an AWS call refused).",
};

export interface CrawlCliDeps {
    env: NodeJS.ProcessEnv;
    stdout(text: string): void;
    stderr(text: string): void;
    readFile(path: string): string;
    /** stdout of `pulumi stack output --json --stack <stack>`. */
    stackOutputs(stack: string): Promise<string>;
    awsClients(region: string): { glue: GlueClient; s3: S3Client };
    /** A problem with the AWS credentials, or undefined when they resolve. */
    checkAwsCredentials(glue: GlueClient): Promise<string | undefined>;
    now(): number;
    sleep(ms: number): Promise<void>;
    /** The stacks that have a stack file. */
    stacks(): string[];
}

export const defaultDeps: CrawlCliDeps = {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => fs.readFileSync(path, "utf8"),
    stackOutputs: pulumiStackOutputs,
    awsClients: (region) => ({ glue: new GlueClient({ region }), s3: new S3Client({ region }) }),
    checkAwsCredentials: awsCredentialsProblem,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stacks: () => stackNames(),
};

interface Args {
    stack?: string;
    outputs?: string;
    tables?: string[];
    wait: boolean;
    repair: boolean;
    timeoutSeconds: number;
    region?: string;
}

/** The checks `spec` cannot express: one source of outputs, a number, a region. */
function checkArgs({ values }: Parsed<typeof options>): Args {
    const { stack, outputs } = values;
    if ((stack === undefined) === (outputs === undefined)) throw new UsageError("give exactly one of --stack <name> and --outputs <file>");
    const raw = values["timeout-seconds"];
    const timeoutSeconds = raw === undefined ? DEFAULT_CRAWL_TIMEOUT_SECONDS : Number(raw);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
        throw new UsageError(`--timeout-seconds must be a whole number of seconds (1 or more), got ${JSON.stringify(raw)}`);
    if (raw !== undefined && !values.wait) throw new UsageError("--timeout-seconds bounds the wait: give it with --wait");
    const region = values.region;
    if (region !== undefined && naming.awsRegion(region) !== undefined)
        throw new UsageError(`--region: not an AWS region: ${JSON.stringify(region)}`);
    return {
        stack,
        outputs,
        tables: values.table.length > 0 ? [...new Set(values.table)] : undefined,
        wait: values.wait,
        repair: values.repair,
        timeoutSeconds,
        region,
    };
}

/** Runs `npm run crawl` with `argv` (after `--`); resolves to the exit code. */
export async function runCli(argv: string[], overrides: Partial<CrawlCliDeps> = {}): Promise<number> {
    const deps: CrawlCliDeps = { ...defaultDeps, ...overrides };
    const io: Partial<Io> = { argv, env: deps.env, stdout: deps.stdout, stderr: deps.stderr, stacks: deps.stacks };
    return runCommand(spec, (parsed) => crawl(checkArgs(parsed), deps), io);
}

async function crawl(args: Args, deps: CrawlCliDeps): Promise<number> {
    const err = (line: string) => deps.stderr(`${line}\n`);
    const { outputs, source, region } = await deployedStack(args, deps, (note) => err(`crawl: ${note}`));
    const clients = deps.awsClients(region);
    const problem = await deps.checkAwsCredentials(clients.glue);
    if (problem) {
        err(`crawl: cannot crawl ${source}: ${problem}`);
        return EXIT.usage;
    }

    const tables = args.tables ?? Object.keys(outputs.tables);
    const what = [args.repair && "repair first", args.wait ? `wait up to ${args.timeoutSeconds}s each` : "no wait"]
        .filter(Boolean)
        .join(", ");
    err(`crawl: ${source}, ${tables.length} table${tables.length === 1 ? "" : "s"} (${tables.join(", ")}), region ${region}; ${what}`);
    const results = await crawlStack(
        outputs,
        { ...clients, now: deps.now, sleep: deps.sleep, progress: err },
        {
            region,
            tables: args.tables,
            wait: args.wait,
            repair: args.repair,
            timeoutSeconds: args.timeoutSeconds,
        },
    );
    const report = formatCrawlReport(results);
    deps.stdout(report.text);
    return report.exitCode;
}
