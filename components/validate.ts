/**
 * The one place the lake's arguments are checked. `validateLakeArgs` is pure: it takes
 * `IncrementalLakeArgs` as any caller may pass them (typed from TypeScript, untyped from YAML or
 * another language through the component provider) and returns either the settings with every
 * default applied, or every problem at once, each as `key: expected ..., got ...`.
 *
 * A program that reads its settings from stack configuration (the project's config.ts) names the
 * keys its own way through `keyName`, so a problem points at the line a user edits.
 */
import * as pulumi from "@pulumi/pulumi";
import { crawlTiming, EVENT_BATCH_LIMITS, SAFETY_NET_OFF, SAFETY_NET_SCHEDULE } from "./catalog/arrival";
import { parseCron } from "./cron";
import { ATHENA_RESULTS_PREFIX } from "./lake-context";
import { exportLayout } from "./lake/export-layout";
import { lakeBucketPolicy, ReaderLocations } from "./lake/policy-documents";
import { snowflakeAccessPolicy } from "./warehouse/policy-documents";
import { SQS_MAX_RETENTION_DAYS } from "./lake/consumer-queue";
import { checkTiers, parseTier, retentionCutsShort, STORAGE_CLASSES, StorageTier, TierContext, tierText } from "./lake/storage-tiers";
import {
    ARG_KEYS,
    COLUMN_KEYS,
    Encryption,
    IncrementalLakeArgs,
    LAKE_DEFAULTS,
    PartitionGranularity,
    SNOWFLAKE_CONNECTION_KEYS,
    SnowflakeConnection,
    SUBSCRIBER_KEYS,
    SubscribedBy,
    SubscriberProtocol,
    TABLE_KEYS,
} from "./lake-args";
import * as naming from "./naming";
import { closest } from "./suggest";
import { AuditTrail, ColumnSpec, LakeSettings, ReaderGrant, SubscriberSpec, TableSpec } from "./types";
import { partitionKey } from "./warehouse/sql";

const TEMPORAL = /^(DATE|DATETIME|TIMESTAMP|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)(\(\d\))?$/;
const UNPARTITIONABLE = /^(VARIANT|OBJECT|ARRAY|GEOGRAPHY|BINARY|VARBINARY|FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)\b/;

/**
 * All the problems found in one set of arguments. A `pulumi.RunError`, so that `pulumi up` prints
 * the message alone, without a stack trace: the problems are the whole story.
 */
