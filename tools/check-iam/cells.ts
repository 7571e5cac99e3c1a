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

/** Builds every cell of a stack's matrix from its facts, group by group. */
export function buildMatrix(f: LakeFacts): Cell[] {
    const scope = scopeOf(f);
    for (const group of [
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
    ])
        group(scope);
    return scope.cells;
}

/** What every group of cells builds on: the stack's facts, its resources as the cells name them, and `add`. */
function scopeOf(f: LakeFacts) {
    const cells: Cell[] = [];
    const acct = f.accountId;
    const tls = { "aws:SecureTransport": "true" };
    const noTls = { "aws:SecureTransport": "false" };
    const s3obj = (key: string, label: string) => ({ label, arn: `${f.bucket.arn}/${key}`, accountId: acct });
    const lakeBucket = { label: "lake bucket", arn: f.bucket.arn, accountId: acct };
    const otherBucketName = "another-bucket-of-this-account";
    const topic = { label: "lake topic", arn: f.topic.arn, accountId: acct };
    const otherTopicArn = `arn:${f.partition}:sns:${f.region}:${acct}:another-topic`;
    const sessionOf = (roleName: string, session: string) => `arn:${f.partition}:sts::${acct}:assumed-role/${roleName}/${session}`;
    const adminHere = `arn:${f.partition}:iam::${acct}:role/administrator`;
    const adminElsewhere = `arn:${f.partition}:iam::${OTHER_ACCOUNT}:role/administrator`;
    const sampleFile = "data_01b2c3d4-0000-0000-0000-000000000000_0_0_0.snappy.parquet";
    const P = f.exportPrefix;
    const add = (c: Omit<Cell, "contextLabel"> & { contextLabel?: string }) => {
        cells.push({ ...c, contextLabel: c.contextLabel ?? labelContext(c.context) });
    };
    const unloadSession = sessionOf(f.unload.roleName, "snowflake");
    const glueDatabase = {
        label: "Glue database",
        arn: `arn:${f.partition}:glue:${f.region}:${acct}:database/${f.glueDatabase}`,
        accountId: acct,
    };
    const glueTable = (name: string) => ({
        label: `Glue table ${name}`,
        arn: `arn:${f.partition}:glue:${f.region}:${acct}:table/${f.glueDatabase}/${name}`,
        accountId: acct,
    });
    const publish = (
        id: string,
        group: CellGroup,
        principal: Cell["principal"],
        context: Record<string, string>,
        contextLabel: string,
        expected: Expected,
        why: string,
        identityPolicies: NamedPolicy[] = [],
    ) =>
        add({
            id: `topic:${id}`,
            group,
            principal,
            action: "sns:Publish",
            resource: topic,
            context,
            contextLabel,
            identityPolicies,
            resourcePolicy: f.topic.policy,
            expected,
            why,
        });
    const unloadRole = { label: "unload role", arn: f.unload.roleArn, accountId: acct };
    const assume = (
        id: string,
        group: CellGroup,
        principal: Cell["principal"],
        context: Record<string, string>,
        contextLabel: string,
        identity: NamedPolicy[],
        expected: Expected,
        why: string,
    ) =>
        add({
            id: `unload:trust:${id}`,
            group,
            principal,
            action: "sts:AssumeRole",
            resource: unloadRole,
            context,
            contextLabel,
            identityPolicies: identity,
            resourcePolicy: f.unload.trust,
            expected,
            why,
        });
    const first = f.tables[0];
    const unloadKey = `${first.prefix}/dt=2024-01-01/${sampleFile}`;
    return {
        f,
        cells,
        acct,
        tls,
        noTls,
        s3obj,
        lakeBucket,
        otherBucketName,
        topic,
        otherTopicArn,
        sessionOf,
        adminHere,
        adminElsewhere,
        sampleFile,
        P,
        add,
        unloadSession,
        glueDatabase,
        glueTable,
        publish,
        unloadRole,
        assume,
        first,
        unloadKey,
    };
}
type Scope = ReturnType<typeof scopeOf>;

