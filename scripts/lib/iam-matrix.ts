/**
 * The IAM access matrix: who may do what to which resource of a stack, evaluated with
 * @cloud-copilot/iam-simulate (an IAM policy evaluation engine: identity and resource policies,
 * service principals, cross-account rules, condition keys) over the policy documents found in the
 * program's resource graph, as the engine would receive them (never by calling the builders).
 *
 * Used by `npm run check:iam` and by test/security/iam-matrix.test.ts; docs/security.md holds the
 * generated table of each stack, kept equal to the matrix by a test.
 *
 * What it cannot see, and assumes (also written in docs/security.md):
 * - the context AWS services put in their requests: S3 sends `aws:SourceArn`/`aws:SourceAccount`
 *   when it publishes an event, SNS sends `aws:SourceArn` when it delivers to SQS, STS carries
 *   `sts:ExternalId` from the caller; nothing is assumed of what S3 and SNS send to KMS (the key
 *   policy asks nothing of it). Each cell states the context it evaluates.
 * - Snowflake's own account: its IAM user is given an identity policy allowing `sts:AssumeRole`
 *   on any role (what Snowflake grants itself is outside this stack; the trust policy decides).
 * - SCPs/RCPs of an organisation: none are modelled (they could only deny more).
 * - KMS encryption context: @cloud-copilot/iam-simulate 0.1.173 does not evaluate
 *   `kms:EncryptionContext:<key>` (it matches variable condition keys only after a `/`, and reports
 *   the key as ignored). A cell that sends an encryption context (CloudWatch Logs sends the log
 *   group's ARN as `kms:EncryptionContext:aws:logs:arn`) is evaluated with that key renamed, in its
 *   context and in every condition of its policies, to `aws:SourceArn`, a single-valued key the
 *   engine evaluates for every action, so the engine still decides (operators, a missing key,
 *   IfExists). A cell whose policies already use `aws:SourceArn` is refused.
 */
import { tablePrefixOf } from "@incremental-crawl/components/runtime";
import { anonymousPrincipal, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { managedPolicy } from "./iam-managed-policies";
import { formatTable, wrapCell } from "./text-table";

// AWS's own names, written here again on purpose: the matrix is an oracle independent of the
// component's policy builders. Glue writes a crawler's logs to /aws-glue/crawlers, or, under a
// security configuration with CloudWatch encryption, to /aws-glue/crawlers-role/<role>-<configuration>
// (https://docs.aws.amazon.com/glue/latest/dg/console-security-configurations.html); CloudWatch Logs
// sets kms:EncryptionContext:aws:logs:arn to the group's ARN
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
const DEFAULT_CRAWLER_LOG_GROUP = "/aws-glue/crawlers";
const encryptedCrawlerLogGroup = (role: string, configuration: string) => `/aws-glue/crawlers-role/${role}-${configuration}`;
const logGroupArn = (a: { partition: string; region: string; accountId: string }, name: string) => `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:${name}`;
const LOGS_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:logs:arn";

/** The part of a harness `CapturedResource` the matrix reads. */
export interface GraphResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

export type Expected = "Allowed" | "Denied" | "ExplicitlyDenied";
export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error";

export interface PolicyDoc {
    Version: string;
    Statement: any[];
}

interface NamedPolicy {
    name: string;
    policy: PolicyDoc;
}

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
    "anonymous": "denied: anonymous reads (and writes)",
    "kms": "the lake key: S3/SNS of this account and the stack's roles only",
    "task-alerts": "Snowflake's task-error role: only the notification integration's user assumes it, and it publishes to the alerts topic only",
    "arrival-trigger": "each table's arrival rule: only EventBridge, for that rule, assumes its role, which notifies its own table's workflow and nothing else",
    "crawler-logs": "each crawler role writes (and, encrypted, associates the lake key with) its own log only; CloudWatch Logs uses the key for the stack's crawler log groups only; no other role of the stack reads them",
    "access-logs": "S3 log delivery writes only its log bucket's prefix, for the logged bucket in this account; no role of the stack reads or deletes the logs",
    "replication": "only S3 assumes the replication role, which reads the exports' versions and writes replicas: it deletes nothing, in either bucket",
    "readers": "a reader account reads its tables' current exports (and, where shared, their Glue tables) and decrypts only through S3 in the lake's region; it cannot read another table or an earlier export, write, delete, or use the key otherwise; another account can do none of it",
    "endpoint-owners": "an endpoint owner of another account may subscribe exactly its configured endpoint with its protocol, and do nothing else on the topic; no other account may subscribe",
} as const;
export type CellGroup = keyof typeof CELL_GROUPS;

/** Everything the matrix needs, found in the graph. */
export interface LakeFacts {
    accountId: string;
    region: string;
    partition: string;
    bucket: { name: string; arn: string; policy?: PolicyDoc; restrictPublicBuckets: boolean };
    exportPrefix: string;
    /** The Glue database of the stack's tables. */
    glueDatabase: string;
    topic: { arn: string; policy?: PolicyDoc };
    tables: TableFacts[];
    unload: {
        roleArn: string;
        roleName: string;
        trust: PolicyDoc;
        identity: NamedPolicy[];
        integrationUserArn: string;
        externalId: string;
    };
    key?: { arn: string; policy?: PolicyDoc };
    /** The queue the subscriptions redrive undeliverable events to, when they do. */
    undelivered?: { arn: string; policy?: PolicyDoc };
    /** The role Snowflake assumes to publish task errors, when the stack has one. */
    taskAlerts?: { roleArn: string; roleName: string; trust: PolicyDoc; identity: NamedPolicy[]; integrationUserArn: string; externalId: string; topicArn: string };
    /** Server access logging of the stack's buckets: the logged bucket and the bucket the logs go to. */
    logs: LogFacts[];
    /** The replication of the exports to the recovery replica, when the stack has one. */
    replication?: ReplicationFacts;
    /** The account's Data Catalog resource policy, when the graph declares one. */
    catalogPolicy?: PolicyDoc;
    /** Who the stack shares with, as the program states it (its `sharing` output), not as the policies say. */
    sharing: SharingIntent;
}

/**
 * Who the stack means to share with: the program's `sharing` output (IncrementalLake.sharing). The
 * matrix checks the policies against it; reading it from the policies themselves would prove nothing.
 */
export interface SharingIntent {
    /** Per reader account, the tables (folder names) it may read. */
    readers: Record<string, string[]>;
    /** Whether the Glue tables are shared too (a catalog id is given to readers). */
    catalogShared: boolean;
    /** Endpoints of other accounts whose owners subscribe them. */
    endpointOwners: Array<{ protocol: string; endpoint: string }>;
}

/** The intent of the program's `sharing` output (undefined: the stack shares nothing). */
export function sharingIntentOf(output: unknown): SharingIntent {
    const o = (output ?? {}) as { readers?: Record<string, string[]>; catalogId?: string; endpointOwnerSubscriptions?: Array<{ protocol: string; endpoint: string }> };
    return {
        readers: o.readers ?? {},
        catalogShared: typeof o.catalogId === "string" && o.catalogId !== "",
        endpointOwners: (o.endpointOwnerSubscriptions ?? []).map((x) => ({ protocol: x.protocol, endpoint: x.endpoint })),
    };
}

export interface LogFacts {
    /** `lake bucket` or `replica bucket`. */
    label: string;
    sourceArn: string;
    bucket: { name: string; arn: string; policy?: PolicyDoc };
    /** Key prefix of the log objects, with trailing slash. */
    prefix: string;
}

export interface ReplicationFacts {
    roleArn: string;
    roleName: string;
    trust: PolicyDoc;
    identity: NamedPolicy[];
    /** The replica bucket, its region and its key. */
    bucket: { name: string; arn: string; policy?: PolicyDoc };
    region: string;
    key?: { arn: string; policy?: PolicyDoc };
}

export interface TableFacts {
    /** Folder name (`orders`), also the Glue table. */
    folder: string;
    /** `exports/orders`, without trailing slash. */
    prefix: string;
    /** The current export's folder, without trailing slash (`exports/orders/g1-0a1b2c3d`). */
    location: string;
    queue: { arn: string; policy?: PolicyDoc };
    dlq: { arn: string; policy?: PolicyDoc };
    crawler: { arn: string; name: string; roleArn: string; roleName: string; trust: PolicyDoc; identity: NamedPolicy[] };
    /**
     * Where the crawler logs: its encrypted log group (a security configuration with CloudWatch
     * SSE-KMS, the group declared in the graph), or the default /aws-glue/crawlers.
     */
    logs: { group: string; arn: string; encrypted: boolean; configuration?: string };
    /** What starts the crawler when the table's objects arrive: the rule, its target's role, the workflow. */
    arrival?: { ruleArn: string; workflowArn: string; roleArn: string; roleName: string; trust: PolicyDoc; identity: NamedPolicy[] };
}

const OTHER_ACCOUNT = "111122223333";

const parse = (text: unknown, what: string): PolicyDoc => {
    if (typeof text !== "string") throw new Error(`${what}: expected a policy document as a JSON string, got ${typeof text}`);
    return JSON.parse(text) as PolicyDoc;
};

function only<T>(items: T[], what: string): T {
    if (items.length !== 1) throw new Error(`IAM matrix: expected exactly one ${what} in the graph, found ${items.length}`);
    return items[0];
}

const ofType = (rs: GraphResource[], type: string) => rs.filter((r) => r.type === type);

/** Identity policies of a role: inline (`RolePolicy`, `inlinePolicies`) and managed (attachments). */
function roleIdentity(rs: GraphResource[], role: GraphResource): NamedPolicy[] {
    const roleName: string = role.outputs.name;
    const out: NamedPolicy[] = [];
    for (const p of ofType(rs, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === roleName)) {
        out.push({ name: `inline ${p.name}`, policy: parse(p.inputs.policy, p.name) });
    }
    for (const p of (role.inputs.inlinePolicies ?? []) as Array<{ name?: string; policy?: string }>) {
        if (p.policy) out.push({ name: `inline ${p.name ?? "(unnamed)"}`, policy: parse(p.policy, `${role.name} inlinePolicies`) });
    }
    const managedArns: string[] = [
        ...ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === roleName).map((a) => a.inputs.policyArn as string),
        ...((role.inputs.managedPolicyArns ?? []) as string[]),
    ];
    for (const arn of managedArns) {
        const own = ofType(rs, "aws:iam/policy:Policy").find((p) => p.outputs.arn === arn);
        if (own) {
            out.push({ name: `customer-managed ${own.name}`, policy: parse(own.inputs.policy, own.name) });
            continue;
        }
        const copy = managedPolicy(arn);
        if (!copy) {
            throw new Error(`IAM matrix: role ${role.name} has managed policy ${arn}, which scripts/lib/iam-managed-policies.ts has no copy of; add a faithful copy (with its source) so the matrix stays honest`);
        }
        out.push({ name: `AWS-managed ${arn}`, policy: copy.policy as PolicyDoc });
    }
    return out;
}

