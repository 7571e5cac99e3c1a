/**
 * The one place stack configuration is read and validated.
 *
 * `parseSettings` is pure: it takes the raw configuration (key → string, as the Pulumi engine
 * hands it to the program) and either returns typed `Settings` or throws a `ConfigError` that
 * lists every bad key with the form it expected, before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    AuditTrail, Encryption, PartitionGranularity, Settings, TableSpec, ColumnSpec, SnowflakeProviderSettings,
    naming, sql, SQS_MAX_RETENTION_DAYS, crawlTiming, EVENT_BATCH_LIMITS, SAFETY_NET_SCHEDULE,
} from "@incremental-crawl/components";
import { closest } from "./scripts/lib/suggest";

export const PROJECT = "incremental-crawl";

/**
 * Defaults of the project settings. `Pulumi.yaml` declares the same defaults (the CLI applies
 * those); a test keeps the two equal.
 */
export const DEFAULTS = {
    production: false,
    exportPrefix: "exports",
    encryption: "sse-s3" as Encryption,
    versioning: true,
    noncurrentVersionDays: 30,
    abortIncompleteUploadDays: 7,
    athenaResultsDays: 30,
    queueRetentionDays: 7,
    maxReceiveCount: 5,
    crawlBatchSize: 100,
    crawlBatchWindowSeconds: 300,
    safetyNetCrawl: false,
    glueDatabase: "lake",
    alertEmails: [] as string[],
    snowflakeDatabase: "LAKE_EXPORT",
    snowflakeSchema: "EXPORT",
    snowflakeWarehouse: "COMPUTE_WH",
    taskScheduleMinutes: 60,
    maxFileSizeMb: 64,
    auditTrail: "access-logs",
    accessLogDays: 365,
    replicaRegion: "",
};

/** Every project key: the defaults plus `tables`, which has no default. */
export const PROJECT_KEYS = [...Object.keys(DEFAULTS), "tables"] as const;

/** Settings the project no longer reads, and what replaced them. */
const RETIRED_KEYS: Record<string, string> = {
    crawlerSchedule: "no crawlerSchedule: crawls start when a table's objects arrive (crawlBatchSize, crawlBatchWindowSeconds); " +
        `for a daily crawl besides, set safetyNetCrawl: true (${SAFETY_NET_SCHEDULE})`,
};

/** Provider keys that would put a credential in the stack file. Credentials come from the environment. */
const CREDENTIAL_KEYS: Record<string, string> = {
    "snowflake:password": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "snowflake:privateKey": "SNOWFLAKE_PRIVATE_KEY",
    "snowflake:privateKeyPassphrase": "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
    "snowflake:token": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "snowflake:passcode": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "aws:accessKey": "AWS_PROFILE or AWS_ACCESS_KEY_ID",
    "aws:secretKey": "AWS_PROFILE or AWS_SECRET_ACCESS_KEY",
    "aws:token": "AWS_PROFILE or AWS_SESSION_TOKEN",
};

/** Non-secret Snowflake provider settings the program passes to its explicit provider. */
const SNOWFLAKE_PROVIDER_KEYS = ["organizationName", "accountName", "user", "role", "authenticator"] as const;


/**
 * SNS allows 200 filter policies per topic by default, one per table here
 * (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
 */
export const MAX_TABLES = 200;

const { partitionKey } = sql;

const TEMPORAL = /^(DATE|DATETIME|TIMESTAMP|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)(\(\d\))?$/;
const UNPARTITIONABLE = /^(VARIANT|OBJECT|ARRAY|GEOGRAPHY|BINARY|VARBINARY|FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)\b/;

/**
 * All the problems found in one configuration. A `pulumi.RunError`, so that `pulumi up` prints the
 * message alone, without a stack trace: the problems are the whole story.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

export interface ParseContext {
    project: string;
    stack: string;
}

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));

/** Collects problems as `key: expected ..., got ...`. */
class Problems {
    readonly list: string[] = [];
    add(key: string, expected: string, got: unknown): void {
        this.list.push(`${key}: expected ${expected}, got ${show(got)}`);
    }
}

