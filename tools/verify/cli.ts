/**
 * The command line of `npm run verify`: arguments, stack outputs, clients and credentials, then
 * the checks of `core.ts` and the report of `format.ts`. Everything that touches the
 * process (files, child processes, clients, clock) comes in through `CliDeps`, so tests run the
 * whole command against mocked clients.
 */
import { naming } from "@incremental-crawl/components/runtime";
import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SqlConnection } from "@incremental-crawl/components/runtime";
import { DEFAULT_TIMEOUT_SECONDS, verifyStack } from "./core";
import { awsCredentialsProblem, errorText } from "../cli/errors";
import { formatReport } from "./format";
import { CommandSpec, EXIT, Parsed, usageText } from "../cli/command";
import { deployedArgs, DeployedDeps, OUTPUTS_OPTION, processDeps, REGION_OPTION, runDeployed } from "../cli/deployed";
import { validateStack } from "../cli/stack-config";
import { deployedStack } from "./outputs";

const options = {
    stack: {
        type: "string",
        value: "name",
        description:
            "read the outputs with `pulumi stack output --json --stack <name>`, and the source tables' columns from Pulumi.<name>.yaml",
    },
    outputs: OUTPUTS_OPTION,
    "stack-file": {
        type: "string",
        value: "file",
        description: "the stack file whose source tables' columns are compared with Snowflake (default with --stack: Pulumi.<name>.yaml)",
    },
    table: { type: "string", value: "folder", multiple: true, description: "verify only this table (its folder name, e.g. orders)" },
    "timeout-seconds": {
        type: "string",
        value: "n",
        description: `longest wait for each crawler run and each Athena query (default ${DEFAULT_TIMEOUT_SECONDS})`,
    },
    region: REGION_OPTION,
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "verify",
    synopsis: "(--stack <name> | --outputs <file>) [options]",
    summary:
        "Checks a deployed stack end to end: rows per partition in Athena against the unload log, at least Snowflake's rows in the lake, " +
        "stale streams, partitions, queues, crawler runs, and source tables' columns.",
    description:
        "For each exported table: rows in Snowflake, the source table's columns against the stack file (drift upstream), " +
        "the table's stream (stale, or less than two days from it: a warning), objects and partition folders in S3 under the current export (and, with a replica, their replication status), " +
        "the event queue and its dead-letter queue, a run of the table's Glue crawler, the Glue table and its partitions, " +
        "an Athena COUNT(*) that must be at least Snowflake's rows (the lake is append-only and keeps rows deleted or updated upstream; " +
        "for a table with retentionDays, at least the rows the unload log records within the retention), " +
        "and Athena's rows per partition against the unload log's for the current export, naming the partitions with fewer rows (lost) and more (duplicated). " +
        "Each check's line goes to stderr as it completes; then stdout gets one table of checks (table, check, result, detail) and the likely cause of each failure.\n\n" +
        "Verify starts each table's crawler (or waits for the run in progress) and runs two Athena queries per table in the stack's workgroup.",
    options,
    examples: ["npm run verify -- --stack dev", "npm run verify -- --outputs outputs.json --stack-file Pulumi.dev.yaml --table orders"],
    footer:
        "Environment: AWS credentials from the SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/..., SSO, roles); " +
        "SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY (PEM text), SNOWFLAKE_WAREHOUSE, " +
        "and optionally SNOWFLAKE_PRIVATE_KEY_PASSPHRASE and SNOWFLAKE_ROLE: the key-pair settings `pulumi up` and the backfill use.\n\n" +
        "Exit status: 0 every check passed, 1 a check failed, 2 verify could not run (arguments, outputs, credentials).",
};

export const USAGE = usageText(spec);

export interface AwsClients {
    s3: S3Client;
    sqs: SQSClient;
    glue: GlueClient;
    athena: AthenaClient;
}

export interface SnowflakeSession {
    conn: SqlConnection;
    describe: string;
    close(): Promise<void>;
}

export interface CliDeps extends DeployedDeps {
    awsClients(region: string): AwsClients;
    /** A problem with the AWS credentials, or undefined when they resolve. */
    checkAwsCredentials(clients: AwsClients): Promise<string | undefined>;
    /** Throws when the environment lacks Snowflake settings; connects lazily. */
    snowflake(env: NodeJS.ProcessEnv): SnowflakeSession;
    /**
     * The configured columns of the stack's `source` tables, by folder name, from its stack file
     * (`file`, else Pulumi.<stack>.yaml). Throws when the file cannot be read or is invalid.
     */
    sourceColumns(stack: string | undefined, file: string | undefined): Record<string, Array<{ name: string; type: string }>>;
}

