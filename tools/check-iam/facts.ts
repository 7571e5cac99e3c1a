/**
 * The facts of the IAM access matrix: everything it needs of a stack (its roles, policies, keys,
 * buckets, queues, crawlers), found in the program's resource graph as the engine would receive it,
 * never by calling the builders. The cells (cells.ts) are built from these facts alone.
 */
import { tablePrefixOf } from "@incremental-crawl/components/runtime";
import { managedPolicy } from "./managed-policies";

// AWS's own names, written here again on purpose: the matrix is an oracle independent of the
// component's policy builders. Glue writes a crawler's logs to /aws-glue/crawlers, or, under a
// security configuration with CloudWatch encryption, to /aws-glue/crawlers-role/<role>-<configuration>
// (https://docs.aws.amazon.com/glue/latest/dg/console-security-configurations.html); CloudWatch Logs
// sets kms:EncryptionContext:aws:logs:arn to the group's ARN
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
export const DEFAULT_CRAWLER_LOG_GROUP = "/aws-glue/crawlers";
export const encryptedCrawlerLogGroup = (role: string, configuration: string) => `/aws-glue/crawlers-role/${role}-${configuration}`;
export const logGroupArn = (a: { partition: string; region: string; accountId: string }, name: string) =>
    `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:${name}`;
export const LOGS_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:logs:arn";

/** The part of a harness `CapturedResource` the matrix reads. */
export interface GraphResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

export interface PolicyDoc {
    Version: string;
    Statement: any[];
}

export interface NamedPolicy {
    name: string;
    policy: PolicyDoc;
}

/** A role Snowflake assumes through an integration's IAM user and external id. */
export interface SnowflakeRoleFacts {
    roleArn: string;
    roleName: string;
    trust: PolicyDoc;
    identity: NamedPolicy[];
    integrationUserArn: string;
    externalId: string;
}

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
    unload: SnowflakeRoleFacts;
    key?: { arn: string; policy?: PolicyDoc };
    /** The queue the subscriptions redrive undeliverable events to, when they do. */
    undelivered?: { arn: string; policy?: PolicyDoc };
    /** The role Snowflake assumes to publish task errors, when the stack has one. */
    taskAlerts?: SnowflakeRoleFacts & { topicArn: string };
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
    const o = (output ?? {}) as {
        readers?: Record<string, string[]>;
        catalogId?: string;
        endpointOwnerSubscriptions?: Array<{ protocol: string; endpoint: string }>;
    };
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

/** An account that is neither the stack's nor a configured reader's. */
export const OTHER_ACCOUNT = "111122223333";

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
        ...ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => a.inputs.role === roleName)
            .map((a) => a.inputs.policyArn as string),
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
            throw new Error(
                `IAM matrix: role ${role.name} has managed policy ${arn}, which tools/check-iam/managed-policies.ts has no copy of; add a faithful copy (with its source) so the matrix stays honest`,
            );
        }
        out.push({ name: `AWS-managed ${arn}`, policy: copy.policy as PolicyDoc });
    }
    return out;
}

/** A role as the matrix sees it: its ARN and name, its trust policy and its identity policies. */
const roleFacts = (rs: GraphResource[], role: GraphResource) => ({
    roleArn: role.outputs.arn as string,
    roleName: role.outputs.name as string,
    trust: parse(role.inputs.assumeRolePolicy, role.name),
    identity: roleIdentity(rs, role),
});

/** A KMS key with its key policy. */
const keyFacts = (k: GraphResource) => ({
    arn: k.outputs.arn as string,
    policy: k.inputs.policy ? parse(k.inputs.policy, k.name) : undefined,
});

/** The policy document of the one resource of `type` whose input `key` is `value` (a bucket's, topic's, queue's policy), if any. */
function policyOf(rs: GraphResource[], type: string, key: string, value: unknown, what: string): PolicyDoc | undefined {
    const ps = ofType(rs, type).filter((p) => p.inputs[key] === value);
    if (ps.length > 1) throw new Error(`IAM matrix: more than one ${what}`);
    return ps[0] ? parse(ps[0].inputs.policy, ps[0].name) : undefined;
}

