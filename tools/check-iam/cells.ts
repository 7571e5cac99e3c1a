/**
 * The cells of the IAM access matrix: who tries what on which resource, with which context, and
 * what the stack's policies must decide, built from the stack's facts (facts.ts) alone.
 */
import {
    DEFAULT_CRAWLER_LOG_GROUP,
    encryptedCrawlerLogGroup,
    LakeFacts,
    logGroupArn,
    LOGS_ENCRYPTION_CONTEXT,
    NamedPolicy,
    OTHER_ACCOUNT,
    PolicyDoc,
    TableFacts,
} from "./facts";

export type Expected = "Allowed" | "Denied" | "ExplicitlyDenied";
export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error";
export interface Cell {
    /** Stable identifier, e.g. `crawler:orders:read-own-prefix`. */
    id: string;
    /** What the cell belongs to in the issue's list (tests assert each group). */
    group: CellGroup;
    principal: { label: string; arn: string | "anonymous" };
    action: string;
    resource: { label: string; arn: string; accountId: string };
    /** Request context keys (`aws:SecureTransport`, `aws:SourceArn`, `sts:ExternalId`, `s3:prefix` ...). */
    context: Record<string, string>;
    /** Human-readable context, for the tables. */
    contextLabel: string;
    identityPolicies: NamedPolicy[];
    resourcePolicy?: PolicyDoc;
    expected: Expected;
    why: string;
}

export interface CellResult extends Cell {
    decision: Decision;
    ok: boolean;
    /** Validation errors of the engine, or context keys it ignored (a mis-specified cell). */
    problem?: string;
}

/**
 * The groups of cells, as the issue lists them; every group has at least one cell in every stack
 * (the KMS groups only where the stack uses a customer-managed key).
 */
export const CELL_GROUPS = {
    "topic-allows-lake-bucket": "allowed: S3, for this bucket in this account, publishes to the topic",
    "topic-denies-others": "denied: another bucket or account (or anyone else) publishing to the topic",
    "queue-allows-topic": "allowed: the topic sends to each queue",
    "queue-denies-others": "denied: another topic (or anyone else) sending to a queue or its DLQ",
    "crawler-own": "allowed: each crawler role receives/deletes on its own queue and reads its own table's prefix",
    "crawler-denied": "denied: a crawler reading another table's queue or prefix, another bucket, or writing",
    "crawler-catalog": "each crawler role keeps its own Glue table only; no managed policy opens other buckets, tables or aws-glue-* keys",
    "crawler-trust": "only Glue assumes a crawler role",
    "unload-trust-allowed": "allowed: Snowflake's IAM user with the right external id assumes the unload role",
    "unload-trust-denied": "denied: Snowflake's user without or with a wrong external id; any other principal",
    "unload-access-allowed": "allowed: the unload role writes and lists under the export prefix",
    "unload-access-denied": "denied: the unload role writing outside its prefix or bucket",
    "tls-only": "denied: any request to the bucket without TLS, whoever makes it",
    anonymous: "denied: anonymous reads (and writes)",
    kms: "the lake key: S3/SNS of this account and the stack's roles only",
    "task-alerts":
        "Snowflake's task-error role: only the notification integration's user assumes it, and it publishes to the alerts topic only",
    "arrival-trigger":
        "each table's arrival rule: only EventBridge, for that rule, assumes its role, which notifies its own table's workflow and nothing else",
    "crawler-logs":
        "each crawler role writes (and, encrypted, associates the lake key with) its own log only; CloudWatch Logs uses the key for the stack's crawler log groups only; no other role of the stack reads them",
    "access-logs":
        "S3 log delivery writes only its log bucket's prefix, for the logged bucket in this account; no role of the stack reads or deletes the logs",
    replication:
        "only S3 assumes the replication role, which reads the exports' versions and writes replicas: it deletes nothing, in either bucket",
    readers:
        "a reader account reads its tables' current exports (and, where shared, their Glue tables) and decrypts only through S3 in the lake's region; it cannot read another table or an earlier export, write, delete, or use the key otherwise; another account can do none of it",
    "endpoint-owners":
        "an endpoint owner of another account may subscribe exactly its configured endpoint with its protocol, and do nothing else on the topic; no other account may subscribe",
} as const;
export type CellGroup = keyof typeof CELL_GROUPS;

const doc = (...Statement: any[]): PolicyDoc => ({ Version: "2012-10-17", Statement });
/** What an administrator of an account holds (AdministratorAccess). */
const ADMIN: NamedPolicy = { name: "AdministratorAccess (assumed)", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) };
/** What Snowflake's account grants its own IAM user: assuming customer roles (assumed; the trust policy decides). */
const SNOWFLAKE_SIDE: NamedPolicy = {
    name: "Snowflake's own grant (assumed)",
    policy: doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }),
};

/** A principal as the cells name it, with the identity policies it holds (none when omitted). */
interface Who {
    label: string;
    arn: string | "anonymous";
    identity?: NamedPolicy[];
}
/** A resource as the cells name it, with the resource policy AWS evaluates for it (none when omitted). */
interface Target {
    label: string;
    arn: string;
    accountId: string;
    policy?: PolicyDoc;
}
/** One row of a group's table: what differs from the group's defaults, and exactly one verdict with its reason. */
interface Spec {
    id: string;
    group?: CellGroup;
    who?: Who;
    action?: string;
    on?: Target;
    context?: Record<string, string>;
    /** The context as the tables show it; derived from `context` when omitted. */
    label?: string;
    allow?: string;
    deny?: string;
    denyExplicitly?: string;
}
type Defaults = Omit<Spec, "id" | "allow" | "deny" | "denyExplicitly"> & { prefix: string };

const S3: Who = { label: "S3 (service)", arn: "s3.amazonaws.com" };
const SNS: Who = { label: "SNS (service)", arn: "sns.amazonaws.com" };
const GLUE: Who = { label: "Glue (service)", arn: "glue.amazonaws.com" };
const EVENTS: Who = { label: "EventBridge (service)", arn: "events.amazonaws.com" };
const LOG_DELIVERY: Who = { label: "S3 log delivery (service)", arn: "logging.s3.amazonaws.com" };
const ANONYMOUS: Who = { label: "anonymous", arn: "anonymous" };
const NOT_UNSIGNED = "no statement admits an unsigned request";
const SAME_ACCOUNT_TRUST = "a trust policy must name the principal, even in the same account";
const NO_BPA_READS = "nothing grants unsigned reads; Block Public Access is on";

/** Turns a group's table into cells: each row over the group's defaults, with its verdict. Falsy rows are skipped. */
function cellsOf(defaults: Defaults, rows: Array<Spec | false | undefined>): Cell[] {
    return rows
        .filter((r): r is Spec => !!r)
        .map((row) => {
            const s = { ...defaults, ...row };
            const verdicts = (
                [
                    ["Allowed", s.allow],
                    ["Denied", s.deny],
                    ["ExplicitlyDenied", s.denyExplicitly],
                ] as const
            ).filter(([, why]) => why !== undefined);
            if (verdicts.length !== 1 || !s.group || !s.who || !s.action || !s.on)
                throw new Error(`IAM matrix: cell ${s.prefix}${s.id} needs a group, a principal, an action, a resource and one verdict`);
            const { identity = [], ...principal } = s.who;
            const { policy, ...resource } = s.on;
            const context = s.context ?? {};
            return {
                id: `${s.prefix}${s.id}`,
                group: s.group,
                principal,
                action: s.action,
                resource,
                context,
                contextLabel: s.label ?? labelContext(context),
                identityPolicies: identity,
                resourcePolicy: policy,
                expected: verdicts[0][0],
                why: verdicts[0][1]!,
            };
        });
}

/** Builds every cell of a stack's matrix from its facts, group by group. */
export function buildMatrix(f: LakeFacts): Cell[] {
    const scope = scopeOf(f);
    return [
        topicCells,
        queueCells,
        crawlerCells,
        crawlerLogCells,
        arrivalCells,
        unloadTrustCells,
        unloadS3Cells,
        everyoneCells,
        undeliveredCells,
        taskAlertCells,
        keyCells,
        accessLogCells,
        replicationCells,
        readerCells,
        endpointOwnerCells,
    ].flatMap((group) => group(scope));
}