export const defaultDeps: CliDeps = {
    ...processDeps,
    awsClients: (region) => ({
        s3: new S3Client({ region }),
        sqs: new SQSClient({ region }),
        glue: new GlueClient({ region }),
        athena: new AthenaClient({ region }),
    }),
    checkAwsCredentials: (clients) => awsCredentialsProblem(clients.glue),
    snowflake: (env) => {
        // Loaded here so that `--help` and argument errors do not load the driver.
        const { lazySnowflake } = require("./snowflake") as typeof import("./snowflake");
        return lazySnowflake(env);
    },
    sourceColumns: (stack, file) => {
        const { settings } = validateStack(stack ?? "stack", file !== undefined ? { path: file } : {});
        return Object.fromEntries(settings.tables.filter((t) => t.source !== undefined).map((t) => [naming.folderName(t.name), t.columns]));
    },
};

interface Args {
    stack?: string;
    outputs?: string;
    stackFile?: string;
    tables?: string[];
    timeoutSeconds: number;
    region?: string;
}

/** The checks `spec` cannot express: a deployed stack's (deployed.ts). */
function checkArgs(parsed: Parsed<typeof options>): Args {
    const { values } = parsed;
    const tables = values.table.length > 0 ? values.table : undefined;
    return { ...deployedArgs(parsed, DEFAULT_TIMEOUT_SECONDS), stackFile: values["stack-file"], tables };
}

/** Runs `npm run verify` with `argv` (after `--`); resolves to the exit code. */
export async function runCli(argv: string[], overrides: Partial<CliDeps> = {}): Promise<number> {
    return runDeployed(spec, { ...defaultDeps, ...overrides }, argv, (parsed, deps) => verify(checkArgs(parsed), deps));
}

async function verify(args: Args, deps: CliDeps): Promise<number> {
    const err = (line: string) => deps.stderr(`${line}\n`);

    const { outputs, source, region } = await deployedStack(args, deps, (note) => err(`verify: ${note}`));

    // Credentials, all problems at once.
    const problems: string[] = [];
    const clients = deps.awsClients(region);
    const awsProblem = await deps.checkAwsCredentials(clients);
    if (awsProblem) problems.push(awsProblem);
    let snowflake: SnowflakeSession | undefined;
    try {
        // The stack's own identity (account, user, role, warehouse) first, as `pulumi up` uses it;
        // the key only ever from the environment.
        snowflake = deps.snowflake({ ...deps.env, ...(outputs.snowflakeConnection ?? {}) });
    } catch (e) {
        problems.push(
            `Snowflake settings: ${errorText(e)
                .replace(/^EnvironmentError:\s*/, "")
                .replace(/\n/g, "; ")} (key-pair auth, as for pulumi up)`,
        );
    }
    if (problems.length > 0 || !snowflake) {
        err(`verify: cannot verify ${source}:\n  - ${problems.join("\n  - ")}`);
        return EXIT.usage;
    }

    // The stack file's columns of source tables, to compare with Snowflake's.
    let sourceColumns: Record<string, Array<{ name: string; type: string }>> | undefined;
    if (args.stack !== undefined || args.stackFile !== undefined) {
        try {
            sourceColumns = deps.sourceColumns(args.stack, args.stackFile);
        } catch (e) {
            err(`verify: not comparing the source tables' columns: ${errorText(e).replace(/^\w*Error: /, "")}`);
        }
    }

    const tables = args.tables ?? Object.keys(outputs.tables);
    err(
        `verify: ${source}, ${tables.length} table${tables.length === 1 ? "" : "s"} (${tables.join(", ")}), region ${region}, ${snowflake.describe}`,
    );
    try {
        const checks = await verifyStack(
            outputs,
            {
                ...clients,
                snowflake: snowflake.conn,
                now: deps.now,
                sleep: deps.sleep,
                progress: (line) => err(line),
            },
            { timeoutSeconds: args.timeoutSeconds, tables: args.tables, sourceColumns },
        );
        const report = formatReport(checks);
        deps.stdout(report.text);
        return report.exitCode;
    } catch (e) {
        err(`verify: ${errorText(e)}`);
        return EXIT.usage;
    } finally {
        await snowflake.close();
    }
}