/**
 * The expected form of an unknown key: the setting it most likely meant (edit distance), or the
 * list of every setting when none resembles it.
 */
function knownKey(what: string, key: string, known: readonly string[]): string {
    const near = closest(key, known);
    return near !== undefined ? `one of the ${what} (did you mean ${near}?)` : `one of the ${what} (${known.join(", ")})`;
}

function parseJson(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/**
 * Parses and validates the whole configuration. `raw` maps full keys (`incremental-crawl:tables`,
 * `aws:region`, ...) to the strings the engine passes (objects and arrays as JSON).
 */
export function parseSettings(raw: Record<string, string>, ctx: ParseContext): Settings {
    const p = new Problems();
    const ns = `${PROJECT}:`;
    const key = (k: string) => `${ns}${k}`;

    for (const k of Object.keys(raw).sort()) {
        if (k.startsWith(ns) && RETIRED_KEYS[k.slice(ns.length)] !== undefined) {
            p.add(k, RETIRED_KEYS[k.slice(ns.length)], raw[k]);
        } else if (k.startsWith(ns) && !(PROJECT_KEYS as readonly string[]).includes(k.slice(ns.length))) {
            p.add(k, knownKey("project settings", k.slice(ns.length), PROJECT_KEYS), "an unknown key");
        }
        if (CREDENTIAL_KEYS[k] !== undefined) {
            p.add(k, `no credential in stack configuration: remove it and set ${CREDENTIAL_KEYS[k]} in the environment of pulumi up`, "a value");
        }
    }
    if (naming.stackName(ctx.stack) !== undefined) p.add("stack name", naming.stackName(ctx.stack)!, ctx.stack);

    const has = (k: string) => Object.prototype.hasOwnProperty.call(raw, key(k));
    const str = (k: keyof typeof DEFAULTS, rule?: naming.Rule): string => {
        const v = has(k) ? raw[key(k)] : String(DEFAULTS[k]);
        const why = rule?.(v);
        if (why !== undefined) p.add(key(k), why, v);
        return v;
    };
    const bool = (k: keyof typeof DEFAULTS): boolean => {
        if (!has(k)) return DEFAULTS[k] as boolean;
        const v = raw[key(k)];
        if (v !== "true" && v !== "false") p.add(key(k), "true or false", parseJson(v));
        return v === "true";
    };
    const int = (k: keyof typeof DEFAULTS, min: number, max: number, why = ""): number => {
        if (!has(k)) return DEFAULTS[k] as number;
        const v = raw[key(k)];
        const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) p.add(key(k), `an integer from ${min} to ${max}${why}`, parseJson(v));
        return n;
    };
    const oneOf = <T extends string>(k: keyof typeof DEFAULTS, allowed: readonly T[]): T => {
        const v = has(k) ? raw[key(k)] : (DEFAULTS[k] as string);
        if (!(allowed as readonly string[]).includes(v)) p.add(key(k), `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, v);
        return v as T;
    };

    const region = raw["aws:region"];
    if (region === undefined || naming.awsRegion(region) !== undefined) {
        p.add("aws:region", "an AWS region such as eu-west-1 (pulumi config set aws:region ...)", region);
    }

    const production = bool("production");
    const exportPrefix = str("exportPrefix", naming.s3Prefix);
    const encryption = oneOf("encryption", ["sse-s3", "kms"] as const);
    const versioning = bool("versioning");
    // A production lake holds the only copy of rows Snowflake has since deleted: a typo must not
    // weaken it. The customer-managed key confines who can read the data and its events; versions
    // make an overwritten or deleted export recoverable.
    if (production && encryption === "sse-s3") {
        p.add(key("encryption"), `"kms" in a production stack (production: true keeps customer data; sse-s3 cannot confine who decrypts it)`, encryption);
    }
    if (production && has("versioning") && !versioning) {
        p.add(key("versioning"), "true in a production stack (a deleted or overwritten export must stay recoverable)", false);
    }
    const auditTrail = parseAuditTrail(has("auditTrail") ? raw[key("auditTrail")] : DEFAULTS.auditTrail, key("auditTrail"), p);
    // An audit trail of who read or deleted lake objects (CKV_AWS_18, FSBP S3.9): a production lake
    // holds customer data, so "none" is refused rather than silently accepted.
    if (production && auditTrail?.kind === "none") {
        p.add(key("auditTrail"), `"access-logs" or "cloudtrail:<trail ARN>" in a production stack (production: true keeps customer data; an audit trail must record who read or deleted it)`, "none");
    }
    // Access logs are kept this long in the log bucket (its own lifecycle rule).
    const accessLogDays = int("accessLogDays", 1, 3650);
    const replicaRegion = str("replicaRegion", (v) => (v === "" || naming.awsRegion(v) === undefined ? undefined : "an AWS region such as eu-central-1, or \"\" for no replica"));
    // Cross-region replication needs versioning on both buckets and a second region.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html
    if (replicaRegion !== "" && naming.awsRegion(replicaRegion) === undefined) {
        if (replicaRegion === region) p.add(key("replicaRegion"), `a region other than the lake's (aws:region is ${region}): a replica in the same region survives no regional loss`, replicaRegion);
        if (!versioning) p.add(key("replicaRegion"), "no replica while versioning is false (S3 replication needs versioning on both buckets)", replicaRegion);
    }
    if (production && replicaRegion === "") {
        p.add(key("replicaRegion"), "an AWS region for the recovery replica in a production stack (production: true keeps the only copy of rows Snowflake deleted; a delete must stay recoverable)", "");
    }
    // S3 lifecycle day counts must be positive integers.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
    const noncurrentVersionDays = int("noncurrentVersionDays", 1, 3650);
    const abortIncompleteUploadDays = int("abortIncompleteUploadDays", 1, 365);
    const athenaResultsDays = int("athenaResultsDays", 1, 3650);
    // SQS keeps messages at most 14 days (API_SetQueueAttributes), and a standard queue's message
    // keeps its first enqueue time in the DLQ, so the DLQ (14 days) must outlive the queue.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    const queueRetentionDays = int("queueRetentionDays", 1, SQS_MAX_RETENTION_DAYS - 1,
        ` (the dead-letter queue keeps ${SQS_MAX_RETENTION_DAYS} days, the SQS maximum, and must outlive the queue)`);
    const maxReceiveCount = int("maxReceiveCount", 1, 1000);
    const glueDatabase = str("glueDatabase", naming.glueName);
    const snowflakeDatabase = str("snowflakeDatabase", naming.snowflakeIdentifier);
    const snowflakeSchema = str("snowflakeSchema", naming.snowflakeIdentifier);
    const snowflakeWarehouse = str("snowflakeWarehouse", naming.snowflakeIdentifier);
    // Snowflake task schedules: 1 to 11520 minutes. https://docs.snowflake.com/en/sql-reference/sql/create-task
    const taskScheduleMinutes = int("taskScheduleMinutes", 1, 11520);
    // COPY INTO <location> MAX_FILE_SIZE: at most 5 GB for S3. https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
    const maxFileSizeMb = int("maxFileSizeMb", 1, 5120);

    // A table's crawl starts on arrival: the EVENT trigger's batching condition takes BatchSize 1-100
    // and BatchWindow 1-900 seconds. https://docs.aws.amazon.com/glue/latest/webapi/API_EventBatchingCondition.html
    const B = EVENT_BATCH_LIMITS;
    const crawlBatchSize = int("crawlBatchSize", B.minSize, B.maxSize,
        " (new objects that start a table's crawl at once: the Glue EVENT trigger's BatchSize)");
    const crawlBatchWindowSeconds = int("crawlBatchWindowSeconds", B.minWindowSeconds, B.maxWindowSeconds,
        " (seconds after a table's first new object that its crawl starts: the Glue EVENT trigger's BatchWindow)");
    const safetyNetCrawl = bool("safetyNetCrawl");
    const crawl = crawlTiming({ batchWindowSeconds: Number.isInteger(crawlBatchWindowSeconds) ? crawlBatchWindowSeconds : B.maxWindowSeconds, safetyNet: safetyNetCrawl });
    // An event whose crawl did not happen must not expire: the queue keeps events for two of the
    // longest intervals between crawls (the safety net's day, or a batch window plus a crawl).
    const neededDays = Math.ceil((2 * crawl.longestIntervalMinutes) / 1440);
    if (Number.isInteger(queueRetentionDays) && queueRetentionDays >= 1 && queueRetentionDays * 1440 < 2 * crawl.longestIntervalMinutes) {
        p.add(key("queueRetentionDays"), `at least twice the longest interval between crawls (${neededDays} day${neededDays === 1 ? "" : "s"} with safetyNetCrawl: ${safetyNetCrawl})`, queueRetentionDays);
    }

    const alertEmails = stringList(raw, key("alertEmails"), DEFAULTS.alertEmails, naming.email, p);
    const snowflakePreviewFeatures = stringList(raw, "snowflake:previewFeaturesEnabled", [], (v) =>
        /^snowflake_[a-z_]+_(resource|datasource)$/.test(v) ? undefined : "a preview feature name such as snowflake_table_resource", p);

    const snowflakeProvider: SnowflakeProviderSettings = {};
    for (const k of SNOWFLAKE_PROVIDER_KEYS) {
        const v = raw[`snowflake:${k}`];
        if (v === undefined) continue;
        if (!/^[A-Za-z0-9_.-]{1,255}$/.test(v)) p.add(`snowflake:${k}`, "a Snowflake name of letters, digits, _, . or -", v);
        else snowflakeProvider[k] = v;
    }

    const tables = parseTables(raw[key("tables")], key("tables"), p);

    if (p.list.length > 0) throw new ConfigError(p.list);
    return {
        project: ctx.project, stack: ctx.stack, production, awsRegion: region, exportPrefix, encryption,
        versioning, noncurrentVersionDays, abortIncompleteUploadDays, athenaResultsDays, queueRetentionDays,
        maxReceiveCount, crawlBatchSize, crawlBatchWindowSeconds, safetyNetCrawl, crawl, glueDatabase, alertEmails, snowflakeDatabase,
        snowflakeSchema, snowflakeWarehouse, taskScheduleMinutes, maxFileSizeMb, snowflakePreviewFeatures, snowflakeProvider, tables,
        auditTrail: auditTrail!, accessLogDays, replicaRegion: replicaRegion === "" ? undefined : replicaRegion,
    };
}