/** S3 → SNS: the topic policy. */
function topicCells({ f, acct, otherBucketName, adminElsewhere, publish }: Scope): void {
    publish(
        "s3-lake-bucket",
        "topic-allows-lake-bucket",
        { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct },
        "SourceArn=lake bucket, SourceAccount=this account",
        "Allowed",
        "topic policy admits s3.amazonaws.com for the lake bucket's ARN and this account",
    );
    publish(
        "s3-other-bucket",
        "topic-denies-others",
        { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct },
        "SourceArn=another bucket, SourceAccount=this account",
        "Denied",
        "aws:SourceArn is not the lake bucket",
    );
    publish(
        "s3-other-account",
        "topic-denies-others",
        { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": OTHER_ACCOUNT },
        "SourceArn=lake bucket's name, SourceAccount=another account",
        "Denied",
        "aws:SourceAccount pins the bucket owner: a same-named bucket re-created in another account is refused",
    );
    publish(
        "admin-other-account",
        "topic-denies-others",
        { label: "administrator of another account", arn: adminElsewhere },
        {},
        "-",
        "Denied",
        "cross-account: the topic policy admits no other account",
        [ADMIN],
    );
    publish(
        "anonymous",
        "anonymous",
        { label: "anonymous", arn: "anonymous" },
        {},
        "-",
        "Denied",
        "no statement admits an unsigned request",
    );
}

/** SNS → SQS: each queue's policy. */
function queueCells({ f, acct, otherTopicArn, add }: Scope): void {
    for (const t of f.tables) {
        const queue = { label: `queue ${t.folder}`, arn: t.queue.arn, accountId: acct };
        const dlq = { label: `DLQ ${t.folder}`, arn: t.dlq.arn, accountId: acct };
        const send = (
            id: string,
            group: CellGroup,
            principal: Cell["principal"],
            res: Cell["resource"],
            policy: PolicyDoc | undefined,
            context: Record<string, string>,
            contextLabel: string,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `queue:${t.folder}:${id}`,
                group,
                principal,
                action: "sqs:SendMessage",
                resource: res,
                context,
                contextLabel,
                identityPolicies: [],
                resourcePolicy: policy,
                expected,
                why,
            });
        send(
            "sns-lake-topic",
            "queue-allows-topic",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            queue,
            t.queue.policy,
            { "aws:SourceArn": f.topic.arn },
            "SourceArn=lake topic",
            "Allowed",
            "queue policy admits sns.amazonaws.com for the lake topic's ARN",
        );
        send(
            "sns-other-topic",
            "queue-denies-others",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            queue,
            t.queue.policy,
            { "aws:SourceArn": otherTopicArn },
            "SourceArn=another topic of this account",
            "Denied",
            "aws:SourceArn is not the lake topic",
        );
        send(
            "sns-other-account",
            "queue-denies-others",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            queue,
            t.queue.policy,
            { "aws:SourceArn": f.topic.arn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`) },
            "SourceArn=lake topic's name in another account",
            "Denied",
            "ArnEquals compares the whole ARN, account included",
        );
        send(
            "s3-direct",
            "queue-denies-others",
            { label: "S3 (service)", arn: "s3.amazonaws.com" },
            queue,
            t.queue.policy,
            { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct },
            "SourceArn=lake bucket",
            "Denied",
            "events reach queues only through the topic",
        );
        send(
            "sns-to-dlq",
            "queue-denies-others",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            dlq,
            t.dlq.policy,
            { "aws:SourceArn": f.topic.arn },
            "SourceArn=lake topic",
            "Denied",
            "the DLQ has no policy: only SQS redrive (maxReceiveCount) fills it",
        );
        send(
            "anonymous",
            "anonymous",
            { label: "anonymous", arn: "anonymous" },
            queue,
            t.queue.policy,
            {},
            "-",
            "Denied",
            "no statement admits an unsigned request",
        );
    }
}

/** Crawler roles. */
function crawlerCells({
    f,
    acct,
    tls,
    noTls,
    s3obj,
    lakeBucket,
    otherBucketName,
    sessionOf,
    adminHere,
    sampleFile,
    P,
    add,
    glueDatabase,
    glueTable,
}: Scope): void {
    for (const t of f.tables) {
        const who = { label: `crawler role ${t.folder}`, arn: sessionOf(t.crawler.roleName, "AWS-Crawler") };
        const ownQueue = { label: `queue ${t.folder}`, arn: t.queue.arn, accountId: acct };
        const ownDlq = { label: `DLQ ${t.folder}`, arn: t.dlq.arn, accountId: acct };
        const cell = (
            id: string,
            group: CellGroup,
            action: string,
            res: Cell["resource"],
            resourcePolicy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
            contextLabel?: string,
        ) =>
            add({
                id: `crawler:${t.folder}:${id}`,
                group,
                principal: who,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: t.crawler.identity,
                resourcePolicy,
                expected,
                why,
            });

        cell(
            "receive-own-queue",
            "crawler-own",
            "sqs:ReceiveMessage",
            ownQueue,
            t.queue.policy,
            {},
            "Allowed",
            "inline policy ConsumeOwnEventQueue",
        );
        cell(
            "delete-own-queue",
            "crawler-own",
            "sqs:DeleteMessage",
            ownQueue,
            t.queue.policy,
            {},
            "Allowed",
            "inline policy ConsumeOwnEventQueue",
        );
        cell(
            "receive-own-dlq",
            "crawler-own",
            "sqs:ReceiveMessage",
            ownDlq,
            t.dlq.policy,
            {},
            "Allowed",
            "inline policy: the crawler's dlqEventQueueArn",
        );
        cell(
            "read-own-prefix",
            "crawler-own",
            "s3:GetObject",
            s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`),
            f.bucket.policy,
            tls,
            "Allowed",
            "inline policy ReadOwnTableObjects",
        );
        cell(
            "list-own-prefix",
            "crawler-own",
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": `${t.prefix}/` },
            "Allowed",
            "inline policy ListOwnTableFolder",
        );
        if (f.key) {
            cell(
                "decrypt-lake-key",
                "kms",
                "kms:Decrypt",
                { label: "lake key", arn: f.key.arn, accountId: acct },
                f.key.policy,
                {},
                "Allowed",
                "inline DecryptWithLakeKey; the key policy lets this account's IAM policies decide",
            );
            cell(
                "encrypt-lake-key",
                "kms",
                "kms:GenerateDataKey",
                { label: "lake key", arn: f.key.arn, accountId: acct },
                f.key.policy,
                {},
                "Denied",
                t.logs.encrypted
                    ? "it encrypts only under its own log group's encryption context (EncryptOwnCrawlerLogs)"
                    : "a crawler only decrypts; it is never granted GenerateDataKey",
            );
        }

        const others = f.tables.filter((o) => o !== t);
        for (const o of others) {
            cell(
                `receive-queue-${o.folder}`,
                "crawler-denied",
                "sqs:ReceiveMessage",
                { label: `queue ${o.folder}`, arn: o.queue.arn, accountId: acct },
                o.queue.policy,
                {},
                "Denied",
                "its queue is not in this role's policy (a queue feeds exactly one crawler)",
            );
            cell(
                `delete-queue-${o.folder}`,
                "crawler-denied",
                "sqs:DeleteMessage",
                { label: `queue ${o.folder}`, arn: o.queue.arn, accountId: acct },
                o.queue.policy,
                {},
                "Denied",
                "its queue is not in this role's policy",
            );
            cell(
                `read-prefix-${o.folder}`,
                "crawler-denied",
                "s3:GetObject",
                s3obj(`${o.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${o.prefix}/dt=.../*.parquet`),
                f.bucket.policy,
                tls,
                "Denied",
                "ReadOwnTableObjects covers only its own folder",
            );
            cell(
                `list-prefix-${o.folder}`,
                "crawler-denied",
                "s3:ListBucket",
                lakeBucket,
                f.bucket.policy,
                { ...tls, "s3:prefix": `${o.prefix}/` },
                "Denied",
                "ListOwnTableFolder lists its own folder only",
            );
            cell(
                `update-table-${o.folder}`,
                "crawler-catalog",
                "glue:BatchCreatePartition",
                glueTable(o.folder),
                undefined,
                {},
                "Denied",
                "KeepOwnGlueTable names its own table only",
            );
        }
        if (others.length === 0) {
            cell(
                "receive-queue-other",
                "crawler-denied",
                "sqs:ReceiveMessage",
                {
                    label: "queue of another table (hypothetical)",
                    arn: `arn:${f.partition}:sqs:${f.region}:${acct}:another-table-queue`,
                    accountId: acct,
                },
                undefined,
                {},
                "Denied",
                "only its own queue and DLQ are in this role's policy",
            );
        }
        cell(
            "read-sibling-folder",
            "crawler-denied",
            "s3:GetObject",
            s3obj(`${t.prefix}_archive/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}_archive/... (another table's folder)`),
            f.bucket.policy,
            tls,
            "Denied",
            "the grant ends in '/': a folder sharing the name's beginning is another table",
        );
        cell(
            "read-athena-results",
            "crawler-denied",
            "s3:GetObject",
            s3obj("athena-results/query.csv", "lake bucket/athena-results/..."),
            f.bucket.policy,
            tls,
            "Denied",
            "outside its table folder",
        );
        cell(
            "read-other-bucket",
            "crawler-denied",
            "s3:GetObject",
            {
                label: `${otherBucketName}/${t.prefix}/...`,
                arn: `arn:${f.partition}:s3:::${otherBucketName}/${t.prefix}/dt=2024-01-01/${sampleFile}`,
                accountId: acct,
            },
            undefined,
            tls,
            "Denied",
            "no grant on another bucket",
        );
        cell(
            "write-own-prefix",
            "crawler-denied",
            "s3:PutObject",
            s3obj(`${t.prefix}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.prefix}/...`),
            f.bucket.policy,
            tls,
            "Denied",
            "a crawler reads; it never writes the data",
        );
        cell(
            "delete-own-prefix",
            "crawler-denied",
            "s3:DeleteObject",
            s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/...`),
            f.bucket.policy,
            tls,
            "Denied",
            "a crawler never deletes the data",
        );
        cell(
            "send-own-queue",
            "crawler-denied",
            "sqs:SendMessage",
            ownQueue,
            t.queue.policy,
            {},
            "Denied",
            "a crawler consumes events; it cannot forge them",
        );
        cell(
            "read-own-prefix-no-tls",
            "tls-only",
            "s3:GetObject",
            s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/...`),
            f.bucket.policy,
            noTls,
            "ExplicitlyDenied",
            "bucket policy DenyInsecureTransport",
        );
        cell(
            "list-bucket-any-prefix",
            "crawler-denied",
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": "athena-results/" },
            "Denied",
            "ListOwnTableFolder lists its own folder only (AWSGlueServiceRole would list every bucket)",
        );
        cell(
            "read-aws-glue-key",
            "crawler-catalog",
            "s3:GetObject",
            s3obj(
                `${P}/any-table/status=aws-glue-x/${sampleFile}`,
                `lake bucket/${P}/<table>/<col>=aws-glue-x/... (key containing aws-glue-)`,
            ),
            f.bucket.policy,
            tls,
            "Denied",
            "no managed policy: keys containing aws-glue- are not opened to every crawler",
        );
        cell(
            "add-own-partitions",
            "crawler-catalog",
            "glue:BatchCreatePartition",
            glueTable(t.folder),
            undefined,
            {},
            "Allowed",
            "KeepOwnGlueTable: its own table's partitions",
        );
        cell("read-own-table", "crawler-catalog", "glue:GetTable", glueTable(t.folder), undefined, {}, "Allowed", "KeepOwnGlueTable");
        cell(
            "create-table",
            "crawler-catalog",
            "glue:CreateTable",
            glueDatabase,
            undefined,
            {},
            "Denied",
            "a catalog target never creates tables",
        );
        cell(
            "delete-own-table",
            "crawler-catalog",
            "glue:DeleteTable",
            glueTable(t.folder),
            undefined,
            {},
            "Denied",
            "DeleteBehavior LOG: a crawler never deletes",
        );
        cell(
            "other-database",
            "crawler-catalog",
            "glue:GetTable",
            {
                label: "another database's table",
                arn: `arn:${f.partition}:glue:${f.region}:${acct}:table/other_db/${t.folder}`,
                accountId: acct,
            },
            undefined,
            {},
            "Denied",
            "only the stack's Glue database",
        );

        // Trust: only Glue.
        const role = { label: `crawler role ${t.folder}`, arn: t.crawler.roleArn, accountId: acct };
        add({
            id: `crawler:${t.folder}:trust-glue`,
            group: "crawler-trust",
            principal: { label: "Glue (service)", arn: "glue.amazonaws.com" },
            action: "sts:AssumeRole",
            resource: role,
            context: {},
            identityPolicies: [],
            resourcePolicy: t.crawler.trust,
            expected: "Allowed",
            why: "trust policy admits glue.amazonaws.com",
        });
        add({
            id: `crawler:${t.folder}:trust-snowflake`,
            group: "crawler-trust",
            principal: { label: "Snowflake integration user", arn: f.unload.integrationUserArn },
            action: "sts:AssumeRole",
            resource: role,
            context: { "sts:ExternalId": f.unload.externalId },
            contextLabel: "ExternalId=the integration's",
            identityPolicies: [SNOWFLAKE_SIDE],
            resourcePolicy: t.crawler.trust,
            expected: "Denied",
            why: "trust policy admits only Glue",
        });
        add({
            id: `crawler:${t.folder}:trust-admin`,
            group: "crawler-trust",
            principal: { label: "administrator of this account", arn: adminHere },
            action: "sts:AssumeRole",
            resource: role,
            context: {},
            identityPolicies: [ADMIN],
            resourcePolicy: t.crawler.trust,
            expected: "Denied",
            why: "a trust policy must name the principal, even in the same account",
        });
    }
}