export class LakeArgsError extends pulumi.RunError {
    constructor(
        readonly problems: string[],
        what = "IncrementalLake arguments",
    ) {
        super(`invalid ${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "LakeArgsError";
    }
}

export interface ValidateOptions {
    /**
     * How a problem names an argument, given its path (`tables[0].name`, `snowflakeConnection.user`).
     * Default: the path itself.
     */
    keyName?: (path: string) => string;
    /** The caller has answered unknown top-level keys itself (a stack file's reader does, in its own terms). */
    skipUnknown?: boolean;
    /** The component's name, checked too: it prefixes the names of what the component creates. */
    name?: string;
    /** The lake's AWS region when the caller knows it (a stack's aws:region): the replica must be elsewhere. */
    region?: string;
}

export type Validation = { ok: true; settings: LakeSettings } | { ok: false; problems: string[] };

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The expected form of an unknown key: the setting it most likely meant (edit distance), or the
 * list of every setting when none resembles it.
 */
export function knownKey(what: string, key: string, known: readonly string[]): string {
    const near = closest(key, known);
    return near !== undefined ? `one of the ${what} (did you mean ${near}?)` : `one of the ${what} (${known.join(", ")})`;
}

/** Collects problems as `key: expected ..., got ...`. */
class Problems {
    readonly list: string[] = [];
    constructor(private readonly name: (path: string) => string) {}
    add(path: string, expected: string, got: unknown): void {
        this.list.push(`${this.name(path)}: expected ${expected}, got ${show(got)}`);
    }
}

/** Checks every argument; never throws. */
export function validateLakeArgs(input: IncrementalLakeArgs | Record<string, unknown>, opts: ValidateOptions = {}): Validation {
    const p = new Problems(opts.keyName ?? ((k) => k));
    const args: Record<string, unknown> = isObject(input) ? input : {};
    if (!isObject(input)) p.add("args", "an object of IncrementalLake arguments", input);
    if (opts.name !== undefined && naming.componentName(opts.name) !== undefined)
        p.add("name", naming.componentName(opts.name)!, opts.name);
    if (!opts.skipUnknown) {
        for (const k of Object.keys(args)
            .filter((x) => !(ARG_KEYS as readonly string[]).includes(x))
            .sort()) {
            p.add(k, knownKey("IncrementalLake arguments", k, ARG_KEYS), "an unknown key");
        }
    }

    type Key = keyof typeof LAKE_DEFAULTS;
    const given = (k: string) => args[k] !== undefined;
    const str = (k: Key, rule?: naming.Rule): string => {
        const v = given(k) ? args[k] : LAKE_DEFAULTS[k];
        const why = typeof v === "string" ? rule?.(v) : "a string";
        if (why !== undefined) p.add(k, why, v);
        return v as string;
    };
    const bool = (k: Key): boolean => {
        const v = given(k) ? args[k] : LAKE_DEFAULTS[k];
        if (typeof v !== "boolean") p.add(k, "true or false", v);
        return v === true;
    };
    const int = (k: Key, min: number, max: number, why = ""): number => {
        const v = given(k) ? args[k] : LAKE_DEFAULTS[k];
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) p.add(k, `an integer from ${min} to ${max}${why}`, v);
        return typeof v === "number" ? v : NaN;
    };
    const oneOf = <T extends string>(k: Key, allowed: readonly T[]): T => {
        const v = given(k) ? args[k] : LAKE_DEFAULTS[k];
        if (!(allowed as readonly unknown[]).includes(v)) p.add(k, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, v);
        return v as T;
    };

    const production = bool("production");
    const exportPrefix = str("exportPrefix", naming.s3Prefix);
    // Athena's query results expire after athenaResultsDays (lake/lifecycle-rules.ts): exports under
    // that prefix would expire with them.
    if (exportPrefix === ATHENA_RESULTS_PREFIX || exportPrefix?.startsWith?.(`${ATHENA_RESULTS_PREFIX}/`)) {
        p.add(
            "exportPrefix",
            `an S3 prefix outside "${ATHENA_RESULTS_PREFIX}/", whose Athena query results expire after athenaResultsDays`,
            exportPrefix,
        );
    }
    const encryption = oneOf("encryption", Object.values(Encryption));
    const versioning = bool("versioning");
    // A production lake holds the only copy of rows Snowflake has since deleted: a typo must not
    // weaken it. The customer-managed key confines who can read the data and its events; versions
    // make an overwritten or deleted export recoverable.
    if (production && encryption === Encryption.SseS3) {
        p.add(
            "encryption",
            `"kms" in a production stack (production: true keeps customer data; sse-s3 cannot confine who decrypts it)`,
            encryption,
        );
    }
    if (production && given("versioning") && !versioning) {
        p.add("versioning", "true in a production stack (a deleted or overwritten export must stay recoverable)", false);
    }
    // Data Catalog encryption is one setting for the whole account and region, under the lake key:
    // every catalog user of the account then needs that key, and the key must outlive the stack
    // (only a production stack retains it). https://docs.aws.amazon.com/glue/latest/dg/encrypt-glue-data-catalog.html
    const glueCatalogEncryption = bool("glueCatalogEncryption");
    if (glueCatalogEncryption && (encryption !== Encryption.Kms || !production)) {
        p.add(
            "glueCatalogEncryption",
            `false unless the stack is production with encryption "kms" (it encrypts the account's whole Data Catalog in this region with the lake key, which only a production stack keeps on destroy)`,
            true,
        );
    }
    const kmsKeyArn = args.kmsKeyArn as pulumi.Input<string> | undefined;
    if (kmsKeyArn !== undefined) {
        if (encryption !== Encryption.Kms)
            p.add("kmsKeyArn", `no key unless encryption is "kms"`, typeof kmsKeyArn === "string" ? kmsKeyArn : "a key");
        // A value known now is checked now; an Output (a key of another resource) is an ARN by construction.
        else if (typeof kmsKeyArn === "string" && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(kmsKeyArn)) {
            p.add(
                "kmsKeyArn",
                "the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>; an alias cannot be used in key policies and grants)",
                kmsKeyArn,
            );
        } else if (typeof kmsKeyArn === "string" && opts.region !== undefined) {
            // S3 and CloudWatch Logs use only keys of their own region ("You can use only KMS keys
            // that are available in the same AWS Region as the bucket",
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html).
            const [, partition, , region] = kmsKeyArn.split(":");
            if (region !== opts.region || partition !== naming.partitionOf(opts.region))
                p.add("kmsKeyArn", `a key of the lake's region (arn:${naming.partitionOf(opts.region)}:kms:${opts.region}:...)`, kmsKeyArn);
        }
    }
    const auditTrail = parseAuditTrail(given("auditTrail") ? args.auditTrail : LAKE_DEFAULTS.auditTrail, p);
    // An audit trail of who read or deleted lake objects (CKV_AWS_18, FSBP S3.9): a production lake
    // holds customer data, so "none" is refused rather than silently accepted.
    if (production && auditTrail?.kind === "none") {
        p.add(
            "auditTrail",
            `"access-logs" or "cloudtrail:<trail ARN>" in a production stack (production: true keeps customer data; an audit trail must record who read or deleted it)`,
            "none",
        );
    }
    // Access logs are kept this long in the log bucket (its own lifecycle rule).
    const accessLogDays = int("accessLogDays", 1, 3650);
    const replicaRegion = str("replicaRegion", (v) =>
        v === "" || naming.awsRegion(v) === undefined ? undefined : 'an AWS region such as eu-central-1, or "" for no replica',
    );
    // Cross-region replication needs versioning on both buckets and a second region.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html
    if (typeof replicaRegion === "string" && replicaRegion !== "" && naming.awsRegion(replicaRegion) === undefined) {
        if (replicaRegion === opts.region)
            p.add(
                "replicaRegion",
                `a region other than the lake's (aws:region is ${opts.region}): a replica in the same region survives no regional loss`,
                replicaRegion,
            );
        if (!versioning)
            p.add("replicaRegion", "no replica while versioning is false (S3 replication needs versioning on both buckets)", replicaRegion);
        if (opts.region !== undefined && naming.partitionOf(replicaRegion) !== naming.partitionOf(opts.region))
            p.add(
                "replicaRegion",
                `a region of the lake's partition (${naming.partitionOf(opts.region)}): S3 replicates only within a partition`,
                replicaRegion,
            );
    }
    if (production && replicaRegion === "") {
        p.add(
            "replicaRegion",
            "an AWS region for the recovery replica in a production stack (production: true keeps the only copy of rows Snowflake deleted; a delete must stay recoverable)",
            "",
        );
    }
    // S3 lifecycle day counts must be positive integers.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
    const noncurrentVersionDays = int("noncurrentVersionDays", 1, 3650);
    const storageTiers = tierList(
        given("storageTiers") ? args.storageTiers : LAKE_DEFAULTS.storageTiers,
        "storageTiers",
        { scope: "lake" },
        p,
    );
    const abortIncompleteUploadDays = int("abortIncompleteUploadDays", 1, 365);
    const athenaResultsDays = int("athenaResultsDays", 1, 3650);
    // SQS keeps messages at most 14 days (API_SetQueueAttributes), and a standard queue's message
    // keeps its first enqueue time in the DLQ, so the DLQ (14 days) must outlive the queue.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    const queueRetentionDays = int(
        "queueRetentionDays",
        1,
        SQS_MAX_RETENTION_DAYS - 1,
        ` (the dead-letter queue keeps ${SQS_MAX_RETENTION_DAYS} days, the SQS maximum, and must outlive the queue)`,
    );
    const maxReceiveCount = int("maxReceiveCount", 1, 1000);
    const glueDatabase = str("glueDatabase", naming.glueName);
    const snowflakeDatabase = str("snowflakeDatabase", naming.snowflakeObject);
    const snowflakeSchema = str("snowflakeSchema", naming.snowflakeObject);
    const snowflakeWarehouse = str("snowflakeWarehouse", naming.snowflakeObject);
    // Snowflake task schedules: 1 to 11520 minutes. https://docs.snowflake.com/en/sql-reference/sql/create-task
    const taskScheduleMinutes = int("taskScheduleMinutes", 1, 11520);
    // USER_TASK_TIMEOUT_MS takes 0 to 604800000 (7 days); 0 would mean the account's maximum, so at
    // least a minute. https://docs.snowflake.com/en/sql-reference/sql/create-task
    const taskTimeoutMinutes = int(
        "taskTimeoutMinutes",
        1,
        10080,
        " (minutes a task run may take before Snowflake cancels it: USER_TASK_TIMEOUT_MS, at most 7 days)",
    );
    // COPY INTO <location> MAX_FILE_SIZE: at most 5 GB for S3. https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
    const maxFileSizeMb = int("maxFileSizeMb", 1, 5120);

    // A table's crawl starts on arrival: the EVENT trigger's batching condition takes BatchSize 1-100
    // and BatchWindow 1-900 seconds. https://docs.aws.amazon.com/glue/latest/webapi/API_EventBatchingCondition.html
    const B = EVENT_BATCH_LIMITS;
    const crawlBatchSize = int(
        "crawlBatchSize",
        B.minSize,
        B.maxSize,
        " (new objects that start a table's crawl at once: the Glue EVENT trigger's BatchSize)",
    );
    const crawlBatchWindowSeconds = int(
        "crawlBatchWindowSeconds",
        B.minWindowSeconds,
        B.maxWindowSeconds,
        " (seconds after a table's first new object that its crawl starts: the Glue EVENT trigger's BatchWindow)",
    );
    // The fallback crawl: Glue does not guarantee delivery of EventBridge events to a workflow, and
    // a batch that closes while its crawler runs starts nothing
    // (https://docs.aws.amazon.com/glue/latest/dg/starting-workflow-eventbridge.html); those events
    // wait in the queue for a crawl. Every stack has one unless it acknowledges going without.
    // (A stack file always passes safetyNetCrawl: the project declares its default.)
    const netWanted = bool("safetyNetCrawl");
    const schedule = str("safetyNetSchedule");
    let safetyNetSchedule: string | undefined;
    if (typeof schedule === "string" && schedule.trim() !== SAFETY_NET_OFF) {
        if (!netWanted && typeof args.safetyNetCrawl === "boolean") {
            p.add(
                "safetyNetCrawl",
                `true unless safetyNetSchedule is "${SAFETY_NET_OFF}" (every stack that crawls on arrival has a fallback crawl; switching it off is ` +
                    "an explicit acknowledgement that events whose crawl did not start wait for the table's next arrival and expire after queueRetentionDays)",
                false,
            );
        }
        try {
            parseCron(schedule);
            safetyNetSchedule = schedule.trim();
        } catch (e) {
            p.add(
                "safetyNetSchedule",
                `a Glue cron expression such as ${SAFETY_NET_SCHEDULE} (${(e as Error).message}), or "${SAFETY_NET_OFF}" to crawl on arrival only`,
                schedule,
            );
        }
    }
    const safetyNetCrawl = safetyNetSchedule !== undefined;
    const crawl = crawlTiming({
        batchWindowSeconds: Number.isInteger(crawlBatchWindowSeconds) ? crawlBatchWindowSeconds : B.maxWindowSeconds,
        safetyNetSchedule,
    });
    // An event whose crawl did not happen must not expire: the queue keeps events for two of the
    // longest intervals between crawls (the safety net's longest gap, or a batch window plus a crawl).
    const neededDays = Math.ceil((2 * crawl.longestIntervalMinutes) / 1440);
    if (Number.isInteger(queueRetentionDays) && queueRetentionDays >= 1 && queueRetentionDays * 1440 < 2 * crawl.longestIntervalMinutes) {
        p.add(
            "queueRetentionDays",
            `at least twice the longest interval between crawls (${neededDays} day${neededDays === 1 ? "" : "s"} ` +
                `${safetyNetSchedule !== undefined ? `with safetyNetSchedule ${safetyNetSchedule}), or a safetyNetSchedule with shorter gaps` : "crawling on arrival only)"}`,
            queueRetentionDays,
        );
    }

    const alertEmails = stringList(args.alertEmails, "alertEmails", LAKE_DEFAULTS.alertEmails, naming.email, p);
    const snowflakePreviewFeatures = stringList(
        args.snowflakePreviewFeatures,
        "snowflakePreviewFeatures",
        [],
        (v) =>
            /^snowflake_[a-z_]+_(resource|datasource)$/.test(v) ? undefined : "a preview feature name such as snowflake_table_resource",
        p,
    );
    const snowflakeConnection = connection(args.snowflakeConnection, p);
    // Every table's queue and every further subscriber holds one SNS filter policy on the lake topic.
    const maxFilterPolicies = int(
        "maxFilterPolicies",
        1,
        10_000,
        " (SNS filter policies on the lake topic: 200 by default, an adjustable quota; raise it only after AWS raised yours)",
    );
    const tableLimit = Number.isInteger(maxFilterPolicies) && maxFilterPolicies >= 1 ? maxFilterPolicies : LAKE_DEFAULTS.maxFilterPolicies;
    // A table's tiers are weighed against its retention: an expired object of a versioned bucket
    // stays, noncurrent, noncurrentVersionDays more in its class.
    const tables = parseTables(args.tables, "tables", p, tableLimit, {
        lake: storageTiers,
        noncurrentDays: versioning && Number.isInteger(noncurrentVersionDays) ? noncurrentVersionDays : 0,
    });
    const subscriberCount = tables.reduce((n, t) => n + (t.subscribers?.length ?? 0), 0);
    if (Array.isArray(args.tables) && tables.length + subscriberCount > tableLimit && tables.length <= tableLimit) {
        p.add(
            "tables",
            `at most maxFilterPolicies (${tableLimit}) SNS filter policies on the lake topic, one per table and one per subscriber ` +
                "(SNS allows 200 per topic by default, an adjustable quota: after AWS raised it, raise maxFilterPolicies)",
            `${tables.length} tables and ${subscriberCount} subscribers, ${tables.length + subscriberCount} filter policies`,
        );
    }
    checkSubscribersOnce(tables, p);
    const readers = parseReaders(
        given("readers") ? args.readers : LAKE_DEFAULTS.readers,
        tables.map((t) => t.name),
        p,
    );
    const glueCatalogResourcePolicy = bool("glueCatalogResourcePolicy");
    // A reader of an encrypted Data Catalog needs the lake key as every catalog client does:
    // kms:GenerateDataKey, kms:Decrypt and kms:Encrypt ("Any client that accesses or writes to an
    // encrypted catalog", https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html), and no
    // AWS document narrows what Glue asks of the key for a read to a form a key policy could confine
    // to Glue. More than decrypting through S3: the combination is refused.
    if (glueCatalogResourcePolicy && glueCatalogEncryption) {
        p.add(
            "glueCatalogResourcePolicy",
            "false while glueCatalogEncryption is true (a reader of an encrypted Data Catalog would need the lake key for Glue as any catalog client does: kms:Decrypt, kms:Encrypt and kms:GenerateDataKey, more than decrypting the exports through S3)",
            true,
        );
    }

    if (p.list.length === 0) checkPolicySizes({ tables, readers, exportPrefix, encryption, snowflakeDatabase, snowflakeSchema }, opts, p);
    if (p.list.length > 0) return { ok: false, problems: p.list };
    return {
        ok: true,
        settings: {
            production,
            exportPrefix,
            encryption,
            kmsKeyArn,
            glueCatalogEncryption,
            versioning,
            storageTiers: storageTiers ?? [],
            noncurrentVersionDays,
            abortIncompleteUploadDays,
            athenaResultsDays,
            queueRetentionDays,
            maxReceiveCount,
            crawlBatchSize,
            crawlBatchWindowSeconds,
            safetyNetCrawl,
            safetyNetSchedule,
            crawl,
            glueDatabase,
            alertEmails,
            snowflakeDatabase,
            snowflakeSchema,
            snowflakeWarehouse,
            taskScheduleMinutes,
            taskTimeoutMinutes,
            maxFileSizeMb,
            snowflakePreviewFeatures,
            snowflakeConnection,
            tables,
            auditTrail: auditTrail!,
            accessLogDays,
            replicaRegion: replicaRegion === "" ? undefined : replicaRegion,
            readers,
            glueCatalogResourcePolicy,
            maxFilterPolicies,
        },
    };
}

