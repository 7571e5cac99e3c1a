/**
 * The command line of `npm run crawl`: arguments, the stack's outputs (as `npm run verify` reads
 * them), clients and credentials, then the crawls of `core.ts` and their report. Everything
 * that touches the process comes in through `CrawlCliDeps`, so tests run the whole command
 * against mocked clients.
 */
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { CommandSpec, EXIT, Parsed, UsageError } from "../cli/command";
import { deployedArgs, DeployedDeps, OUTPUTS_OPTION, processDeps, REGION_OPTION, runDeployed } from "../cli/deployed";
import { crawlStack, DEFAULT_CRAWL_TIMEOUT_SECONDS, formatCrawlReport } from "./core";
import { awsCredentialsProblem } from "../cli/errors";
import { deployedStack } from "../verify/outputs";

const options = {
    stack: { type: "string", value: "name", description: "read the outputs with `pulumi stack output --json --stack <name>`" },
    outputs: OUTPUTS_OPTION,
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
    region: REGION_OPTION,
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

export interface CrawlCliDeps extends DeployedDeps {
    awsClients(region: string): { glue: GlueClient; s3: S3Client };
    /** A problem with the AWS credentials, or undefined when they resolve. */
    checkAwsCredentials(glue: GlueClient): Promise<string | undefined>;
}

export const defaultDeps: CrawlCliDeps = {
    ...processDeps,
    awsClients: (region) => ({ glue: new GlueClient({ region }), s3: new S3Client({ region }) }),
    checkAwsCredentials: awsCredentialsProblem,
};

/** The checks `spec` cannot express: a deployed stack's (deployed.ts), and a timeout only with --wait. */
function checkArgs(parsed: Parsed<typeof options>) {
    const { values } = parsed;
    const common = deployedArgs(parsed, DEFAULT_CRAWL_TIMEOUT_SECONDS);
    if (values["timeout-seconds"] !== undefined && !values.wait)
        throw new UsageError("--timeout-seconds bounds the wait: give it with --wait");
    return {
        ...common,
        tables: values.table.length > 0 ? [...new Set(values.table)] : undefined,
        wait: values.wait,
        repair: values.repair,
    };
}

/** Runs `npm run crawl` with `argv` (after `--`); resolves to the exit code. */
export async function runCli(argv: string[], overrides: Partial<CrawlCliDeps> = {}): Promise<number> {
    return runDeployed(spec, { ...defaultDeps, ...overrides }, argv, (parsed, deps) => crawl(checkArgs(parsed), deps));
}

async function crawl(args: ReturnType<typeof checkArgs>, deps: CrawlCliDeps): Promise<number> {
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
    const results = await crawlStack(outputs, { ...clients, now: deps.now, sleep: deps.sleep, progress: err }, { ...args, region });
    const report = formatCrawlReport(results);
    deps.stdout(report.text);
    return report.exitCode;
}