/** Crawler logs. */
function crawlerLogCells({ f, acct, sessionOf, adminHere, adminElsewhere, add, unloadSession }: Scope): void {
    const logStream = (t: TableFacts) => ({
        label: `${t.logs.encrypted ? "encrypted log group" : "log group /aws-glue/crawlers"}, stream ${t.folder}`,
        arn: `${t.logs.arn}:log-stream:${t.crawler.name}`,
        accountId: acct,
    });
    const logGroupRes = (t: TableFacts) => ({
        label: t.logs.encrypted ? `encrypted log group ${t.folder}` : "log group /aws-glue/crawlers",
        arn: t.logs.arn,
        accountId: acct,
    });
    const ecOf = (arn: string) => ({ [LOGS_ENCRYPTION_CONTEXT]: arn });
    const otherGroup = (name: string) => logGroupArn(f, name);
    for (const t of f.tables) {
        const who = { label: `crawler role ${t.folder}`, arn: sessionOf(t.crawler.roleName, "AWS-Crawler") };
        const cell = (
            id: string,
            action: string,
            res: Cell["resource"],
            resourcePolicy: PolicyDoc | undefined,
            context: Record<string, string>,
            contextLabel: string,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `crawler:${t.folder}:${id}`,
                group: "crawler-logs",
                principal: who,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: t.crawler.identity,
                resourcePolicy,
                expected,
                why,
            });
        cell(
            "write-own-log",
            "logs:PutLogEvents",
            logStream(t),
            undefined,
            {},
            "-",
            "Allowed",
            "WriteOwnCrawlerLog: its stream, named after the crawler",
        );
        cell("create-own-log-stream", "logs:CreateLogStream", logStream(t), undefined, {}, "-", "Allowed", "WriteOwnCrawlerLog");
        cell(
            "read-own-log",
            "logs:GetLogEvents",
            logStream(t),
            undefined,
            {},
            "-",
            "Denied",
            "a crawler writes its log; it never reads it",
        );
        const others = f.tables.filter((o) => o !== t);
        for (const o of others.filter((x) => x.logs.arn !== t.logs.arn || x.crawler.name !== t.crawler.name)) {
            cell(
                `write-log-${o.folder}`,
                "logs:PutLogEvents",
                logStream(o),
                undefined,
                {},
                "-",
                "Denied",
                "its grant names its own stream only",
            );
        }
        if (others.length === 0) {
            cell(
                "write-log-other",
                "logs:PutLogEvents",
                { label: "a stream of another crawler (hypothetical)", arn: `${t.logs.arn}:log-stream:another-crawler`, accountId: acct },
                undefined,
                {},
                "-",
                "Denied",
                "its grant names its own stream only",
            );
        }
        if (!t.logs.encrypted) continue;
        cell(
            "associate-own-log-group",
            "logs:AssociateKmsKey",
            logGroupRes(t),
            undefined,
            {},
            "-",
            "Allowed",
            "AssociateLakeKeyWithOwnLogGroup: Glue associates the configuration's key with the crawler's log group",
        );
        for (const o of others.filter((x) => x.logs.encrypted)) {
            cell(
                `associate-log-group-${o.folder}`,
                "logs:AssociateKmsKey",
                logGroupRes(o),
                undefined,
                {},
                "-",
                "Denied",
                "its grant names its own log group only",
            );
        }
        cell(
            "associate-other-log-group",
            "logs:AssociateKmsKey",
            { label: "log group /aws-glue/crawlers", arn: otherGroup(DEFAULT_CRAWLER_LOG_GROUP), accountId: acct },
            undefined,
            {},
            "-",
            "Denied",
            "it cannot re-key any other log group, the default one included",
        );
        cell(
            "write-default-log-group",
            "logs:PutLogEvents",
            {
                label: "log group /aws-glue/crawlers",
                arn: `${otherGroup(DEFAULT_CRAWLER_LOG_GROUP)}:log-stream:${t.crawler.name}`,
                accountId: acct,
            },
            undefined,
            {},
            "-",
            "Denied",
            "with the security configuration it logs only to its encrypted group",
        );
        if (f.key) {
            const key = { label: "lake key", arn: f.key.arn, accountId: acct };
            cell(
                "encrypt-own-log",
                "kms:GenerateDataKey",
                key,
                f.key.policy,
                ecOf(t.logs.arn),
                `EncryptionContext aws:logs:arn=its log group`,
                "Allowed",
                "EncryptOwnCrawlerLogs: under its own log group's encryption context (the Glue guide's kms:GenerateDataKey* for crawler roles)",
            );
            for (const o of others.filter((x) => x.logs.encrypted)) {
                cell(
                    `encrypt-log-${o.folder}`,
                    "kms:GenerateDataKey",
                    key,
                    f.key.policy,
                    ecOf(o.logs.arn),
                    `EncryptionContext aws:logs:arn=log group ${o.folder}`,
                    "Denied",
                    "the encryption context must be its own log group",
                );
            }
        }
    }
    // Who else could read a crawler's log: the stack's other roles, another account.
    const readable = f.tables[0];
    const readLog = (id: string, principal: Cell["principal"], identity: NamedPolicy[], expected: Expected, why: string) =>
        add({
            id: `logs:${readable.folder}:${id}`,
            group: "crawler-logs",
            principal,
            action: "logs:GetLogEvents",
            resource: logStream(readable),
            context: {},
            identityPolicies: identity,
            expected,
            why,
        });
    readLog("unload-role", { label: "unload role", arn: unloadSession }, f.unload.identity, "Denied", "no logs grant");
    if (readable.arrival)
        readLog(
            "arrival-role",
            { label: `arrival role ${readable.folder}`, arn: sessionOf(readable.arrival.roleName, "events") },
            readable.arrival.identity,
            "Denied",
            "no logs grant",
        );
    if (f.taskAlerts)
        readLog(
            "task-alerts-role",
            { label: "task-error role", arn: sessionOf(f.taskAlerts.roleName, "snowflake") },
            f.taskAlerts.identity,
            "Denied",
            "no logs grant",
        );
    for (const o of f.tables.filter((x) => x !== readable)) {
        readLog(
            `crawler-role-${o.folder}`,
            { label: `crawler role ${o.folder}`, arn: sessionOf(o.crawler.roleName, "AWS-Crawler") },
            o.crawler.identity,
            "Denied",
            "a crawler role writes its own log only",
        );
    }
    readLog(
        "admin-other-account",
        { label: "administrator of another account", arn: adminElsewhere },
        [ADMIN],
        "Denied",
        "cross-account: log groups here have no resource policy",
    );
    readLog(
        "admin-this-account",
        { label: "administrator of this account", arn: adminHere },
        [ADMIN],
        "Allowed",
        "same account: identity policies decide (CloudWatch Logs decrypts an encrypted group with the key for that group only)",
    );
    if (f.key && f.tables.some((t) => t.logs.encrypted)) {
        const keyRes = { label: "lake key", arn: f.key.arn, accountId: acct };
        const logsService = { label: "CloudWatch Logs (service)", arn: `logs.${f.region}.amazonaws.com` };
        const logsKms = (
            id: string,
            principal: Cell["principal"],
            action: string,
            context: Record<string, string>,
            contextLabel: string,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `kms:logs-${id}`,
                group: "crawler-logs",
                principal,
                action,
                resource: keyRes,
                context,
                contextLabel,
                identityPolicies: [],
                resourcePolicy: f.key!.policy,
                expected,
                why,
            });
        for (const t of f.tables.filter((x) => x.logs.encrypted)) {
            logsKms(
                `crawler-log-group-${t.folder}`,
                logsService,
                "kms:GenerateDataKey",
                ecOf(t.logs.arn),
                `EncryptionContext aws:logs:arn=log group ${t.folder}`,
                "Allowed",
                "AllowCloudWatchLogsForCrawlerLogGroups: the stack's crawler log groups (ArnLike on the encryption context)",
            );
        }
        const first = f.tables.find((x) => x.logs.encrypted)!;
        logsKms(
            "decrypt-crawler-log-group",
            logsService,
            "kms:Decrypt",
            ecOf(first.logs.arn),
            `EncryptionContext aws:logs:arn=log group ${first.folder}`,
            "Allowed",
            "CloudWatch Logs decrypts the group's events for a reader IAM allows",
        );
        logsKms(
            "default-crawler-log-group",
            logsService,
            "kms:GenerateDataKey",
            ecOf(otherGroup(DEFAULT_CRAWLER_LOG_GROUP)),
            "EncryptionContext aws:logs:arn=/aws-glue/crawlers",
            "Denied",
            "only the stack's crawler log groups, not the account's default one",
        );
        logsKms(
            "other-role-log-group",
            logsService,
            "kms:GenerateDataKey",
            ecOf(otherGroup(encryptedCrawlerLogGroup("another-role", first.logs.configuration!))),
            "EncryptionContext aws:logs:arn=a crawler log group of another stack's role",
            "Denied",
            "the pattern is the stack's role-name prefix: another role's crawler logs are not the stack's",
        );
        logsKms(
            "other-log-group",
            logsService,
            "kms:GenerateDataKey",
            ecOf(otherGroup("/aws/lambda/another-function")),
            "EncryptionContext aws:logs:arn=another log group",
            "Denied",
            "only the stack's crawler log groups",
        );
        logsKms(
            "no-context",
            logsService,
            "kms:GenerateDataKey",
            {},
            "-",
            "Denied",
            "without the encryption context CloudWatch Logs is not acting for a log group",
        );
        logsKms(
            "other-region",
            { label: "CloudWatch Logs of another region (service)", arn: "logs.us-east-1.amazonaws.com" },
            "kms:GenerateDataKey",
            ecOf(first.logs.arn),
            `EncryptionContext aws:logs:arn=log group ${first.folder}`,
            "Denied",
            "the key admits CloudWatch Logs of its own region",
        );
    }
}