/** What every group of cells builds on: the stack's facts, and its principals and resources as the cells name them. */
function scopeOf(f: LakeFacts) {
    const acct = f.accountId;
    const at = (label: string, arn: string, policy?: PolicyDoc): Target => ({ label, arn, accountId: acct, policy });
    const sessionOf = (roleName: string, session: string) => `arn:${f.partition}:sts::${acct}:assumed-role/${roleName}/${session}`;
    const sampleFile = "data_01b2c3d4-0000-0000-0000-000000000000_0_0_0.snappy.parquet";
    const s3obj = (key: string, label: string) => at(label, `${f.bucket.arn}/${key}`, f.bucket.policy);
    const first = f.tables[0];
    const unloadKey = `${first.prefix}/dt=2024-01-01/${sampleFile}`;
    return {
        f,
        acct,
        at,
        sessionOf,
        sampleFile,
        s3obj,
        first,
        unloadKey,
        P: f.exportPrefix,
        tls: { "aws:SecureTransport": "true" },
        noTls: { "aws:SecureTransport": "false" },
        otherBucketName: "another-bucket-of-this-account",
        otherTopicArn: `arn:${f.partition}:sns:${f.region}:${acct}:another-topic`,
        adminHere: { label: "administrator of this account", arn: `arn:${f.partition}:iam::${acct}:role/administrator`, identity: [ADMIN] },
        adminElsewhere: {
            label: "administrator of another account",
            arn: `arn:${f.partition}:iam::${OTHER_ACCOUNT}:role/administrator`,
            identity: [ADMIN],
        },
        snowflakeUser: { label: "Snowflake integration user", arn: f.unload.integrationUserArn, identity: [SNOWFLAKE_SIDE] },
        unloader: { label: "unload role", arn: sessionOf(f.unload.roleName, "snowflake"), identity: f.unload.identity },
        crawlerOf: (t: TableFacts): Who => ({
            label: `crawler role ${t.folder}`,
            arn: sessionOf(t.crawler.roleName, "AWS-Crawler"),
            identity: t.crawler.identity,
        }),
        arrivalOf: (t: TableFacts): Who | undefined =>
            t.arrival && { label: `arrival role ${t.folder}`, arn: sessionOf(t.arrival.roleName, "events"), identity: t.arrival.identity },
        taskErrorRole: f.taskAlerts && {
            label: "task-error role",
            arn: sessionOf(f.taskAlerts.roleName, "snowflake"),
            identity: f.taskAlerts.identity,
        },
        replicator: f.replication && {
            label: "replication role",
            arn: sessionOf(f.replication.roleName, "s3-replication"),
            identity: f.replication.identity,
        },
        lakeBucket: at("lake bucket", f.bucket.arn, f.bucket.policy),
        topic: at("lake topic", f.topic.arn, f.topic.policy),
        lakeKey: f.key && at("lake key", f.key.arn, f.key.policy),
        queueOf: (t: TableFacts) => at(`queue ${t.folder}`, t.queue.arn, t.queue.policy),
        /** A file of a table's folder (the same object as `exportFileOf`, labelled by its folder). */
        fileOf: (t: TableFacts) => s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/...`),
        athenaResult: s3obj("athena-results/query.csv", "lake bucket/athena-results/..."),
        /** A Parquet file of a table's export, as the unload writes it and the crawler reads it. */
        exportFileOf: (t: TableFacts) => s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`),
        glueDatabase: at("Glue database", `arn:${f.partition}:glue:${f.region}:${acct}:database/${f.glueDatabase}`),
        glueTable: (name: string, policy?: PolicyDoc) =>
            at(`Glue table ${name}`, `arn:${f.partition}:glue:${f.region}:${acct}:table/${f.glueDatabase}/${name}`, policy),
    };
}
type Scope = ReturnType<typeof scopeOf>;