/** Reads the facts of the lake out of a stack's resource graph. Throws when the graph is not the expected shape. */
export function lakeFacts(rs: GraphResource[], sharing: SharingIntent = sharingIntentOf(undefined)): LakeFacts {
    const notification = only(ofType(rs, "aws:s3/bucketNotification:BucketNotification"), "bucket notification");
    const bucketRes = only(
        ofType(rs, "aws:s3/bucket:Bucket").filter((b) => b.outputs.bucket === notification.inputs.bucket),
        "lake bucket (the notification's bucket)",
    );
    const bucketName: string = bucketRes.outputs.bucket;
    const bucketArn: string = bucketRes.outputs.arn;
    const pab = ofType(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find((p) => p.inputs.bucket === bucketName);

    const topicConfig = only((notification.inputs.topics ?? []) as any[], "topic notification of the lake bucket");
    const topicArn: string = topicConfig.topicArn;
    const filterPrefix: string = topicConfig.filterPrefix ?? "";
    const exportPrefix = filterPrefix.replace(/\/$/, "");
    const [, partition, , region, accountId] = topicArn.split(":");

    const queues = ofType(rs, "aws:sqs/queue:Queue");
    const queuePolicyOf = (queue: GraphResource) =>
        policyOf(rs, "aws:sqs/queuePolicy:QueuePolicy", "queueUrl", queue.outputs.url, `queue policy for ${queue.name}`);
    const roles = ofType(rs, "aws:iam/role:Role");
    const roleByArn = (arn: string) =>
        only(
            roles.filter((r) => r.outputs.arn === arn),
            `role ${arn}`,
        );

    // The tables' queues: the SQS subscriptions whose queue is in the graph and read by a crawler
    // (a further subscriber's queue is its owner's, outside the graph).
    const allSubscriptions = ofType(rs, "aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.topic === topicArn);
    const crawlerQueueArns = new Set(
        ofType(rs, "aws:glue/crawler:Crawler").flatMap((c) => eventTargets(c).map((t: any) => t.eventQueueArn)),
    );
    const subscriptions = allSubscriptions.filter((s) => s.inputs.protocol === "sqs" && crawlerQueueArns.has(s.inputs.endpoint));
    if (subscriptions.length === 0) throw new Error("IAM matrix: no queue subscribes to the lake topic");
    const tables: TableFacts[] = subscriptions
        .map((s) => {
            const queue = only(
                queues.filter((q) => q.outputs.arn === s.inputs.endpoint),
                `queue ${s.inputs.endpoint}`,
            );
            const dlqArn: string | undefined = queue.inputs.redrivePolicy
                ? JSON.parse(queue.inputs.redrivePolicy).deadLetterTargetArn
                : undefined;
            if (!dlqArn) throw new Error(`IAM matrix: queue ${queue.name} has no dead-letter queue`);
            const dlq = only(
                queues.filter((q) => q.outputs.arn === dlqArn),
                `dead-letter queue ${dlqArn}`,
            );
            const crawler = only(
                ofType(rs, "aws:glue/crawler:Crawler").filter((c) =>
                    eventTargets(c).some((t: any) => t.eventQueueArn === queue.outputs.arn),
                ),
                `crawler reading ${queue.name}`,
            );
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
                crawler: { arn: crawler.outputs.arn, name: crawler.outputs.name, ...roleFacts(rs, role) },
                logs: crawlerLogsOf(rs, crawler, role, { partition, region, accountId }),
                arrival: arrivalOf(rs, crawler, roleByArn),
            };
        })
        .sort((a, b) => a.folder.localeCompare(b.folder));

    const integration = only(ofType(rs, "snowflake:index/storageIntegration:StorageIntegration"), "Snowflake storage integration");
    const unloadRole = roleByArn(integration.inputs.storageAwsRoleArn);

    let key: LakeFacts["key"];
    const sse = ofType(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
        (c) => c.inputs.bucket === bucketName,
    );
    const kmsKeyId: string | undefined = sse?.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
    if (kmsKeyId) {
        const k = only(
            ofType(rs, "aws:kms/key:Key").filter((x) => x.outputs.arn === kmsKeyId || x.outputs.keyId === kmsKeyId),
            `KMS key ${kmsKeyId}`,
        );
        key = keyFacts(k);
    }

    let undelivered: LakeFacts["undelivered"];
    const redriveTargets = [
        ...new Set(
            allSubscriptions
                .map((sub) => (sub.inputs.redrivePolicy ? JSON.parse(sub.inputs.redrivePolicy).deadLetterTargetArn : undefined))
                .filter(Boolean),
        ),
    ];
    if (redriveTargets.length > 0) {
        const q = only(
            queues.filter((x) => x.outputs.arn === only(redriveTargets, "subscription dead-letter queue")),
            "subscription dead-letter queue",
        );
        undelivered = { arn: q.outputs.arn, policy: queuePolicyOf(q) };
    }
    let taskAlerts: LakeFacts["taskAlerts"];
    const notifications = ofType(rs, "snowflake:index/notificationIntegration:NotificationIntegration");
    if (notifications.length > 0) {
        const n = only(notifications, "Snowflake notification integration");
        const role = roleByArn(n.inputs.awsSnsRoleArn);
        taskAlerts = {
            ...roleFacts(rs, role),
            integrationUserArn: n.outputs.awsSnsIamUserArn,
            externalId: n.outputs.awsSnsExternalId,
            topicArn: n.inputs.awsSnsTopicArn,
        };
    }

    const bucketPolicyOf = (name: string) => policyOf(rs, "aws:s3/bucketPolicy:BucketPolicy", "bucket", name, `bucket policy for ${name}`);
    const buckets = ofType(rs, "aws:s3/bucket:Bucket");
    const bucketNamed = (name: string, what: string) =>
        only(
            buckets.filter((b) => b.outputs.bucket === name),
            what,
        );

    let replication: LakeFacts["replication"];
    const replications = ofType(rs, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").filter((c) => c.inputs.bucket === bucketName);
    if (replications.length > 0) {
        const c = only(replications, "replication configuration of the lake bucket");
        const rule = only((c.inputs.rules ?? []) as any[], "replication rule of the lake bucket");
        const replica = only(
            buckets.filter((b) => b.outputs.arn === rule.destination.bucket),
            `replica bucket ${rule.destination.bucket}`,
        );
        const role = roleByArn(c.inputs.role);
        const keyArn: string | undefined = rule.destination.encryptionConfiguration?.replicaKmsKeyId;
        const k = keyArn
            ? only(
                  ofType(rs, "aws:kms/key:Key").filter((x) => x.outputs.arn === keyArn),
                  `replica key ${keyArn}`,
              )
            : undefined;
        replication = {
            ...roleFacts(rs, role),
            bucket: { name: replica.outputs.bucket, arn: replica.outputs.arn, policy: bucketPolicyOf(replica.outputs.bucket) },
            region: replica.outputs.region ?? region,
            key: k && keyFacts(k),
        };
    }
    const logs: LogFacts[] = ofType(rs, "aws:s3/bucketLogging:BucketLogging")
        .map((l) => {
            const source = bucketNamed(l.inputs.bucket, `bucket logged by ${l.name}`);
            const target = bucketNamed(l.inputs.targetBucket, `log bucket of ${l.name}`);
            const label =
                source.outputs.bucket === bucketName
                    ? "lake bucket"
                    : source.outputs.bucket === replication?.bucket.name
                      ? "replica bucket"
                      : source.name;
            return {
                label,
                sourceArn: source.outputs.arn,
                bucket: { name: target.outputs.bucket, arn: target.outputs.arn, policy: bucketPolicyOf(target.outputs.bucket) },
                prefix: l.inputs.targetPrefix,
            };
        })
        .sort((a, b) => a.label.localeCompare(b.label));

    const catalogPolicies = ofType(rs, "aws:glue/resourcePolicy:ResourcePolicy");
    if (catalogPolicies.length > 1)
        throw new Error("IAM matrix: more than one Data Catalog resource policy (there is one per account and region)");
    for (const account of Object.keys(sharing.readers)) {
        if (account === OTHER_ACCOUNT)
            throw new Error(`IAM matrix: reader ${account} is the account the matrix uses for "another account"; pick another reader`);
    }

    return {
        accountId,
        region,
        partition,
        taskAlerts,
        undelivered,
        logs,
        replication,
        sharing,
        catalogPolicy: catalogPolicies[0] ? parse(catalogPolicies[0].inputs.policy, catalogPolicies[0].name) : undefined,
        glueDatabase: only(ofType(rs, "aws:glue/catalogDatabase:CatalogDatabase"), "Glue database").inputs.name,
        bucket: {
            name: bucketName,
            arn: bucketArn,
            policy: bucketPolicyOf(bucketName),
            restrictPublicBuckets: pab?.inputs.restrictPublicBuckets === true,
        },
        exportPrefix,
        topic: {
            arn: topicArn,
            policy: policyOf(rs, "aws:sns/topicPolicy:TopicPolicy", "arn", topicArn, "topic policy for the lake topic"),
        },
        tables,
        unload: {
            ...roleFacts(rs, unloadRole),
            integrationUserArn: integration.outputs.storageAwsIamUserArn,
            externalId: integration.outputs.storageAwsExternalId,
        },
        key,
    };
}

/**
 * Where a crawler logs. With a security configuration whose CloudWatch encryption is SSE-KMS, Glue
 * writes to `encryptedCrawlerLogGroup(role, configuration)` (above),
 * which the graph must declare with the configuration's key; otherwise to /aws-glue/crawlers.
 */
function crawlerLogsOf(
    rs: GraphResource[],
    crawler: GraphResource,
    role: GraphResource,
    at: { partition: string; region: string; accountId: string },
): TableFacts["logs"] {
    const configName: string | undefined = crawler.inputs.securityConfiguration;
    const config = configName
        ? ofType(rs, "aws:glue/securityConfiguration:SecurityConfiguration").find((c) => c.inputs.name === configName)
        : undefined;
    if (configName && !config)
        throw new Error(`IAM matrix: crawler ${crawler.name} names security configuration ${configName}, which the graph does not declare`);
    const cw = config?.inputs.encryptionConfiguration?.cloudwatchEncryption;
    if (!config || cw?.cloudwatchEncryptionMode !== "SSE-KMS")
        return { group: DEFAULT_CRAWLER_LOG_GROUP, arn: logGroupArn(at, DEFAULT_CRAWLER_LOG_GROUP), encrypted: false };
    const group = encryptedCrawlerLogGroup(role.outputs.name, configName!);
    const declared = only(
        ofType(rs, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.inputs.name === group),
        `log group ${group} of crawler ${crawler.name}`,
    );
    if (declared.inputs.kmsKeyId !== cw.kmsKeyArn)
        throw new Error(`IAM matrix: log group ${group} is not encrypted with its security configuration's key`);
    return { group, arn: logGroupArn(at, group), encrypted: true, configuration: configName };
}

/**
 * The arrival path of a crawler, when it has one: the EVENT trigger whose action is the crawler,
 * its workflow, the EventBridge target that notifies that workflow, its rule and its role.
 */
function arrivalOf(rs: GraphResource[], crawler: GraphResource, roleByArn: (arn: string) => GraphResource): TableFacts["arrival"] {
    const triggers = ofType(rs, "aws:glue/trigger:Trigger").filter(
        (t) => t.inputs.type === "EVENT" && (t.inputs.actions ?? []).some((a: any) => a.crawlerName === crawler.outputs.name),
    );
    if (triggers.length === 0) return undefined;
    const trigger = only(triggers, `EVENT trigger of ${crawler.name}`);
    const workflow = only(
        ofType(rs, "aws:glue/workflow:Workflow").filter((w) => w.outputs.name === trigger.inputs.workflowName),
        `workflow of ${trigger.name}`,
    );
    const target = only(
        ofType(rs, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === workflow.outputs.arn),
        `EventBridge target of ${workflow.name}`,
    );
    const rule = only(
        ofType(rs, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.outputs.name === target.inputs.rule),
        `rule of ${target.name}`,
    );
    const role = roleByArn(target.inputs.roleArn);
    return { ruleArn: rule.outputs.arn, workflowArn: workflow.outputs.arn, ...roleFacts(rs, role) };
}

/** A crawler's S3 and catalog targets (each may carry an event queue). */
const eventTargets = (c: { inputs: Record<string, any> }): any[] => [...(c.inputs.s3Targets ?? []), ...(c.inputs.catalogTargets ?? [])];

/** The S3 folder a crawler reads: its S3 target's path, or its catalog target table's location. */
function crawlerPath(
    rs: ReadonlyArray<{ type: string; name: string; inputs: Record<string, any> }>,
    crawler: { name: string; inputs: Record<string, any> },
): { path: string; folder: string; location?: string } {
    const target = only(eventTargets(crawler), `target of ${crawler.name}`);
    if (typeof target.path === "string") return { path: target.path, folder: target.path.replace(/\/$/, "").split("/").pop()! };
    const name = only(target.tables as string[], `table of ${crawler.name}'s catalog target`);
    const table = only(
        rs.filter(
            (r) =>
                r.type === "aws:glue/catalogTable:CatalogTable" && r.inputs.name === name && r.inputs.databaseName === target.databaseName,
        ),
        `Glue table ${target.databaseName}.${name}`,
    );
    // The crawler reads the table's folder (every export of it), not only the current export.
    const location: string = table.inputs.storageDescriptor.location;
    const bucket = /^s3:\/\/([^/]+)\//.exec(location)?.[1];
    const key = location.replace(/^s3:\/\/[^/]+\//, "");
    return { path: `s3://${bucket}/${tablePrefixOf(key)}/`, folder: name, location: key.replace(/\/$/, "") };
}