/** The settings of valid arguments; throws `LakeArgsError` listing every problem otherwise. */
export function resolveLakeArgs(args: IncrementalLakeArgs, opts: ValidateOptions = {}): LakeSettings {
    const v = validateLakeArgs(args, opts);
    if (!v.ok) throw new LakeArgsError(v.problems);
    return v.settings;
}

/**
 * A CloudTrail trail ARN: `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`, the name of
 * 3 to 128 ASCII letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit, no two
 * of `._-` side by side. https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 */
const TRAIL_ARN =
    /^arn:aws(-[a-z]+)*:cloudtrail:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:trail\/[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){1,126}[A-Za-z0-9]$/;

/** `access-logs`, `none` or `cloudtrail:<trail ARN>`. */
function parseAuditTrail(v: unknown, p: Problems): AuditTrail | undefined {
    if (v === "access-logs" || v === "none") return { kind: v };
    if (typeof v === "string" && v.startsWith("cloudtrail:")) {
        const trailArn = v.slice("cloudtrail:".length);
        if (TRAIL_ARN.test(trailArn)) return { kind: "cloudtrail", trailArn };
        p.add(
            "auditTrail",
            "cloudtrail: followed by a trail ARN such as arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail (a trail that records S3 data events for the lake bucket)",
            v,
        );
        return undefined;
    }
    p.add(
        "auditTrail",
        `one of "access-logs" (a log bucket of the stack's own), "cloudtrail:<trail ARN>" (an existing trail with S3 data events for the lake bucket) or "none"`,
        v,
    );
    return undefined;
}