/** S3 → SNS: the topic policy. */
function topicCells({ f, acct, otherBucketName, adminElsewhere, topic }: Scope): Cell[] {
    return cellsOf({ prefix: "topic:", group: "topic-denies-others", who: S3, action: "sns:Publish", on: topic }, [
        {
            id: "s3-lake-bucket",
            group: "topic-allows-lake-bucket",
            context: { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct },
            label: "SourceArn=lake bucket, SourceAccount=this account",
            allow: "topic policy admits s3.amazonaws.com for the lake bucket's ARN and this account",
        },
        {
            id: "s3-other-bucket",
            context: { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct },
            label: "SourceArn=another bucket, SourceAccount=this account",
            deny: "aws:SourceArn is not the lake bucket",
        },
        {
            id: "s3-other-account",
            context: { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": OTHER_ACCOUNT },
            label: "SourceArn=lake bucket's name, SourceAccount=another account",
            deny: "aws:SourceAccount pins the bucket owner: a same-named bucket re-created in another account is refused",
        },
        { id: "admin-other-account", who: adminElsewhere, deny: "cross-account: the topic policy admits no other account" },
        { id: "anonymous", group: "anonymous", who: ANONYMOUS, deny: NOT_UNSIGNED },
    ]);
}

/** SNS → SQS: each queue's policy. */
function queueCells({ f, acct, at, otherTopicArn, queueOf }: Scope): Cell[] {
    const fromTopic = { "aws:SourceArn": f.topic.arn };
    return f.tables.flatMap((t) =>
        cellsOf({ prefix: `queue:${t.folder}:`, group: "queue-denies-others", who: SNS, action: "sqs:SendMessage", on: queueOf(t) }, [
            {
                id: "sns-lake-topic",
                group: "queue-allows-topic",
                context: fromTopic,
                label: "SourceArn=lake topic",
                allow: "queue policy admits sns.amazonaws.com for the lake topic's ARN",
            },
            {
                id: "sns-other-topic",
                context: { "aws:SourceArn": otherTopicArn },
                label: "SourceArn=another topic of this account",
                deny: "aws:SourceArn is not the lake topic",
            },
            {
                id: "sns-other-account",
                context: { "aws:SourceArn": f.topic.arn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`) },
                label: "SourceArn=lake topic's name in another account",
                deny: "ArnEquals compares the whole ARN, account included",
            },
            {
                id: "s3-direct",
                who: S3,
                context: { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct },
                label: "SourceArn=lake bucket",
                deny: "events reach queues only through the topic",
            },
            {
                id: "sns-to-dlq",
                on: at(`DLQ ${t.folder}`, t.dlq.arn, t.dlq.policy),
                context: fromTopic,
                label: "SourceArn=lake topic",
                deny: "the DLQ has no policy: only SQS redrive (maxReceiveCount) fills it",
            },
            { id: "anonymous", group: "anonymous", who: ANONYMOUS, deny: NOT_UNSIGNED },
        ]),
    );
}

/** Crawler roles. */
function crawlerCells(scope: Scope): Cell[] {
    const { f, acct, at, tls, noTls, s3obj, lakeBucket, otherBucketName, sampleFile, P, adminHere, snowflakeUser } = scope;
    const { crawlerOf, queueOf, exportFileOf, fileOf, athenaResult, glueDatabase, glueTable, lakeKey } = scope;
    const reads = { action: "s3:GetObject", context: tls };
    const lists = (prefix: string) => ({ action: "s3:ListBucket", on: lakeBucket, context: { ...tls, "s3:prefix": prefix } });
    return f.tables.flatMap((t) => {
        const others = f.tables.filter((o) => o !== t);
        const ownQueue = queueOf(t);
        const table = (group: CellGroup, rows: Array<Spec | false | undefined>, more: Partial<Defaults> = {}) =>
            cellsOf({ prefix: `crawler:${t.folder}:`, group, who: crawlerOf(t), ...more }, rows);
        return [
            ...table("crawler-own", [
                { id: "receive-own-queue", action: "sqs:ReceiveMessage", on: ownQueue, allow: "inline policy ConsumeOwnEventQueue" },
                { id: "delete-own-queue", action: "sqs:DeleteMessage", on: ownQueue, allow: "inline policy ConsumeOwnEventQueue" },
                {
                    id: "receive-own-dlq",
                    action: "sqs:ReceiveMessage",
                    on: at(`DLQ ${t.folder}`, t.dlq.arn, t.dlq.policy),
                    allow: "inline policy: the crawler's dlqEventQueueArn",
                },
                { id: "read-own-prefix", ...reads, on: exportFileOf(t), allow: "inline policy ReadOwnTableObjects" },
                { id: "list-own-prefix", ...lists(`${t.prefix}/`), allow: "inline policy ListOwnTableFolder" },
            ]),
            ...table(
                "kms",
                lakeKey
                    ? [
                          {
                              id: "decrypt-lake-key",
                              action: "kms:Decrypt",
                              allow: "inline DecryptWithLakeKey; the key policy lets this account's IAM policies decide",
                          },
                          {
                              id: "encrypt-lake-key",
                              action: "kms:GenerateDataKey",
                              deny: t.logs.encrypted
                                  ? "it encrypts only under its own log group's encryption context (EncryptOwnCrawlerLogs)"
                                  : "a crawler only decrypts; it is never granted GenerateDataKey",
                          },
                      ]
                    : [],
                { on: lakeKey },
            ),
            ...table("crawler-denied", [
                ...others.flatMap((o): Spec[] => [
                    {
                        id: `receive-queue-${o.folder}`,
                        action: "sqs:ReceiveMessage",
                        on: queueOf(o),
                        deny: "its queue is not in this role's policy (a queue feeds exactly one crawler)",
                    },
                    {
                        id: `delete-queue-${o.folder}`,
                        action: "sqs:DeleteMessage",
                        on: queueOf(o),
                        deny: "its queue is not in this role's policy",
                    },
                    {
                        id: `read-prefix-${o.folder}`,
                        ...reads,
                        on: exportFileOf(o),
                        deny: "ReadOwnTableObjects covers only its own folder",
                    },
                    { id: `list-prefix-${o.folder}`, ...lists(`${o.prefix}/`), deny: "ListOwnTableFolder lists its own folder only" },
                    {
                        id: `update-table-${o.folder}`,
                        group: "crawler-catalog",
                        action: "glue:BatchCreatePartition",
                        on: glueTable(o.folder),
                        deny: "KeepOwnGlueTable names its own table only",
                    },
                ]),
                others.length === 0 && {
                    id: "receive-queue-other",
                    action: "sqs:ReceiveMessage",
                    on: at("queue of another table (hypothetical)", `arn:${f.partition}:sqs:${f.region}:${acct}:another-table-queue`),
                    deny: "only its own queue and DLQ are in this role's policy",
                },
                {
                    id: "read-sibling-folder",
                    ...reads,
                    on: s3obj(
                        `${t.prefix}_archive/dt=2024-01-01/${sampleFile}`,
                        `lake bucket/${t.prefix}_archive/... (another table's folder)`,
                    ),
                    deny: "the grant ends in '/': a folder sharing the name's beginning is another table",
                },
                {
                    id: "read-athena-results",
                    ...reads,
                    on: athenaResult,
                    deny: "outside its table folder",
                },
                {
                    id: "read-other-bucket",
                    ...reads,
                    on: at(
                        `${otherBucketName}/${t.prefix}/...`,
                        `arn:${f.partition}:s3:::${otherBucketName}/${t.prefix}/dt=2024-01-01/${sampleFile}`,
                    ),
                    deny: "no grant on another bucket",
                },
                {
                    id: "write-own-prefix",
                    ...reads,
                    action: "s3:PutObject",
                    on: s3obj(`${t.prefix}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.prefix}/...`),
                    deny: "a crawler reads; it never writes the data",
                },
                {
                    id: "delete-own-prefix",
                    ...reads,
                    action: "s3:DeleteObject",
                    on: fileOf(t),
                    deny: "a crawler never deletes the data",
                },
                { id: "send-own-queue", action: "sqs:SendMessage", on: ownQueue, deny: "a crawler consumes events; it cannot forge them" },
                {
                    id: "read-own-prefix-no-tls",
                    group: "tls-only",
                    action: "s3:GetObject",
                    on: fileOf(t),
                    context: noTls,
                    denyExplicitly: "bucket policy DenyInsecureTransport",
                },
                {
                    id: "list-bucket-any-prefix",
                    ...lists("athena-results/"),
                    deny: "ListOwnTableFolder lists its own folder only (AWSGlueServiceRole would list every bucket)",
                },
            ]),
            ...table("crawler-catalog", [
                {
                    id: "read-aws-glue-key",
                    ...reads,
                    on: s3obj(
                        `${P}/any-table/status=aws-glue-x/${sampleFile}`,
                        `lake bucket/${P}/<table>/<col>=aws-glue-x/... (key containing aws-glue-)`,
                    ),
                    deny: "no managed policy: keys containing aws-glue- are not opened to every crawler",
                },
                {
                    id: "add-own-partitions",
                    action: "glue:BatchCreatePartition",
                    on: glueTable(t.folder),
                    allow: "KeepOwnGlueTable: its own table's partitions",
                },
                { id: "read-own-table", action: "glue:GetTable", on: glueTable(t.folder), allow: "KeepOwnGlueTable" },
                { id: "create-table", action: "glue:CreateTable", on: glueDatabase, deny: "a catalog target never creates tables" },
                {
                    id: "delete-own-table",
                    action: "glue:DeleteTable",
                    on: glueTable(t.folder),
                    deny: "DeleteBehavior LOG: a crawler never deletes",
                },
                {
                    id: "other-database",
                    action: "glue:GetTable",
                    on: at("another database's table", `arn:${f.partition}:glue:${f.region}:${acct}:table/other_db/${t.folder}`),
                    deny: "only the stack's Glue database",
                },
            ]),
            // Trust: only Glue.
            ...table(
                "crawler-trust",
                [
                    { id: "trust-glue", who: GLUE, allow: "trust policy admits glue.amazonaws.com" },
                    {
                        id: "trust-snowflake",
                        who: snowflakeUser,
                        context: { "sts:ExternalId": f.unload.externalId },
                        label: "ExternalId=the integration's",
                        deny: "trust policy admits only Glue",
                    },
                    { id: "trust-admin", who: adminHere, deny: SAME_ACCOUNT_TRUST },
                ],
                { action: "sts:AssumeRole", on: at(`crawler role ${t.folder}`, t.crawler.roleArn, t.crawler.trust) },
            ),
        ];
    });
}