/**
 * A CloudTrail trail ARN: `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`, the name of
 * 3 to 128 ASCII letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit, no two
 * of `._-` side by side. https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 */
const TRAIL_ARN = /^arn:aws(-[a-z]+)*:cloudtrail:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:trail\/[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){1,126}[A-Za-z0-9]$/;

/** `access-logs`, `none` or `cloudtrail:<trail ARN>`. */
function parseAuditTrail(v: string, k: string, p: Problems): AuditTrail | undefined {
    if (v === "access-logs" || v === "none") return { kind: v };
    if (v.startsWith("cloudtrail:")) {
        const trailArn = v.slice("cloudtrail:".length);
        if (TRAIL_ARN.test(trailArn)) return { kind: "cloudtrail", trailArn };
        p.add(k, "cloudtrail: followed by a trail ARN such as arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail (a trail that records S3 data events for the lake bucket)", v);
        return undefined;
    }
    p.add(k, `one of "access-logs" (a log bucket of the stack's own), "cloudtrail:<trail ARN>" (an existing trail with S3 data events for the lake bucket) or "none"`, v);
    return undefined;
}

function stringList(raw: Record<string, string>, k: string, dflt: string[], rule: naming.Rule, p: Problems): string[] {
    if (raw[k] === undefined) return dflt;
    const v = parseJson(raw[k]);
    if (!Array.isArray(v)) {
        p.add(k, "a list", v);
        return [];
    }
    v.forEach((item, i) => {
        const why = typeof item === "string" ? rule(item) : "a string";
        if (why !== undefined) p.add(`${k}[${i}]`, why, item);
    });
    return v.filter((item): item is string => typeof item === "string");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const TABLE_KEYS = ["name", "columns", "partitionBy", "partitionGranularity", "source", "generation", "retentionDays"];
export const COLUMN_KEYS = ["name", "type", "nullable"];

function parseTables(text: string | undefined, k: string, p: Problems): TableSpec[] {
    const v = text === undefined ? undefined : parseJson(text);
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_TABLES) {
        p.add(k, `a list of 1 to ${MAX_TABLES} tables, each {name, columns, partitionBy}`, v);
        return [];
    }
    const seen = new Map<string, number>();
    return v.map((t, i): TableSpec | undefined => {
        const tk = `${k}[${i}]`;
        if (!isObject(t)) {
            p.add(tk, "a table {name, columns, partitionBy}", t);
            return undefined;
        }
        for (const extra of Object.keys(t).filter((x) => !TABLE_KEYS.includes(x))) {
            p.add(`${tk}.${extra}`, knownKey("table settings", extra, TABLE_KEYS), "an unknown key");
        }
        const name = t.name;
        const nameWhy = typeof name === "string" ? naming.snowflakeIdentifier(name) : "a string";
        if (nameWhy !== undefined) p.add(`${tk}.name`, nameWhy, name);
        else if (seen.has(name as string)) p.add(`${tk}.name`, `a name no other table has (tables[${seen.get(name as string)}] is ${name})`, name);
        else seen.set(name as string, i);

        const columns = parseColumns(t.columns, `${tk}.columns`, p);
        const partCol = columns.find((c) => c.name === t.partitionBy);
        if (typeof t.partitionBy !== "string" || !partCol) {
            p.add(`${tk}.partitionBy`, `a column name of the table (${columns.map((c) => c.name).join(", ") || "no valid columns"})`, t.partitionBy);
        } else if (UNPARTITIONABLE.test(partCol.type)) {
            p.add(`${tk}.partitionBy`, "a DATE, TIMESTAMP, text, number or boolean column", `${partCol.name} of type ${partCol.type}`);
        }
        const temporal = partCol !== undefined && TEMPORAL.test(partCol.type);
        const allowed: PartitionGranularity[] = !partCol ? ["day", "month", "hour", "value"]
            : temporal ? (partCol.type.startsWith("DATE") && !partCol.type.startsWith("DATETIME") ? ["day", "month"] : ["day", "month", "hour"])
                : ["value"];
        const granularity = (t.partitionGranularity ?? allowed[0]) as PartitionGranularity;
        if (!allowed.includes(granularity)) {
            p.add(`${tk}.partitionGranularity`, `one of ${allowed.map((a) => `"${a}"`).join(", ")} for a column of type ${partCol?.type}`, t.partitionGranularity);
        }
        const key = partitionKey({ partitionBy: String(t.partitionBy), partitionGranularity: granularity });
        const clash = columns.find((c) => c.name.toLowerCase() === key);
        if (clash) {
            p.add(`${tk}.columns`, `no column named ${key.toUpperCase()}: it is the table's partition key in S3 and Glue, and Athena refuses a column repeated as a partition key`, clash.name);
        }
        let source: string | undefined;
        if (t.source !== undefined) {
            const why = typeof t.source === "string" ? naming.snowflakeQualifiedName(t.source) : "a string";
            if (why !== undefined) p.add(`${tk}.source`, why, t.source);
            else source = t.source as string;
        }
        const generation = t.generation ?? 1;
        if (!Number.isInteger(generation) || (generation as number) < 1 || (generation as number) > 1_000_000) {
            p.add(`${tk}.generation`, "an integer from 1 to 1000000 (raise it to re-export the whole table)", t.generation);
        }
        // A table's optional retention: its objects (and their copies) expire that many days after
        // they are written. S3 lifecycle days are positive integers.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
        let retentionDays: number | undefined;
        if (t.retentionDays !== undefined) {
            if (!Number.isInteger(t.retentionDays) || (t.retentionDays as number) < 1 || (t.retentionDays as number) > 36500) {
                p.add(`${tk}.retentionDays`, "an integer from 1 to 36500 (days a table's exported objects are kept; leave it out to keep them)", t.retentionDays);
            } else retentionDays = t.retentionDays as number;
        }
        return { name: name as string, columns, partitionBy: t.partitionBy as string, partitionGranularity: granularity, source, generation: generation as number, ...(retentionDays !== undefined ? { retentionDays } : {}) };
    }).filter((t): t is TableSpec => t !== undefined);
}