/** Reads the facts of the lake out of a stack's resource graph. Throws when the graph is not the expected shape. */
export function lakeFacts(rs: GraphResource[], sharing: SharingIntent = sharingIntentOf(undefined)): LakeFacts {
    const notification = only(ofType(rs, "aws:s3/bucketNotification:BucketNotification"), "bucket notification");
    const bucketRes = only(ofType(rs, "aws:s3/bucket:Bucket").filter((b) => b.outputs.bucket === notification.inputs.bucket), "lake bucket (the notification's bucket)");
    const bucketName: string = bucketRes.outputs.bucket;
    const bucketArn: string = bucketRes.outputs.arn;
    const bucketPolicies = ofType(rs, "aws:s3/bucketPolicy:BucketPolicy").filter((p) => p.inputs.bucket === bucketName);
    if (bucketPolicies.length > 1) throw new Error("IAM matrix: more than one bucket policy for the lake bucket");
    const pab = ofType(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find((p) => p.inputs.bucket === bucketName);

    const topicConfig = only((notification.inputs.topics ?? []) as any[], "topic notification of the lake bucket");
    const topicArn: string = topicConfig.topicArn;
    const filterPrefix: string = topicConfig.filterPrefix ?? "";
    const exportPrefix = filterPrefix.replace(/\/$/, "");
    const [, partition, , region, accountId] = topicArn.split(":");
    const topicPolicies = ofType(rs, "aws:sns/topicPolicy:TopicPolicy").filter((p) => p.inputs.arn === topicArn);
    if (topicPolicies.length > 1) throw new Error("IAM matrix: more than one topic policy for the lake topic");

    const queues = ofType(rs, "aws:sqs/queue:Queue");
    const queuePolicyOf = (queue: GraphResource): PolicyDoc | undefined => {
        const ps = ofType(rs, "aws:sqs/queuePolicy:QueuePolicy").filter((p) => p.inputs.queueUrl === queue.outputs.url);
        if (ps.length > 1) throw new Error(`IAM matrix: more than one queue policy for ${queue.name}`);
        return ps[0] ? parse(ps[0].inputs.policy, ps[0].name) : undefined;
    };
    const roles = ofType(rs, "aws:iam/role:Role");
    const roleByArn = (arn: string) => only(roles.filter((r) => r.outputs.arn === arn), `role ${arn}`);

    // The tables' queues: the SQS subscriptions whose queue is in the graph and read by a crawler
    // (a further subscriber's queue is its owner's, outside the graph).
    const allSubscriptions = ofType(rs, "aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.topic === topicArn);
    const crawlerQueueArns = new Set(ofType(rs, "aws:glue/crawler:Crawler").flatMap((c) => eventTargets(c).map((t: any) => t.eventQueueArn)));
    const subscriptions = allSubscriptions.filter((s) => s.inputs.protocol === "sqs" && crawlerQueueArns.has(s.inputs.endpoint));
    if (subscriptions.length === 0) throw new Error("IAM matrix: no queue subscribes to the lake topic");
    const tables: TableFacts[] = subscriptions.map((s) => {
        const queue = only(queues.filter((q) => q.outputs.arn === s.inputs.endpoint), `queue ${s.inputs.endpoint}`);
        const dlqArn: string | undefined = queue.inputs.redrivePolicy ? JSON.parse(queue.inputs.redrivePolicy).deadLetterTargetArn : undefined;
        if (!dlqArn) throw new Error(`IAM matrix: queue ${queue.name} has no dead-letter queue`);
        const dlq = only(queues.filter((q) => q.outputs.arn === dlqArn), `dead-letter queue ${dlqArn}`);
        const crawler = only(ofType(rs, "aws:glue/crawler:Crawler").filter((c) => eventTargets(c).some((t: any) => t.eventQueueArn === queue.outputs.arn)),
            `crawler reading ${queue.name}`);
        const { path, folder, location } = crawlerPath(rs, crawler);
        const m = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(path);
        if (!m || m[1] !== bucketName) throw new Error(`IAM matrix: crawler ${crawler.name} targets ${path}, not the lake bucket`);
        const prefix = m[2];
        const role = roleByArn(crawler.inputs.role);
        return {
            folder,
            prefix,
            location: location ?? prefix,
            queue: { arn: queue.outputs.arn, policy: queuePolicyOf(queue) },
            dlq: { arn: dlq.outputs.arn, policy: queuePolicyOf(dlq) },
            crawler: {
                arn: crawler.outputs.arn, name: crawler.outputs.name, roleArn: role.outputs.arn, roleName: role.outputs.name,
                trust: parse(role.inputs.assumeRolePolicy, role.name), identity: roleIdentity(rs, role),
            },
            logs: crawlerLogsOf(rs, crawler, role, { partition, region, accountId }),
            arrival: arrivalOf(rs, crawler, roleByArn),
        };
    }).sort((a, b) => a.folder.localeCompare(b.folder));

    const integration = only(ofType(rs, "snowflake:index/storageIntegration:StorageIntegration"), "Snowflake storage integration");
    const unloadRole = roleByArn(integration.inputs.storageAwsRoleArn);

    let key: LakeFacts["key"];
    const sse = ofType(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((c) => c.inputs.bucket === bucketName);
    const kmsKeyId: string | undefined = sse?.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
    if (kmsKeyId) {
        const k = only(ofType(rs, "aws:kms/key:Key").filter((x) => x.outputs.arn === kmsKeyId || x.outputs.keyId === kmsKeyId), `KMS key ${kmsKeyId}`);
        key = { arn: k.outputs.arn, policy: k.inputs.policy ? parse(k.inputs.policy, k.name) : undefined };
    }

    let undelivered: LakeFacts["undelivered"];
    const redriveTargets = [...new Set(allSubscriptions.map((sub) => (sub.inputs.redrivePolicy ? JSON.parse(sub.inputs.redrivePolicy).deadLetterTargetArn : undefined)).filter(Boolean))];
    if (redriveTargets.length > 0) {
        const q = only(queues.filter((x) => x.outputs.arn === only(redriveTargets, "subscription dead-letter queue")), "subscription dead-letter queue");
        undelivered = { arn: q.outputs.arn, policy: queuePolicyOf(q) };
    }
    let taskAlerts: LakeFacts["taskAlerts"];
    const notifications = ofType(rs, "snowflake:index/notificationIntegration:NotificationIntegration");
    if (notifications.length > 0) {
        const n = only(notifications, "Snowflake notification integration");
        const role = roleByArn(n.inputs.awsSnsRoleArn);
        taskAlerts = {
            roleArn: role.outputs.arn, roleName: role.outputs.name, trust: parse(role.inputs.assumeRolePolicy, role.name), identity: roleIdentity(rs, role),
            integrationUserArn: n.outputs.awsSnsIamUserArn, externalId: n.outputs.awsSnsExternalId, topicArn: n.inputs.awsSnsTopicArn,
        };
    }

    const bucketPolicyOf = (name: string): PolicyDoc | undefined => {
        const ps = ofType(rs, "aws:s3/bucketPolicy:BucketPolicy").filter((p) => p.inputs.bucket === name);
        if (ps.length > 1) throw new Error(`IAM matrix: more than one bucket policy for ${name}`);
        return ps[0] ? parse(ps[0].inputs.policy, ps[0].name) : undefined;
    };
    const buckets = ofType(rs, "aws:s3/bucket:Bucket");
    const bucketNamed = (name: string, what: string) => only(buckets.filter((b) => b.outputs.bucket === name), what);

    let replication: LakeFacts["replication"];
    const replications = ofType(rs, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").filter((c) => c.inputs.bucket === bucketName);
    if (replications.length > 0) {
        const c = only(replications, "replication configuration of the lake bucket");
        const rule = only((c.inputs.rules ?? []) as any[], "replication rule of the lake bucket");
        const replica = only(buckets.filter((b) => b.outputs.arn === rule.destination.bucket), `replica bucket ${rule.destination.bucket}`);
        const role = roleByArn(c.inputs.role);
        const keyArn: string | undefined = rule.destination.encryptionConfiguration?.replicaKmsKeyId;
        const k = keyArn ? only(ofType(rs, "aws:kms/key:Key").filter((x) => x.outputs.arn === keyArn), `replica key ${keyArn}`) : undefined;
        replication = {
            roleArn: role.outputs.arn, roleName: role.outputs.name, trust: parse(role.inputs.assumeRolePolicy, role.name), identity: roleIdentity(rs, role),
            bucket: { name: replica.outputs.bucket, arn: replica.outputs.arn, policy: bucketPolicyOf(replica.outputs.bucket) },
            region: replica.outputs.region ?? region,
            key: k ? { arn: k.outputs.arn, policy: k.inputs.policy ? parse(k.inputs.policy, k.name) : undefined } : undefined,
        };
    }
    const logs: LogFacts[] = ofType(rs, "aws:s3/bucketLogging:BucketLogging").map((l) => {
        const source = bucketNamed(l.inputs.bucket, `bucket logged by ${l.name}`);
        const target = bucketNamed(l.inputs.targetBucket, `log bucket of ${l.name}`);
        const label = source.outputs.bucket === bucketName ? "lake bucket" : source.outputs.bucket === replication?.bucket.name ? "replica bucket" : source.name;
        return { label, sourceArn: source.outputs.arn, bucket: { name: target.outputs.bucket, arn: target.outputs.arn, policy: bucketPolicyOf(target.outputs.bucket) }, prefix: l.inputs.targetPrefix };
    }).sort((a, b) => a.label.localeCompare(b.label));

    const catalogPolicies = ofType(rs, "aws:glue/resourcePolicy:ResourcePolicy");
    if (catalogPolicies.length > 1) throw new Error("IAM matrix: more than one Data Catalog resource policy (there is one per account and region)");
    for (const account of Object.keys(sharing.readers)) {
        if (account === OTHER_ACCOUNT) throw new Error(`IAM matrix: reader ${account} is the account the matrix uses for "another account"; pick another reader`);
    }

    return {
        accountId, region, partition, taskAlerts, undelivered, logs, replication, sharing,
        catalogPolicy: catalogPolicies[0] ? parse(catalogPolicies[0].inputs.policy, catalogPolicies[0].name) : undefined,
        glueDatabase: only(ofType(rs, "aws:glue/catalogDatabase:CatalogDatabase"), "Glue database").inputs.name,
        bucket: { name: bucketName, arn: bucketArn, policy: bucketPolicies[0] ? parse(bucketPolicies[0].inputs.policy, bucketPolicies[0].name) : undefined, restrictPublicBuckets: pab?.inputs.restrictPublicBuckets === true },
        exportPrefix,
        topic: { arn: topicArn, policy: topicPolicies[0] ? parse(topicPolicies[0].inputs.policy, topicPolicies[0].name) : undefined },
        tables,
        unload: {
            roleArn: unloadRole.outputs.arn,
            roleName: unloadRole.outputs.name,
            trust: parse(unloadRole.inputs.assumeRolePolicy, unloadRole.name),
            identity: roleIdentity(rs, unloadRole),
            integrationUserArn: integration.outputs.storageAwsIamUserArn,
            externalId: integration.outputs.storageAwsExternalId,
        },
        key,
    };
}

/**
 * Where a crawler logs. With a security configuration whose CloudWatch encryption is SSE-KMS, Glue
 * writes to `encryptedCrawlerLogGroup(role, configuration)` (components/catalog/crawler-logs.ts),
 * which the graph must declare with the configuration's key; otherwise to /aws-glue/crawlers.
 */
function crawlerLogsOf(rs: GraphResource[], crawler: GraphResource, role: GraphResource, at: { partition: string; region: string; accountId: string }): TableFacts["logs"] {
    const configName: string | undefined = crawler.inputs.securityConfiguration;
    const config = configName ? ofType(rs, "aws:glue/securityConfiguration:SecurityConfiguration").find((c) => c.inputs.name === configName) : undefined;
    if (configName && !config) throw new Error(`IAM matrix: crawler ${crawler.name} names security configuration ${configName}, which the graph does not declare`);
    const cw = config?.inputs.encryptionConfiguration?.cloudwatchEncryption;
    if (!config || cw?.cloudwatchEncryptionMode !== "SSE-KMS") return { group: DEFAULT_CRAWLER_LOG_GROUP, arn: logGroupArn(at, DEFAULT_CRAWLER_LOG_GROUP), encrypted: false };
    const group = encryptedCrawlerLogGroup(role.outputs.name, configName!);
    const declared = only(ofType(rs, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.inputs.name === group), `log group ${group} of crawler ${crawler.name}`);
    if (declared.inputs.kmsKeyId !== cw.kmsKeyArn) throw new Error(`IAM matrix: log group ${group} is not encrypted with its security configuration's key`);
    return { group, arn: logGroupArn(at, group), encrypted: true, configuration: configName };
}

/**
 * The arrival path of a crawler, when it has one: the EVENT trigger whose action is the crawler,
 * its workflow, the EventBridge target that notifies that workflow, its rule and its role.
 */
function arrivalOf(rs: GraphResource[], crawler: GraphResource, roleByArn: (arn: string) => GraphResource): TableFacts["arrival"] {
    const triggers = ofType(rs, "aws:glue/trigger:Trigger").filter((t) => t.inputs.type === "EVENT" && (t.inputs.actions ?? []).some((a: any) => a.crawlerName === crawler.outputs.name));
    if (triggers.length === 0) return undefined;
    const trigger = only(triggers, `EVENT trigger of ${crawler.name}`);
    const workflow = only(ofType(rs, "aws:glue/workflow:Workflow").filter((w) => w.outputs.name === trigger.inputs.workflowName), `workflow of ${trigger.name}`);
    const target = only(ofType(rs, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === workflow.outputs.arn), `EventBridge target of ${workflow.name}`);
    const rule = only(ofType(rs, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.outputs.name === target.inputs.rule), `rule of ${target.name}`);
    const role = roleByArn(target.inputs.roleArn);
    return {
        ruleArn: rule.outputs.arn, workflowArn: workflow.outputs.arn, roleArn: role.outputs.arn, roleName: role.outputs.name,
        trust: parse(role.inputs.assumeRolePolicy, role.name), identity: roleIdentity(rs, role),
    };
}

const doc = (...Statement: any[]): PolicyDoc => ({ Version: "2012-10-17", Statement });
/** What an administrator of an account holds (AdministratorAccess). */
const ADMIN: NamedPolicy = { name: "AdministratorAccess (assumed)", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) };
/** What Snowflake's account grants its own IAM user: assuming customer roles (assumed; the trust policy decides). */
const SNOWFLAKE_SIDE: NamedPolicy = { name: "Snowflake's own grant (assumed)", policy: doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }) };

/** Builds every cell of a stack's matrix from its facts. */
export function buildMatrix(f: LakeFacts): Cell[] {
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
    const glueDatabase = { label: "Glue database", arn: `arn:${f.partition}:glue:${f.region}:${acct}:database/${f.glueDatabase}`, accountId: acct };
    const glueTable = (name: string) => ({ label: `Glue table ${name}`, arn: `arn:${f.partition}:glue:${f.region}:${acct}:table/${f.glueDatabase}/${name}`, accountId: acct });

    // --- S3 → SNS: the topic policy -------------------------------------------------------------
    const publish = (id: string, group: CellGroup, principal: Cell["principal"], context: Record<string, string>, contextLabel: string, expected: Expected, why: string, identityPolicies: NamedPolicy[] = []) =>
        add({ id: `topic:${id}`, group, principal, action: "sns:Publish", resource: topic, context, contextLabel, identityPolicies, resourcePolicy: f.topic.policy, expected, why });
    publish("s3-lake-bucket", "topic-allows-lake-bucket", { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct }, "SourceArn=lake bucket, SourceAccount=this account",
        "Allowed", "topic policy admits s3.amazonaws.com for the lake bucket's ARN and this account");
    publish("s3-other-bucket", "topic-denies-others", { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct }, "SourceArn=another bucket, SourceAccount=this account",
        "Denied", "aws:SourceArn is not the lake bucket");
    publish("s3-other-account", "topic-denies-others", { label: "S3 (service)", arn: "s3.amazonaws.com" },
        { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": OTHER_ACCOUNT }, "SourceArn=lake bucket's name, SourceAccount=another account",
        "Denied", "aws:SourceAccount pins the bucket owner: a same-named bucket re-created in another account is refused");
    publish("admin-other-account", "topic-denies-others", { label: "administrator of another account", arn: adminElsewhere }, {}, "-",
        "Denied", "cross-account: the topic policy admits no other account", [ADMIN]);
    publish("anonymous", "anonymous", { label: "anonymous", arn: "anonymous" }, {}, "-", "Denied", "no statement admits an unsigned request");

    // --- SNS → SQS: each queue's policy ---------------------------------------------------------
    for (const t of f.tables) {
        const queue = { label: `queue ${t.folder}`, arn: t.queue.arn, accountId: acct };
        const dlq = { label: `DLQ ${t.folder}`, arn: t.dlq.arn, accountId: acct };
        const send = (id: string, group: CellGroup, principal: Cell["principal"], res: Cell["resource"], policy: PolicyDoc | undefined, context: Record<string, string>, contextLabel: string, expected: Expected, why: string) =>
            add({ id: `queue:${t.folder}:${id}`, group, principal, action: "sqs:SendMessage", resource: res, context, contextLabel, identityPolicies: [], resourcePolicy: policy, expected, why });
        send("sns-lake-topic", "queue-allows-topic", { label: "SNS (service)", arn: "sns.amazonaws.com" }, queue, t.queue.policy,
            { "aws:SourceArn": f.topic.arn }, "SourceArn=lake topic", "Allowed", "queue policy admits sns.amazonaws.com for the lake topic's ARN");
        send("sns-other-topic", "queue-denies-others", { label: "SNS (service)", arn: "sns.amazonaws.com" }, queue, t.queue.policy,
            { "aws:SourceArn": otherTopicArn }, "SourceArn=another topic of this account", "Denied", "aws:SourceArn is not the lake topic");
        send("sns-other-account", "queue-denies-others", { label: "SNS (service)", arn: "sns.amazonaws.com" }, queue, t.queue.policy,
            { "aws:SourceArn": f.topic.arn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`) }, "SourceArn=lake topic's name in another account", "Denied", "ArnEquals compares the whole ARN, account included");
        send("s3-direct", "queue-denies-others", { label: "S3 (service)", arn: "s3.amazonaws.com" }, queue, t.queue.policy,
            { "aws:SourceArn": f.bucket.arn, "aws:SourceAccount": acct }, "SourceArn=lake bucket", "Denied", "events reach queues only through the topic");
        send("sns-to-dlq", "queue-denies-others", { label: "SNS (service)", arn: "sns.amazonaws.com" }, dlq, t.dlq.policy,
            { "aws:SourceArn": f.topic.arn }, "SourceArn=lake topic", "Denied", "the DLQ has no policy: only SQS redrive (maxReceiveCount) fills it");
        send("anonymous", "anonymous", { label: "anonymous", arn: "anonymous" }, queue, t.queue.policy, {}, "-", "Denied", "no statement admits an unsigned request");
    }

    // --- Crawler roles ---------------------------------------------------------------------------
    for (const t of f.tables) {
        const who = { label: `crawler role ${t.folder}`, arn: sessionOf(t.crawler.roleName, "AWS-Crawler") };
        const ownQueue = { label: `queue ${t.folder}`, arn: t.queue.arn, accountId: acct };
        const ownDlq = { label: `DLQ ${t.folder}`, arn: t.dlq.arn, accountId: acct };
        const cell = (id: string, group: CellGroup, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, expected: Expected, why: string, contextLabel?: string) =>
            add({ id: `crawler:${t.folder}:${id}`, group, principal: who, action, resource: res, context, contextLabel, identityPolicies: t.crawler.identity, resourcePolicy, expected, why });

        cell("receive-own-queue", "crawler-own", "sqs:ReceiveMessage", ownQueue, t.queue.policy, {}, "Allowed", "inline policy ConsumeOwnEventQueue");
        cell("delete-own-queue", "crawler-own", "sqs:DeleteMessage", ownQueue, t.queue.policy, {}, "Allowed", "inline policy ConsumeOwnEventQueue");
        cell("receive-own-dlq", "crawler-own", "sqs:ReceiveMessage", ownDlq, t.dlq.policy, {}, "Allowed", "inline policy: the crawler's dlqEventQueueArn");
        cell("read-own-prefix", "crawler-own", "s3:GetObject", s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`), f.bucket.policy, tls,
            "Allowed", "inline policy ReadOwnTableObjects");
        cell("list-own-prefix", "crawler-own", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.prefix}/` }, "Allowed", "inline policy ListOwnTableFolder");
        if (f.key) {
            cell("decrypt-lake-key", "kms", "kms:Decrypt", { label: "lake key", arn: f.key.arn, accountId: acct }, f.key.policy, {}, "Allowed",
                "inline DecryptWithLakeKey; the key policy lets this account's IAM policies decide");
            cell("encrypt-lake-key", "kms", "kms:GenerateDataKey", { label: "lake key", arn: f.key.arn, accountId: acct }, f.key.policy, {}, "Denied",
                t.logs.encrypted ? "it encrypts only under its own log group's encryption context (EncryptOwnCrawlerLogs)" : "a crawler only decrypts; it is never granted GenerateDataKey");
        }

        const others = f.tables.filter((o) => o !== t);
        for (const o of others) {
            cell(`receive-queue-${o.folder}`, "crawler-denied", "sqs:ReceiveMessage", { label: `queue ${o.folder}`, arn: o.queue.arn, accountId: acct }, o.queue.policy, {},
                "Denied", "its queue is not in this role's policy (a queue feeds exactly one crawler)");
            cell(`delete-queue-${o.folder}`, "crawler-denied", "sqs:DeleteMessage", { label: `queue ${o.folder}`, arn: o.queue.arn, accountId: acct }, o.queue.policy, {},
                "Denied", "its queue is not in this role's policy");
            cell(`read-prefix-${o.folder}`, "crawler-denied", "s3:GetObject", s3obj(`${o.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${o.prefix}/dt=.../*.parquet`), f.bucket.policy, tls,
                "Denied", "ReadOwnTableObjects covers only its own folder");
            cell(`list-prefix-${o.folder}`, "crawler-denied", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${o.prefix}/` },
                "Denied", "ListOwnTableFolder lists its own folder only");
            cell(`update-table-${o.folder}`, "crawler-catalog", "glue:BatchCreatePartition", glueTable(o.folder), undefined, {},
                "Denied", "KeepOwnGlueTable names its own table only");
        }
        if (others.length === 0) {
            cell("receive-queue-other", "crawler-denied", "sqs:ReceiveMessage", { label: "queue of another table (hypothetical)", arn: `arn:${f.partition}:sqs:${f.region}:${acct}:another-table-queue`, accountId: acct }, undefined, {},
                "Denied", "only its own queue and DLQ are in this role's policy");
        }
        cell("read-sibling-folder", "crawler-denied", "s3:GetObject", s3obj(`${t.prefix}_archive/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}_archive/... (another table's folder)`), f.bucket.policy, tls,
            "Denied", "the grant ends in '/': a folder sharing the name's beginning is another table");
        cell("read-athena-results", "crawler-denied", "s3:GetObject", s3obj("athena-results/query.csv", "lake bucket/athena-results/..."), f.bucket.policy, tls,
            "Denied", "outside its table folder");
        cell("read-other-bucket", "crawler-denied", "s3:GetObject", { label: `${otherBucketName}/${t.prefix}/...`, arn: `arn:${f.partition}:s3:::${otherBucketName}/${t.prefix}/dt=2024-01-01/${sampleFile}`, accountId: acct }, undefined, tls,
            "Denied", "no grant on another bucket");
        cell("write-own-prefix", "crawler-denied", "s3:PutObject", s3obj(`${t.prefix}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.prefix}/...`), f.bucket.policy, tls,
            "Denied", "a crawler reads; it never writes the data");
        cell("delete-own-prefix", "crawler-denied", "s3:DeleteObject", s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/...`), f.bucket.policy, tls,
            "Denied", "a crawler never deletes the data");
        cell("send-own-queue", "crawler-denied", "sqs:SendMessage", ownQueue, t.queue.policy, {}, "Denied", "a crawler consumes events; it cannot forge them");
        cell("read-own-prefix-no-tls", "tls-only", "s3:GetObject", s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/...`), f.bucket.policy, noTls,
            "ExplicitlyDenied", "bucket policy DenyInsecureTransport");
        cell("list-bucket-any-prefix", "crawler-denied", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": "athena-results/" },
            "Denied", "ListOwnTableFolder lists its own folder only (AWSGlueServiceRole would list every bucket)");
        cell("read-aws-glue-key", "crawler-catalog", "s3:GetObject", s3obj(`${P}/any-table/status=aws-glue-x/${sampleFile}`, `lake bucket/${P}/<table>/<col>=aws-glue-x/... (key containing aws-glue-)`), f.bucket.policy, tls,
            "Denied", "no managed policy: keys containing aws-glue- are not opened to every crawler");
        cell("add-own-partitions", "crawler-catalog", "glue:BatchCreatePartition", glueTable(t.folder), undefined, {}, "Allowed", "KeepOwnGlueTable: its own table's partitions");
        cell("read-own-table", "crawler-catalog", "glue:GetTable", glueTable(t.folder), undefined, {}, "Allowed", "KeepOwnGlueTable");
        cell("create-table", "crawler-catalog", "glue:CreateTable", glueDatabase, undefined, {}, "Denied", "a catalog target never creates tables");
        cell("delete-own-table", "crawler-catalog", "glue:DeleteTable", glueTable(t.folder), undefined, {}, "Denied", "DeleteBehavior LOG: a crawler never deletes");
        cell("other-database", "crawler-catalog", "glue:GetTable", { label: "another database's table", arn: `arn:${f.partition}:glue:${f.region}:${acct}:table/other_db/${t.folder}`, accountId: acct },
            undefined, {}, "Denied", "only the stack's Glue database");

        // Trust: only Glue.
        const role = { label: `crawler role ${t.folder}`, arn: t.crawler.roleArn, accountId: acct };
        add({ id: `crawler:${t.folder}:trust-glue`, group: "crawler-trust", principal: { label: "Glue (service)", arn: "glue.amazonaws.com" }, action: "sts:AssumeRole", resource: role,
            context: {}, identityPolicies: [], resourcePolicy: t.crawler.trust, expected: "Allowed", why: "trust policy admits glue.amazonaws.com" });
        add({ id: `crawler:${t.folder}:trust-snowflake`, group: "crawler-trust", principal: { label: "Snowflake integration user", arn: f.unload.integrationUserArn }, action: "sts:AssumeRole", resource: role,
            context: { "sts:ExternalId": f.unload.externalId }, contextLabel: "ExternalId=the integration's", identityPolicies: [SNOWFLAKE_SIDE], resourcePolicy: t.crawler.trust,
            expected: "Denied", why: "trust policy admits only Glue" });
        add({ id: `crawler:${t.folder}:trust-admin`, group: "crawler-trust", principal: { label: "administrator of this account", arn: adminHere }, action: "sts:AssumeRole", resource: role,
            context: {}, identityPolicies: [ADMIN], resourcePolicy: t.crawler.trust, expected: "Denied", why: "a trust policy must name the principal, even in the same account" });
    }

    // --- Crawler logs ----------------------------------------------------------------------------
    const logStream = (t: TableFacts) => ({ label: `${t.logs.encrypted ? "encrypted log group" : "log group /aws-glue/crawlers"}, stream ${t.folder}`, arn: `${t.logs.arn}:log-stream:${t.crawler.name}`, accountId: acct });
    const logGroupRes = (t: TableFacts) => ({ label: t.logs.encrypted ? `encrypted log group ${t.folder}` : "log group /aws-glue/crawlers", arn: t.logs.arn, accountId: acct });
    const ecOf = (arn: string) => ({ [LOGS_ENCRYPTION_CONTEXT]: arn });
    const otherGroup = (name: string) => logGroupArn(f, name);
    for (const t of f.tables) {
        const who = { label: `crawler role ${t.folder}`, arn: sessionOf(t.crawler.roleName, "AWS-Crawler") };
        const cell = (id: string, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, contextLabel: string, expected: Expected, why: string) =>
            add({ id: `crawler:${t.folder}:${id}`, group: "crawler-logs", principal: who, action, resource: res, context, contextLabel, identityPolicies: t.crawler.identity, resourcePolicy, expected, why });
        cell("write-own-log", "logs:PutLogEvents", logStream(t), undefined, {}, "-", "Allowed", "WriteOwnCrawlerLog: its stream, named after the crawler");
        cell("create-own-log-stream", "logs:CreateLogStream", logStream(t), undefined, {}, "-", "Allowed", "WriteOwnCrawlerLog");
        cell("read-own-log", "logs:GetLogEvents", logStream(t), undefined, {}, "-", "Denied", "a crawler writes its log; it never reads it");
        const others = f.tables.filter((o) => o !== t);
        for (const o of others.filter((x) => x.logs.arn !== t.logs.arn || x.crawler.name !== t.crawler.name)) {
            cell(`write-log-${o.folder}`, "logs:PutLogEvents", logStream(o), undefined, {}, "-", "Denied", "its grant names its own stream only");
        }
        if (others.length === 0) {
            cell("write-log-other", "logs:PutLogEvents", { label: "a stream of another crawler (hypothetical)", arn: `${t.logs.arn}:log-stream:another-crawler`, accountId: acct }, undefined, {}, "-",
                "Denied", "its grant names its own stream only");
        }
        if (!t.logs.encrypted) continue;
        cell("associate-own-log-group", "logs:AssociateKmsKey", logGroupRes(t), undefined, {}, "-", "Allowed",
            "AssociateLakeKeyWithOwnLogGroup: Glue associates the configuration's key with the crawler's log group");
        for (const o of others.filter((x) => x.logs.encrypted)) {
            cell(`associate-log-group-${o.folder}`, "logs:AssociateKmsKey", logGroupRes(o), undefined, {}, "-", "Denied", "its grant names its own log group only");
        }
        cell("associate-other-log-group", "logs:AssociateKmsKey", { label: "log group /aws-glue/crawlers", arn: otherGroup(DEFAULT_CRAWLER_LOG_GROUP), accountId: acct }, undefined, {}, "-",
            "Denied", "it cannot re-key any other log group, the default one included");
        cell("write-default-log-group", "logs:PutLogEvents", { label: "log group /aws-glue/crawlers", arn: `${otherGroup(DEFAULT_CRAWLER_LOG_GROUP)}:log-stream:${t.crawler.name}`, accountId: acct }, undefined, {}, "-",
            "Denied", "with the security configuration it logs only to its encrypted group");
        if (f.key) {
            const key = { label: "lake key", arn: f.key.arn, accountId: acct };
            cell("encrypt-own-log", "kms:GenerateDataKey", key, f.key.policy, ecOf(t.logs.arn), `EncryptionContext aws:logs:arn=its log group`, "Allowed",
                "EncryptOwnCrawlerLogs: under its own log group's encryption context (the Glue guide's kms:GenerateDataKey* for crawler roles)");
            for (const o of others.filter((x) => x.logs.encrypted)) {
                cell(`encrypt-log-${o.folder}`, "kms:GenerateDataKey", key, f.key.policy, ecOf(o.logs.arn), `EncryptionContext aws:logs:arn=log group ${o.folder}`, "Denied",
                    "the encryption context must be its own log group");
            }
        }
    }
    // Who else could read a crawler's log: the stack's other roles, another account.
    const readable = f.tables[0];
    const readLog = (id: string, principal: Cell["principal"], identity: NamedPolicy[], expected: Expected, why: string) =>
        add({ id: `logs:${readable.folder}:${id}`, group: "crawler-logs", principal, action: "logs:GetLogEvents", resource: logStream(readable), context: {}, identityPolicies: identity, expected, why });
    readLog("unload-role", { label: "unload role", arn: unloadSession }, f.unload.identity, "Denied", "no logs grant");
    if (readable.arrival) readLog("arrival-role", { label: `arrival role ${readable.folder}`, arn: sessionOf(readable.arrival.roleName, "events") }, readable.arrival.identity, "Denied", "no logs grant");
    if (f.taskAlerts) readLog("task-alerts-role", { label: "task-error role", arn: sessionOf(f.taskAlerts.roleName, "snowflake") }, f.taskAlerts.identity, "Denied", "no logs grant");
    for (const o of f.tables.filter((x) => x !== readable)) {
        readLog(`crawler-role-${o.folder}`, { label: `crawler role ${o.folder}`, arn: sessionOf(o.crawler.roleName, "AWS-Crawler") }, o.crawler.identity, "Denied", "a crawler role writes its own log only");
    }
    readLog("admin-other-account", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "Denied", "cross-account: log groups here have no resource policy");
    readLog("admin-this-account", { label: "administrator of this account", arn: adminHere }, [ADMIN], "Allowed",
        "same account: identity policies decide (CloudWatch Logs decrypts an encrypted group with the key for that group only)");
    if (f.key && f.tables.some((t) => t.logs.encrypted)) {
        const keyRes = { label: "lake key", arn: f.key.arn, accountId: acct };
        const logsService = { label: "CloudWatch Logs (service)", arn: `logs.${f.region}.amazonaws.com` };
        const logsKms = (id: string, principal: Cell["principal"], action: string, context: Record<string, string>, contextLabel: string, expected: Expected, why: string) =>
            add({ id: `kms:logs-${id}`, group: "crawler-logs", principal, action, resource: keyRes, context, contextLabel, identityPolicies: [], resourcePolicy: f.key!.policy, expected, why });
        for (const t of f.tables.filter((x) => x.logs.encrypted)) {
            logsKms(`crawler-log-group-${t.folder}`, logsService, "kms:GenerateDataKey", ecOf(t.logs.arn), `EncryptionContext aws:logs:arn=log group ${t.folder}`, "Allowed",
                "AllowCloudWatchLogsForCrawlerLogGroups: the stack's crawler log groups (ArnLike on the encryption context)");
        }
        const first = f.tables.find((x) => x.logs.encrypted)!;
        logsKms("decrypt-crawler-log-group", logsService, "kms:Decrypt", ecOf(first.logs.arn), `EncryptionContext aws:logs:arn=log group ${first.folder}`, "Allowed",
            "CloudWatch Logs decrypts the group's events for a reader IAM allows");
        logsKms("default-crawler-log-group", logsService, "kms:GenerateDataKey", ecOf(otherGroup(DEFAULT_CRAWLER_LOG_GROUP)), "EncryptionContext aws:logs:arn=/aws-glue/crawlers", "Denied",
            "only the stack's crawler log groups, not the account's default one");
        logsKms("other-role-log-group", logsService, "kms:GenerateDataKey", ecOf(otherGroup(encryptedCrawlerLogGroup("another-role", first.logs.configuration!))),
            "EncryptionContext aws:logs:arn=a crawler log group of another stack's role", "Denied", "the pattern is the stack's role-name prefix: another role's crawler logs are not the stack's");
        logsKms("other-log-group", logsService, "kms:GenerateDataKey", ecOf(otherGroup("/aws/lambda/another-function")), "EncryptionContext aws:logs:arn=another log group", "Denied",
            "only the stack's crawler log groups");
        logsKms("no-context", logsService, "kms:GenerateDataKey", {}, "-", "Denied", "without the encryption context CloudWatch Logs is not acting for a log group");
        logsKms("other-region", { label: "CloudWatch Logs of another region (service)", arn: "logs.us-east-1.amazonaws.com" }, "kms:GenerateDataKey", ecOf(first.logs.arn),
            `EncryptionContext aws:logs:arn=log group ${first.folder}`, "Denied", "the key admits CloudWatch Logs of its own region");
    }

    // --- The arrival rules: who may start a table's crawl -----------------------------------------
    for (const t of f.tables.filter((x) => x.arrival !== undefined)) {
        const a = t.arrival!;
        const who = { label: `arrival role ${t.folder}`, arn: sessionOf(a.roleName, "events") };
        const ownWorkflow = { label: `workflow ${t.folder}`, arn: a.workflowArn, accountId: acct };
        const cell = (id: string, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, expected: Expected, why: string) =>
            add({ id: `arrival:${t.folder}:${id}`, group: "arrival-trigger", principal: who, action, resource: res, context, identityPolicies: a.identity, resourcePolicy, expected, why });
        cell("notify-own-workflow", "glue:NotifyEvent", ownWorkflow, undefined, {}, "Allowed", "inline NotifyOwnWorkflow: its events reach its own table's EVENT trigger");
        const others = f.tables.filter((o) => o !== t && o.arrival !== undefined);
        for (const o of others) {
            cell(`notify-workflow-${o.folder}`, "glue:NotifyEvent", { label: `workflow ${o.folder}`, arn: o.arrival!.workflowArn, accountId: acct }, undefined, {},
                "Denied", "NotifyOwnWorkflow names its own workflow only: a rule cannot start another table's crawl");
        }
        if (others.length === 0) {
            cell("notify-workflow-other", "glue:NotifyEvent", { label: "workflow of another table (hypothetical)", arn: `arn:${f.partition}:glue:${f.region}:${acct}:workflow/another-table`, accountId: acct }, undefined, {},
                "Denied", "NotifyOwnWorkflow names its own workflow only");
        }
        cell("start-own-workflow", "glue:StartWorkflowRun", ownWorkflow, undefined, {}, "Denied", "only NotifyEvent: the trigger's batching condition decides when the workflow runs");
        cell("start-own-crawler", "glue:StartCrawler", { label: `crawler ${t.folder}`, arn: t.crawler.arn, accountId: acct }, undefined, {}, "Denied", "the crawler starts through the workflow only, one run at a time");
        cell("pass-crawler-role", "iam:PassRole", { label: `crawler role ${t.folder}`, arn: t.crawler.roleArn, accountId: acct }, undefined, {}, "Denied", "it cannot hand the crawler's role to anything");
        cell("read-own-prefix", "s3:GetObject", s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`), f.bucket.policy, tls,
            "Denied", "no S3 grant: it rings the bell, the crawler reads the data");

        const role = { label: `arrival role ${t.folder}`, arn: a.roleArn, accountId: acct };
        const events = { label: "EventBridge (service)", arn: "events.amazonaws.com" };
        const trust = (id: string, principal: Cell["principal"], context: Record<string, string>, contextLabel: string, identity: NamedPolicy[], expected: Expected, why: string) =>
            add({ id: `arrival:${t.folder}:trust-${id}`, group: "arrival-trigger", principal, action: "sts:AssumeRole", resource: role, context, contextLabel, identityPolicies: identity, resourcePolicy: a.trust, expected, why });
        trust("own-rule", events, { "aws:SourceArn": a.ruleArn, "aws:SourceAccount": acct }, "SourceArn=its rule, SourceAccount=this account", [],
            "Allowed", "trust policy: events.amazonaws.com for its own rule's ARN in this account");
        const otherRule = others[0]?.arrival?.ruleArn ?? `arn:${f.partition}:events:${f.region}:${acct}:rule/another-rule`;
        trust("other-rule", events, { "aws:SourceArn": otherRule, "aws:SourceAccount": acct }, `SourceArn=${others[0] ? `the rule of ${others[0].folder}` : "another rule"}, SourceAccount=this account`, [],
            "Denied", "aws:SourceArn must be its own rule: another rule cannot use this role");
        trust("other-account", events, { "aws:SourceArn": a.ruleArn.replace(`:${acct}:`, `:${OTHER_ACCOUNT}:`), "aws:SourceAccount": OTHER_ACCOUNT }, "SourceArn=its rule's name in another account, SourceAccount=another account", [],
            "Denied", "a same-named rule of another account is another source");
        trust("no-source", events, {}, "-", [], "Denied", "without aws:SourceArn EventBridge is not acting for its rule");
        trust("glue", { label: "Glue (service)", arn: "glue.amazonaws.com" }, {}, "-", [], "Denied", "only EventBridge is trusted");
        trust("admin", { label: "administrator of this account", arn: adminHere }, {}, "-", [ADMIN], "Denied", "a trust policy must name the principal, even in the same account");
    }

    // --- The unload role: trust ------------------------------------------------------------------
    const unloadRole = { label: "unload role", arn: f.unload.roleArn, accountId: acct };
    const assume = (id: string, group: CellGroup, principal: Cell["principal"], context: Record<string, string>, contextLabel: string, identity: NamedPolicy[], expected: Expected, why: string) =>
        add({ id: `unload:trust:${id}`, group, principal, action: "sts:AssumeRole", resource: unloadRole, context, contextLabel, identityPolicies: identity, resourcePolicy: f.unload.trust, expected, why });
    const sfUser = { label: "Snowflake integration user", arn: f.unload.integrationUserArn };
    assume("snowflake-right-external-id", "unload-trust-allowed", sfUser, { "sts:ExternalId": f.unload.externalId }, "ExternalId=the integration's", [SNOWFLAKE_SIDE],
        "Allowed", "trust policy: the integration's IAM user with sts:ExternalId = the integration's external id");
    assume("snowflake-no-external-id", "unload-trust-denied", sfUser, {}, "no ExternalId", [SNOWFLAKE_SIDE], "Denied", "sts:ExternalId is required");
    assume("snowflake-wrong-external-id", "unload-trust-denied", sfUser, { "sts:ExternalId": "MOCKORG_SFCRole=2_wrong=" }, "ExternalId=another integration's", [SNOWFLAKE_SIDE],
        "Denied", "another integration (or account) of Snowflake has another external id");
    const accountOfSf = f.unload.integrationUserArn.split(":")[4];
    assume("other-snowflake-user", "unload-trust-denied", { label: "another IAM user of Snowflake's account", arn: `arn:${f.partition}:iam::${accountOfSf}:user/other-customer-s` },
        { "sts:ExternalId": f.unload.externalId }, "ExternalId=the integration's", [SNOWFLAKE_SIDE], "Denied", "the trust policy names one IAM user, not Snowflake's account");
    assume("admin-this-account", "unload-trust-denied", { label: "administrator of this account", arn: adminHere }, { "sts:ExternalId": f.unload.externalId }, "ExternalId=the integration's", [ADMIN],
        "Denied", "a trust policy must name the principal, even in the same account");
    assume("admin-other-account", "unload-trust-denied", { label: "administrator of another account", arn: adminElsewhere }, { "sts:ExternalId": f.unload.externalId }, "ExternalId=the integration's", [ADMIN],
        "Denied", "not the integration's IAM user");
    assume("glue", "unload-trust-denied", { label: "Glue (service)", arn: "glue.amazonaws.com" }, {}, "-", [], "Denied", "no service principal is trusted");

    // --- The unload role: S3 ---------------------------------------------------------------------
    const unload = (id: string, group: CellGroup, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, expected: Expected, why: string) =>
        add({ id: `unload:${id}`, group, principal: { label: "unload role", arn: unloadSession }, action, resource: res, context, identityPolicies: f.unload.identity, resourcePolicy, expected, why });
    for (const t of f.tables) {
        unload(`put-under-prefix:${t.folder}`, "unload-access-allowed", "s3:PutObject", s3obj(`${t.prefix}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/dt=.../*.parquet`), f.bucket.policy, tls,
            "Allowed", "UnloadObjectsUnderExportPrefix");
        unload(`list-prefix:${t.folder}`, "unload-access-allowed", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.prefix}/` }, "Allowed",
            "ListExportPrefix (s3:prefix under the export prefix)");
    }
    const first = f.tables[0];
    const unloadKey = `${first.prefix}/dt=2024-01-01/${sampleFile}`;
    unload("locate-bucket", "unload-access-allowed", "s3:GetBucketLocation", lakeBucket, f.bucket.policy, tls, "Allowed", "LocateBucket");
    unload("delete-under-prefix", "unload-access-allowed", "s3:DeleteObject", s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<current export>/...`), f.bucket.policy, tls,
        "Allowed", f.replication
            ? "Snowflake requires s3:DeleteObject to unload (docs.snowflake.com data-unload-s3), here only in the exports being written; the lake keeps the old version and the replica the object"
            : "Snowflake requires s3:DeleteObject to unload (docs.snowflake.com data-unload-s3), here only in the exports being written");
    if (first.location !== first.prefix) {
        unload("delete-earlier-export", "unload-access-denied", "s3:DeleteObject", s3obj(`${first.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/<earlier export>/...`), f.bucket.policy, tls,
            "Denied", "RemoveFilesOfFailedUnloads names the current exports only: an earlier export is out of the role's reach");
    }
    unload("delete-version-under-prefix", "unload-access-denied", "s3:DeleteObjectVersion", s3obj(unloadKey, `lake bucket/${first.prefix}/...`), f.bucket.policy, tls,
        "Denied", "not needed to unload; withheld so the role cannot erase the versions prod keeps");
    unload("put-athena-results", "unload-access-denied", "s3:PutObject", s3obj("athena-results/x.parquet", "lake bucket/athena-results/..."), f.bucket.policy, tls,
        "Denied", "outside the export prefix");
    unload("put-sibling-prefix", "unload-access-denied", "s3:PutObject", s3obj(`${P}-old/x.parquet`, `lake bucket/${P}-old/...`), f.bucket.policy, tls,
        "Denied", "the grant ends in '/': a prefix sharing the name's beginning is outside");
    unload("put-bucket-root", "unload-access-denied", "s3:PutObject", s3obj("x.parquet", "lake bucket/x.parquet (root)"), f.bucket.policy, tls, "Denied", "outside the export prefix");
    unload("put-other-bucket", "unload-access-denied", "s3:PutObject", { label: `${otherBucketName}/${first.prefix}/...`, arn: `arn:${f.partition}:s3:::${otherBucketName}/${unloadKey}`, accountId: acct }, undefined, tls,
        "Denied", "no grant on another bucket");
    unload("list-other-prefix", "unload-access-denied", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": "athena-results/" }, "Denied", "s3:prefix outside the export prefix");
    unload("list-whole-bucket", "unload-access-denied", "s3:ListBucket", lakeBucket, f.bucket.policy, tls, "Denied", "listing without s3:prefix is the whole bucket");
    unload("put-no-tls", "tls-only", "s3:PutObject", s3obj(unloadKey, `lake bucket/${first.prefix}/...`), f.bucket.policy, noTls, "ExplicitlyDenied", "bucket policy DenyInsecureTransport");
    if (f.key) {
        unload("generate-data-key", "kms", "kms:GenerateDataKey", { label: "lake key", arn: f.key.arn, accountId: acct }, f.key.policy, {}, "Allowed",
            "inline EncryptWithLakeKey; the key policy lets this account's IAM policies decide");
    }

    // --- Everyone: TLS, anonymous, other accounts --------------------------------------------------
    const anyObject = s3obj(unloadKey, `lake bucket/${first.prefix}/...`);
    const person = (id: string, group: CellGroup, principal: Cell["principal"], identity: NamedPolicy[], action: string, res: Cell["resource"], context: Record<string, string>, expected: Expected, why: string) =>
        add({ id: `bucket:${id}`, group, principal, action, resource: res, context, identityPolicies: identity, resourcePolicy: f.bucket.policy, expected, why });
    person("admin-tls", "tls-only", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:GetObject", anyObject, tls,
        "Allowed", "same account: identity policies decide; the bucket policy only refuses plain HTTP");
    person("admin-no-tls", "tls-only", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:GetObject", anyObject, noTls,
        "ExplicitlyDenied", "DenyInsecureTransport applies to every principal");
    person("admin-no-tls-list", "tls-only", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:ListBucket", lakeBucket, { ...noTls, "s3:prefix": `${P}/` },
        "ExplicitlyDenied", "DenyInsecureTransport covers the bucket as well as its objects");
    person("admin-other-account", "tls-only", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "s3:GetObject", anyObject, tls,
        "Denied", "cross-account: the bucket policy grants no other account");
    person("anonymous-get", "anonymous", { label: "anonymous", arn: "anonymous" }, [], "s3:GetObject", anyObject, tls, "Denied", "nothing grants unsigned reads; Block Public Access is on");
    person("anonymous-list", "anonymous", { label: "anonymous", arn: "anonymous" }, [], "s3:ListBucket", lakeBucket, { ...tls, "s3:prefix": `${P}/` }, "Denied", "nothing grants unsigned listing");
    person("anonymous-put", "anonymous", { label: "anonymous", arn: "anonymous" }, [], "s3:PutObject", anyObject, tls, "Denied", "nothing grants unsigned writes");
    person("anonymous-get-no-tls", "anonymous", { label: "anonymous", arn: "anonymous" }, [], "s3:GetObject", anyObject, noTls, "ExplicitlyDenied", "DenyInsecureTransport (Principal *)");

    // --- SNS → the undelivered-events queue ------------------------------------------------------
    if (f.undelivered) {
        const q = { label: "undelivered-events queue", arn: f.undelivered.arn, accountId: acct };
        add({ id: "undelivered:sns-lake-topic", group: "queue-allows-topic", principal: { label: "SNS (service)", arn: "sns.amazonaws.com" }, action: "sqs:SendMessage", resource: q,
            context: { "aws:SourceArn": f.topic.arn }, contextLabel: "SourceArn=lake topic", identityPolicies: [], resourcePolicy: f.undelivered.policy, expected: "Allowed",
            why: "its queue policy admits the lake topic: SNS redrives what it cannot deliver" });
        add({ id: "undelivered:sns-other-topic", group: "queue-denies-others", principal: { label: "SNS (service)", arn: "sns.amazonaws.com" }, action: "sqs:SendMessage", resource: q,
            context: { "aws:SourceArn": otherTopicArn }, contextLabel: "SourceArn=another topic of this account", identityPolicies: [], resourcePolicy: f.undelivered.policy, expected: "Denied",
            why: "aws:SourceArn is not the lake topic" });
    }

    // --- Snowflake's task-error role (publishes to the alerts topic) -----------------------------------
    if (f.taskAlerts) {
        const ta = f.taskAlerts;
        const roleRes = { label: "task-error role", arn: ta.roleArn, accountId: acct };
        const session = sessionOf(ta.roleName, "snowflake");
        const alertsTopic = { label: "alerts topic", arn: ta.topicArn, accountId: acct };
        const cellOf = (id: string, principal: Cell["principal"], identity: NamedPolicy[], action: string, res: Cell["resource"], policy: PolicyDoc | undefined, context: Record<string, string>, expected: Expected, why: string) =>
            add({ id: `task-alerts:${id}`, group: "task-alerts", principal, action, resource: res, context, identityPolicies: identity, resourcePolicy: policy, expected, why });
        cellOf("assume-with-external-id", { label: "Snowflake's notification user", arn: ta.integrationUserArn }, [SNOWFLAKE_SIDE], "sts:AssumeRole", roleRes, ta.trust,
            { "sts:ExternalId": ta.externalId }, "Allowed", "trust policy: the notification integration's IAM user with its external id");
        cellOf("assume-without-external-id", { label: "Snowflake's notification user", arn: ta.integrationUserArn }, [SNOWFLAKE_SIDE], "sts:AssumeRole", roleRes, ta.trust,
            {}, "Denied", "sts:ExternalId is required");
        cellOf("assume-storage-user", { label: "Snowflake's storage user", arn: f.unload.integrationUserArn }, [SNOWFLAKE_SIDE], "sts:AssumeRole", roleRes, ta.trust,
            { "sts:ExternalId": f.unload.externalId }, "Denied", "the storage integration's user is another principal");
        cellOf("publish-alerts", { label: "task-error role", arn: session }, ta.identity, "sns:Publish", alertsTopic, undefined, {}, "Allowed",
            "its policy: sns:Publish on the alerts topic");
        cellOf("publish-lake-topic", { label: "task-error role", arn: session }, ta.identity, "sns:Publish", topic, f.topic.policy, {}, "Denied",
            "no grant on the lake's event topic: it cannot fake S3 events");
        cellOf("read-lake", { label: "task-error role", arn: session }, ta.identity, "s3:GetObject", s3obj(`${P}/${sampleFile}`, `lake bucket/${P}/...`), f.bucket.policy,
            { "aws:SecureTransport": "true" }, "Denied", "no S3 grant");
    }

    // --- The lake key (KMS stacks) ----------------------------------------------------------------
    if (f.key) {
        const keyRes = { label: "lake key", arn: f.key.arn, accountId: acct };
        const kms = (id: string, principal: Cell["principal"], identity: NamedPolicy[], action: string, context: Record<string, string>, expected: Expected, why: string) =>
            add({
                id: `kms:${id}`, group: "kms", principal, action, resource: keyRes, context, identityPolicies: identity, resourcePolicy: f.key!.policy, expected, why,
                contextLabel: context["aws:SourceAccount"] === undefined ? "-" : `SourceAccount=${context["aws:SourceAccount"] === acct ? "this account" : "another account"}`,
            });
        // S3's grant has no condition, as the S3 user guide's key policy has none: no AWS source says
        // S3 sends aws:SourceAccount to KMS. The key does not tell S3's callers apart; the topic
        // policy does (the sns:Publish cells: only the lake bucket of this account publishes).
        kms("s3-encrypt", { label: "S3 (service)", arn: "s3.amazonaws.com" }, [], "kms:GenerateDataKey", {}, "Allowed",
            "key policy: S3 encrypts the events it publishes to the encrypted topic (the S3 user guide's statement, without a condition)");
        kms("s3-decrypt", { label: "S3 (service)", arn: "s3.amazonaws.com" }, [], "kms:Decrypt", {}, "Allowed",
            "key policy: S3 publishing to the encrypted topic needs kms:Decrypt too (the S3 user guide's statement)");
        kms("s3-other-account", { label: "S3 (service)", arn: "s3.amazonaws.com" }, [], "kms:GenerateDataKey", { "aws:SourceAccount": OTHER_ACCOUNT }, "Allowed",
            "the key does not confine S3 by account (S3 is not documented to send aws:SourceAccount to KMS); the topic policy refuses another account's bucket");
        kms("sns-encrypt", { label: "SNS (service)", arn: "sns.amazonaws.com" }, [], "kms:GenerateDataKey", {}, "Allowed",
            "key policy: SNS writes into the encrypted queues (documented without a condition; it need not send aws:SourceAccount)");
        kms("sns-decrypt", { label: "SNS (service)", arn: "sns.amazonaws.com" }, [], "kms:Decrypt", {}, "Allowed",
            "key policy: SNS reads the encrypted topic's messages");
        kms("admin-other-account", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "kms:Decrypt", {}, "Denied",
            "the key policy trusts only this account's root");
        kms("admin-this-account", { label: "administrator of this account", arn: adminHere }, [ADMIN], "kms:Decrypt", {}, "Allowed",
            "EnableIamPoliciesOfThisAccount: this account's IAM policies decide");
    }
    // --- Access logs: who writes them, and that no role of the stack reads them ------------------------
    for (const L of f.logs) {
        const tag = L.label === "lake bucket" ? "lake" : L.label === "replica bucket" ? "replica" : L.label;
        const logBucket = `log bucket of the ${L.label}`;
        const logObj = (key: string, label: string) => ({ label, arn: `${L.bucket.arn}/${key}`, accountId: acct });
        const logKey = `${L.prefix}2024-01-01-00-00-00-0123456789ABCDEF`;
        const inPrefix = logObj(logKey, `${logBucket}/${L.prefix}...`);
        const delivery = { label: "S3 log delivery (service)", arn: "logging.s3.amazonaws.com" };
        const cell = (id: string, principal: Cell["principal"], identity: NamedPolicy[], action: string, res: Cell["resource"], policy: PolicyDoc | undefined,
            context: Record<string, string>, expected: Expected, why: string, contextLabel?: string) =>
            add({ id: `logs:${tag}:${id}`, group: "access-logs", principal, action, resource: res, context, contextLabel, identityPolicies: identity, resourcePolicy: policy, expected, why });
        const from = { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": acct };
        cell("deliver", delivery, [], "s3:PutObject", inPrefix, L.bucket.policy, from, "Allowed",
            "its bucket policy admits logging.s3.amazonaws.com for the logged bucket's ARN and this account, under the log prefix", `SourceArn=${L.label}, SourceAccount=this account`);
        cell("deliver-outside-prefix", delivery, [], "s3:PutObject", logObj(`elsewhere/${sampleFile}`, `${logBucket}/elsewhere/...`), L.bucket.policy, from, "Denied",
            "the grant covers the log prefix only", `SourceArn=${L.label}, SourceAccount=this account`);
        cell("deliver-other-bucket", delivery, [], "s3:PutObject", inPrefix, L.bucket.policy, { "aws:SourceArn": `arn:${f.partition}:s3:::${otherBucketName}`, "aws:SourceAccount": acct }, "Denied",
            "aws:SourceArn is not the logged bucket: another bucket's logs are refused", "SourceArn=another bucket, SourceAccount=this account");
        cell("deliver-other-account", delivery, [], "s3:PutObject", inPrefix, L.bucket.policy, { "aws:SourceArn": L.sourceArn, "aws:SourceAccount": OTHER_ACCOUNT }, "Denied",
            "aws:SourceAccount pins the logged bucket's owner", `SourceArn=${L.label}'s name, SourceAccount=another account`);
        cell("deliver-no-source", delivery, [], "s3:PutObject", inPrefix, L.bucket.policy, {}, "Denied", "without aws:SourceArn and aws:SourceAccount S3 is not delivering for the logged bucket", "-");
        cell("delivery-reads", delivery, [], "s3:GetObject", inPrefix, L.bucket.policy, from, "Denied", "log delivery only writes", `SourceArn=${L.label}, SourceAccount=this account`);
        if (tag === "lake") {
            cell("deliver-into-lake", delivery, [], "s3:PutObject", s3obj(`${P}/x.log`, `lake bucket/${P}/...`), f.bucket.policy, from, "Denied",
                "the lake bucket admits no log delivery: logs go to their own bucket", "SourceArn=lake bucket, SourceAccount=this account");
        }
        cell("unload-reads", { label: "unload role", arn: unloadSession }, f.unload.identity, "s3:GetObject", inPrefix, L.bucket.policy, tls, "Denied", "no grant on the log bucket");
        cell("unload-deletes", { label: "unload role", arn: unloadSession }, f.unload.identity, "s3:DeleteObject", inPrefix, L.bucket.policy, tls, "Denied", "no grant on the log bucket: it cannot erase the record of its deletes");
        cell("crawler-reads", { label: `crawler role ${first.folder}`, arn: sessionOf(first.crawler.roleName, "AWS-Crawler") }, first.crawler.identity, "s3:GetObject", inPrefix, L.bucket.policy, tls,
            "Denied", "a crawler reads its table's folder only");
        if (first.arrival) {
            cell("arrival-reads", { label: `arrival role ${first.folder}`, arn: sessionOf(first.arrival.roleName, "events") }, first.arrival.identity, "s3:GetObject", inPrefix, L.bucket.policy, tls,
                "Denied", "no S3 grant");
        }
        if (f.replication) {
            cell("replication-reads", { label: "replication role", arn: sessionOf(f.replication.roleName, "s3-replication") }, f.replication.identity, "s3:GetObject", inPrefix, L.bucket.policy, tls,
                "Denied", "the replication role reads the exports' versions only");
        }
        if (f.taskAlerts) {
            cell("task-errors-reads", { label: "task-error role", arn: sessionOf(f.taskAlerts.roleName, "snowflake") }, f.taskAlerts.identity, "s3:GetObject", inPrefix, L.bucket.policy, tls, "Denied", "no S3 grant");
        }
        cell("anonymous-reads", { label: "anonymous", arn: "anonymous" }, [], "s3:GetObject", inPrefix, L.bucket.policy, tls, "Denied", "nothing grants unsigned reads; Block Public Access is on");
        cell("admin-other-account-reads", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "s3:GetObject", inPrefix, L.bucket.policy, tls, "Denied",
            "cross-account: the log bucket's policy grants no other account");
        cell("admin-reads", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:GetObject", inPrefix, L.bucket.policy, tls, "Allowed",
            "within the account IAM policies decide who reads the logs (the auditors'), not the stack's roles");
        cell("admin-reads-no-tls", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:GetObject", inPrefix, L.bucket.policy, noTls, "ExplicitlyDenied",
            "the log bucket's DenyInsecureTransport");
    }

    // --- Replication: what the role S3 assumes may do ------------------------------------------------
    if (f.replication) {
        const R = f.replication;
        const roleRes = { label: "replication role", arn: R.roleArn, accountId: acct };
        const who = { label: "replication role", arn: sessionOf(R.roleName, "s3-replication") };
        const replicaObj = (key: string, label: string) => ({ label, arn: `${R.bucket.arn}/${key}`, accountId: acct });
        const replicaExport = replicaObj(`${first.location}/dt=2024-01-01/${sampleFile}`, `replica bucket/${first.prefix}/...`);
        const lakeExport = s3obj(`${first.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${first.prefix}/...`);
        const cell = (id: string, principal: Cell["principal"], identity: NamedPolicy[], action: string, res: Cell["resource"], policy: PolicyDoc | undefined,
            context: Record<string, string>, expected: Expected, why: string, contextLabel?: string) =>
            add({ id: `replication:${id}`, group: "replication", principal, action, resource: res, context, contextLabel, identityPolicies: identity, resourcePolicy: policy, expected, why });
        cell("trust-s3", { label: "S3 (service)", arn: "s3.amazonaws.com" }, [], "sts:AssumeRole", roleRes, R.trust, {}, "Allowed", "trust policy admits s3.amazonaws.com (the S3 user guide's replication trust policy)");
        cell("trust-glue", { label: "Glue (service)", arn: "glue.amazonaws.com" }, [], "sts:AssumeRole", roleRes, R.trust, {}, "Denied", "only S3 is trusted");
        cell("trust-admin", { label: "administrator of this account", arn: adminHere }, [ADMIN], "sts:AssumeRole", roleRes, R.trust, {}, "Denied", "a trust policy must name the principal, even in the same account");
        cell("read-configuration", who, R.identity, "s3:GetReplicationConfiguration", lakeBucket, f.bucket.policy, tls, "Allowed", "ReadReplicationConfiguration");
        cell("list-lake", who, R.identity, "s3:ListBucket", lakeBucket, f.bucket.policy, tls, "Allowed", "ReadReplicationConfiguration (S3 lists to find delete markers)");
        cell("read-export-version", who, R.identity, "s3:GetObjectVersionForReplication", lakeExport, f.bucket.policy, tls, "Allowed", "ReadExportVersions");
        cell("read-athena-results", who, R.identity, "s3:GetObjectVersionForReplication", s3obj("athena-results/query.csv", "lake bucket/athena-results/..."), f.bucket.policy, tls,
            "Denied", "only the exports are replicated");
        cell("write-replica", who, R.identity, "s3:ReplicateObject", replicaExport, R.bucket.policy, tls, "Allowed", "WriteReplicas");
        cell("write-replica-elsewhere", who, R.identity, "s3:ReplicateObject", replicaObj("other/x.parquet", "replica bucket/other/..."), R.bucket.policy, tls, "Denied", "WriteReplicas covers the export prefix only");
        cell("replicate-delete", who, R.identity, "s3:ReplicateDelete", replicaExport, R.bucket.policy, tls, "Denied", "delete markers are not replicated, and the role could not write one: a delete in the lake never reaches the replica");
        cell("delete-replica-version", who, R.identity, "s3:DeleteObjectVersion", replicaExport, R.bucket.policy, tls, "Denied", "the role deletes nothing in the replica");
        cell("delete-lake-object", who, R.identity, "s3:DeleteObject", lakeExport, f.bucket.policy, tls, "Denied", "the role deletes nothing in the lake");
        cell("write-lake", who, R.identity, "s3:PutObject", lakeExport, f.bucket.policy, tls, "Denied", "the role writes replicas only");
        cell("read-replica", who, R.identity, "s3:GetObject", replicaExport, R.bucket.policy, tls, "Denied", "the role reads source versions, not replicas");
        if (f.key) {
            const lakeKey = { label: "lake key", arn: f.key.arn, accountId: acct };
            const via = { "kms:ViaService": `s3.${f.region}.amazonaws.com` };
            cell("decrypt-exports", who, R.identity, "kms:Decrypt", lakeKey, f.key.policy, via, "Allowed", "DecryptExportsThroughS3: through S3 in the lake's region", "via S3 in the lake's region");
            cell("decrypt-directly", who, R.identity, "kms:Decrypt", lakeKey, f.key.policy, {}, "Denied", "kms:ViaService: the role decrypts only through S3", "not via S3");
            cell("decrypt-via-other-region", who, R.identity, "kms:Decrypt", lakeKey, f.key.policy, { "kms:ViaService": `s3.${R.region}.amazonaws.com` }, "Denied",
                "only through S3 in the lake's region", "via S3 in the replica's region");
            cell("encrypt-with-lake-key", who, R.identity, "kms:Encrypt", lakeKey, f.key.policy, via, "Denied", "the lake key only decrypts the sources", "via S3 in the lake's region");
        }
        if (R.key) {
            const replicaKey = { label: "replica key", arn: R.key.arn, accountId: acct };
            const via = { "kms:ViaService": `s3.${R.region}.amazonaws.com` };
            cell("encrypt-replicas", who, R.identity, "kms:Encrypt", replicaKey, R.key.policy, via, "Allowed", "EncryptReplicasThroughS3: through S3 in the replica's region", "via S3 in the replica's region");
            cell("encrypt-replicas-other-region", who, R.identity, "kms:Encrypt", replicaKey, R.key.policy, { "kms:ViaService": `s3.${f.region}.amazonaws.com` }, "Denied",
                "only through S3 in the replica's region", "via S3 in the lake's region");
            cell("encrypt-replicas-directly", who, R.identity, "kms:Encrypt", replicaKey, R.key.policy, {}, "Denied", "kms:ViaService: only through S3", "not via S3");
            cell("replica-key-other-account", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "kms:Decrypt", replicaKey, R.key.policy, {}, "Denied",
                "the replica key's policy trusts only this account's root");
        }
        cell("unload-writes-replica", { label: "unload role", arn: unloadSession }, f.unload.identity, "s3:PutObject", replicaExport, R.bucket.policy, tls, "Denied", "Snowflake unloads into the lake only");
        cell("unload-deletes-replica", { label: "unload role", arn: unloadSession }, f.unload.identity, "s3:DeleteObject", replicaExport, R.bucket.policy, tls, "Denied",
            "no grant on the replica: what the unload role deletes in the lake stays there");
        cell("crawler-reads-replica", { label: `crawler role ${first.folder}`, arn: sessionOf(first.crawler.roleName, "AWS-Crawler") }, first.crawler.identity, "s3:GetObject", replicaExport, R.bucket.policy, tls,
            "Denied", "crawlers read the lake only");
        cell("anonymous-reads-replica", { label: "anonymous", arn: "anonymous" }, [], "s3:GetObject", replicaExport, R.bucket.policy, tls, "Denied", "nothing grants unsigned reads; Block Public Access is on");
        cell("admin-other-account-reads-replica", { label: "administrator of another account", arn: adminElsewhere }, [ADMIN], "s3:GetObject", replicaExport, R.bucket.policy, tls, "Denied",
            "cross-account: the replica's policy grants no other account");
        cell("admin-reads-replica-no-tls", { label: "administrator of this account", arn: adminHere }, [ADMIN], "s3:GetObject", replicaExport, R.bucket.policy, noTls, "ExplicitlyDenied",
            "the replica's DenyInsecureTransport");
    }
    // --- Readers in other accounts ---------------------------------------------------------------
    const catalogTable = (name: string) => ({ ...glueTable(name), label: `Glue table ${name}` });
    const keyRes = f.key ? { label: "lake key", arn: f.key.arn, accountId: acct } : undefined;
    const viaS3 = { "kms:ViaService": `s3.${f.region}.amazonaws.com` };
    const otherRegion = f.region === "us-east-1" ? "eu-west-1" : "us-east-1";
    for (const [account, folders] of Object.entries(f.sharing.readers).sort(([a], [b]) => a.localeCompare(b))) {
        const own = f.tables.filter((t) => folders.includes(t.folder));
        if (own.length !== folders.length) throw new Error(`IAM matrix: reader ${account} is given tables ${folders.join(", ")}, not all of which are the stack's`);
        const t = own[0];
        const other = f.tables.find((x) => !folders.includes(x.folder));
        const who = { label: `reader ${account}`, arn: `arn:${f.partition}:iam::${account}:role/analyst` };
        const cell = (id: string, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, expected: Expected, why: string, contextLabel?: string) =>
            add({ id: `reader:${account}:${id}`, group: "readers", principal: who, action, resource: res, context, contextLabel, identityPolicies: [ADMIN], resourcePolicy, expected, why });
        const current = s3obj(`${t.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.location}/... (${t.folder}'s current export)`);
        cell(`get-${t.folder}`, "s3:GetObject", current, f.bucket.policy, tls, "Allowed", "bucket policy ReadersGetExports: its tables' current exports (its own IAM allows it too)");
        cell(`list-${t.folder}`, "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.location}/` }, "Allowed", "bucket policy ReadersListExports: s3:prefix under its tables' current exports");
        cell("locate-bucket", "s3:GetBucketLocation", lakeBucket, f.bucket.policy, tls, "Allowed", "bucket policy ReadersLocateLakeBucket (Athena asks for the bucket's region)");
        if (t.location !== t.prefix) {
            cell(`get-${t.folder}-earlier-export`, "s3:GetObject", s3obj(`${t.prefix}/g1-ffffffff/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.prefix}/<earlier export>/...`), f.bucket.policy, tls,
                "Denied", "only the current export's folder is granted");
        }
        cell(`list-${t.folder}-folder`, "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.prefix}/` }, "Denied", "listing the table's folder would show every export: only the current one");
        cell("list-export-prefix", "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${P}/` }, "Denied", "no listing of the other tables");
        cell("list-whole-bucket", "s3:ListBucket", lakeBucket, f.bucket.policy, tls, "Denied", "listing without s3:prefix is the whole bucket");
        const otherKey = other ? `${other.location}/dt=2024-01-01/${sampleFile}` : `${P}/another_table/g1-00000000/dt=2024-01-01/${sampleFile}`;
        cell(other ? `get-${other.folder}` : "get-other-table", "s3:GetObject", s3obj(otherKey, other ? `lake bucket/${other.location}/... (${other.folder}, not its table)` : "lake bucket/<another table's export>/... (hypothetical)"),
            f.bucket.policy, tls, "Denied", "another table's export is not granted to it");
        cell("get-athena-results", "s3:GetObject", s3obj("athena-results/query.csv", "lake bucket/athena-results/..."), f.bucket.policy, tls, "Denied", "outside its tables' exports");
        cell(`put-${t.folder}`, "s3:PutObject", s3obj(`${t.location}/dt=2024-01-01/injected.parquet`, `lake bucket/${t.location}/...`), f.bucket.policy, tls, "Denied", "a reader never writes");
        cell(`delete-${t.folder}`, "s3:DeleteObject", current, f.bucket.policy, tls, "Denied", "a reader never deletes");
        cell(`delete-version-${t.folder}`, "s3:DeleteObjectVersion", current, f.bucket.policy, tls, "Denied", "a reader never deletes a version");
        cell("put-bucket-policy", "s3:PutBucketPolicy", lakeBucket, f.bucket.policy, tls, "Denied", "a reader cannot change who reads");
        cell(`get-${t.folder}-no-tls`, "s3:GetObject", current, f.bucket.policy, noTls, "ExplicitlyDenied", "DenyInsecureTransport applies to readers too");
        if (keyRes) {
            cell("decrypt-via-s3", "kms:Decrypt", keyRes, f.key!.policy, viaS3, "Allowed", "key policy AllowReadersToDecryptExportsThroughS3: through S3 in the lake's region", "via S3 in the lake's region");
            cell("decrypt-directly", "kms:Decrypt", keyRes, f.key!.policy, {}, "Denied", "kms:ViaService: only through S3", "not via a service");
            cell("decrypt-via-s3-other-region", "kms:Decrypt", keyRes, f.key!.policy, { "kms:ViaService": `s3.${otherRegion}.amazonaws.com` }, "Denied", "only S3 of the lake's region", `via S3 in ${otherRegion}`);
            cell("decrypt-via-glue", "kms:Decrypt", keyRes, f.key!.policy, { "kms:ViaService": `glue.${f.region}.amazonaws.com` }, "Denied",
                "no Glue use of the key: a shared catalog is never encrypted with it (glueCatalogEncryption and glueCatalogResourcePolicy are refused together)", "via Glue in the lake's region");
            cell("generate-data-key-via-s3", "kms:GenerateDataKey", keyRes, f.key!.policy, viaS3, "Denied", "a reader decrypts only: it cannot encrypt objects into the lake", "via S3 in the lake's region");
            cell("encrypt-via-s3", "kms:Encrypt", keyRes, f.key!.policy, viaS3, "Denied", "a reader decrypts only", "via S3 in the lake's region");
            cell("create-grant", "kms:CreateGrant", keyRes, f.key!.policy, {}, "Denied", "a reader cannot hand the key on");
        }
        if (f.catalogPolicy && f.sharing.catalogShared) {
            const database = { ...glueDatabase };
            cell(`glue-get-${t.folder}`, "glue:GetTable", catalogTable(t.folder), f.catalogPolicy, {}, "Allowed", "Data Catalog resource policy ReadersReadTables: its tables");
            cell(`glue-get-partitions-${t.folder}`, "glue:GetPartitions", catalogTable(t.folder), f.catalogPolicy, {}, "Allowed", "Data Catalog resource policy ReadersReadTables: their partitions");
            cell("glue-get-database", "glue:GetDatabase", database, f.catalogPolicy, {}, "Allowed", "Data Catalog resource policy ReadersReadTables: the lake's database");
            cell(other ? `glue-get-${other.folder}` : "glue-get-other-table", "glue:GetTable", catalogTable(other ? other.folder : "another_table"), f.catalogPolicy, {}, "Denied", "another table is not shared with it");
            cell(`glue-update-${t.folder}`, "glue:UpdateTable", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "read actions only");
            cell(`glue-add-partitions-${t.folder}`, "glue:BatchCreatePartition", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "read actions only: partitions are the crawler's and the backfill's");
            cell(`glue-delete-${t.folder}`, "glue:DeleteTable", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "read actions only");
        } else {
            cell(`glue-get-${t.folder}`, "glue:GetTable", catalogTable(t.folder), f.catalogPolicy, {}, "Denied", "the catalog is not shared (glueCatalogResourcePolicy): the reader catalogues the export in its own account");
        }
    }
    // Another account: nothing, whatever the stack shares.
    {
        const t = f.tables[0];
        const who = { label: "administrator of another account", arn: adminElsewhere };
        const cell = (id: string, action: string, res: Cell["resource"], resourcePolicy: PolicyDoc | undefined, context: Record<string, string>, why: string, contextLabel?: string) =>
            add({ id: `reader:other-account:${id}`, group: "readers", principal: who, action, resource: res, context, contextLabel, identityPolicies: [ADMIN], resourcePolicy, expected: "Denied", why });
        cell(`get-${t.folder}`, "s3:GetObject", s3obj(`${t.location}/dt=2024-01-01/${sampleFile}`, `lake bucket/${t.location}/... (current export)`), f.bucket.policy, tls, "not a reader: the bucket policy names its readers only");
        cell(`list-${t.folder}`, "s3:ListBucket", lakeBucket, f.bucket.policy, { ...tls, "s3:prefix": `${t.location}/` }, "not a reader");
        if (keyRes) cell("decrypt-via-s3", "kms:Decrypt", keyRes, f.key!.policy, viaS3, "not a reader: the key policy names its readers only", "via S3 in the lake's region");
        cell(`glue-get-${t.folder}`, "glue:GetTable", catalogTable(t.folder), f.catalogPolicy, {}, "no catalog grant to it");
    }

    // --- Endpoint owners of other accounts: who may subscribe ------------------------------------------
    const subscribe = (id: string, principal: Cell["principal"], protocol: string, endpoint: string, expected: Expected, why: string, contextLabel: string, identity: NamedPolicy[] = [ADMIN]) =>
        add({ id: `topic:${id}`, group: "endpoint-owners", principal, action: "sns:Subscribe", resource: topic, context: { "sns:Protocol": protocol, "sns:Endpoint": endpoint },
            contextLabel, identityPolicies: identity, resourcePolicy: f.topic.policy, expected, why });
    for (const o of f.sharing.endpointOwners) {
        const account = o.endpoint.split(":")[4];
        const who = { label: `endpoint owner ${account}`, arn: `arn:${f.partition}:iam::${account}:role/administrator` };
        const tag = `${account}:${o.endpoint.split(":").slice(5).join(":")}`;
        const otherEndpoint = o.endpoint.replace(/[^:]+$/, "another-endpoint");
        subscribe(`owner:${tag}:subscribe`, who, o.protocol, o.endpoint, "Allowed", "topic policy EndpointOwnerSubscribes: its configured endpoint with its protocol", `${o.protocol}, its configured endpoint`);
        subscribe(`owner:${tag}:subscribe-other-endpoint`, who, o.protocol, otherEndpoint, "Denied", "sns:Endpoint is the configured endpoint only", `${o.protocol}, another endpoint of its account`);
        subscribe(`owner:${tag}:subscribe-other-protocol`, who, o.protocol === "sqs" ? "lambda" : "sqs", o.endpoint, "Denied", "sns:Protocol is the configured protocol only", "another protocol, its endpoint");
        add({ id: `topic:owner:${tag}:publish`, group: "endpoint-owners", principal: who, action: "sns:Publish", resource: topic, context: {}, identityPolicies: [ADMIN], resourcePolicy: f.topic.policy,
            expected: "Denied", why: "it subscribes; only S3 publishes the lake's events" });
        add({ id: `topic:owner:${tag}:set-topic-attributes`, group: "endpoint-owners", principal: who, action: "sns:SetTopicAttributes", resource: topic, context: {}, identityPolicies: [ADMIN], resourcePolicy: f.topic.policy,
            expected: "Denied", why: "it cannot change the topic or its policy" });
        subscribe(`owner:${tag}:other-account-subscribes-it`, { label: "administrator of another account", arn: adminElsewhere }, o.protocol, o.endpoint, "Denied",
            "only the endpoint's owner is admitted", `${o.protocol}, the owner's endpoint`);
    }
    subscribe("other-account-subscribes", { label: "administrator of another account", arn: adminElsewhere }, "sqs", `arn:${f.partition}:sqs:${f.region}:${OTHER_ACCOUNT}:its-queue`, "Denied",
        "cross-account: the topic policy admits no account that is not a configured endpoint owner", "sqs, a queue of its own");

    return cells;
}

function labelContext(ctx: Record<string, string>): string {
    const parts = Object.entries(ctx).map(([k, v]) => {
        if (k === "aws:SecureTransport") return v === "true" ? "TLS" : "no TLS";
        return `${k.replace(/^aws:/, "")}=${v}`;
    });
    return parts.length ? parts.join(", ") : "-";
}

const isAllowed = (d: Decision) => d === "Allowed";

/** The key that stands in for an encryption context key, which iam-simulate does not evaluate (see the header). */
export const ENCRYPTION_CONTEXT_STAND_IN = "aws:SourceArn";

const isEncryptionContextKey = (k: string) => /^kms:encryptioncontext:/i.test(k);

/** Every condition key a policy document uses. */
function conditionKeys(d: PolicyDoc): string[] {
    return d.Statement.flatMap((st: any) => Object.values<Record<string, unknown>>(st.Condition ?? {}).flatMap((block) => Object.keys(block)));
}

/** The document with condition key `from` renamed to `to` (any case, in every operator block). */
function renameConditionKey(d: PolicyDoc, from: string, to: string): PolicyDoc {
    return {
        ...d,
        Statement: d.Statement.map((st: any) => st.Condition === undefined ? st : {
            ...st,
            Condition: Object.fromEntries(Object.entries<Record<string, unknown>>(st.Condition).map(([op, block]) =>
                [op, Object.fromEntries(Object.entries(block).map(([k, v]) => [k.toLowerCase() === from.toLowerCase() ? to : k, v]))])),
        }),
    };
}

/**
 * What the engine evaluates for a cell: as it is, or, when its context carries a KMS encryption
 * context key, with that key renamed to `ENCRYPTION_CONTEXT_STAND_IN` in its context and in its
 * policies' conditions. Throws when the stand-in is already in use (the rename would mix two keys).
 */
export function forEngine(cell: Cell): Pick<Cell, "context" | "identityPolicies" | "resourcePolicy"> {
    const ec = Object.keys(cell.context).filter(isEncryptionContextKey);
    if (ec.length === 0) return cell;
    if (ec.length > 1) throw new Error(`IAM matrix: cell ${cell.id} sends ${ec.length} encryption context keys; the matrix evaluates one`);
    const docs = [...cell.identityPolicies.map((p) => p.policy), ...(cell.resourcePolicy ? [cell.resourcePolicy] : [])];
    const standIn = ENCRYPTION_CONTEXT_STAND_IN.toLowerCase();
    if (Object.keys(cell.context).some((k) => k.toLowerCase() === standIn) || docs.some((d) => conditionKeys(d).some((k) => k.toLowerCase() === standIn))) {
        throw new Error(`IAM matrix: cell ${cell.id}: ${ENCRYPTION_CONTEXT_STAND_IN} is already used, so it cannot stand in for ${ec[0]}`);
    }
    const { [ec[0]]: value, ...rest } = cell.context;
    return {
        context: { ...rest, [ENCRYPTION_CONTEXT_STAND_IN]: value },
        identityPolicies: cell.identityPolicies.map((p) => ({ ...p, policy: renameConditionKey(p.policy, ec[0], ENCRYPTION_CONTEXT_STAND_IN) })),
        resourcePolicy: cell.resourcePolicy && renameConditionKey(cell.resourcePolicy, ec[0], ENCRYPTION_CONTEXT_STAND_IN),
    };
}

/** Evaluates one cell with iam-simulate. */
export async function evaluateCell(cell: Cell, opts: { blockPublicAccess: boolean }): Promise<CellResult> {
    const engine = forEngine(cell);
    const simulation: Simulation = {
        request: {
            principal: cell.principal.arn === "anonymous" ? anonymousPrincipal : cell.principal.arn,
            action: cell.action,
            resource: { resource: cell.resource.arn, accountId: cell.resource.accountId },
            contextVariables: engine.context,
        },
        identityPolicies: engine.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: engine.resourcePolicy,
        additionalSettings: cell.action.startsWith("s3:") ? { s3: { blockPublicAccess: opts.blockPublicAccess } } : undefined,
    };
    const r = await runSimulation(simulation, {});
    if (r.resultType === "error") {
        return { ...cell, decision: "Error", ok: false, problem: `${r.errors.message}: ${JSON.stringify(r.errors)}` };
    }
    const decision = r.overallResult as Decision;
    const ignored = r.resultType === "single" ? r.result.ignoredContextKeys ?? [] : r.results.flatMap((x) => x.ignoredContextKeys ?? []);
    const problem = ignored.length ? `context keys ignored by the engine for ${cell.action}: ${ignored.join(", ")}` : undefined;
    const ok = problem === undefined && (cell.expected === "Allowed" ? isAllowed(decision)
        : cell.expected === "ExplicitlyDenied" ? decision === "ExplicitlyDenied" : !isAllowed(decision));
    return { ...cell, decision, ok, problem };
}

/**
 * Builds and evaluates the matrix of a stack's resource graph; `sharing` is the program's `sharing`
 * output (who it means to share with), undefined when it shares nothing.
 */
export async function evaluateMatrix(resources: GraphResource[], sharing?: unknown): Promise<{ facts: LakeFacts; results: CellResult[] }> {
    const facts = lakeFacts(resources, sharingIntentOf(sharing));
    const cells = buildMatrix(facts);
    const ids = new Set<string>();
    for (const c of cells) {
        if (ids.has(c.id)) throw new Error(`IAM matrix: duplicate cell id ${c.id}`);
        ids.add(c.id);
    }
    const results: CellResult[] = [];
    for (const c of cells) results.push(await evaluateCell(c, { blockPublicAccess: facts.bucket.restrictPublicBuckets }));
    return { facts, results };
}

// --- Output ------------------------------------------------------------------------------------

const expectedText = (e: Expected) => (e === "Allowed" ? "allowed" : e === "Denied" ? "denied" : "explicitly denied");

const ABBREVIATION: Record<Decision | Expected, string> = { Allowed: "A", Denied: "D", ImplicitlyDenied: "D", ExplicitlyDenied: "X", Error: "E" };

/** What the abbreviations of the text table mean. */
export const TEXT_LEGEND = "result: A allowed, D denied (implicitly), X explicitly denied, E engine error; " +
    "\"ok\" when it is the expected decision, else \"want\" and the expected one. Cells grouped by what they check; " +
    "the full matrix with the reason of each cell is in docs/security.md (--markdown prints it).";

/**
 * A plain-text table for the terminal, at most `width` (default 100) characters wide: decisions
 * abbreviated (see `TEXT_LEGEND`), cells under their group, and the long labels wrapped.
 */
export function formatText(results: CellResult[], opts: { arns?: boolean; width?: number } = {}): string {
    const width = opts.width ?? 100;
    const head = ["result", "principal", "action", "resource"];
    const rowsOf = (r: CellResult) => [[
        `${ABBREVIATION[r.decision]} ${r.ok ? "ok" : `want ${ABBREVIATION[r.expected]}`}`,
        opts.arns ? `${r.principal.label} <${r.principal.arn}>` : r.principal.label,
        r.action,
        opts.arns ? `${r.resource.label} <${r.resource.arn}>` : r.resource.label,
    ], ...(r.contextLabel === "-" ? [] : [[`${" ".repeat(8)}when ${r.contextLabel}`]])];
    const groups = [...new Set(results.map((r) => r.group))];
    const rows = [head, ...groups.flatMap((g) => [[""], [`${g}: ${CELL_GROUPS[g]}`], ...results.filter((r) => r.group === g).flatMap(rowsOf)])];
    return [...wrapCell(TEXT_LEGEND, width), "", ...formatTable(rows, { total: width, min: [6, 12, 12, 12] })].join("\n");
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\*/g, "\\*").replace(/_/g, "\\_");

/** The Markdown table written into docs/security.md (no ARNs: labels only, so mock names do not churn it). */
export function formatMarkdown(results: CellResult[]): string {
    const lines = [
        "| Principal | Action | Resource | Context | Expected | Decision | OK | Why |",
        "|---|---|---|---|---|---|---|---|",
        ...results.map((r) => `| ${md(r.principal.label)} | \`${r.action}\` | ${md(r.resource.label)} | ${md(r.contextLabel)} | ${expectedText(r.expected)} | ${r.decision} | ${r.ok ? "✓" : "✗"} | ${md(r.why)} |`),
    ];
    return lines.join("\n");
}

export const DOC_PATH = "docs/security.md";

/** Which table of the document: a stack's, or a stack's with a file of settings laid over it (`--with`). */
export interface DocTarget {
    stack: string;
    /** Path of the settings file, relative to the project root (`docs/examples/sharing.yaml`). */
    with?: string;
}
const sectionName = (t: DocTarget) => (t.with === undefined ? t.stack : `${t.stack} with ${t.with}`);
const begin = (t: DocTarget) => `<!-- BEGIN iam-matrix ${sectionName(t)}: generated by \`npm run check:iam -- --stack ${t.stack}${t.with === undefined ? "" : ` --with ${t.with}`} --update-doc\`; do not edit by hand -->`;
const end = (t: DocTarget) => `<!-- END iam-matrix ${sectionName(t)} -->`;
const targetOf = (t: string | DocTarget): DocTarget => (typeof t === "string" ? { stack: t } : t);

/** The generated table of a stack in the document, or undefined when the markers are missing. */
export function docSection(text: string, target: string | DocTarget): string | undefined {
    const t = targetOf(target);
    const b = text.indexOf(begin(t));
    const e = text.indexOf(end(t));
    if (b < 0 || e < b) return undefined;
    return text.slice(b + begin(t).length, e).trim();
}

/** The document with the stack's generated table replaced (or appended with its markers). */
export function replaceDocSection(text: string, target: string | DocTarget, table: string): string {
    const t = targetOf(target);
    const block = `${begin(t)}\n${table}\n${end(t)}`;
    const b = text.indexOf(begin(t));
    const e = text.indexOf(end(t));
    if (b < 0 || e < b) return `${text.trimEnd()}\n\n${block}\n`;
    return text.slice(0, b) + block + text.slice(e + end(t).length);
}

/** A crawler's S3 and catalog targets (each may carry an event queue). */
const eventTargets = (c: { inputs: Record<string, any> }): any[] => [...(c.inputs.s3Targets ?? []), ...(c.inputs.catalogTargets ?? [])];

/** The S3 folder a crawler reads: its S3 target's path, or its catalog target table's location. */
function crawlerPath(rs: ReadonlyArray<{ type: string; name: string; inputs: Record<string, any> }>, crawler: { name: string; inputs: Record<string, any> }): { path: string; folder: string; location?: string } {
    const target = only(eventTargets(crawler), `target of ${crawler.name}`);
    if (typeof target.path === "string") return { path: target.path, folder: target.path.replace(/\/$/, "").split("/").pop()! };
    const name = only(target.tables as string[], `table of ${crawler.name}'s catalog target`);
    const table = only(rs.filter((r) => r.type === "aws:glue/catalogTable:CatalogTable" && r.inputs.name === name && r.inputs.databaseName === target.databaseName),
        `Glue table ${target.databaseName}.${name}`);
    // The crawler reads the table's folder (every export of it), not only the current export.
    const location: string = table.inputs.storageDescriptor.location;
    const bucket = /^s3:\/\/([^/]+)\//.exec(location)?.[1];
    const key = location.replace(/^s3:\/\/[^/]+\//, "");
    return { path: `s3://${bucket}/${tablePrefixOf(key)}/`, folder: name, location: key.replace(/\/$/, "") };
}
