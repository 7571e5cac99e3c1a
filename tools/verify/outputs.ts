/**
 * The stack outputs `npm run verify` and `npm run crawl` read (`pulumi stack output --json`, the
 * exports of `index.ts`), validated into a typed shape, and the AWS region they live in. Pure, but
 * for `pulumiStackOutputs`, which runs the Pulumi CLI.
 */

import { execFile } from "node:child_process";
import { errorText } from "../cli/errors";
import { type BackfillSummary as Summary, EXPORT_ID } from "@incremental-crawl/components/runtime";
import { CommandError, EXIT, isObject } from "../cli/command";

/** The backfill's summary as the stack exports it (`TableExport.summary`); any field may be missing. */
export type BackfillSummary = Partial<Summary>;

/** One exported table's outputs: `tables.<folder>` in `index.ts`. */
export interface TableOutputs {
    /** `DATABASE.SCHEMA.TABLE`, upper-case identifiers. */
    snowflakeTable: string;
    /**
     * Key prefix of the table's current export, with trailing slash: `exports/orders/g1-0a1b2c3d/`,
     * where the Glue table points. (Stacks deployed before exports had folders of their own gave the
     * table's folder, `exports/orders/`.)
     */
    s3Prefix: string;
    /** The current export's id (`g1-0a1b2c3d`), the unload log's EXPORT_ID; missing in older stacks. */
    exportId?: string;
    /** The table's folder, holding all its exports, with trailing slash (`exports/orders/`); missing in older stacks. */
    tablePrefix?: string;
    queueUrl: string;
    deadLetterQueueUrl: string;
    crawlerName: string;
    glueTable: string;
    namedQueryId?: string;
    streamName?: string;
    taskName?: string;
    backfill?: BackfillSummary;
    /** Days the table's exported objects are kept (`retentionDays`); missing when kept until deleted. */
    retentionDays?: number;
}

/** The recovery replica of the exports, when the stack has one (`replica`). */
export interface ReplicaOutputs {
    bucketName: string;
    region?: string;
}

export interface StackOutputs {
    bucketName: string;
    exportPrefix?: string;
    topicArn?: string;
    glueDatabase: string;
    athenaWorkgroup: string;
    /** The stage's fully qualified name; its database and schema also hold the streams and tasks. */
    snowflakeStage?: string;
    snowflakeIntegration?: string;
    snowflakeRoleArn?: string;
    /** The stack's non-secret Snowflake identity, as BACKFILL_* variables (see `connectionEnvironment`). */
    snowflakeConnection?: Record<string, string>;
    /** Keyed by folder name (`orders`). */
    tables: Record<string, TableOutputs>;
    /** The recovery replica; unset without one. */
    replica?: ReplicaOutputs;
}

/** The outputs are unusable: every problem found, one per line. */
export class OutputsError extends Error {
    constructor(readonly problems: string[]) {
        super(`the stack outputs cannot be verified:\n  - ${problems.join("\n  - ")}`);
        this.name = "OutputsError";
    }
}

/**
 * Validates parsed `pulumi stack output --json`. Secret outputs arrive as the string `[secret]`
 * unless `--show-secrets` is given; none of the outputs read here is secret.
 */