/**
 * A list of storage tiers (`["STANDARD_IA:30", "GLACIER_IR:120"]`), each parsed and the list
 * checked as a whole (storage-tiers.ts); undefined when it has a problem. A problem of the
 * list as a whole (an archived table without an archive tier) is the caller's to name.
 */
function tierList(v: unknown, k: string, ctx: TierContext, p: Problems, whole?: (expected: string) => void): StorageTier[] | undefined {
    if (!Array.isArray(v)) {
        p.add(k, "a list of storage tiers, each CLASS:DAYS such as STANDARD_IA:30", v);
        return undefined;
    }
    const tiers: StorageTier[] = [];
    v.forEach((item, i) => {
        const t = parseTier(item);
        if (typeof t === "string") p.add(`${k}[${i}]`, t, item);
        else tiers.push(t);
    });
    if (tiers.length !== v.length) return undefined;
    const problems = checkTiers(tiers, ctx);
    for (const problem of problems) {
        if (problem.index !== undefined) p.add(`${k}[${problem.index}]`, problem.expected, v[problem.index]);
        else whole?.(problem.expected);
    }
    // A list with problems is not weighed against retentions as well: one problem per mistake.
    return problems.length === 0 ? tiers : undefined;
}

function stringList(v: unknown, k: string, dflt: string[], rule: naming.Rule, p: Problems): string[] {
    if (v === undefined) return dflt;
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

function connection(v: unknown, p: Problems): SnowflakeConnection {
    const out: SnowflakeConnection = {};
    if (v === undefined) return out;
    if (!isObject(v)) {
        p.add("snowflakeConnection", `an object of ${SNOWFLAKE_CONNECTION_KEYS.join(", ")}`, v);
        return out;
    }
    for (const k of Object.keys(v)) {
        const value = v[k];
        if (!(SNOWFLAKE_CONNECTION_KEYS as readonly string[]).includes(k)) {
            p.add(
                `snowflakeConnection.${k}`,
                knownKey("Snowflake connection settings (credentials come from the environment)", k, SNOWFLAKE_CONNECTION_KEYS),
                "an unknown key",
            );
        } else if (value === undefined) {
            continue;
        } else if (typeof value !== "string" || !(k === "user" ? /^[^\p{Cc}]{1,255}$/u : /^[A-Za-z0-9_.-]{1,255}$/).test(value)) {
            // A login name "can be any string, including spaces and non-alphanumeric characters"
            // (jane.doe@example.com): https://docs.snowflake.com/en/sql-reference/sql/create-user
            const form =
                k === "user"
                    ? "a Snowflake login name: 1 to 255 characters, no control characters"
                    : "a Snowflake name of letters, digits, _, . or -";
            p.add(`snowflakeConnection.${k}`, form, value);
        } else if (k === "authenticator" && value.toUpperCase() !== "SNOWFLAKE_JWT") {
            // The backfill and verify sign in with the key pair only (SNOWFLAKE_PRIVATE_KEY); the provider
            // reads the value case-insensitively (terraform-provider-snowflake v1.2.1 pkg/sdk/config.go ToAuthenticatorType).
            p.add(
                `snowflakeConnection.${k}`,
                `"SNOWFLAKE_JWT" (key-pair auth, the one the unload command and verify use, with SNOWFLAKE_PRIVATE_KEY), or no value`,
                value,
            );
        } else {
            out[k as keyof SnowflakeConnection] = value;
        }
    }
    return out;
}

/** What a table's storage tiers are checked with: the lake's default, and how long expired objects linger. */
interface TableTierContext {
    /** The lake-wide tiers; undefined when they are invalid (their problems are reported already). */
    lake: StorageTier[] | undefined;
    /** Days an expired object stays as a noncurrent version (0 without versioning). */
    noncurrentDays: number;
}

function parseTables(v: unknown, k: string, p: Problems, maxTables: number, tierContext: TableTierContext): TableSpec[] {
    if (!Array.isArray(v) || v.length === 0 || v.length > maxTables) {
        p.add(
            k,
            `a list of 1 to ${maxTables} tables, each {name, columns, partitionBy} (at most maxFilterPolicies: one SNS filter policy each)`,
            v,
        );
        return [];
    }
    const seen = new Map<string, number>();
    return v
        .map((t, i): TableSpec | undefined => {
            const tk = `${k}[${i}]`;
            if (!isObject(t)) {
                p.add(tk, "a table {name, columns, partitionBy}", t);
                return undefined;
            }
            for (const extra of Object.keys(t).filter((x) => !(TABLE_KEYS as readonly string[]).includes(x))) {
                p.add(`${tk}.${extra}`, knownKey("table settings", extra, TABLE_KEYS), "an unknown key");
            }
            const name = t.name;
            const nameWhy = typeof name === "string" ? naming.snowflakeIdentifier(name) : "a string";
            if (nameWhy !== undefined) p.add(`${tk}.name`, nameWhy, name);
            else if (seen.has(name as string))
                p.add(`${tk}.name`, `a name no other table has (tables[${seen.get(name as string)}] is ${name})`, name);
            else seen.set(name as string, i);

            const columns = parseColumns(t.columns, `${tk}.columns`, p);
            const partCol = columns.find((c) => c.name === t.partitionBy);
            if (typeof t.partitionBy !== "string" || !partCol) {
                p.add(
                    `${tk}.partitionBy`,
                    `a column name of the table (${columns.map((c) => c.name).join(", ") || "no valid columns"})`,
                    t.partitionBy,
                );
            } else if (UNPARTITIONABLE.test(partCol.type)) {
                p.add(`${tk}.partitionBy`, "a DATE, TIMESTAMP, text, number or boolean column", `${partCol.name} of type ${partCol.type}`);
            }
            const temporal = partCol !== undefined && TEMPORAL.test(partCol.type);
            const G = PartitionGranularity;
            const allowed: PartitionGranularity[] = !partCol
                ? Object.values(G)
                : temporal
                  ? partCol.type.startsWith("DATE") && !partCol.type.startsWith("DATETIME")
                      ? [G.Day, G.Month]
                      : [G.Day, G.Month, G.Hour]
                  : [G.Value];
            const granularity = (t.partitionGranularity ?? allowed[0]) as PartitionGranularity;
            if (!allowed.includes(granularity)) {
                p.add(
                    `${tk}.partitionGranularity`,
                    `one of ${allowed.map((a) => `"${a}"`).join(", ")} for a column of type ${partCol?.type}`,
                    t.partitionGranularity,
                );
            }
            const key = partitionKey({ partitionBy: String(t.partitionBy), partitionGranularity: granularity });
            const clash = columns.find((c) => c.name.toLowerCase() === key);
            if (clash) {
                p.add(
                    `${tk}.columns`,
                    `no column named ${key.toUpperCase()}: it is the table's partition key in S3 and Glue, and Athena refuses a column repeated as a partition key`,
                    clash.name,
                );
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
                    p.add(
                        `${tk}.retentionDays`,
                        "an integer from 1 to 36500 (days a table's exported objects are kept; leave it out to keep them)",
                        t.retentionDays,
                    );
                } else retentionDays = t.retentionDays as number;
            }
            const tiers = tableTiers(t, tk, retentionDays, tierContext, p);
            const subscribers = parseSubscribers(t.subscribers, `${tk}.subscribers`, p);
            return {
                name: name as string,
                columns,
                partitionBy: t.partitionBy as string,
                partitionGranularity: granularity,
                source,
                generation: generation as number,
                ...(retentionDays !== undefined ? { retentionDays } : {}),
                ...(tiers.storageTiers.length > 0 ? { storageTiers: tiers.storageTiers } : {}),
                ...(tiers.archived ? { archived: true } : {}),
                ...(subscribers.length > 0 ? { subscribers } : {}),
            };
        })
        .filter((t): t is TableSpec => t !== undefined);
}