/** The arrival rules: who may start a table's crawl. */
function arrivalCells({ f, acct, tls, s3obj, sessionOf, adminHere, sampleFile, add }: Scope): void {
    for (const t of f.tables.filter((x) => x.arrival !== undefined)) {
        const a = t.arrival!;
        const who = { label: `arrival role ${t.folder}`, arn: sessionOf(a.roleName, "events") };
        const ownWorkflow = { label: `workflow ${t.folder}`, arn: a.workflowArn, accountId: acct };
        const cell = (
            id: string,
            action: string,
            res: Cell["resource"],
            resourcePolicy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `arrival:${t.folder}:${id}`,
                group: "arrival-trigger",
                principal: who,
                action,
                resource: res,
                context,
                identityPolicies: a.identity,
                resourcePolicy,
                expected,
                why,
            });
        cell(
            "notify-own-workflow",
            "glue:NotifyEvent",
            ownWorkflow,
            undefined,
            {},
            "Allowed",
            "inline NotifyOwnWorkflow: its events reach its own table's EVENT trigger",
        );
        const others = f.tables.filter((o) => o !== t && o.arrival !== undefined);
        for (const o of others) {
            cell(
                `notify-workflow-${o.folder}`,
                "glue:NotifyEvent",
                { label: `workflow ${o.folder}`, arn: o.arrival!.workflowArn, accountId: acct },
                undefined,
                {},
                "Denied",
                "NotifyOwnWorkflow names its own workflow only: a rule cannot start another table's crawl",
            );
        }
        if (others.length === 0) {
            cell(
                "notify-workflow-other",
                "glue:NotifyEvent",
                {
                    label: "workflow of another table (hypothetical)",
                    arn: `arn:${f.partition}:glue:${f.region}:${acct}:workflow/another-table`,
                    accountId: acct,
                },
                undefined,
                {},
                "Denied",
                "NotifyOwnWorkflow names its own workflow only",
            );
        }
        cell(
            "start-own-workflow",
            "glue:StartWorkflowRun",
            ownWorkflow,
            undefined,
            {},
            "Denied",
            "only NotifyEvent: the trigger's batching condition decides when the workflow runs",
        );
        cell(
            "start-own-crawler",
            "glue:StartCrawler",
            { label: `crawler ${t.folder}`, arn: t.crawler.arn, accountId: acct },
            undefined,
            {},
            "Denied",
            "the crawler starts through the workflow only, one run at a time",
        );
        cell(
            "pass-crawler-role",
            "iam:PassRole",
            { label: `crawler role ${t.folder}`, arn: t.crawler.roleArn, accountId: acct },
            undefined,
            {},
            "Denied",
            "it cannot hand the crawler's role to anything",
        );
        cell(
            "read-own-prefix",
            "s3:GetObject",
            s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`),
            f.bucket.policy,
            tls,
            "Denied",
            "no S3 grant: it rings the bell, the crawler reads the data",
        );

        const role = { label: `arrival role ${t.folder}`, arn: a.roleArn, accountId: acct };
        const events = { label: "EventBridge (service)", arn: "events.amazonaws.com" };
        const trust = (
            id: string,
            principal: Cell["principal"],
            context: Record<string, string>,
            contextLabel: string,
            identity: NamedPolicy[],
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `arrival:${t.folder}:trust-${id}`,
                group: "arrival-trigger",
                principal,
                action: "sts:AssumeRole",
                resource: role,
                context,
                contextLabel,
                identityPolicies: identity,
                resourcePolicy: a.trust,
                expected,
                why,
            });
        trust(
            "own-rule",
            events,
            { "aws:SourceArn": a.ruleArn, "aws:SourceAccount": acct },
            "SourceArn=its rule, SourceAccount=this account",
            [],
            "Allowed",
            "trust policy: events.amazonaws.com for its own rule's ARN in this account",
        );
        const otherRule = others[0]?.arrival?.ruleArn ?? `arn:${f.partition}:events:${f.region}:${acct}:rule/another-rule`;
        trust(
            "other-rule",
            events,
            { "aws:SourceArn": otherRule, "aws:SourceAccount": acct },
            `SourceArn=${others[0] ? `the rule of ${others[0].folder}` : "another rule"}, SourceAccount=this account`,
            [],
            "Denied",
            "aws:SourceArn must be its own rule: another rule cannot use this role",
        );
        trust(
            "other-account",
            events,
            { "aws:SourceArn": a.ruleArn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`), "aws:SourceAccount": OTHER_ACCOUNT },
            "SourceArn=its rule's name in another account, SourceAccount=another account",
            [],
            "Denied",
            "a same-named rule of another account is another source",
        );
        trust("no-source", events, {}, "-", [], "Denied", "without aws:SourceArn EventBridge is not acting for its rule");
        trust("glue", { label: "Glue (service)", arn: "glue.amazonaws.com" }, {}, "-", [], "Denied", "only EventBridge is trusted");
        trust(
            "admin",
            { label: "administrator of this account", arn: adminHere },
            {},
            "-",
            [ADMIN],
            "Denied",
            "a trust policy must name the principal, even in the same account",
        );
    }
}

/** The unload role: trust. */
function unloadTrustCells({ f, adminHere, adminElsewhere, assume }: Scope): void {
    const sfUser = { label: "Snowflake integration user", arn: f.unload.integrationUserArn };
    assume(
        "snowflake-right-external-id",
        "unload-trust-allowed",
        sfUser,
        { "sts:ExternalId": f.unload.externalId },
        "ExternalId=the integration's",
        [SNOWFLAKE_SIDE],
        "Allowed",
        "trust policy: the integration's IAM user with sts:ExternalId = the integration's external id",
    );
    assume(
        "snowflake-no-external-id",
        "unload-trust-denied",
        sfUser,
        {},
        "no ExternalId",
        [SNOWFLAKE_SIDE],
        "Denied",
        "sts:ExternalId is required",
    );
    assume(
        "snowflake-wrong-external-id",
        "unload-trust-denied",
        sfUser,
        { "sts:ExternalId": "MOCKORG_SFCRole=2_wrong=" },
        "ExternalId=another integration's",
        [SNOWFLAKE_SIDE],
        "Denied",
        "another integration (or account) of Snowflake has another external id",
    );
    const accountOfSf = f.unload.integrationUserArn.split(":")[4];
    assume(
        "other-snowflake-user",
        "unload-trust-denied",
        { label: "another IAM user of Snowflake's account", arn: `arn:${f.partition}:iam::${accountOfSf}:user/other-customer-s` },
        { "sts:ExternalId": f.unload.externalId },
        "ExternalId=the integration's",
        [SNOWFLAKE_SIDE],
        "Denied",
        "the trust policy names one IAM user, not Snowflake's account",
    );
    assume(
        "admin-this-account",
        "unload-trust-denied",
        { label: "administrator of this account", arn: adminHere },
        { "sts:ExternalId": f.unload.externalId },
        "ExternalId=the integration's",
        [ADMIN],
        "Denied",
        "a trust policy must name the principal, even in the same account",
    );
    assume(
        "admin-other-account",
        "unload-trust-denied",
        { label: "administrator of another account", arn: adminElsewhere },
        { "sts:ExternalId": f.unload.externalId },
        "ExternalId=the integration's",
        [ADMIN],
        "Denied",
        "not the integration's IAM user",
    );
    assume(
        "glue",
        "unload-trust-denied",
        { label: "Glue (service)", arn: "glue.amazonaws.com" },
        {},
        "-",
        [],
        "Denied",
        "no service principal is trusted",
    );
}

/** The unload role: S3. */
function unloadS3Cells({
    f,
    acct,
    tls,
    noTls,
    s3obj,
    lakeBucket,
    otherBucketName,
    sampleFile,
    P,
    add,
    unloadSession,
    first,
    unloadKey,
}: Scope): void {
    const unload = (
        id: string,
        group: CellGroup,
        action: string,
        res: Cell["resource"],
        resourcePolicy: PolicyDoc | undefined,
        context: Record<string, string>,
        expected: Expected,
        why: string,
    ) =>
        add({
            id: `unload:${id}`,
            group,
            principal: { label: "unload role", arn: unloadSession },
            action,
            resource: res,
            context,
            identityPolicies: f.unload.identity,
            resourcePolicy,
            expected,
            why,
        });
    for (const t of f.tables) {
        unload(
            `put-under-prefix:${t.folder}`,
            "unload-access-allowed",
            "s3:PutObject",
            s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`),
            f.bucket.policy,
            tls,
            "Allowed",
            "UnloadObjectsUnderExportPrefix",
        );
        unload(
            `list-prefix:${t.folder}`,
            "unload-access-allowed",
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": `${t.prefix}/` },
            "Allowed",
            "ListExportPrefix (s3:prefix under the export prefix)",
        );
    }
    unload("locate-bucket", "unload-access-allowed", "s3:GetBucketLocation", lakeBucket, f.bucket.policy, tls, "Allowed", "LocateBucket");
    unload(
        "delete-under-prefix",
        "unload-access-allowed",
        "s3:DeleteObject",
        s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<current export>/...`),
        f.bucket.policy,
        tls,
        "Allowed",
        f.replication
            ? "Snowflake requires s3:DeleteObject to unload (docs.snowflake.com data-unload-s3), here only in the exports being written; the lake keeps the old version and the replica the object"
            : "Snowflake requires s3:DeleteObject to unload (docs.snowflake.com data-unload-s3), here only in the exports being written",
    );
    if (first.location !== first.prefix) {
        unload(
            "delete-earlier-export",
            "unload-access-denied",
            "s3:DeleteObject",
            s3obj(`${first.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<earlier export>/...`),
            f.bucket.policy,
            tls,
            "Denied",
            "RemoveFilesOfFailedUnloads names the current exports only: an earlier export is out of the role's reach",
        );
    }
    unload(
        "delete-version-under-prefix",
        "unload-access-denied",
        "s3:DeleteObjectVersion",
        s3obj(unloadKey, `lake bucket/${first.prefix}/...`),
        f.bucket.policy,
        tls,
        "Denied",
        "not needed to unload; withheld so the role cannot erase the versions prod keeps",
    );
    unload(
        "put-athena-results",
        "unload-access-denied",
        "s3:PutObject",
        s3obj("athena-results/x.parquet", "lake bucket/athena-results/..."),
        f.bucket.policy,
        tls,
        "Denied",
        "outside the export prefix",
    );
    unload(
        "put-sibling-prefix",
        "unload-access-denied",
        "s3:PutObject",
        s3obj(`${P}-old/x.parquet`, `lake bucket/${P}-old/...`),
        f.bucket.policy,
        tls,
        "Denied",
        "the grant ends in '/': a prefix sharing the name's beginning is outside",
    );
    unload(
        "put-bucket-root",
        "unload-access-denied",
        "s3:PutObject",
        s3obj("x.parquet", "lake bucket/x.parquet (root)"),
        f.bucket.policy,
        tls,
        "Denied",
        "outside the export prefix",
    );
    unload(
        "put-other-bucket",
        "unload-access-denied",
        "s3:PutObject",
        {
            label: `${otherBucketName}/${first.prefix}/...`,
            arn: `arn:${f.partition}:s3:::${otherBucketName}/${unloadKey}`,
            accountId: acct,
        },
        undefined,
        tls,
        "Denied",
        "no grant on another bucket",
    );
    unload(
        "list-other-prefix",
        "unload-access-denied",
        "s3:ListBucket",
        lakeBucket,
        f.bucket.policy,
        { ...tls, "s3:prefix": "athena-results/" },
        "Denied",
        "s3:prefix outside the export prefix",
    );
    unload(
        "list-whole-bucket",
        "unload-access-denied",
        "s3:ListBucket",
        lakeBucket,
        f.bucket.policy,
        tls,
        "Denied",
        "listing without s3:prefix is the whole bucket",
    );
    unload(
        "put-no-tls",
        "tls-only",
        "s3:PutObject",
        s3obj(unloadKey, `lake bucket/${first.prefix}/...`),
        f.bucket.policy,
        noTls,
        "ExplicitlyDenied",
        "bucket policy DenyInsecureTransport",
    );
    if (f.key) {
        unload(
            "generate-data-key",
            "kms",
            "kms:GenerateDataKey",
            { label: "lake key", arn: f.key.arn, accountId: acct },
            f.key.policy,
            {},
            "Allowed",
            "inline EncryptWithLakeKey; the key policy lets this account's IAM policies decide",
        );
    }
}