export function parseOutputs(raw: unknown): StackOutputs {
    const problems: string[] = [];
    if (!isObject(raw)) throw new OutputsError([`expected a JSON object of stack outputs, got ${describe(raw)}`]);

    const str = (obj: Record<string, unknown>, key: string, where: string, required: boolean): string | undefined => {
        const v = obj[key];
        if (v === undefined && !required) return undefined;
        if (typeof v !== "string" || v === "" || v === "[secret]") {
            problems.push(
                `${where}${key}: expected a non-empty string, got ${describe(v)}${v === "[secret]" ? " (a secret: pass --show-secrets output in a file)" : ""}`,
            );
            return undefined;
        }
        return v;
    };

    const positiveInt = (v: unknown, where: string): number | undefined => {
        if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
        problems.push(`${where}: expected a positive whole number of days, got ${describe(v)}`);
        return undefined;
    };

    const bucketName = str(raw, "bucketName", "", true);
    const glueDatabase = str(raw, "glueDatabase", "", true);
    const athenaWorkgroup = str(raw, "athenaWorkgroup", "", true);
    const tables: Record<string, TableOutputs> = {};
    if (!isObject(raw.tables) || Object.keys(raw.tables).length === 0) {
        problems.push(`tables: expected an object with one entry per exported table, got ${describe(raw.tables)}`);
    } else {
        for (const [folder, t] of Object.entries(raw.tables)) {
            const where = `tables.${folder}.`;
            if (!isObject(t)) {
                problems.push(`tables.${folder}: expected an object, got ${describe(t)}`);
                continue;
            }
            const snowflakeTable = str(t, "snowflakeTable", where, true);
            if (snowflakeTable !== undefined && splitQualifiedName(snowflakeTable) === undefined) {
                problems.push(`${where}snowflakeTable: expected DATABASE.SCHEMA.TABLE, got ${JSON.stringify(snowflakeTable)}`);
            }
            const s3Prefix = str(t, "s3Prefix", where, true);
            if (s3Prefix !== undefined && (!s3Prefix.endsWith("/") || s3Prefix.startsWith("/"))) {
                problems.push(
                    `${where}s3Prefix: expected a key prefix with a trailing slash such as "exports/orders/g1-0a1b2c3d/", got ${JSON.stringify(s3Prefix)}`,
                );
            }
            const exportId = str(t, "exportId", where, false);
            if (exportId !== undefined && !EXPORT_ID.test(exportId)) {
                problems.push(`${where}exportId: expected an export id such as "g1-0a1b2c3d", got ${JSON.stringify(exportId)}`);
            }
            const tablePrefix = str(t, "tablePrefix", where, false);
            if (tablePrefix !== undefined && (!tablePrefix.endsWith("/") || tablePrefix.startsWith("/"))) {
                problems.push(
                    `${where}tablePrefix: expected a key prefix with a trailing slash such as "exports/orders/", got ${JSON.stringify(tablePrefix)}`,
                );
            }
            if (s3Prefix !== undefined && exportId !== undefined && EXPORT_ID.test(exportId) && !s3Prefix.endsWith(`/${exportId}/`)) {
                problems.push(
                    `${where}s3Prefix: expected the folder of export ${exportId} (".../${exportId}/"), got ${JSON.stringify(s3Prefix)}`,
                );
            }
            const entry = {
                snowflakeTable,
                s3Prefix,
                exportId,
                tablePrefix,
                queueUrl: str(t, "queueUrl", where, true),
                deadLetterQueueUrl: str(t, "deadLetterQueueUrl", where, true),
                crawlerName: str(t, "crawlerName", where, true),
                glueTable: str(t, "glueTable", where, true),
                namedQueryId: str(t, "namedQueryId", where, false),
                streamName: str(t, "streamName", where, false),
                taskName: str(t, "taskName", where, false),
                backfill: isObject(t.backfill) ? (t.backfill as BackfillSummary) : undefined,
                retentionDays: t.retentionDays === undefined ? undefined : positiveInt(t.retentionDays, `${where}retentionDays`),
            };
            tables[folder] = entry as TableOutputs;
        }
    }
    let replica: ReplicaOutputs | undefined;
    if (raw.replica !== undefined && raw.replica !== null) {
        const bucket = isObject(raw.replica) ? str(raw.replica, "bucketName", "replica.", true) : undefined;
        if (!isObject(raw.replica)) problems.push(`replica: expected an object {bucketName, region}, got ${describe(raw.replica)}`);
        else if (bucket !== undefined)
            replica = { bucketName: bucket, region: typeof raw.replica.region === "string" ? raw.replica.region : undefined };
    }
    if (problems.length > 0) throw new OutputsError(problems);
    return {
        bucketName: bucketName!,
        exportPrefix: typeof raw.exportPrefix === "string" ? raw.exportPrefix : undefined,
        topicArn: typeof raw.topicArn === "string" ? raw.topicArn : undefined,
        glueDatabase: glueDatabase!,
        athenaWorkgroup: athenaWorkgroup!,
        snowflakeStage: typeof raw.snowflakeStage === "string" ? raw.snowflakeStage : undefined,
        snowflakeIntegration: typeof raw.snowflakeIntegration === "string" ? raw.snowflakeIntegration : undefined,
        snowflakeRoleArn: typeof raw.snowflakeRoleArn === "string" ? raw.snowflakeRoleArn : undefined,
        snowflakeConnection: isObject(raw.snowflakeConnection)
            ? (Object.fromEntries(
                  Object.entries(raw.snowflakeConnection).filter(([k, v]) => /^BACKFILL_[A-Z_]+$/.test(k) && typeof v === "string"),
              ) as Record<string, string>)
            : undefined,
        tables,
        ...(replica ? { replica } : {}),
    };
}

function describe(v: unknown): string {
    if (v === undefined) return "nothing";
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Splits `DB.SCHEMA.NAME` (plain or double-quoted identifiers, as `snowflakeTable` and the
 * provider's `fullyQualifiedName` write them) into its three parts; undefined when it is not
 * three identifiers.
 */
export function splitQualifiedName(name: string): [string, string, string] | undefined {
    const parts: string[] = [];
    const re = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*))\s*(\.|$)/y;
    let ended = false;
    let m: RegExpExecArray | null;
    while (!ended && (m = re.exec(name)) !== null) {
        parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
        ended = m[3] === "";
    }
    if (!ended || parts.length !== 3) return undefined;
    return [parts[0], parts[1], parts[2]];
}