/**
 * A table's storage tiers: its own (`storageTiers`, `[]` for none), else the lake's; `archived`
 * allows the classes Athena skips. The tiers are weighed against the table's retention: a tier the
 * expiry makes unreachable, or cuts shorter than its class's minimum storage duration (billed in
 * full all the same), is refused rather than warned about: it costs more than it saves, on every
 * object, for as long as the stack runs, and nothing at deploy time would show a warning again.
 */
function tableTiers(
    t: Record<string, unknown>,
    tk: string,
    retentionDays: number | undefined,
    ctx: TableTierContext,
    p: Problems,
): { storageTiers: StorageTier[]; archived: boolean } {
    let archived = false;
    if (t.archived !== undefined) {
        if (typeof t.archived !== "boolean") p.add(`${tk}.archived`, "true or false", t.archived);
        else archived = t.archived;
    }
    const own = t.storageTiers !== undefined;
    if (archived && !own) {
        p.add(
            `${tk}.archived`,
            "false unless the table has storageTiers of its own with a GLACIER or DEEP_ARCHIVE tier (the lake's storageTiers never archive)",
            true,
        );
    }
    const tiers = own
        ? tierList(t.storageTiers, `${tk}.storageTiers`, { scope: "table", archived }, p, (expected) =>
              p.add(`${tk}.archived`, expected, true),
          )
        : ctx.lake;
    if (tiers === undefined) return { storageTiers: [], archived };
    if (retentionDays !== undefined) {
        const cut = retentionCutsShort(tiers, { days: retentionDays, noncurrentDays: ctx.noncurrentDays });
        if (cut) {
            const cls = STORAGE_CLASSES[cut.tier.storageClass];
            const linger = ctx.noncurrentDays > 0 ? ` (and ${ctx.noncurrentDays} more as noncurrent versions)` : "";
            const why =
                cut.tier.days >= retentionDays
                    ? `its objects expire at ${retentionDays} days, before they move to ${cut.tier.storageClass} at ${cut.tier.days}`
                    : `its objects would stay ${retentionDays - cut.tier.days} days${linger} in ${cut.tier.storageClass}, less than its minimum storage duration of ${cls.minStorageDays} days, which S3 bills in full`;
            if (own) {
                p.add(
                    `${tk}.storageTiers[${cut.index}]`,
                    `a tier the table's retentionDays (${retentionDays}) does not cut short: ${why}; move it earlier, drop it, or keep the objects at least ${cut.neededDays} days`,
                    tierText(cut.tier),
                );
            } else {
                p.add(
                    `${tk}.retentionDays`,
                    `at least ${cut.neededDays} days for the lake's storageTiers[${cut.index}] (${tierText(cut.tier)}): ${why}; or give the table storageTiers of its own ([] for none)`,
                    retentionDays,
                );
            }
        }
    }
    return { storageTiers: tiers, archived };
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
        for (const extra of Object.keys(c).filter((x) => !(COLUMN_KEYS as readonly string[]).includes(x))) {
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
        const type =
            typeof c.type === "string"
                ? c.type
                      .trim()
                      .toUpperCase()
                      .replace(/\s*,\s*/g, ",")
                : c.type;
        // Bare TIMESTAMP is whatever the account's TIMESTAMP_TYPE_MAPPING says (NTZ by default, but
        // LTZ or TZ where set); the unload must know, since Parquet takes no zoned timestamps.
        // https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp
        const typeWhy =
            typeof type !== "string"
                ? "a string"
                : /^TIMESTAMP(\(\d\))?$/.test(type)
                  ? "TIMESTAMP_NTZ, TIMESTAMP_LTZ or TIMESTAMP_TZ, not bare TIMESTAMP (it follows the account's TIMESTAMP_TYPE_MAPPING)"
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

/**
 * `readers`: `<account>` (every table) or `<account>:<TABLE>` (one table of `tables`), each grant
 * once. Whether an account is the lake's own is known only at deploy time (`sharingProblems`).
 */
function parseReaders(v: unknown, tableNames: string[], p: Problems): ReaderGrant[] {
    if (!Array.isArray(v)) {
        p.add("readers", 'a list of readers, each "<account id>" (every table) or "<account id>:<TABLE>"', v);
        return [];
    }
    const out: ReaderGrant[] = [];
    const seen = new Map<string, { whole?: string; tables: Map<string, string> }>();
    v.forEach((item, i) => {
        const path = `readers[${i}]`;
        if (typeof item !== "string") {
            p.add(
                path,
                'a reader as a string: "<account id>" or "<account id>:<TABLE>" (quote an account id in YAML, or it becomes a number)',
                item,
            );
            return;
        }
        const [account, table, ...rest] = item.split(":");
        if (!naming.ACCOUNT_ID.test(account) || rest.length > 0) {
            p.add(
                path,
                'an AWS account id of 12 digits, alone (every table) or followed by :<TABLE> (one table), e.g. "444455556666" or "444455556666:ORDERS"',
                item,
            );
            return;
        }
        if (table !== undefined && !tableNames.includes(table)) {
            const near = closest(table, tableNames);
            p.add(
                path,
                `${account}:<TABLE> with a table of tables (${tableNames.join(", ") || "none valid"})${near ? ` (did you mean ${account}:${near}?)` : ""}`,
                item,
            );
            return;
        }
        const known = seen.get(account) ?? { tables: new Map<string, string>() };
        const earlier =
            known.whole !== undefined
                ? `${known.whole} lets ${account} read every table`
                : table === undefined && known.tables.size > 0
                  ? `${[...known.tables.values()][0]} names ${account} for a table`
                  : table !== undefined && known.tables.has(table)
                    ? `${known.tables.get(table)} lets ${account} read ${table}`
                    : undefined;
        if (earlier !== undefined) {
            p.add(path, `each reader once (${earlier}): an account alone for every table, or with each of its tables once`, item);
            return;
        }
        if (table === undefined) known.whole = path;
        else known.tables.set(table, path);
        seen.set(account, known);
        out.push({ account, ...(table !== undefined ? { table } : {}), path });
    });
    return out;
}

/** A subscriber's endpoint: the account of its ARN, or why it is refused. */
function endpointOf(protocol: SubscriberProtocol, endpoint: string): { account?: string } | { why: string } {
    if (protocol === SubscriberProtocol.Sqs) {
        const m = naming.SQS_QUEUE_ARN.exec(endpoint);
        return m ? { account: m[2] } : { why: "the ARN of an SQS queue, arn:aws:sqs:<region>:<account id>:<queue name>" };
    }
    if (protocol === SubscriberProtocol.Lambda) {
        const m = naming.LAMBDA_FUNCTION_ARN.exec(endpoint);
        return m
            ? { account: m[2] }
            : { why: "the ARN of a Lambda function, arn:aws:lambda:<region>:<account id>:function:<name>[:<version or alias>]" };
    }
    let url: URL | undefined;
    try {
        url = new URL(endpoint);
    } catch {
        url = undefined;
    }
    // Characters a URL must percent-encode (RFC 3986) are refused rather than passed on as written.
    if (
        url === undefined ||
        url.protocol !== "https:" ||
        url.hostname === "" ||
        /[\s"'<>\\{}|^`]/.test(endpoint) ||
        endpoint.length > 2048
    ) {
        return { why: "an https:// URL such as https://hooks.example.com/lake (SNS posts each event to it)" };
    }
    // The URL is an input of the subscription, kept in plain text in the stack's state.
    if (url.username !== "" || url.password !== "")
        return { why: "an https:// URL without credentials (user:password@ would be kept in plain text in the stack state)" };
    return {};
}

/** A table's `subscribers`: protocol, endpoint of that protocol's form, and who subscribes. */
function parseSubscribers(v: unknown, k: string, p: Problems): SubscriberSpec[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
        p.add(k, "a list of subscribers, each {protocol, endpoint, subscribedBy?}", v);
        return [];
    }
    const out: SubscriberSpec[] = [];
    v.forEach((s, i) => {
        const sk = `${k}[${i}]`;
        if (!isObject(s)) {
            p.add(sk, "a subscriber {protocol, endpoint, subscribedBy?}", s);
            return;
        }
        for (const extra of Object.keys(s).filter((x) => !(SUBSCRIBER_KEYS as readonly string[]).includes(x))) {
            p.add(`${sk}.${extra}`, knownKey("subscriber settings", extra, SUBSCRIBER_KEYS), "an unknown key");
        }
        const protocols = Object.values(SubscriberProtocol) as string[];
        if (!protocols.includes(s.protocol as string)) {
            p.add(`${sk}.protocol`, `one of ${protocols.map((x) => `"${x}"`).join(", ")}`, s.protocol);
            return;
        }
        const protocol = s.protocol as SubscriberProtocol;
        if (typeof s.endpoint !== "string") {
            p.add(`${sk}.endpoint`, `a string: ${(endpointOf(protocol, "") as { why: string }).why}`, s.endpoint);
            return;
        }
        const endpoint = endpointOf(protocol, s.endpoint);
        if ("why" in endpoint) {
            p.add(`${sk}.endpoint`, endpoint.why, s.endpoint);
            return;
        }
        const owners = Object.values(SubscribedBy) as string[];
        const subscribedBy = (s.subscribedBy ?? SubscribedBy.Lake) as SubscribedBy;
        if (!owners.includes(subscribedBy)) {
            p.add(`${sk}.subscribedBy`, `one of ${owners.map((x) => `"${x}"`).join(", ")}`, s.subscribedBy);
            return;
        }
        if (protocol === SubscriberProtocol.Https && subscribedBy !== SubscribedBy.Lake) {
            p.add(`${sk}.subscribedBy`, '"lake" for an HTTPS endpoint (the lake subscribes it; the endpoint confirms)', subscribedBy);
            return;
        }
        out.push({
            protocol,
            endpoint: s.endpoint,
            subscribedBy,
            ...(endpoint.account !== undefined ? { account: endpoint.account } : {}),
            path: sk,
        });
    });
    return out;
}

/**
 * Each endpoint subscribes once to the lake topic: SNS keeps one subscription per topic, protocol
 * and endpoint (a second Subscribe returns the first's ARN), so two would share one filter policy.
 * https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
 */
function checkSubscribersOnce(tables: TableSpec[], p: Problems): void {
    const seen = new Map<string, string>();
    for (const s of tables.flatMap((t) => t.subscribers ?? [])) {
        const key = `${s.protocol} ${s.endpoint}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
            p.add(
                `${s.path}.endpoint`,
                `an endpoint no other subscriber has (${earlier} subscribes it already: SNS keeps one subscription per topic, protocol and endpoint)`,
                s.endpoint,
            );
        } else seen.set(key, s.path);
    }
}

/**
 * What only the lake's own account decides, known at deploy time (the component checks it against
 * the caller's identity before any policy names a reader): no reader is the lake's own account
 * (whose IAM policies decide already), a queue or function of another account is subscribed by its
 * owner, one of the lake's own account by the lake. Each problem as `key: expected ..., got ...`.
 */
export function sharingProblems(
    settings: Pick<LakeSettings, "readers" | "tables">,
    lakeAccount: string,
    keyName: (path: string) => string = (x) => x,
): string[] {
    const problems: string[] = [];
    for (const r of settings.readers) {
        if (r.account === lakeAccount) {
            problems.push(
                `${keyName(r.path)}: expected an AWS account other than the lake's own (${lakeAccount}), whose IAM policies decide who reads; got "${r.account}${r.table ? `:${r.table}` : ""}"`,
            );
        }
    }
    for (const s of settings.tables.flatMap((t) => t.subscribers ?? [])) {
        if (s.account === undefined) continue;
        if (s.account !== lakeAccount && s.subscribedBy === SubscribedBy.Lake) {
            problems.push(
                `${keyName(`${s.path}.subscribedBy`)}: expected "endpoint-owner" for a ${s.protocol === "sqs" ? "queue" : "function"} of another account (${s.account}; the lake is in ${lakeAccount}): ` +
                    "its owner creates the subscription from its own account, which the topic policy allows (a subscription the topic's account makes to another account's endpoint waits for that owner's confirmation); got \"lake\"",
            );
        } else if (s.account === lakeAccount && s.subscribedBy === SubscribedBy.EndpointOwner) {
            problems.push(
                `${keyName(`${s.path}.subscribedBy`)}: expected "lake" for a ${s.protocol === "sqs" ? "queue" : "function"} of the lake's own account (${lakeAccount}): the lake subscribes it, with the table's filter and redrive; got "endpoint-owner"`,
            );
        }
    }
    return problems;
}