/** Crawler logs. */
function crawlerLogCells(scope: Scope): Cell[] {
    const { f, at, adminHere, adminElsewhere, unloader, crawlerOf, arrivalOf, taskErrorRole, lakeKey } = scope;
    const logStream = (t: TableFacts) =>
        at(
            `${t.logs.encrypted ? "encrypted log group" : "log group /aws-glue/crawlers"}, stream ${t.folder}`,
            `${t.logs.arn}:log-stream:${t.crawler.name}`,
        );
    const logGroup = (t: TableFacts) =>
        at(t.logs.encrypted ? `encrypted log group ${t.folder}` : "log group /aws-glue/crawlers", t.logs.arn);
    const ecOf = (arn: string) => ({ [LOGS_ENCRYPTION_CONTEXT]: arn });
    const otherGroup = (name: string) => logGroupArn(f, name);
    const encrypted = f.tables.filter((x) => x.logs.encrypted);
    const perCrawler = f.tables.flatMap((t) => {
        const others = f.tables.filter((o) => o !== t);
        const otherEncrypted = others.filter((x) => x.logs.encrypted);
        return cellsOf(
            { prefix: `crawler:${t.folder}:`, group: "crawler-logs", who: crawlerOf(t), action: "logs:PutLogEvents", on: logStream(t) },
            [
                { id: "write-own-log", allow: "WriteOwnCrawlerLog: its stream, named after the crawler" },
                { id: "create-own-log-stream", action: "logs:CreateLogStream", allow: "WriteOwnCrawlerLog" },
                { id: "read-own-log", action: "logs:GetLogEvents", deny: "a crawler writes its log; it never reads it" },
                ...others
                    .filter((x) => x.logs.arn !== t.logs.arn || x.crawler.name !== t.crawler.name)
                    .map((o) => ({ id: `write-log-${o.folder}`, on: logStream(o), deny: "its grant names its own stream only" })),
                others.length === 0 && {
                    id: "write-log-other",
                    on: at("a stream of another crawler (hypothetical)", `${t.logs.arn}:log-stream:another-crawler`),
                    deny: "its grant names its own stream only",
                },
                ...(!t.logs.encrypted
                    ? []
                    : [
                          {
                              id: "associate-own-log-group",
                              action: "logs:AssociateKmsKey",
                              on: logGroup(t),
                              allow: "AssociateLakeKeyWithOwnLogGroup: Glue associates the configuration's key with the crawler's log group",
                          },
                          ...otherEncrypted.map((o) => ({
                              id: `associate-log-group-${o.folder}`,
                              action: "logs:AssociateKmsKey",
                              on: logGroup(o),
                              deny: "its grant names its own log group only",
                          })),
                          {
                              id: "associate-other-log-group",
                              action: "logs:AssociateKmsKey",
                              on: at("log group /aws-glue/crawlers", otherGroup(DEFAULT_CRAWLER_LOG_GROUP)),
                              deny: "it cannot re-key any other log group, the default one included",
                          },
                          {
                              id: "write-default-log-group",
                              on: at(
                                  "log group /aws-glue/crawlers",
                                  `${otherGroup(DEFAULT_CRAWLER_LOG_GROUP)}:log-stream:${t.crawler.name}`,
                              ),
                              deny: "with the security configuration it logs only to its encrypted group",
                          },
                          lakeKey && {
                              id: "encrypt-own-log",
                              action: "kms:GenerateDataKey",
                              on: lakeKey,
                              context: ecOf(t.logs.arn),
                              label: `EncryptionContext aws:logs:arn=its log group`,
                              allow: "EncryptOwnCrawlerLogs: under its own log group's encryption context (the Glue guide's kms:GenerateDataKey* for crawler roles)",
                          },
                          ...(lakeKey ? otherEncrypted : []).map((o) => ({
                              id: `encrypt-log-${o.folder}`,
                              action: "kms:GenerateDataKey",
                              on: lakeKey,
                              context: ecOf(o.logs.arn),
                              label: `EncryptionContext aws:logs:arn=log group ${o.folder}`,
                              deny: "the encryption context must be its own log group",
                          })),
                      ]),
            ],
        );
    });
    // Who else could read a crawler's log: the stack's other roles, another account.
    const readable = f.tables[0];
    const readers = cellsOf(
        { prefix: `logs:${readable.folder}:`, group: "crawler-logs", action: "logs:GetLogEvents", on: logStream(readable) },
        [
            { id: "unload-role", who: unloader, deny: "no logs grant" },
            readable.arrival && { id: "arrival-role", who: arrivalOf(readable), deny: "no logs grant" },
            taskErrorRole && { id: "task-alerts-role", who: taskErrorRole, deny: "no logs grant" },
            ...f.tables
                .filter((x) => x !== readable)
                .map((o) => ({ id: `crawler-role-${o.folder}`, who: crawlerOf(o), deny: "a crawler role writes its own log only" })),
            { id: "admin-other-account", who: adminElsewhere, deny: "cross-account: log groups here have no resource policy" },
            {
                id: "admin-this-account",
                who: adminHere,
                allow: "same account: identity policies decide (CloudWatch Logs decrypts an encrypted group with the key for that group only)",
            },
        ],
    );
    if (!lakeKey || encrypted.length === 0) return [...perCrawler, ...readers];
    const logsService = { label: "CloudWatch Logs (service)", arn: `logs.${f.region}.amazonaws.com` };
    const first = encrypted[0];
    const firstContext = { context: ecOf(first.logs.arn), label: `EncryptionContext aws:logs:arn=log group ${first.folder}` };
    const service = cellsOf({ prefix: "kms:logs-", group: "crawler-logs", who: logsService, action: "kms:GenerateDataKey", on: lakeKey }, [
        ...encrypted.map((t) => ({
            id: `crawler-log-group-${t.folder}`,
            context: ecOf(t.logs.arn),
            label: `EncryptionContext aws:logs:arn=log group ${t.folder}`,
            allow: "AllowCloudWatchLogsForCrawlerLogGroups: the stack's crawler log groups (ArnLike on the encryption context)",
        })),
        {
            id: "decrypt-crawler-log-group",
            action: "kms:Decrypt",
            ...firstContext,
            allow: "CloudWatch Logs decrypts the group's events for a reader IAM allows",
        },
        {
            id: "default-crawler-log-group",
            context: ecOf(otherGroup(DEFAULT_CRAWLER_LOG_GROUP)),
            label: "EncryptionContext aws:logs:arn=/aws-glue/crawlers",
            deny: "only the stack's crawler log groups, not the account's default one",
        },
        {
            id: "other-role-log-group",
            context: ecOf(otherGroup(encryptedCrawlerLogGroup("another-role", first.logs.configuration!))),
            label: "EncryptionContext aws:logs:arn=a crawler log group of another stack's role",
            deny: "the pattern is the stack's role-name prefix: another role's crawler logs are not the stack's",
        },
        {
            id: "other-log-group",
            context: ecOf(otherGroup("/aws/lambda/another-function")),
            label: "EncryptionContext aws:logs:arn=another log group",
            deny: "only the stack's crawler log groups",
        },
        { id: "no-context", deny: "without the encryption context CloudWatch Logs is not acting for a log group" },
        {
            id: "other-region",
            who: { label: "CloudWatch Logs of another region (service)", arn: "logs.us-east-1.amazonaws.com" },
            ...firstContext,
            deny: "the key admits CloudWatch Logs of its own region",
        },
    ]);
    return [...perCrawler, ...readers, ...service];
}