/** The region in an ARN (`arn:aws:sns:eu-west-1:...`) or an SQS URL (`https://sqs.eu-west-1.amazonaws.com/...`). */
export function regionOf(value: string | undefined): string | undefined {
    if (!value) return undefined;
    const arn = /^arn:[a-z-]+:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(value);
    if (arn) return arn[1];
    const url = /^https:\/\/(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.(?:queue\.)?amazonaws\.com(?:\.cn)?\//.exec(value);
    return url ? url[1] : undefined;
}

/** The region of the stack's resources, read from the topic ARN and the queue URLs. */
export function outputsRegion(outputs: StackOutputs): string | undefined {
    const candidates = [outputs.topicArn, ...Object.values(outputs.tables).flatMap((t) => [t.queueUrl, t.deadLetterQueueUrl])];
    for (const c of candidates) {
        const r = regionOf(c);
        if (r) return r;
    }
    return undefined;
}

/** stdout of `pulumi stack output --json --stack <stack>`. */
export function pulumiStackOutputs(stack: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("pulumi", ["stack", "output", "--json", "--stack", stack], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (!err) return resolve(stdout);
            const code = (err as NodeJS.ErrnoException).code;
            reject(
                new Error(
                    code === "ENOENT"
                        ? "the pulumi CLI is not on PATH: install it, or pass the outputs with --outputs <file>"
                        : `\`pulumi stack output --json --stack ${stack}\` failed: ${(stderr || err.message).trim()}`,
                ),
            );
        });
    });
}

/** Where the outputs come from: a stack (`--stack`) or a file of that command's JSON (`--outputs`). */
export interface OutputsSource {
    stack?: string;
    outputs?: string;
}

/** How messages name the source: the file, or `stack <name>`. */
export const sourceName = (from: OutputsSource): string => from.outputs ?? `stack ${from.stack}`;

/**
 * The validated outputs of `from`. Throws an Error whose message is the whole story: the file
 * cannot be read, the text is not JSON, or the outputs are unusable (each problem named).
 */
export async function loadOutputs(
    from: OutputsSource,
    io: { readFile(path: string): string; stackOutputs(stack: string): Promise<string> },
): Promise<StackOutputs> {
    const source = sourceName(from);
    let text: string;
    if (from.outputs !== undefined) {
        try {
            text = io.readFile(from.outputs);
        } catch (e) {
            throw new Error(`cannot read ${from.outputs}: ${errorText(e)}`);
        }
    } else {
        text = await io.stackOutputs(from.stack!);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new Error(`the outputs of ${source} are not JSON (${errorText(e)})`);
    }
    try {
        return parseOutputs(json);
    } catch (e) {
        throw e instanceof OutputsError ? new Error(`${source}: ${e.message}`) : e;
    }
}

/**
 * The region to call AWS in: `--region`, else the region of the stack's resources, else
 * AWS_REGION / AWS_DEFAULT_REGION; a note when the stack's region overrides a different AWS_REGION.
 */
function stackRegion(
    explicit: string | undefined,
    outputs: StackOutputs,
    env: NodeJS.ProcessEnv,
): { region: string; note?: string } | { problem: string } {
    const fromOutputs = outputsRegion(outputs);
    const envRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    const region = explicit ?? fromOutputs ?? envRegion;
    if (!region) return { problem: "no AWS region: the outputs carry no ARN or queue URL with one; pass --region or set AWS_REGION" };
    const note =
        !explicit && fromOutputs && envRegion && envRegion !== fromOutputs
            ? `using ${fromOutputs}, the region of the stack's resources, not AWS_REGION ${envRegion} (pass --region to override)`
            : undefined;
    return { region, ...(note ? { note } : {}) };
}

/**
 * The deployed stack `verify` and `crawl` work on: its outputs (`--stack` or `--outputs`), the
 * tables asked for checked against them, and the region to call AWS in (`note` gets why, when the
 * stack's region overrides AWS_REGION). Throws `CommandError` (exit 2) naming what is wrong.
 */
export async function deployedStack(
    args: OutputsSource & { tables?: string[]; region?: string },
    io: Parameters<typeof loadOutputs>[1] & { env: NodeJS.ProcessEnv },
    note: (line: string) => void,
): Promise<{ outputs: StackOutputs; source: string; region: string }> {
    const source = sourceName(args);
    const outputs = await loadOutputs(args, io).catch((e: unknown) => {
        throw new CommandError(errorText(e), EXIT.usage);
    });
    const unknown = (args.tables ?? []).filter((t) => outputs.tables[t] === undefined);
    if (unknown.length > 0)
        throw new CommandError(
            `no table ${unknown.join(", ")} in the outputs of ${source} (tables: ${Object.keys(outputs.tables).join(", ")})`,
            EXIT.usage,
        );
    const where = stackRegion(args.region, outputs, io.env);
    if ("problem" in where) throw new CommandError(where.problem, EXIT.usage);
    if (where.note) note(where.note);
    return { outputs, source, region: where.region };
}