/** Per table (Snowflake name), the reader accounts of the table: those of every table and those of it. */
export function readersOfTables(settings: Pick<LakeSettings, "readers" | "tables">): Map<string, string[]> {
    return new Map(
        settings.tables.map((t) => [
            t.name,
            [...new Set(settings.readers.filter((r) => r.table === undefined || r.table === t.name).map((r) => r.account))].sort(),
        ]),
    );
}

/** A role's inline policies together, whitespace not counted. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html */
export const IAM_ROLE_POLICY_CHARS = 10_240;
/** "Bucket policies are limited to 20 KB in size." https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html */
export const S3_BUCKET_POLICY_BYTES = 20 * 1024;

/**
 * The sizes of the policies that name every table: the unload role's policy, one delete resource per
 * table's export, and with readers the lake bucket's policy, three entries per table a reader
 * reads. Measured with the policy builders themselves, with the lake bucket's name as Pulumi makes
 * it ("the logical name and a random suffix": `<name>-lake-bucket-` and 7 hex characters,
 * https://www.pulumi.com/docs/iac/concepts/resources/names/; the longest component name when the
 * name is not given) and the region's partition (`aws` when not given).
 */
export function policySizes(
    s: Pick<LakeSettings, "tables" | "readers" | "exportPrefix" | "encryption" | "snowflakeDatabase" | "snowflakeSchema">,
    opts: Pick<ValidateOptions, "name" | "region">,
): { unloadRolePolicy: number; bucketPolicy?: number } {
    const partition = opts.region !== undefined ? naming.partitionOf(opts.region) : "aws";
    const bucketArn = `arn:${partition}:s3:::${opts.name ?? "n".repeat(38)}-lake-bucket-0000000`;
    const kmsKeyArn =
        s.encryption === Encryption.Kms
            ? `arn:${partition}:kms:${opts.region ?? "ap-southeast-5"}:123456789012:key/${"0".repeat(36)}`
            : undefined;
    const unloadRolePolicy = JSON.stringify(
        snowflakeAccessPolicy({ bucketArn, prefix: s.exportPrefix, kmsKeyArn, deletablePrefixes: s.tables.map((t) => exportFolder(t, s)) }),
    ).length;
    if (s.readers.length === 0) return { unloadRolePolicy };
    return {
        unloadRolePolicy,
        bucketPolicy: Buffer.byteLength(JSON.stringify(lakeBucketPolicy({ bucketArn, partition, readers: readerLocations(s) }))),
    };
}