/** The arrival rules: who may start a table's crawl. */
function arrivalCells({ f, acct, at, tls, adminHere, arrivalOf, exportFileOf }: Scope): Cell[] {
    const withArrival = f.tables.filter((x) => x.arrival !== undefined);
    return withArrival.flatMap((t) => {
        const a = t.arrival!;
        const ownWorkflow = at(`workflow ${t.folder}`, a.workflowArn);
        const others = withArrival.filter((o) => o !== t);
        const trust = { action: "sts:AssumeRole", who: EVENTS, on: at(`arrival role ${t.folder}`, a.roleArn, a.trust) };
        const otherRule = others[0]?.arrival?.ruleArn ?? `arn:${f.partition}:events:${f.region}:${acct}:rule/another-rule`;
        return cellsOf(
            { prefix: `arrival:${t.folder}:`, group: "arrival-trigger", who: arrivalOf(t), action: "glue:NotifyEvent", on: ownWorkflow },
            [
                { id: "notify-own-workflow", allow: "inline NotifyOwnWorkflow: its events reach its own table's EVENT trigger" },
                ...others.map((o) => ({
                    id: `notify-workflow-${o.folder}`,
                    on: at(`workflow ${o.folder}`, o.arrival!.workflowArn),
                    deny: "NotifyOwnWorkflow names its own workflow only: a rule cannot start another table's crawl",
                })),
                others.length === 0 && {
                    id: "notify-workflow-other",
                    on: at(
                        "workflow of another table (hypothetical)",
                        `arn:${f.partition}:glue:${f.region}:${acct}:workflow/another-table`,
                    ),
                    deny: "NotifyOwnWorkflow names its own workflow only",
                },
                {
                    id: "start-own-workflow",
                    action: "glue:StartWorkflowRun",
                    deny: "only NotifyEvent: the trigger's batching condition decides when the workflow runs",
                },
                {
                    id: "start-own-crawler",
                    action: "glue:StartCrawler",
                    on: at(`crawler ${t.folder}`, t.crawler.arn),
                    deny: "the crawler starts through the workflow only, one run at a time",
                },
                {
                    id: "pass-crawler-role",
                    action: "iam:PassRole",
                    on: at(`crawler role ${t.folder}`, t.crawler.roleArn),
                    deny: "it cannot hand the crawler's role to anything",
                },
                {
                    id: "read-own-prefix",
                    action: "s3:GetObject",
                    on: exportFileOf(t),
                    context: tls,
                    deny: "no S3 grant: it rings the bell, the crawler reads the data",
                },
                {
                    id: "trust-own-rule",
                    ...trust,
                    context: { "aws:SourceArn": a.ruleArn, "aws:SourceAccount": acct },
                    label: "SourceArn=its rule, SourceAccount=this account",
                    allow: "trust policy: events.amazonaws.com for its own rule's ARN in this account",
                },
                {
                    id: "trust-other-rule",
                    ...trust,
                    context: { "aws:SourceArn": otherRule, "aws:SourceAccount": acct },
                    label: `SourceArn=${others[0] ? `the rule of ${others[0].folder}` : "another rule"}, SourceAccount=this account`,
                    deny: "aws:SourceArn must be its own rule: another rule cannot use this role",
                },
                {
                    id: "trust-other-account",
                    ...trust,
                    context: { "aws:SourceArn": a.ruleArn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`), "aws:SourceAccount": OTHER_ACCOUNT },
                    label: "SourceArn=its rule's name in another account, SourceAccount=another account",
                    deny: "a same-named rule of another account is another source",
                },
                { id: "trust-no-source", ...trust, deny: "without aws:SourceArn EventBridge is not acting for its rule" },
                { id: "trust-glue", ...trust, who: GLUE, deny: "only EventBridge is trusted" },
                { id: "trust-admin", ...trust, who: adminHere, deny: SAME_ACCOUNT_TRUST },
            ],
        );
    });
}

/** The unload role: trust. */
function unloadTrustCells({ f, at, adminHere, adminElsewhere, snowflakeUser }: Scope): Cell[] {
    const theIntegrations = { context: { "sts:ExternalId": f.unload.externalId }, label: "ExternalId=the integration's" };
    const accountOfSf = f.unload.integrationUserArn.split(":")[4];
    const unloadRole = at("unload role", f.unload.roleArn, f.unload.trust);
    return cellsOf(
        { prefix: "unload:trust:", group: "unload-trust-denied", who: snowflakeUser, action: "sts:AssumeRole", on: unloadRole },
        [
            {
                id: "snowflake-right-external-id",
                group: "unload-trust-allowed",
                ...theIntegrations,
                allow: "trust policy: the integration's IAM user with sts:ExternalId = the integration's external id",
            },
            { id: "snowflake-no-external-id", label: "no ExternalId", deny: "sts:ExternalId is required" },
            {
                id: "snowflake-wrong-external-id",
                context: { "sts:ExternalId": "MOCKORG_SFCRole=2_wrong=" },
                label: "ExternalId=another integration's",
                deny: "another integration (or account) of Snowflake has another external id",
            },
            {
                id: "other-snowflake-user",
                who: {
                    label: "another IAM user of Snowflake's account",
                    arn: `arn:${f.partition}:iam::${accountOfSf}:user/other-customer-s`,
                    identity: [SNOWFLAKE_SIDE],
                },
                ...theIntegrations,
                deny: "the trust policy names one IAM user, not Snowflake's account",
            },
            { id: "admin-this-account", who: adminHere, ...theIntegrations, deny: SAME_ACCOUNT_TRUST },
            { id: "admin-other-account", who: adminElsewhere, ...theIntegrations, deny: "not the integration's IAM user" },
            { id: "glue", who: GLUE, deny: "no service principal is trusted" },
        ],
    );
}

/** The unload role: S3. */
function unloadS3Cells(scope: Scope): Cell[] {
    const { f, at, tls, noTls, s3obj, lakeBucket, otherBucketName, sampleFile, P, first, unloadKey } = scope;
    const { unloader, exportFileOf, fileOf, lakeKey } = scope;
    const deleteWhy =
        "Snowflake requires s3:DeleteObject to unload (docs.snowflake.com data-unload-s3), here only in the exports being written" +
        (f.replication ? "; the lake keeps the old version and the replica the object" : "");
    return cellsOf({ prefix: "unload:", group: "unload-access-denied", who: unloader, on: lakeBucket, context: tls }, [
        ...f.tables.flatMap((t): Spec[] => [
            {
                id: `put-under-prefix:${t.folder}`,
                group: "unload-access-allowed",
                action: "s3:PutObject",
                on: exportFileOf(t),
                allow: "UnloadObjectsUnderExportPrefix",
            },
            {
                id: `list-prefix:${t.folder}`,
                group: "unload-access-allowed",
                action: "s3:ListBucket",
                context: { ...tls, "s3:prefix": `${t.prefix}/` },
                allow: "ListExportPrefix (s3:prefix under the export prefix)",
            },
        ]),
        { id: "locate-bucket", group: "unload-access-allowed", action: "s3:GetBucketLocation", allow: "LocateBucket" },
        {
            id: "delete-under-prefix",
            group: "unload-access-allowed",
            action: "s3:DeleteObject",
            on: s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<current export>/...`),
            allow: deleteWhy,
        },
        first.location !== first.prefix && {
            id: "delete-earlier-export",
            action: "s3:DeleteObject",
            on: s3obj(`${first.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<earlier export>/...`),
            deny: "RemoveFilesOfFailedUnloads names the current exports only: an earlier export is out of the role's reach",
        },
        {
            id: "delete-version-under-prefix",
            action: "s3:DeleteObjectVersion",
            on: fileOf(first),
            deny: "not needed to unload; withheld so the role cannot erase the versions prod keeps",
        },
        {
            id: "put-athena-results",
            action: "s3:PutObject",
            on: s3obj("athena-results/x.parquet", "lake bucket/athena-results/..."),
            deny: "outside the export prefix",
        },
        {
            id: "put-sibling-prefix",
            action: "s3:PutObject",
            on: s3obj(`${P}-old/x.parquet`, `lake bucket/${P}-old/...`),
            deny: "the grant ends in '/': a prefix sharing the name's beginning is outside",
        },
        {
            id: "put-bucket-root",
            action: "s3:PutObject",
            on: s3obj("x.parquet", "lake bucket/x.parquet (root)"),
            deny: "outside the export prefix",
        },
        {
            id: "put-other-bucket",
            action: "s3:PutObject",
            on: at(`${otherBucketName}/${first.prefix}/...`, `arn:${f.partition}:s3:::${otherBucketName}/${unloadKey}`),
            deny: "no grant on another bucket",
        },
        {
            id: "list-other-prefix",
            action: "s3:ListBucket",
            context: { ...tls, "s3:prefix": "athena-results/" },
            deny: "s3:prefix outside the export prefix",
        },
        { id: "list-whole-bucket", action: "s3:ListBucket", deny: "listing without s3:prefix is the whole bucket" },
        {
            id: "put-no-tls",
            group: "tls-only",
            action: "s3:PutObject",
            on: fileOf(first),
            context: noTls,
            denyExplicitly: "bucket policy DenyInsecureTransport",
        },
        lakeKey && {
            id: "generate-data-key",
            group: "kms",
            action: "kms:GenerateDataKey",
            on: lakeKey,
            context: {},
            allow: "inline EncryptWithLakeKey; the key policy lets this account's IAM policies decide",
        },
    ]);
}

/** Everyone: TLS, anonymous, other accounts. */
function everyoneCells({ tls, noTls, fileOf, lakeBucket, adminHere, adminElsewhere, P, first }: Scope): Cell[] {
    const listExports = { action: "s3:ListBucket", on: lakeBucket };
    return cellsOf(
        {
            prefix: "bucket:",
            group: "anonymous",
            who: ANONYMOUS,
            action: "s3:GetObject",
            on: fileOf(first),
            context: tls,
        },
        [
            {
                id: "admin-tls",
                group: "tls-only",
                who: adminHere,
                allow: "same account: identity policies decide; the bucket policy only refuses plain HTTP",
            },
            {
                id: "admin-no-tls",
                group: "tls-only",
                who: adminHere,
                context: noTls,
                denyExplicitly: "DenyInsecureTransport applies to every principal",
            },
            {
                id: "admin-no-tls-list",
                group: "tls-only",
                who: adminHere,
                ...listExports,
                context: { ...noTls, "s3:prefix": `${P}/` },
                denyExplicitly: "DenyInsecureTransport covers the bucket as well as its objects",
            },
            {
                id: "admin-other-account",
                group: "tls-only",
                who: adminElsewhere,
                deny: "cross-account: the bucket policy grants no other account",
            },
            { id: "anonymous-get", deny: NO_BPA_READS },
            { id: "anonymous-list", ...listExports, context: { ...tls, "s3:prefix": `${P}/` }, deny: "nothing grants unsigned listing" },
            { id: "anonymous-put", action: "s3:PutObject", deny: "nothing grants unsigned writes" },
            { id: "anonymous-get-no-tls", context: noTls, denyExplicitly: "DenyInsecureTransport (Principal *)" },
        ],
    );
}

/** SNS → the undelivered-events queue. */
function undeliveredCells({ f, at, otherTopicArn }: Scope): Cell[] {
    if (!f.undelivered) return [];
    const queue = at("undelivered-events queue", f.undelivered.arn, f.undelivered.policy);
    return cellsOf({ prefix: "undelivered:", who: SNS, action: "sqs:SendMessage", on: queue }, [
        {
            id: "sns-lake-topic",
            group: "queue-allows-topic",
            context: { "aws:SourceArn": f.topic.arn },
            label: "SourceArn=lake topic",
            allow: "its queue policy admits the lake topic: SNS redrives what it cannot deliver",
        },
        {
            id: "sns-other-topic",
            group: "queue-denies-others",
            context: { "aws:SourceArn": otherTopicArn },
            label: "SourceArn=another topic of this account",
            deny: "aws:SourceArn is not the lake topic",
        },
    ]);
}

/** Snowflake's task-error role (publishes to the alerts topic). */
function taskAlertCells({ f, at, s3obj, topic, sampleFile, P, tls, taskErrorRole }: Scope): Cell[] {
    const ta = f.taskAlerts;
    if (!ta || !taskErrorRole) return [];
    const notificationUser = { label: "Snowflake's notification user", arn: ta.integrationUserArn, identity: [SNOWFLAKE_SIDE] };
    const assume = { action: "sts:AssumeRole", on: at("task-error role", ta.roleArn, ta.trust) };
    return cellsOf({ prefix: "task-alerts:", group: "task-alerts", who: taskErrorRole }, [
        {
            id: "assume-with-external-id",
            who: notificationUser,
            ...assume,
            context: { "sts:ExternalId": ta.externalId },
            allow: "trust policy: the notification integration's IAM user with its external id",
        },
        { id: "assume-without-external-id", who: notificationUser, ...assume, deny: "sts:ExternalId is required" },
        {
            id: "assume-storage-user",
            who: { label: "Snowflake's storage user", arn: f.unload.integrationUserArn, identity: [SNOWFLAKE_SIDE] },
            ...assume,
            context: { "sts:ExternalId": f.unload.externalId },
            deny: "the storage integration's user is another principal",
        },
        {
            id: "publish-alerts",
            action: "sns:Publish",
            on: at("alerts topic", ta.topicArn),
            allow: "its policy: sns:Publish on the alerts topic",
        },
        {
            id: "publish-lake-topic",
            action: "sns:Publish",
            on: topic,
            deny: "no grant on the lake's event topic: it cannot fake S3 events",
        },
        {
            id: "read-lake",
            action: "s3:GetObject",
            on: s3obj(`${P}/${sampleFile}`, `lake bucket/${P}/...`),
            context: tls,
            deny: "no S3 grant",
        },
    ]);
}

/** The lake key (KMS stacks). */
function keyCells({ adminHere, adminElsewhere, lakeKey }: Scope): Cell[] {
    if (!lakeKey) return [];
    // S3's grant has no condition, as the S3 user guide's key policy has none: no AWS source says
    // S3 sends aws:SourceAccount to KMS. The key does not tell S3's callers apart; the topic
    // policy does (the sns:Publish cells: only the lake bucket of this account publishes).
    return cellsOf({ prefix: "kms:", group: "kms", who: S3, action: "kms:GenerateDataKey", on: lakeKey }, [
        {
            id: "s3-encrypt",
            allow: "key policy: S3 encrypts the events it publishes to the encrypted topic (the S3 user guide's statement, without a condition)",
        },
        {
            id: "s3-decrypt",
            action: "kms:Decrypt",
            allow: "key policy: S3 publishing to the encrypted topic needs kms:Decrypt too (the S3 user guide's statement)",
        },
        {
            id: "s3-other-account",
            context: { "aws:SourceAccount": OTHER_ACCOUNT },
            label: "SourceAccount=another account",
            allow: "the key does not confine S3 by account (S3 is not documented to send aws:SourceAccount to KMS); the topic policy refuses another account's bucket",
        },
        {
            id: "sns-encrypt",
            who: SNS,
            allow: "key policy: SNS writes into the encrypted queues (documented without a condition; it need not send aws:SourceAccount)",
        },
        { id: "sns-decrypt", who: SNS, action: "kms:Decrypt", allow: "key policy: SNS reads the encrypted topic's messages" },
        { id: "admin-other-account", who: adminElsewhere, action: "kms:Decrypt", deny: "the key policy trusts only this account's root" },
        {
            id: "admin-this-account",
            who: adminHere,
            action: "kms:Decrypt",
            allow: "EnableIamPoliciesOfThisAccount: this account's IAM policies decide",
        },
    ]);
}

/** Access logs: who writes them, and that no role of the stack reads them. */
function accessLogCells(scope: Scope): Cell[] {
    const { f, acct, at, tls, noTls, s3obj, otherBucketName, adminHere, adminElsewhere, sampleFile, P, first } = scope;
    const { unloader, crawlerOf, arrivalOf, replicator, taskErrorRole } = scope;
    return f.logs.flatMap((L) => {
        const tag = L.label === "lake bucket" ? "lake" : L.label === "replica bucket" ? "replica" : L.label;
        const logBucket = `log bucket of the ${L.label}`;
        const inPrefix = at(
            `${logBucket}/${L.prefix}...`,
            `${L.bucket.arn}/${L.prefix}2024-01-01-00-00-00-0123456789ABCDEF`,
            L.bucket.policy,
        );
        const from = {
            who: LOG_DELIVERY,
            action: "s3:PutObject",
            context: { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": acct },
            label: `SourceArn=${L.label}, SourceAccount=this account`,
        };
        return cellsOf({ prefix: `logs:${tag}:`, group: "access-logs", action: "s3:GetObject", on: inPrefix, context: tls }, [
            {
                id: "deliver",
                ...from,
                allow: "its bucket policy admits logging.s3.amazonaws.com for the logged bucket's ARN and this account, under the log prefix",
            },
            {
                id: "deliver-outside-prefix",
                ...from,
                on: at(`${logBucket}/elsewhere/...`, `${L.bucket.arn}/elsewhere/${sampleFile}`, L.bucket.policy),
                deny: "the grant covers the log prefix only",
            },
            {
                id: "deliver-other-bucket",
                ...from,
                context: { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct },
                label: "SourceArn=another bucket, SourceAccount=this account",
                deny: "aws:SourceArn is not the logged bucket: another bucket's logs are refused",
            },
            {
                id: "deliver-other-account",
                ...from,
                context: { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": OTHER_ACCOUNT },
                label: `SourceArn=${L.label}'s name, SourceAccount=another account`,
                deny: "aws:SourceAccount pins the logged bucket's owner",
            },
            {
                id: "deliver-no-source",
                ...from,
                context: {},
                label: "-",
                deny: "without aws:SourceArn and aws:SourceAccount S3 is not delivering for the logged bucket",
            },
            { id: "delivery-reads", ...from, action: "s3:GetObject", deny: "log delivery only writes" },
            tag === "lake" && {
                id: "deliver-into-lake",
                ...from,
                on: s3obj(`${P}/x.log`, `lake bucket/${P}/...`),
                label: "SourceArn=lake bucket, SourceAccount=this account",
                deny: "the lake bucket admits no log delivery: logs go to their own bucket",
            },
            { id: "unload-reads", who: unloader, deny: "no grant on the log bucket" },
            {
                id: "unload-deletes",
                who: unloader,
                action: "s3:DeleteObject",
                deny: "no grant on the log bucket: it cannot erase the record of its deletes",
            },
            { id: "crawler-reads", who: crawlerOf(first), deny: "a crawler reads its table's folder only" },
            first.arrival && { id: "arrival-reads", who: arrivalOf(first), deny: "no S3 grant" },
            replicator && { id: "replication-reads", who: replicator, deny: "the replication role reads the exports' versions only" },
            taskErrorRole && { id: "task-errors-reads", who: taskErrorRole, deny: "no S3 grant" },
            { id: "anonymous-reads", who: ANONYMOUS, deny: NO_BPA_READS },
            {
                id: "admin-other-account-reads",
                who: adminElsewhere,
                deny: "cross-account: the log bucket's policy grants no other account",
            },
            {
                id: "admin-reads",
                who: adminHere,
                allow: "within the account IAM policies decide who reads the logs (the auditors'), not the stack's roles",
            },
            { id: "admin-reads-no-tls", who: adminHere, context: noTls, denyExplicitly: "the log bucket's DenyInsecureTransport" },
        ]);
    });
}

/** Replication: what the role S3 assumes may do. */
function replicationCells(scope: Scope): Cell[] {
    const { f, at, tls, noTls, s3obj, lakeBucket, adminHere, adminElsewhere, sampleFile, first } = scope;
    const { unloader, crawlerOf, replicator, lakeKey, athenaResult } = scope;
    const R = f.replication;
    if (!R || !replicator) return [];
    const replicaObj = (key: string, label: string) => at(label, `${R.bucket.arn}/${key}`, R.bucket.policy);
    const replicaExport = replicaObj(`${first.location}/dt=2024-01-01/${sampleFile}`, `replica bucket/${first.prefix}/...`);
    const lakeExport = s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/...`);
    const trust = { action: "sts:AssumeRole", on: at("replication role", R.roleArn, R.trust), context: {} };
    const viaLake = { context: { "kms:ViaService": `s3.${f.region}.amazonaws.com` }, label: "via S3 in the lake's region" };
    const viaReplica = { context: { "kms:ViaService": `s3.${R.region}.amazonaws.com` }, label: "via S3 in the replica's region" };
    const replicaKey = R.key && at("replica key", R.key.arn, R.key.policy);
    const base = { prefix: "replication:", group: "replication", who: replicator } as const;
    const beforeKeys = cellsOf({ ...base, action: "s3:GetObject", on: replicaExport, context: tls }, [
        {
            id: "trust-s3",
            ...trust,
            who: S3,
            allow: "trust policy admits s3.amazonaws.com (the S3 user guide's replication trust policy)",
        },
        { id: "trust-glue", ...trust, who: GLUE, deny: "only S3 is trusted" },
        { id: "trust-admin", ...trust, who: adminHere, deny: SAME_ACCOUNT_TRUST },
        { id: "read-configuration", action: "s3:GetReplicationConfiguration", on: lakeBucket, allow: "ReadReplicationConfiguration" },
        {
            id: "list-lake",
            action: "s3:ListBucket",
            on: lakeBucket,
            allow: "ReadReplicationConfiguration (S3 lists to find delete markers)",
        },
        { id: "read-export-version", action: "s3:GetObjectVersionForReplication", on: lakeExport, allow: "ReadExportVersions" },
        {
            id: "read-athena-results",
            action: "s3:GetObjectVersionForReplication",
            on: athenaResult,
            deny: "only the exports are replicated",
        },
        { id: "write-replica", action: "s3:ReplicateObject", allow: "WriteReplicas" },
        {
            id: "write-replica-elsewhere",
            action: "s3:ReplicateObject",
            on: replicaObj("other/x.parquet", "replica bucket/other/..."),
            deny: "WriteReplicas covers the export prefix only",
        },
        {
            id: "replicate-delete",
            action: "s3:ReplicateDelete",
            deny: "delete markers are not replicated, and the role could not write one: a delete in the lake never reaches the replica",
        },
        { id: "delete-replica-version", action: "s3:DeleteObjectVersion", deny: "the role deletes nothing in the replica" },
        { id: "delete-lake-object", action: "s3:DeleteObject", on: lakeExport, deny: "the role deletes nothing in the lake" },
        { id: "write-lake", action: "s3:PutObject", on: lakeExport, deny: "the role writes replicas only" },
        { id: "read-replica", deny: "the role reads source versions, not replicas" },
    ]);
    const key = (on: Target | undefined, rows: Spec[]) => (on ? cellsOf({ ...base, action: "kms:Encrypt", on }, rows) : []);
    const afterKeys = cellsOf({ ...base, action: "s3:GetObject", on: replicaExport, context: tls }, [
        { id: "unload-writes-replica", who: unloader, action: "s3:PutObject", deny: "Snowflake unloads into the lake only" },
        {
            id: "unload-deletes-replica",
            who: unloader,
            action: "s3:DeleteObject",
            deny: "no grant on the replica: what the unload role deletes in the lake stays there",
        },
        { id: "crawler-reads-replica", who: crawlerOf(first), deny: "crawlers read the lake only" },
        { id: "anonymous-reads-replica", who: ANONYMOUS, deny: NO_BPA_READS },
        {
            id: "admin-other-account-reads-replica",
            who: adminElsewhere,
            deny: "cross-account: the replica's policy grants no other account",
        },
        { id: "admin-reads-replica-no-tls", who: adminHere, context: noTls, denyExplicitly: "the replica's DenyInsecureTransport" },
    ]);
    return [
        ...beforeKeys,
        ...key(lakeKey, [
            { id: "decrypt-exports", action: "kms:Decrypt", ...viaLake, allow: "DecryptExportsThroughS3: through S3 in the lake's region" },
            {
                id: "decrypt-directly",
                action: "kms:Decrypt",
                label: "not via S3",
                deny: "kms:ViaService: the role decrypts only through S3",
            },
            { id: "decrypt-via-other-region", action: "kms:Decrypt", ...viaReplica, deny: "only through S3 in the lake's region" },
            { id: "encrypt-with-lake-key", ...viaLake, deny: "the lake key only decrypts the sources" },
        ]),
        ...key(replicaKey, [
            { id: "encrypt-replicas", ...viaReplica, allow: "EncryptReplicasThroughS3: through S3 in the replica's region" },
            { id: "encrypt-replicas-other-region", ...viaLake, deny: "only through S3 in the replica's region" },
            { id: "encrypt-replicas-directly", label: "not via S3", deny: "kms:ViaService: only through S3" },
            {
                id: "replica-key-other-account",
                who: adminElsewhere,
                action: "kms:Decrypt",
                deny: "the replica key's policy trusts only this account's root",
            },
        ]),
        ...afterKeys,
    ];
}

/** Readers in other accounts. */
function readerCells(scope: Scope): Cell[] {
    const { f, tls, noTls, s3obj, lakeBucket, adminElsewhere, sampleFile, P, glueDatabase, glueTable, lakeKey, athenaResult } = scope;
    const catalogTable = (name: string) => glueTable(name, f.catalogPolicy);
    const viaS3 = { context: { "kms:ViaService": `s3.${f.region}.amazonaws.com` }, label: "via S3 in the lake's region" };
    const otherRegion = f.region === "us-east-1" ? "eu-west-1" : "us-east-1";
    const readers = Object.entries(f.sharing.readers)
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([account, folders]) => {
            const own = f.tables.filter((t) => folders.includes(t.folder));
            if (own.length !== folders.length)
                throw new Error(`IAM matrix: reader ${account} is given tables ${folders.join(", ")}, not all of which are the stack's`);
            const t = own[0];
            const other = f.tables.find((x) => !folders.includes(x.folder));
            const who = { label: `reader ${account}`, arn: `arn:${f.partition}:iam::${account}:role/analyst`, identity: [ADMIN] };
            const current = s3obj(
                `${t.location}/dt=2024-01-01/${sampleFile}`,
                `lake bucket/${t.location}/... (${t.folder}'s current export)`,
            );
            const otherKey = other
                ? `${other.location}/dt=2024-01-01/${sampleFile}`
                : `${P}/another_table/g1-00000000/dt=2024-01-01/${sampleFile}`;
            const readOnly = "read actions only";
            const shared = f.catalogPolicy !== undefined && f.sharing.catalogShared;
            const base = { prefix: `reader:${account}:`, group: "readers", who } as const;
            const s3 = cellsOf({ ...base, action: "s3:ListBucket", on: lakeBucket, context: tls }, [
                {
                    id: `get-${t.folder}`,
                    action: "s3:GetObject",
                    on: current,
                    allow: "bucket policy ReadersGetExports: its tables' current exports (its own IAM allows it too)",
                },
                {
                    id: `list-${t.folder}`,
                    context: { ...tls, "s3:prefix": `${t.location}/` },
                    allow: "bucket policy ReadersListExports: s3:prefix under its tables' current exports",
                },
                {
                    id: "locate-bucket",
                    action: "s3:GetBucketLocation",
                    allow: "bucket policy ReadersLocateLakeBucket (Athena asks for the bucket's region)",
                },
                t.location !== t.prefix && {
                    id: `get-${t.folder}-earlier-export`,
                    action: "s3:GetObject",
                    on: s3obj(`${t.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/<earlier export>/...`),
                    deny: "only the current export's folder is granted",
                },
                {
                    id: `list-${t.folder}-folder`,
                    context: { ...tls, "s3:prefix": `${t.prefix}/` },
                    deny: "listing the table's folder would show every export: only the current one",
                },
                { id: "list-export-prefix", context: { ...tls, "s3:prefix": `${P}/` }, deny: "no listing of the other tables" },
                { id: "list-whole-bucket", deny: "listing without s3:prefix is the whole bucket" },
                {
                    id: other ? `get-${other.folder}` : "get-other-table",
                    action: "s3:GetObject",
                    on: s3obj(
                        otherKey,
                        other
                            ? `lake bucket/${other.location}/... (${other.folder}, not its table)`
                            : "lake bucket/<another table's export>/... (hypothetical)",
                    ),
                    deny: "another table's export is not granted to it",
                },
                {
                    id: "get-athena-results",
                    action: "s3:GetObject",
                    on: athenaResult,
                    deny: "outside its tables' exports",
                },
                {
                    id: `put-${t.folder}`,
                    action: "s3:PutObject",
                    on: s3obj(`${t.location}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.location}/...`),
                    deny: "a reader never writes",
                },
                { id: `delete-${t.folder}`, action: "s3:DeleteObject", on: current, deny: "a reader never deletes" },
                {
                    id: `delete-version-${t.folder}`,
                    action: "s3:DeleteObjectVersion",
                    on: current,
                    deny: "a reader never deletes a version",
                },
                { id: "put-bucket-policy", action: "s3:PutBucketPolicy", deny: "a reader cannot change who reads" },
                {
                    id: `get-${t.folder}-no-tls`,
                    action: "s3:GetObject",
                    on: current,
                    context: noTls,
                    denyExplicitly: "DenyInsecureTransport applies to readers too",
                },
            ]);
            const key = (r: Spec[]) => (lakeKey ? cellsOf({ ...base, action: "kms:Decrypt", on: lakeKey, ...viaS3 }, r) : []);
            const catalog = (r: Spec[]) => cellsOf({ ...base, action: "glue:GetTable", on: catalogTable(t.folder) }, r);
            return [
                ...s3,
                ...key([
                    { id: "decrypt-via-s3", allow: "key policy AllowReadersToDecryptExportsThroughS3: through S3 in the lake's region" },
                    { id: "decrypt-directly", context: {}, label: "not via a service", deny: "kms:ViaService: only through S3" },
                    {
                        id: "decrypt-via-s3-other-region",
                        context: { "kms:ViaService": `s3.${otherRegion}.amazonaws.com` },
                        label: `via S3 in ${otherRegion}`,
                        deny: "only S3 of the lake's region",
                    },
                    {
                        id: "decrypt-via-glue",
                        context: { "kms:ViaService": `glue.${f.region}.amazonaws.com` },
                        label: "via Glue in the lake's region",
                        deny: "no Glue use of the key: a shared catalog is never encrypted with it (glueCatalogEncryption and glueCatalogResourcePolicy are refused together)",
                    },
                    {
                        id: "generate-data-key-via-s3",
                        action: "kms:GenerateDataKey",
                        deny: "a reader decrypts only: it cannot encrypt objects into the lake",
                    },
                    { id: "encrypt-via-s3", action: "kms:Encrypt", deny: "a reader decrypts only" },
                    { id: "create-grant", action: "kms:CreateGrant", context: {}, label: "-", deny: "a reader cannot hand the key on" },
                ]),
                ...catalog(
                    shared
                        ? [
                              { id: `glue-get-${t.folder}`, allow: "Data Catalog resource policy ReadersReadTables: its tables" },
                              {
                                  id: `glue-get-partitions-${t.folder}`,
                                  action: "glue:GetPartitions",
                                  allow: "Data Catalog resource policy ReadersReadTables: their partitions",
                              },
                              {
                                  id: "glue-get-database",
                                  action: "glue:GetDatabase",
                                  on: { ...glueDatabase, policy: f.catalogPolicy },
                                  allow: "Data Catalog resource policy ReadersReadTables: the lake's database",
                              },
                              {
                                  id: other ? `glue-get-${other.folder}` : "glue-get-other-table",
                                  on: catalogTable(other ? other.folder : "another_table"),
                                  deny: "another table is not shared with it",
                              },
                              { id: `glue-update-${t.folder}`, action: "glue:UpdateTable", deny: readOnly },
                              {
                                  id: `glue-add-partitions-${t.folder}`,
                                  action: "glue:BatchCreatePartition",
                                  deny: "read actions only: partitions are the crawler's and the backfill's",
                              },
                              { id: `glue-delete-${t.folder}`, action: "glue:DeleteTable", deny: readOnly },
                          ]
                        : [
                              {
                                  id: `glue-get-${t.folder}`,
                                  deny: "the catalog is not shared (glueCatalogResourcePolicy): the reader catalogues the export in its own account",
                              },
                          ],
                ),
            ];
        });
    // Another account: nothing, whatever the stack shares.
    const t = f.tables[0];
    const others = cellsOf({ prefix: "reader:other-account:", group: "readers", who: adminElsewhere, context: tls }, [
        {
            id: `get-${t.folder}`,
            action: "s3:GetObject",
            on: s3obj(`${t.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.location}/... (current export)`),
            deny: "not a reader: the bucket policy names its readers only",
        },
        {
            id: `list-${t.folder}`,
            action: "s3:ListBucket",
            on: lakeBucket,
            context: { ...tls, "s3:prefix": `${t.location}/` },
            deny: "not a reader",
        },
        lakeKey && {
            id: "decrypt-via-s3",
            action: "kms:Decrypt",
            on: lakeKey,
            ...viaS3,
            deny: "not a reader: the key policy names its readers only",
        },
        { id: `glue-get-${t.folder}`, action: "glue:GetTable", on: catalogTable(t.folder), context: {}, deny: "no catalog grant to it" },
    ]);
    return [...readers, ...others];
}

/** Endpoint owners of other accounts: who may subscribe. */
function endpointOwnerCells({ f, topic, adminElsewhere }: Scope): Cell[] {
    const subscribe = (protocol: string, endpoint: string, label: string) => ({
        action: "sns:Subscribe",
        context: { "sns:Protocol": protocol, "sns:Endpoint": endpoint },
        label,
    });
    const owners = f.sharing.endpointOwners.flatMap((o) => {
        const account = o.endpoint.split(":")[4];
        const who = { label: `endpoint owner ${account}`, arn: `arn:${f.partition}:iam::${account}:role/administrator`, identity: [ADMIN] };
        return cellsOf(
            { prefix: `topic:owner:${account}:${o.endpoint.split(":").slice(5).join(":")}:`, group: "endpoint-owners", who, on: topic },
            [
                {
                    id: "subscribe",
                    ...subscribe(o.protocol, o.endpoint, `${o.protocol}, its configured endpoint`),
                    allow: "topic policy EndpointOwnerSubscribes: its configured endpoint with its protocol",
                },
                {
                    id: "subscribe-other-endpoint",
                    ...subscribe(
                        o.protocol,
                        o.endpoint.replace(/[^:]+$/, "another-endpoint"),
                        `${o.protocol}, another endpoint of its account`,
                    ),
                    deny: "sns:Endpoint is the configured endpoint only",
                },
                {
                    id: "subscribe-other-protocol",
                    ...subscribe(o.protocol === "sqs" ? "lambda" : "sqs", o.endpoint, "another protocol, its endpoint"),
                    deny: "sns:Protocol is the configured protocol only",
                },
                { id: "publish", action: "sns:Publish", deny: "it subscribes; only S3 publishes the lake's events" },
                { id: "set-topic-attributes", action: "sns:SetTopicAttributes", deny: "it cannot change the topic or its policy" },
                {
                    id: "other-account-subscribes-it",
                    who: adminElsewhere,
                    ...subscribe(o.protocol, o.endpoint, `${o.protocol}, the owner's endpoint`),
                    deny: "only the endpoint's owner is admitted",
                },
            ],
        );
    });
    const others = cellsOf({ prefix: "topic:", group: "endpoint-owners", who: adminElsewhere, on: topic }, [
        {
            id: "other-account-subscribes",
            ...subscribe("sqs", `arn:${f.partition}:sqs:${f.region}:${OTHER_ACCOUNT}:its-queue`, "sqs, a queue of its own"),
            deny: "cross-account: the topic policy admits no account that is not a configured endpoint owner",
        },
    ]);
    return [...owners, ...others];
}

function labelContext(ctx: Record<string, string>): string {
    const parts = Object.entries(ctx).map(([k, v]) => {
        if (k === "aws:SecureTransport") return v === "true" ? "TLS" : "no TLS";
        return `${k.replace(/^aws:/, "")}=${v}`;
    });
    return parts.length ? parts.join(", ") : "-";
}