/** Everyone: TLS, anonymous, other accounts. */
function everyoneCells({ f, tls, noTls, s3obj, lakeBucket, adminHere, adminElsewhere, P, add, first, unloadKey }: Scope): void {
    const anyObject = s3obj(unloadKey, `lake bucket/${first.prefix}/...`);
    const person = (
        id: string,
        group: CellGroup,
        principal: Cell["principal"],
        identity: NamedPolicy[],
        action: string,
        res: Cell["resource"],
        context: Record<string, string>,
        expected: Expected,
        why: string,
    ) =>
        add({
            id: `bucket:${id}`,
            group,
            principal,
            action,
            resource: res,
            context,
            identityPolicies: identity,
            resourcePolicy: f.bucket.policy,
            expected,
            why,
        });
    person(
        "admin-tls",
        "tls-only",
        { label: "administrator of this account", arn: adminHere },
        [ADMIN],
        "s3:GetObject",
        anyObject,
        tls,
        "Allowed",
        "same account: identity policies decide; the bucket policy only refuses plain HTTP",
    );
    person(
        "admin-no-tls",
        "tls-only",
        { label: "administrator of this account", arn: adminHere },
        [ADMIN],
        "s3:GetObject",
        anyObject,
        noTls,
        "ExplicitlyDenied",
        "DenyInsecureTransport applies to every principal",
    );
    person(
        "admin-no-tls-list",
        "tls-only",
        { label: "administrator of this account", arn: adminHere },
        [ADMIN],
        "s3:ListBucket",
        lakeBucket,
        { ...noTls, "s3:prefix": `${P}/` },
        "ExplicitlyDenied",
        "DenyInsecureTransport covers the bucket as well as its objects",
    );
    person(
        "admin-other-account",
        "tls-only",
        { label: "administrator of another account", arn: adminElsewhere },
        [ADMIN],
        "s3:GetObject",
        anyObject,
        tls,
        "Denied",
        "cross-account: the bucket policy grants no other account",
    );
    person(
        "anonymous-get",
        "anonymous",
        { label: "anonymous", arn: "anonymous" },
        [],
        "s3:GetObject",
        anyObject,
        tls,
        "Denied",
        "nothing grants unsigned reads; Block Public Access is on",
    );
    person(
        "anonymous-list",
        "anonymous",
        { label: "anonymous", arn: "anonymous" },
        [],
        "s3:ListBucket",
        lakeBucket,
        { ...tls, "s3:prefix": `${P}/` },
        "Denied",
        "nothing grants unsigned listing",
    );
    person(
        "anonymous-put",
        "anonymous",
        { label: "anonymous", arn: "anonymous" },
        [],
        "s3:PutObject",
        anyObject,
        tls,
        "Denied",
        "nothing grants unsigned writes",
    );
    person(
        "anonymous-get-no-tls",
        "anonymous",
        { label: "anonymous", arn: "anonymous" },
        [],
        "s3:GetObject",
        anyObject,
        noTls,
        "ExplicitlyDenied",
        "DenyInsecureTransport (Principal *)",
    );
}

/** SNS → the undelivered-events queue. */
function undeliveredCells({ f, acct, otherTopicArn, add }: Scope): void {
    if (f.undelivered) {
        const q = { label: "undelivered-events queue", arn: f.undelivered.arn, accountId: acct };
        add({
            id: "undelivered:sns-lake-topic",
            group: "queue-allows-topic",
            principal: { label: "SNS (service)", arn: "sns.amazonaws.com" },
            action: "sqs:SendMessage",
            resource: q,
            context: { "aws:SourceArn": f.topic.arn },
            contextLabel: "SourceArn=lake topic",
            identityPolicies: [],
            resourcePolicy: f.undelivered.policy,
            expected: "Allowed",
            why: "its queue policy admits the lake topic: SNS redrives what it cannot deliver",
        });
        add({
            id: "undelivered:sns-other-topic",
            group: "queue-denies-others",
            principal: { label: "SNS (service)", arn: "sns.amazonaws.com" },
            action: "sqs:SendMessage",
            resource: q,
            context: { "aws:SourceArn": otherTopicArn },
            contextLabel: "SourceArn=another topic of this account",
            identityPolicies: [],
            resourcePolicy: f.undelivered.policy,
            expected: "Denied",
            why: "aws:SourceArn is not the lake topic",
        });
    }
}

/** Snowflake's task-error role (publishes to the alerts topic). */
function taskAlertCells({ f, acct, s3obj, topic, sessionOf, sampleFile, P, add }: Scope): void {
    if (f.taskAlerts) {
        const ta = f.taskAlerts;
        const roleRes = { label: "task-error role", arn: ta.roleArn, accountId: acct };
        const session = sessionOf(ta.roleName, "snowflake");
        const alertsTopic = { label: "alerts topic", arn: ta.topicArn, accountId: acct };
        const cellOf = (
            id: string,
            principal: Cell["principal"],
            identity: NamedPolicy[],
            action: string,
            res: Cell["resource"],
            policy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `task-alerts:${id}`,
                group: "task-alerts",
                principal,
                action,
                resource: res,
                context,
                identityPolicies: identity,
                resourcePolicy: policy,
                expected,
                why,
            });
        cellOf(
            "assume-with-external-id",
            { label: "Snowflake's notification user", arn: ta.integrationUserArn },
            [SNOWFLAKE_SIDE],
            "sts:AssumeRole",
            roleRes,
            ta.trust,
            { "sts:ExternalId": ta.externalId },
            "Allowed",
            "trust policy: the notification integration's IAM user with its external id",
        );
        cellOf(
            "assume-without-external-id",
            { label: "Snowflake's notification user", arn: ta.integrationUserArn },
            [SNOWFLAKE_SIDE],
            "sts:AssumeRole",
            roleRes,
            ta.trust,
            {},
            "Denied",
            "sts:ExternalId is required",
        );
        cellOf(
            "assume-storage-user",
            { label: "Snowflake's storage user", arn: f.unload.integrationUserArn },
            [SNOWFLAKE_SIDE],
            "sts:AssumeRole",
            roleRes,
            ta.trust,
            { "sts:ExternalId": f.unload.externalId },
            "Denied",
            "the storage integration's user is another principal",
        );
        cellOf(
            "publish-alerts",
            { label: "task-error role", arn: session },
            ta.identity,
            "sns:Publish",
            alertsTopic,
            undefined,
            {},
            "Allowed",
            "its policy: sns:Publish on the alerts topic",
        );
        cellOf(
            "publish-lake-topic",
            { label: "task-error role", arn: session },
            ta.identity,
            "sns:Publish",
            topic,
            f.topic.policy,
            {},
            "Denied",
            "no grant on the lake's event topic: it cannot fake S3 events",
        );
        cellOf(
            "read-lake",
            { label: "task-error role", arn: session },
            ta.identity,
            "s3:GetObject",
            s3obj(`${P}/${sampleFile}`, `lake bucket/${P}/...`),
            f.bucket.policy,
            { "aws:SecureTransport": "true" },
            "Denied",
            "no S3 grant",
        );
    }
}

/** The lake key (KMS stacks). */
function keyCells({ f, acct, adminHere, adminElsewhere, add }: Scope): void {
    if (f.key) {
        const keyRes = { label: "lake key", arn: f.key.arn, accountId: acct };
        const kms = (
            id: string,
            principal: Cell["principal"],
            identity: NamedPolicy[],
            action: string,
            context: Record<string, string>,
            expected: Expected,
            why: string,
        ) =>
            add({
                id: `kms:${id}`,
                group: "kms",
                principal,
                action,
                resource: keyRes,
                context,
                identityPolicies: identity,
                resourcePolicy: f.key!.policy,
                expected,
                why,
                contextLabel:
                    context["aws:SourceAccount"] === undefined
                        ? "-"
                        : `SourceAccount=${context["aws:SourceAccount"] === acct ? "this account" : "another account"}`,
            });
        // S3's grant has no condition, as the S3 user guide's key policy has none: no AWS source says
        // S3 sends aws:SourceAccount to KMS. The key does not tell S3's callers apart; the topic
        // policy does (the sns:Publish cells: only the lake bucket of this account publishes).
        kms(
            "s3-encrypt",
            { label: "S3 (service)", arn: "s3.amazonaws.com" },
            [],
            "kms:GenerateDataKey",
            {},
            "Allowed",
            "key policy: S3 encrypts the events it publishes to the encrypted topic (the S3 user guide's statement, without a condition)",
        );
        kms(
            "s3-decrypt",
            { label: "S3 (service)", arn: "s3.amazonaws.com" },
            [],
            "kms:Decrypt",
            {},
            "Allowed",
            "key policy: S3 publishing to the encrypted topic needs kms:Decrypt too (the S3 user guide's statement)",
        );
        kms(
            "s3-other-account",
            { label: "S3 (service)", arn: "s3.amazonaws.com" },
            [],
            "kms:GenerateDataKey",
            { "aws:SourceAccount": OTHER_ACCOUNT },
            "Allowed",
            "the key does not confine S3 by account (S3 is not documented to send aws:SourceAccount to KMS); the topic policy refuses another account's bucket",
        );
        kms(
            "sns-encrypt",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            [],
            "kms:GenerateDataKey",
            {},
            "Allowed",
            "key policy: SNS writes into the encrypted queues (documented without a condition; it need not send aws:SourceAccount)",
        );
        kms(
            "sns-decrypt",
            { label: "SNS (service)", arn: "sns.amazonaws.com" },
            [],
            "kms:Decrypt",
            {},
            "Allowed",
            "key policy: SNS reads the encrypted topic's messages",
        );
        kms(
            "admin-other-account",
            { label: "administrator of another account", arn: adminElsewhere },
            [ADMIN],
            "kms:Decrypt",
            {},
            "Denied",
            "the key policy trusts only this account's root",
        );
        kms(
            "admin-this-account",
            { label: "administrator of this account", arn: adminHere },
            [ADMIN],
            "kms:Decrypt",
            {},
            "Allowed",
            "EnableIamPoliciesOfThisAccount: this account's IAM policies decide",
        );
    }
}