type Place = Pick<LakeSettings, "exportPrefix" | "snowflakeDatabase" | "snowflakeSchema">;

/** A table's current export folder, without its trailing slash (`exports/orders/g1-0a1b2c3d`). */
const exportFolder = (t: TableSpec, s: Place) =>
    exportLayout(t, { exportPrefix: s.exportPrefix, database: s.snowflakeDatabase, schema: s.snowflakeSchema }).location.replace(/\/$/, "");

/** Per reader account, the current export folders of the tables it reads: what the lake bucket policy grants it. */
export function readerLocations(s: Pick<LakeSettings, "readers" | "tables"> & Place): ReaderLocations[] {
    const readersOf = readersOfTables(s);
    return [...new Set(s.readers.map((r) => r.account))].sort().map((account) => ({
        account,
        locations: s.tables.filter((t) => readersOf.get(t.name)!.includes(account)).map((t) => exportFolder(t, s)),
    }));
}

/** The policies that name every table fit their service's size limit (`policySizes`). */
function checkPolicySizes(s: Parameters<typeof policySizes>[0], opts: Parameters<typeof policySizes>[1], p: Problems): void {
    const sizes = policySizes(s, opts);
    const tables = `${s.tables.length} tables`;
    if (sizes.unloadRolePolicy > IAM_ROLE_POLICY_CHARS) {
        p.add(
            "tables",
            `no more tables than the Snowflake unload role's policy can name: it lists each table's export, and ${tables} make it ${sizes.unloadRolePolicy} characters, over IAM's ${IAM_ROLE_POLICY_CHARS} for a role's inline policies`,
            tables,
        );
    }
    if (sizes.bucketPolicy !== undefined && sizes.bucketPolicy > S3_BUCKET_POLICY_BYTES) {
        p.add(
            "readers",
            `no more tables shared than the lake bucket's policy can name: it lists each shared table's export three times, and ${tables} make it ${sizes.bucketPolicy} bytes, over S3's ${S3_BUCKET_POLICY_BYTES}`,
            `readers of ${tables}`,
        );
    }
}