function parseColumns(v: unknown, k: string, p: Problems): ColumnSpec[] {
    // Snowflake tables hold at most a few thousand columns; 1000 keeps the SELECT list readable.
    if (!Array.isArray(v) || v.length === 0 || v.length > 1000) {
        p.add(k, "a list of 1 to 1000 columns, each {name, type}", v);
        return [];
    }
    const names = new Set<string>();
    const columns: ColumnSpec[] = [];
    v.forEach((c, i) => {
        const ck = `${k}[${i}]`;
        if (!isObject(c)) {
            p.add(ck, "a column {name, type, nullable?}", c);
            return;
        }
        for (const extra of Object.keys(c).filter((x) => !COLUMN_KEYS.includes(x))) {
            p.add(`${ck}.${extra}`, knownKey("column settings", extra, COLUMN_KEYS), "an unknown key");
        }
        let ok = true;
        const nameWhy = typeof c.name === "string" ? naming.snowflakeColumn(c.name) : "a string";
        if (nameWhy !== undefined) {
            p.add(`${ck}.name`, nameWhy, c.name);
            ok = false;
        } else if (names.has(c.name as string)) {
            p.add(`${ck}.name`, "a name no other column of the table has", c.name);
            ok = false;
        }
        const type = typeof c.type === "string" ? c.type.trim().toUpperCase().replace(/\s*,\s*/g, ",") : c.type;
        // Bare TIMESTAMP is whatever the account's TIMESTAMP_TYPE_MAPPING says (NTZ by default, but
        // LTZ or TZ where set); the unload must know, since Parquet takes no zoned timestamps.
        // https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp
        const typeWhy = typeof type !== "string" ? "a string"
            : /^TIMESTAMP(\(\d\))?$/.test(type) ? "TIMESTAMP_NTZ, TIMESTAMP_LTZ or TIMESTAMP_TZ, not bare TIMESTAMP (it follows the account's TIMESTAMP_TYPE_MAPPING)"
                : naming.snowflakeType(type);
        if (typeWhy !== undefined) {
            p.add(`${ck}.type`, typeWhy, c.type);
            ok = false;
        }
        if (c.nullable !== undefined && typeof c.nullable !== "boolean") {
            p.add(`${ck}.nullable`, "true or false", c.nullable);
            ok = false;
        }
        if (ok) {
            names.add(c.name as string);
            columns.push({ name: c.name as string, type: type as string, nullable: c.nullable !== false });
        }
    });
    return columns;
}

/** Reads the running program's configuration and validates it. Throws `ConfigError`. */
export function loadSettings(): Settings {
    const all = pulumi.runtime.allConfig();
    return parseSettings(all, { project: pulumi.getProject(), stack: pulumi.getStack() });
}