/** Access logs: who writes them, and that no role of the stack reads them. */
function accessLogCells({
    f,
    acct,
    tls,
    noTls,
    s3obj,
    otherBucketName,
    sessionOf,
    adminHere,
    adminElsewhere,
    sampleFile,
    P,
    add,
    unloadSession,
    first,
}: Scope): void {
    for (const L of f.logs) {
        const tag = L.label === "lake bucket" ? "lake" : L.label === "replica bucket" ? "replica" : L.label;
        const logBucket = `log bucket of the ${L.label}`;
        const logObj = (key: string, label: string) => ({ label, arn: `${L.bucket.arn}/${key}`, accountId: acct });
        const logKey = `${L.prefix}2024-01-01-00-00-00-0123456789ABCDEF`;
        const inPrefix = logObj(logKey, `${logBucket}/${L.prefix}...`);
        const delivery = { label: "S3 log delivery (service)", arn: "logging.s3.amazonaws.com" };
        const cell = (
            id: string,
            principal: Cell["principal"],
            identity: NamedPolicy[],
            action: string,
            res: Cell["resource"],
            policy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
            contextLabel?: string,
        ) =>
            add({
                id: `logs:${tag}:${id}`,
                group: "access-logs",
                principal,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: identity,
                resourcePolicy: policy,
                expected,
                why,
            });
        const from = { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": acct };
        cell(
            "deliver",
            delivery,
            [],
            "s3:PutObject",
            inPrefix,
            L.bucket.policy,
            from,
            "Allowed",
            "its bucket policy admits logging.s3.amazonaws.com for the logged bucket's ARN and this account, under the log prefix",
            `SourceArn=${L.label}, SourceAccount=this account`,
        );
        cell(
            "deliver-outside-prefix",
            delivery,
            [],
            "s3:PutObject",
            logObj(`elsewhere/${sampleFile}`, `${logBucket}/elsewhere/...`),
            L.bucket.policy,
            from,
            "Denied",
            "the grant covers the log prefix only",
            `SourceArn=${L.label}, SourceAccount=this account`,
        );
        cell(
            "deliver-other-bucket",
            delivery,
            [],
            "s3:PutObject",
            inPrefix,
            L.bucket.policy,
            { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct },
            "Denied",
            "aws:SourceArn is not the logged bucket: another bucket's logs are refused",
            "SourceArn=another bucket, SourceAccount=this account",
        );
        cell(
            "deliver-other-account",
            delivery,
            [],
            "s3:PutObject",
            inPrefix,
            L.bucket.policy,
            { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": OTHER_ACCOUNT },
            "Denied",
            "aws:SourceAccount pins the logged bucket's owner",
            `SourceArn=${L.label}'s name, SourceAccount=another account`,
        );
        cell(
            "deliver-no-source",
            delivery,
            [],
            "s3:PutObject",
            inPrefix,
            L.bucket.policy,
            {},
            "Denied",
            "without aws:SourceArn and aws:SourceAccount S3 is not delivering for the logged bucket",
            "-",
        );
        cell(
            "delivery-reads",
            delivery,
            [],
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            from,
            "Denied",
            "log delivery only writes",
            `SourceArn=${L.label}, SourceAccount=this account`,
        );
        if (tag === "lake") {
            cell(
                "deliver-into-lake",
                delivery,
                [],
                "s3:PutObject",
                s3obj(`${P}/x.log`, `lake bucket/${P}/...`),
                f.bucket.policy,
                from,
                "Denied",
                "the lake bucket admits no log delivery: logs go to their own bucket",
                "SourceArn=lake bucket, SourceAccount=this account",
            );
        }
        cell(
            "unload-reads",
            { label: "unload role", arn: unloadSession },
            f.unload.identity,
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Denied",
            "no grant on the log bucket",
        );
        cell(
            "unload-deletes",
            { label: "unload role", arn: unloadSession },
            f.unload.identity,
            "s3:DeleteObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Denied",
            "no grant on the log bucket: it cannot erase the record of its deletes",
        );
        cell(
            "crawler-reads",
            { label: `crawler role ${first.folder}`, arn: sessionOf(first.crawler.roleName, "AWS-Crawler") },
            first.crawler.identity,
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Denied",
            "a crawler reads its table's folder only",
        );
        if (first.arrival) {
            cell(
                "arrival-reads",
                { label: `arrival role ${first.folder}`, arn: sessionOf(first.arrival.roleName, "events") },
                first.arrival.identity,
                "s3:GetObject",
                inPrefix,
                L.bucket.policy,
                tls,
                "Denied",
                "no S3 grant",
            );
        }
        if (f.replication) {
            cell(
                "replication-reads",
                { label: "replication role", arn: sessionOf(f.replication.roleName, "s3-replication") },
                f.replication.identity,
                "s3:GetObject",
                inPrefix,
                L.bucket.policy,
                tls,
                "Denied",
                "the replication role reads the exports' versions only",
            );
        }
        if (f.taskAlerts) {
            cell(
                "task-errors-reads",
                { label: "task-error role", arn: sessionOf(f.taskAlerts.roleName, "snowflake") },
                f.taskAlerts.identity,
                "s3:GetObject",
                inPrefix,
                L.bucket.policy,
                tls,
                "Denied",
                "no S3 grant",
            );
        }
        cell(
            "anonymous-reads",
            { label: "anonymous", arn: "anonymous" },
            [],
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Denied",
            "nothing grants unsigned reads; Block Public Access is on",
        );
        cell(
            "admin-other-account-reads",
            { label: "administrator of another account", arn: adminElsewhere },
            [ADMIN],
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Denied",
            "cross-account: the log bucket's policy grants no other account",
        );
        cell(
            "admin-reads",
            { label: "administrator of this account", arn: adminHere },
            [ADMIN],
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            tls,
            "Allowed",
            "within the account IAM policies decide who reads the logs (the auditors'), not the stack's roles",
        );
        cell(
            "admin-reads-no-tls",
            { label: "administrator of this account", arn: adminHere },
            [ADMIN],
            "s3:GetObject",
            inPrefix,
            L.bucket.policy,
            noTls,
            "ExplicitlyDenied",
            "the log bucket's DenyInsecureTransport",
        );
    }
}

/** Replication: what the role S3 assumes may do. */
function replicationCells({
    f,
    acct,
    tls,
    noTls,
    s3obj,
    lakeBucket,
    sessionOf,
    adminHere,
    adminElsewhere,
    sampleFile,
    add,
    unloadSession,
    first,
}: Scope): void {
    if (f.replication) {
        const R = f.replication;
        const roleRes = { label: "replication role", arn: R.roleArn, accountId: acct };
        const who = { label: "replication role", arn: sessionOf(R.roleName, "s3-replication") };
        const replicaObj = (key: string, label: string) => ({ label, arn: `${R.bucket.arn}/${key}`, accountId: acct });
        const replicaExport = replicaObj(`${first.location}/dt=2024-01-01/${sampleFile}`, `replica bucket/${first.prefix}/...`);
        const lakeExport = s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/...`);
        const cell = (
            id: string,
            principal: Cell["principal"],
            identity: NamedPolicy[],
            action: string,
            res: Cell["resource"],
            policy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
            contextLabel?: string,
        ) =>
            add({
                id: `replication:${id}`,
                group: "replication",
                principal,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: identity,
                resourcePolicy: policy,
                expected,
                why,
            });
        cell(
            "trust-s3",
            { label: "S3 (service)", arn: "s3.amazonaws.com" },
            [],
            "sts:AssumeRole",
            roleRes,
            R.trust,
            {},
            "Allowed",
            "trust policy admits s3.amazonaws.com (the S3 user guide's replication trust policy)",
        );
        cell(
            "trust-glue",
            { label: "Glue (service)", arn: "glue.amazonaws.com" },
            [],
            "sts:AssumeRole",
            roleRes,
            R.trust,
            {},
            "Denied",
            "only S3 is trusted",
        );
        cell(
            "trust-admin",
            { label: "administrator of this account", arn: adminHere },
            [ADMIN],
            "sts:AssumeRole",
            roleRes,
            R.trust,
            {},
            "Denied",
            "a trust policy must name the principal, even in the same account",
        );
        cell(
            "read-configuration",
            who,
            R.identity,
            "s3:GetReplicationConfiguration",
            lakeBucket,
            f.bucket.policy,
            tls,
            "Allowed",
            "ReadReplicationConfiguration",
        );
        cell(
            "list-lake",
            who,
            R.identity,
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            tls,
            "Allowed",
            "ReadReplicationConfiguration (S3 lists to find delete markers)",
        );
        cell(
            "read-export-version",
            who,
            R.identity,
            "s3:GetObjectVersionForReplication",
            lakeExport,
            f.bucket.policy,
            tls,
            "Allowed",
            "ReadExportVersions",
        );
        cell(
            "read-athena-results",
            who,
            R.identity,
            "s3:GetObjectVersionForReplication",
            s3obj("athena-results/query.csv", "lake bucket/athena-results/..."),
            f.bucket.policy,
            tls,
            "Denied",
            "only the exports are replicated",
        );
        cell("write-replica", who, R.identity, "s3:ReplicateObject", replicaExport, R.bucket.policy, tls, "Allowed", "WriteReplicas");
        cell(
            "write-replica-elsewhere",
            who,
            R.identity,
            "s3:ReplicateObject",
            replicaObj("other/x.parquet", "replica bucket/other/..."),
            R.bucket.policy,
            tls,
            "Denied",
            "WriteReplicas covers the export prefix only",
        );
        cell(
            "replicate-delete",
            who,
            R.identity,
            "s3:ReplicateDelete",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "delete markers are not replicated, and the role could not write one: a delete in the lake never reaches the replica",
        );
        cell(
            "delete-replica-version",
            who,
            R.identity,
            "s3:DeleteObjectVersion",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "the role deletes nothing in the replica",
        );
        cell(
            "delete-lake-object",
            who,
            R.identity,
            "s3:DeleteObject",
            lakeExport,
            f.bucket.policy,
            tls,
            "Denied",
            "the role deletes nothing in the lake",
        );
        cell("write-lake", who, R.identity, "s3:PutObject", lakeExport, f.bucket.policy, tls, "Denied", "the role writes replicas only");
        cell(
            "read-replica",
            who,
            R.identity,
            "s3:GetObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "the role reads source versions, not replicas",
        );
        if (f.key) {
            const lakeKey = { label: "lake key", arn: f.key.arn, accountId: acct };
            const via = { "kms:ViaService": `s3.${f.region}.amazonaws.com` };
            cell(
                "decrypt-exports",
                who,
                R.identity,
                "kms:Decrypt",
                lakeKey,
                f.key.policy,
                via,
                "Allowed",
                "DecryptExportsThroughS3: through S3 in the lake's region",
                "via S3 in the lake's region",
            );
            cell(
                "decrypt-directly",
                who,
                R.identity,
                "kms:Decrypt",
                lakeKey,
                f.key.policy,
                {},
                "Denied",
                "kms:ViaService: the role decrypts only through S3",
                "not via S3",
            );
            cell(
                "decrypt-via-other-region",
                who,
                R.identity,
                "kms:Decrypt",
                lakeKey,
                f.key.policy,
                { "kms:ViaService": `s3.${R.region}.amazonaws.com` },
                "Denied",
                "only through S3 in the lake's region",
                "via S3 in the replica's region",
            );
            cell(
                "encrypt-with-lake-key",
                who,
                R.identity,
                "kms:Encrypt",
                lakeKey,
                f.key.policy,
                via,
                "Denied",
                "the lake key only decrypts the sources",
                "via S3 in the lake's region",
            );
        }
        if (R.key) {
            const replicaKey = { label: "replica key", arn: R.key.arn, accountId: acct };
            const via = { "kms:ViaService": `s3.${R.region}.amazonaws.com` };
            cell(
                "encrypt-replicas",
                who,
                R.identity,
                "kms:Encrypt",
                replicaKey,
                R.key.policy,
                via,
                "Allowed",
                "EncryptReplicasThroughS3: through S3 in the replica's region",
                "via S3 in the replica's region",
            );
            cell(
                "encrypt-replicas-other-region",
                who,
                R.identity,
                "kms:Encrypt",
                replicaKey,
                R.key.policy,
                { "kms:ViaService": `s3.${f.region}.amazonaws.com` },
                "Denied",
                "only through S3 in the replica's region",
                "via S3 in the lake's region",
            );
            cell(
                "encrypt-replicas-directly",
                who,
                R.identity,
                "kms:Encrypt",
                replicaKey,
                R.key.policy,
                {},
                "Denied",
                "kms:ViaService: only through S3",
                "not via S3",
            );
            cell(
                "replica-key-other-account",
                { label: "administrator of another account", arn: adminElsewhere },
                [ADMIN],
                "kms:Decrypt",
                replicaKey,
                R.key.policy,
                {},
                "Denied",
                "the replica key's policy trusts only this account's root",
            );
        }
        cell(
            "unload-writes-replica",
            { label: "unload role", arn: unloadSession },
            f.unload.identity,
            "s3:PutObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "Snowflake unloads into the lake only",
        );
        cell(
            "unload-deletes-replica",
            { label: "unload role", arn: unloadSession },
            f.unload.identity,
            "s3:DeleteObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "no grant on the replica: what the unload role deletes in the lake stays there",
        );
        cell(
            "crawler-reads-replica",
            { label: `crawler role ${first.folder}`, arn: sessionOf(first.crawler.roleName, "AWS-Crawler") },
            first.crawler.identity,
            "s3:GetObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "crawlers read the lake only",
        );
        cell(
            "anonymous-reads-replica",
            { label: "anonymous", arn: "anonymous" },
            [],
            "s3:GetObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "nothing grants unsigned reads; Block Public Access is on",
        );
        cell(
            "admin-other-account-reads-replica",
            { label: "administrator of another account", arn: adminElsewhere },
            [ADMIN],
            "s3:GetObject",
            replicaExport,
            R.bucket.policy,
            tls,
            "Denied",
            "cross-account: the replica's policy grants no other account",
        );
        cell(
            "admin-reads-replica-no-tls",
            { label: "administrator of this account", arn: adminHere },
            [ADMIN],
            "s3:GetObject",
            replicaExport,
            R.bucket.policy,
            noTls,
            "ExplicitlyDenied",
            "the replica's DenyInsecureTransport",
        );
    }
}

/** Readers in other accounts. */
function readerCells({ f, acct, tls, noTls, s3obj, lakeBucket, adminElsewhere, sampleFile, P, add, glueDatabase, glueTable }: Scope): void {
    const catalogTable = (name: string) => ({ ...glueTable(name), label: `Glue table ${name}` });
    const keyRes = f.key ? { label: "lake key", arn: f.key.arn, accountId: acct } : undefined;
    const viaS3 = { "kms:ViaService": `s3.${f.region}.amazonaws.com` };
    const otherRegion = f.region === "us-east-1" ? "eu-west-1" : "us-east-1";
    for (const [account, folders] of Object.entries(f.sharing.readers).sort(([a], [b]) => a.localeCompare(b))) {
        const own = f.tables.filter((t) => folders.includes(t.folder));
        if (own.length !== folders.length)
            throw new Error(`IAM matrix: reader ${account} is given tables ${folders.join(", ")}, not all of which are the stack's`);
        const t = own[0];
        const other = f.tables.find((x) => !folders.includes(x.folder));
        const who = { label: `reader ${account}`, arn: `arn:${f.partition}:iam::${account}:role/analyst` };
        const cell = (
            id: string,
            action: string,
            res: Cell["resource"],
            resourcePolicy: PolicyDoc | undefined,
            context: Record<string, string>,
            expected: Expected,
            why: string,
            contextLabel?: string,
        ) =>
            add({
                id: `reader:${account}:${id}`,
                group: "readers",
                principal: who,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: [ADMIN],
                resourcePolicy,
                expected,
                why,
            });
        const current = s3obj(`${t.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.location}/... (${t.folder}'s current export)`);
        cell(
            `get-${t.folder}`,
            "s3:GetObject",
            current,
            f.bucket.policy,
            tls,
            "Allowed",
            "bucket policy ReadersGetExports: its tables' current exports (its own IAM allows it too)",
        );
        cell(
            `list-${t.folder}`,
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": `${t.location}/` },
            "Allowed",
            "bucket policy ReadersListExports: s3:prefix under its tables' current exports",
        );
        cell(
            "locate-bucket",
            "s3:GetBucketLocation",
            lakeBucket,
            f.bucket.policy,
            tls,
            "Allowed",
            "bucket policy ReadersLocateLakeBucket (Athena asks for the bucket's region)",
        );
        if (t.location !== t.prefix) {
            cell(
                `get-${t.folder}-earlier-export`,
                "s3:GetObject",
                s3obj(`${t.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/<earlier export>/...`),
                f.bucket.policy,
                tls,
                "Denied",
                "only the current export's folder is granted",
            );
        }
        cell(
            `list-${t.folder}-folder`,
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": `${t.prefix}/` },
            "Denied",
            "listing the table's folder would show every export: only the current one",
        );
        cell(
            "list-export-prefix",
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            { ...tls, "s3:prefix": `${P}/` },
            "Denied",
            "no listing of the other tables",
        );
        cell(
            "list-whole-bucket",
            "s3:ListBucket",
            lakeBucket,
            f.bucket.policy,
            tls,
            "Denied",
            "listing without s3:prefix is the whole bucket",
        );
        const otherKey = other
            ? `${other.location}/dt=2024-01-01/${sampleFile}`
            : `${P}/another_table/g1-00000000/dt=2024-01-01/${sampleFile}`;
        cell(
            other ? `get-${other.folder}` : "get-other-table",
            "s3:GetObject",
            s3obj(
                otherKey,
                other
                    ? `lake bucket/${other.location}/... (${other.folder}, not its table)`
                    : "lake bucket/<another table's export>/... (hypothetical)",
            ),
            f.bucket.policy,
            tls,
            "Denied",
            "another table's export is not granted to it",
        );
        cell(
            "get-athena-results",
            "s3:GetObject",
            s3obj("athena-results/query.csv", "lake bucket/athena-results/..."),
            f.bucket.policy,
            tls,
            "Denied",
            "outside its tables' exports",
        );
        cell(
            `put-${t.folder}`,
            "s3:PutObject",
            s3obj(`${t.location}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.location}/...`),
            f.bucket.policy,
            tls,
            "Denied",
            "a reader never writes",
        );
        cell(`delete-${t.folder}`, "s3:DeleteObject", current, f.bucket.policy, tls, "Denied", "a reader never deletes");
        cell(
            `delete-version-${t.folder}`,
            "s3:DeleteObjectVersion",
            current,
            f.bucket.policy,
            tls,
            "Denied",
            "a reader never deletes a version",
        );
        cell("put-bucket-policy", "s3:PutBucketPolicy", lakeBucket, f.bucket.policy, tls, "Denied", "a reader cannot change who reads");
        cell(
            `get-${t.folder}-no-tls`,
            "s3:GetObject",
            current,
            f.bucket.policy,
            noTls,
            "ExplicitlyDenied",
            "DenyInsecureTransport applies to readers too",
        );
        if (keyRes) {
            cell(
                "decrypt-via-s3",
                "kms:Decrypt",
                keyRes,
                f.key!.policy,
                viaS3,
                "Allowed",
                "key policy AllowReadersToDecryptExportsThroughS3: through S3 in the lake's region",
                "via S3 in the lake's region",
            );
            cell(
                "decrypt-directly",
                "kms:Decrypt",
                keyRes,
                f.key!.policy,
                {},
                "Denied",
                "kms:ViaService: only through S3",
                "not via a service",
            );
            cell(
                "decrypt-via-s3-other-region",
                "kms:Decrypt",
                keyRes,
                f.key!.policy,
                { "kms:ViaService": `s3.${otherRegion}.amazonaws.com` },
                "Denied",
                "only S3 of the lake's region",
                `via S3 in ${otherRegion}`,
            );
            cell(
                "decrypt-via-glue",
                "kms:Decrypt",
                keyRes,
                f.key!.policy,
                { "kms:ViaService": `glue.${f.region}.amazonaws.com` },
                "Denied",
                "no Glue use of the key: a shared catalog is never encrypted with it (glueCatalogEncryption and glueCatalogResourcePolicy are refused together)",
                "via Glue in the lake's region",
            );
            cell(
                "generate-data-key-via-s3",
                "kms:GenerateDataKey",
                keyRes,
                f.key!.policy,
                viaS3,
                "Denied",
                "a reader decrypts only: it cannot encrypt objects into the lake",
                "via S3 in the lake's region",
            );
            cell(
                "encrypt-via-s3",
                "kms:Encrypt",
                keyRes,
                f.key!.policy,
                viaS3,
                "Denied",
                "a reader decrypts only",
                "via S3 in the lake's region",
            );
            cell("create-grant", "kms:CreateGrant", keyRes, f.key!.policy, {}, "Denied", "a reader cannot hand the key on");
        }
        if (f.catalogPolicy && f.sharing.catalogShared) {
            const database = { ...glueDatabase };
            cell(
                `glue-get-${t.folder}`,
                "glue:GetTable",
                catalogTable(t.folder),
                f.catalogPolicy,
                {},
                "Allowed",
                "Data Catalog resource policy ReadersReadTables: its tables",
            );
            cell(
                `glue-get-partitions-${t.folder}`,
                "glue:GetPartitions",
                catalogTable(t.folder),
                f.catalogPolicy,
                {},
                "Allowed",
                "Data Catalog resource policy ReadersReadTables: their partitions",
            );
            cell(
                "glue-get-database",
                "glue:GetDatabase",
                database,
                f.catalogPolicy,
                {},
                "Allowed",
                "Data Catalog resource policy ReadersReadTables: the lake's database",
            );
            cell(
                other ? `glue-get-${other.folder}` : "glue-get-other-table",
                "glue:GetTable",
                catalogTable(other ? other.folder : "another_table"),
                f.catalogPolicy,
                {},
                "Denied",
                "another table is not shared with it",
            );
            cell(`glue-update-${t.folder}`, "glue:UpdateTable", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "read actions only");
            cell(
                `glue-add-partitions-${t.folder}`,
                "glue:BatchCreatePartition",
                catalogTable(t.folder),
                f.catalogPolicy,
                {},
                "Denied",
                "read actions only: partitions are the crawler's and the backfill's",
            );
            cell(`glue-delete-${t.folder}`, "glue:DeleteTable", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "read actions only");
        } else {
            cell(
                `glue-get-${t.folder}`,
                "glue:GetTable",
                catalogTable(t.folder),
                f.catalogPolicy,
                {},
                "Denied",
                "the catalog is not shared (glueCatalogResourcePolicy): the reader catalogues the export in its own account",
            );
        }
    }
    // Another account: nothing, whatever the stack shares.
    {
        const t = f.tables[0];
        const who = { label: "administrator of another account", arn: adminElsewhere };
        const cell = (
            id: string,
            action: string,
            res: Cell["resource"],
            resourcePolicy: PolicyDoc | undefined,
            context: Record<string, string>,
            why: string,
            contextLabel?: string,
        ) =>
            add({
                id: `reader:other-account:${id}`,
                group: "readers",
                principal: who,
                action,
                resource: res,
                context,
                contextLabel,
                identityPolicies: [ADMIN],
                resourcePolicy,
                expected: "Denied",
                why,
            });
        cell(
            `get-${t.folder}`,
            "s3:GetObject",
            s3obj(`${t.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.location}/... (current export)`),
            f.bucket.policy,
            tls,
            "not a reader: the bucket policy names its readers only",
        );
        cell(`list-${t.folder}`, "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.location}/` }, "not a reader");
        if (keyRes)
            cell(
                "decrypt-via-s3",
                "kms:Decrypt",
                keyRes,
                f.key!.policy,
                viaS3,
                "not a reader: the key policy names its readers only",
                "via S3 in the lake's region",
            );
        cell(`glue-get-${t.folder}`, "glue:GetTable", catalogTable(t.folder), f.catalogPolicy, {}, "no catalog grant to it");
    }
}

/** Endpoint owners of other accounts: who may subscribe. */
function endpointOwnerCells({ f, topic, adminElsewhere, add }: Scope): void {
    const subscribe = (
        id: string,
        principal: Cell["principal"],
        protocol: string,
        endpoint: string,
        expected: Expected,
        why: string,
        contextLabel: string,
        identity: NamedPolicy[] = [ADMIN],
    ) =>
        add({
            id: `topic:${id}`,
            group: "endpoint-owners",
            principal,
            action: "sns:Subscribe",
            resource: topic,
            context: { "sns:Protocol": protocol, "sns:Endpoint": endpoint },
            contextLabel,
            identityPolicies: identity,
            resourcePolicy: f.topic.policy,
            expected,
            why,
        });
    for (const o of f.sharing.endpointOwners) {
        const account = o.endpoint.split(":")[4];
        const who = { label: `endpoint owner ${account}`, arn: `arn:${f.partition}:iam::${account}:role/administrator` };
        const tag = `${account}:${o.endpoint.split(":").slice(5).join(":")}`;
        const otherEndpoint = o.endpoint.replace(/[^:]+$/, "another-endpoint");
        subscribe(
            `owner:${tag}:subscribe`,
            who,
            o.protocol,
            o.endpoint,
            "Allowed",
            "topic policy EndpointOwnerSubscribes: its configured endpoint with its protocol",
            `${o.protocol}, its configured endpoint`,
        );
        subscribe(
            `owner:${tag}:subscribe-other-endpoint`,
            who,
            o.protocol,
            otherEndpoint,
            "Denied",
            "sns:Endpoint is the configured endpoint only",
            `${o.protocol}, another endpoint of its account`,
        );
        subscribe(
            `owner:${tag}:subscribe-other-protocol`,
            who,
            o.protocol === "sqs" ? "lambda" : "sqs",
            o.endpoint,
            "Denied",
            "sns:Protocol is the configured protocol only",
            "another protocol, its endpoint",
        );
        add({
            id: `topic:owner:${tag}:publish`,
            group: "endpoint-owners",
            principal: who,
            action: "sns:Publish",
            resource: topic,
            context: {},
            identityPolicies: [ADMIN],
            resourcePolicy: f.topic.policy,
            expected: "Denied",
            why: "it subscribes; only S3 publishes the lake's events",
        });
        add({
            id: `topic:owner:${tag}:set-topic-attributes`,
            group: "endpoint-owners",
            principal: who,
            action: "sns:SetTopicAttributes",
            resource: topic,
            context: {},
            identityPolicies: [ADMIN],
            resourcePolicy: f.topic.policy,
            expected: "Denied",
            why: "it cannot change the topic or its policy",
        });
        subscribe(
            `owner:${tag}:other-account-subscribes-it`,
            { label: "administrator of another account", arn: adminElsewhere },
            o.protocol,
            o.endpoint,
            "Denied",
            "only the endpoint's owner is admitted",
            `${o.protocol}, the owner's endpoint`,
        );
    }
    subscribe(
        "other-account-subscribes",
        { label: "administrator of another account", arn: adminElsewhere },
        "sqs",
        `arn:${f.partition}:sqs:${f.region}:${OTHER_ACCOUNT}:its-queue`,
        "Denied",
        "cross-account: the topic policy admits no account that is not a configured endpoint owner",
        "sqs, a queue of its own",
    );
}

function labelContext(ctx: Record<string, string>): string {
    const parts = Object.entries(ctx).map(([k, v]) => {
        if (k === "aws:SecureTransport") return v === "true" ? "TLS" : "no TLS";
        return `${k.replace(/^aws:/, "")}=${v}`;
    });
    return parts.length ? parts.join(", ") : "-";
}
