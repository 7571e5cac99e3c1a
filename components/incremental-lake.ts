import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "./ops/alerts";
import { Catalog } from "./catalog/catalog";
import { EventLake } from "./lake/event-lake";
import { exportLayout } from "./lake/export-layout";
import type { BackfillSummary } from "./warehouse/backfill/backfill";
import { ACCESS_LOG_PREFIX, AccessLogBucket } from "./lake/access-log-bucket";
import { LakeKey } from "./lake/lake-key";
import { LakeReplica } from "./lake/lake-replica";
import { RetainedTable, TieredTable } from "./lake/lifecycle-rules";
import { boundedName, LIMITS } from "./naming";
import type { LakeContext } from "./lake-context";
import { partitionKey } from "./warehouse/sql";
import { SnowflakeExport } from "./warehouse/snowflake-export";
import * as crypto from "crypto";
import { IncrementalLakeArgs, SubscribedBy } from "./lake-args";
import { subscriptionAttributes } from "./lake/event-subscription";
import { token } from "./tokens";
import { LakeArgsError, readerLocations, readersOfTables, resolveLakeArgs, sharingProblems } from "./validate";
import { SubscriberSpec } from "./types";

/** What a program needs of one exported table: where its data lands, and what moves and catalogues it. */
export interface LakeTableOutputs {
    /** The Snowflake table read (`DATABASE.SCHEMA.TABLE`). */
    snowflakeTable: string;
    /** The current export's folder, which the Glue table reads (`exports/orders/g1-0a1b2c3d/`). */
    s3Prefix: string;
    /** The current export's id, as the unload log records it (EXPORT_ID). */
    exportId: string;
    /** The table's folder, holding every export of the table (`exports/orders/`). */
    tablePrefix: string;
    queueUrl: string;
    queueArn: string;
    deadLetterQueueUrl: string;
    deadLetterQueueArn: string;
    crawlerName: string;
    /** The Glue workflow whose EVENT trigger starts the crawler when the table's objects arrive. */
    workflowName: string;
    /** The EventBridge rule that hands the table's Object Created events to the workflow. */
    arrivalRuleName: string;
    glueTable: string;
    namedQueryId: string;
    streamName: string;
    taskName: string;
    /** What the first unload of the current export did; unset until it ran. */
    backfill?: BackfillSummary;
    /** Days the table's objects are kept (`retentionDays`); unset when kept until deleted. */
    retentionDays?: number;
}

/** Where the record of who read or deleted lake objects is (`auditTrail`). */
export interface AuditTrailOutputs {
    /** `access-logs`, `cloudtrail` or `none`. */
    kind: string;
    /** The log bucket of the lake's server access logs (`access-logs`). */
    logBucket?: string;
    /** Their key prefix in it. */
    prefix?: string;
    /** The trail that records the lake's S3 data events (`cloudtrail`). */
    trailArn?: string;
}

/** A subscription an endpoint's owner creates from its own account, and what to pass to Subscribe. */
export interface EndpointOwnerSubscription {
    /** The table (folder name) whose events it receives. */
    table: string;
    protocol: string;
    endpoint: string;
    /** The lake topic to subscribe to. */
    topicArn: string;
    /** SNS subscription attributes to pass to Subscribe: the table's filter, raw delivery where the protocol has it. */
    filterPolicyScope: string;
    filterPolicy: string;
    rawMessageDelivery: boolean;
}

/** A further subscription the lake created. */
export interface LakeSubscriptionOutputs {
    /** The table (folder name) whose events it receives. */
    table: string;
    protocol: string;
    endpoint: string;
    /** Its ARN (an HTTPS subscription receives nothing until its endpoint confirms it). */
    subscriptionArn: string;
}

/** Who else uses the lake: reader accounts and further subscribers of the table events. */
export interface SharingOutputs {
    /** Per reader account, the tables (folder names) whose current export it may read. */
    readers: Record<string, string[]>;
    /** The Glue catalog id readers register in Athena (the lake's account), when the catalog is shared. */
    catalogId?: string;
    /** Subscriptions the lake created (HTTPS endpoints, queues and functions of its own account). */
    subscriptions: LakeSubscriptionOutputs[];
    /** Subscriptions endpoint owners of other accounts create themselves, with what to pass to Subscribe. */
    endpointOwnerSubscriptions: EndpointOwnerSubscription[];
}

/** A stable logical-name part for a subscriber: the same while it is configured, whatever else changes. */
export function subscriberKey(s: Pick<SubscriberSpec, "protocol" | "endpoint">): string {
    return `subscriber-${crypto.createHash("sha256").update(`${s.protocol} ${s.endpoint}`).digest("hex").slice(0, 8)}`;
}

/**
 * The whole product for one stack: Snowflake unloads tables under `<exportPrefix>/<table>/<export>/dt=.../`,
 * S3 events fan out through SNS to one queue per table, an event-mode Glue crawler per table,
 * started when the table's objects arrive (S3 → EventBridge → a Glue workflow's EVENT trigger),
 * catalogues only the new partitions, and Athena reads them.
 *
 * Its arguments are checked before anything is declared (`validateLakeArgs`): invalid ones throw
 * one error that lists every problem. The parts (EventLake, Catalog, SnowflakeExport, Alerts) are
 * its children; what a program needs of them is here, as outputs.
 */
export class IncrementalLake extends pulumi.ComponentResource {
    /** The lake bucket's name. */
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    /** The SNS topic every object-created event of the exports goes to. */
    readonly topicArn: pulumi.Output<string>;
    /** The customer-managed key of bucket, topic and queues; unset with `sse-s3`. */
    readonly kmsKeyArn: pulumi.Output<string | undefined>;
    readonly glueDatabaseName: pulumi.Output<string>;
    readonly athenaWorkgroupName: pulumi.Output<string>;
    /** Alarms, failed crawls and failed Snowflake task runs are published here. */
    readonly alertsTopicArn: pulumi.Output<string>;
    /** The external stage the unloads write through (`DATABASE.SCHEMA.STAGE`). */
    readonly snowflakeStageName: pulumi.Output<string>;
    readonly snowflakeIntegrationName: pulumi.Output<string>;
    /** The IAM role Snowflake assumes to write the exports. */
    readonly snowflakeRoleArn: pulumi.Output<string>;
    /** Per table, keyed by its folder name (`orders`). */
    readonly tables: pulumi.Output<Record<string, LakeTableOutputs>>;
    /** Where the record of who read or deleted lake objects is: the log bucket, or the named CloudTrail trail. */
    readonly auditTrail: pulumi.Output<AuditTrailOutputs>;
    /** The recovery replica of the exports (`replicaRegion`); unset without one. */
    readonly replicaBucketName: pulumi.Output<string | undefined>;
    /** Reader accounts and further subscribers (`readers`, tables' `subscribers`); unset without any. */
    readonly sharing: pulumi.Output<SharingOutputs | undefined>;

    constructor(name: string, args: IncrementalLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before the component registers: bad arguments declare nothing.
        const settings = resolveLakeArgs(args, { name });
        super(token("IncrementalLake"), name, {}, opts);
        const child = { parent: this };
        const namePrefix = name;
        // What every child shares, once: the account, region and partition the lake is in, whether
        // it keeps its data, and its settings (the key joins below, once it is known).
        const base: Omit<LakeContext, "kmsKeyArn"> = {
            namePrefix,
            accountId: aws.getCallerIdentityOutput({}, child).accountId,
            region: aws.getRegionOutput({}, child).region,
            partition: aws.getPartitionOutput({}, child).partition,
            retain: settings.production,
            settings,
        };
        const { accountId } = base;

        const tables = settings.tables.map((spec) => {
            const layout = exportLayout(spec, {
                exportPrefix: settings.exportPrefix,
                database: settings.snowflakeDatabase,
                schema: settings.snowflakeSchema,
            });
            return { spec, layout, folder: layout.folder };
        });
        const retainedTables: RetainedTable[] = tables
            .filter((t) => t.spec.retentionDays !== undefined)
            .map((t) => ({ folder: t.folder, prefix: t.layout.tablePrefix, days: t.spec.retentionDays! }));
        const tieredTables: TieredTable[] = tables
            .filter((t) => t.spec.storageTiers !== undefined)
            .map((t) => ({ folder: t.folder, prefix: t.layout.tablePrefix, tiers: t.spec.storageTiers! }));

        // Who else uses the lake. What only the account decides (a reader that is the lake's own
        // account, a subscriber of the wrong side) is checked against the caller's identity before
        // any policy or subscription is declared with it: a preview fails with the problems.
        const readersOf = readersOfTables(settings);
        const subscribers = tables.flatMap((t) =>
            (t.spec.subscribers ?? []).map((s) => ({ ...s, folder: t.folder, keyPrefix: t.layout.tablePrefix })),
        );
        const lakeSubscribers = subscribers.filter((s) => s.subscribedBy === SubscribedBy.Lake);
        const ownerSubscribers = subscribers.filter((s) => s.subscribedBy === SubscribedBy.EndpointOwner);
        const hasReaders = settings.readers.length > 0;
        const checked =
            hasReaders || subscribers.length > 0
                ? accountId.apply((account) => {
                      const problems = sharingProblems(settings, account);
                      if (problems.length > 0) throw new LakeArgsError(problems);
                      return account;
                  })
                : accountId;
        const readerAccounts = [...new Set(settings.readers.map((r) => r.account))].sort();
        const tablesOfReader = (account: string) => tables.filter((t) => readersOf.get(t.spec.name)!.includes(account));

        // A key of the program's own (`kmsKeyArn`), else one the lake creates. With a key, the
        // crawlers encrypt their logs with it (Catalog): the lake's key admits CloudWatch Logs for
        // their log groups; a key of the program's must admit the same (lakeKeyPolicy).
        const key =
            settings.encryption === "kms" && settings.kmsKeyArn === undefined
                ? new LakeKey(`${name}-kms`, base, hasReaders ? { readerAccounts: checked.apply(() => readerAccounts) } : {}, child)
                : undefined;
        const kmsKeyArn = settings.kmsKeyArn !== undefined ? pulumi.output(settings.kmsKeyArn) : key?.arn;
        const ctx: LakeContext = { ...base, kmsKeyArn };

        const lake = new EventLake(
            `${name}-lake`,
            ctx,
            {
                consumers: tables.map((t) => ({
                    name: t.folder,
                    // The DLQ adds "-dlq" to the queue's name.
                    queueName: boundedName(`${namePrefix}-${t.folder}`, LIMITS.sqsQueue - 4),
                    keyPrefix: t.layout.tablePrefix,
                })),
                retainedTables,
                readers: hasReaders ? checked.apply(() => readerLocations(settings)) : undefined,
                subscribers: lakeSubscribers.map((s) => ({
                    consumer: s.folder,
                    key: subscriberKey(s),
                    protocol: s.protocol,
                    endpoint: s.endpoint,
                })),
                subscriptionsReady: subscribers.length > 0 ? checked : undefined,
                endpointOwners:
                    ownerSubscribers.length > 0
                        ? checked.apply(() =>
                              ownerSubscribers.map((s) => ({ account: s.account!, protocol: s.protocol, endpoint: s.endpoint })),
                          )
                        : undefined,
                tieredTables,
            },
            child,
        );

        // The audit trail: the lake bucket's server access logs in a bucket of the stack's own (a
        // stack naming an existing CloudTrail trail, or none, declares nothing here).
        const accessLogs = settings.auditTrail.kind === "access-logs";
        const accessLogBucket = accessLogs
            ? new AccessLogBucket(
                  `${name}-access-logs`,
                  ctx,
                  { source: { bucket: lake.bucket.bucket, arn: lake.bucket.arn }, versioning: settings.versioning },
                  child,
              )
            : undefined;

        // The recovery copy: the exports replicated to another region, where no delete reaches them.
        let replica: LakeReplica | undefined;
        if (settings.replicaRegion !== undefined) {
            replica = new LakeReplica(
                `${name}-replica`,
                ctx,
                {
                    source: { bucket: lake.bucket.bucket, arn: lake.bucket.arn, versioning: lake.versioning },
                    region: settings.replicaRegion,
                    retainedTables,
                    tieredTables,
                    accessLogs,
                },
                child,
            );
        }

        // What protects and records the lake's objects, where the stack has it (the first unload waits for it).
        const storageReady: pulumi.Resource[] = [
            lake.versioning,
            replica?.configuration,
            accessLogBucket?.logging,
            replica?.accessLogs?.logging,
        ].filter((r): r is NonNullable<typeof r> => r !== undefined);

        const catalog = new Catalog(
            `${name}-catalog`,
            ctx,
            {
                bucketName: lake.bucket.bucket,
                bucketArn: lake.bucket.arn,
                tables: tables.map((t) => ({
                    name: t.folder,
                    tablePrefix: t.layout.tablePrefix,
                    location: t.layout.location,
                    columns: t.spec.columns,
                    queueArn: lake.consumers[t.folder].queue.arn,
                    deadLetterQueueArn: lake.consumers[t.folder].deadLetterQueue.arn,
                    partitionKey: partitionKey(t.spec),
                })),
                readers:
                    settings.glueCatalogResourcePolicy && hasReaders
                        ? checked.apply(() =>
                              readerAccounts.map((account) => ({ account, tables: tablesOfReader(account).map((t) => t.folder) })),
                          )
                        : undefined,
            },
            child,
        );

        const alerts = new Alerts(
            `${name}-alerts`,
            ctx,
            {
                undeliveredQueueName: lake.undelivered.name,
                tables: tables.map((t) => ({
                    name: t.folder,
                    queueName: lake.consumers[t.folder].queue.name,
                    deadLetterQueueName: lake.consumers[t.folder].deadLetterQueue.name,
                    arrivalRuleName: catalog.arrivals[t.folder].rule.name,
                })),
                crawlerNames: tables.map((t) => catalog.crawlerNames[t.folder]),
                otherSubscribers: lakeSubscribers.length > 0,
            },
            child,
        );

        const snowflake = new SnowflakeExport(
            `${name}-snowflake`,
            ctx,
            {
                alertsTopicArn: alerts.topic.arn,
                bucketName: lake.bucket.bucket,
                bucketArn: lake.bucket.arn,
                tables: tables.map((t) => {
                    const consumer = lake.consumers[t.folder];
                    return {
                        spec: t.spec,
                        layout: t.layout,
                        // Objects raise events only once the notification and the table's subscription
                        // exist; the backfill waits for them, and registers what it writes in the table.
                        // It waits too for what keeps its objects: live replication copies only objects
                        // written after the configuration exists
                        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-existing-config.html),
                        // versioning keeps versions of objects written after it is on, and access logs
                        // record only requests made after logging starts.
                        eventsReady: [
                            lake.notification,
                            consumer.queue,
                            consumer.policy,
                            consumer.subscription,
                            catalog.tables[t.folder],
                            ...(lake.subscriptions[t.folder] ?? []).map((x) => x.subscription),
                            ...storageReady,
                        ],
                    };
                }),
                glueDatabase: catalog.database.name,
            },
            child,
        );

        this.bucketName = lake.bucket.bucket;
        this.bucketArn = lake.bucket.arn;
        this.topicArn = lake.topic.arn;
        this.kmsKeyArn = kmsKeyArn ?? pulumi.output(undefined);
        this.glueDatabaseName = catalog.database.name;
        this.athenaWorkgroupName = catalog.workgroup.name;
        this.alertsTopicArn = alerts.topic.arn;
        this.snowflakeStageName = snowflake.stage.fullyQualifiedName;
        this.snowflakeIntegrationName = snowflake.integration.name;
        this.snowflakeRoleArn = snowflake.role.arn;
        const trail = settings.auditTrail;
        this.auditTrail = (
            trail.kind === "access-logs" && accessLogBucket
                ? pulumi.output({ kind: trail.kind, logBucket: accessLogBucket.bucket.bucket, prefix: ACCESS_LOG_PREFIX })
                : pulumi.output(trail.kind === "cloudtrail" ? { kind: trail.kind, trailArn: trail.trailArn } : { kind: trail.kind })
        ) as pulumi.Output<AuditTrailOutputs>;
        this.replicaBucketName = replica ? replica.bucket.bucket : pulumi.output(undefined);
        this.sharing = (
            hasReaders || subscribers.length > 0
                ? pulumi.output({
                      readers: Object.fromEntries(readerAccounts.map((account) => [account, tablesOfReader(account).map((t) => t.folder)])),
                      catalogId: settings.glueCatalogResourcePolicy && hasReaders ? checked : undefined,
                      subscriptions: lakeSubscribers.map((s) => ({
                          table: s.folder,
                          protocol: s.protocol,
                          endpoint: s.endpoint,
                          subscriptionArn: lake.subscriptionOf(s.folder, subscriberKey(s)).subscription.arn,
                      })),
                      endpointOwnerSubscriptions: ownerSubscribers.map((s) => {
                          const attributes = subscriptionAttributes(s.protocol, s.keyPrefix);
                          return {
                              table: s.folder,
                              protocol: s.protocol,
                              endpoint: s.endpoint,
                              topicArn: lake.topic.arn,
                              filterPolicyScope: attributes.FilterPolicyScope,
                              filterPolicy: attributes.FilterPolicy,
                              rawMessageDelivery: attributes.RawMessageDelivery === "true",
                          };
                      }),
                  })
                : pulumi.output(undefined)
        ) as pulumi.Output<SharingOutputs | undefined>;
        this.tables = pulumi.output(
            Object.fromEntries(
                tables.map((t) => {
                    const consumer = lake.consumers[t.folder];
                    const exported = snowflake.tables[t.spec.name];
                    return [
                        t.folder,
                        {
                            snowflakeTable: t.spec.source ?? `${settings.snowflakeDatabase}.${settings.snowflakeSchema}.${t.spec.name}`,
                            s3Prefix: t.layout.location,
                            exportId: t.layout.exportId,
                            tablePrefix: t.layout.tablePrefix,
                            queueUrl: consumer.queue.url,
                            queueArn: consumer.queue.arn,
                            deadLetterQueueUrl: consumer.deadLetterQueue.url,
                            deadLetterQueueArn: consumer.deadLetterQueue.arn,
                            crawlerName: catalog.crawlers[t.folder].crawler.name,
                            workflowName: catalog.arrivals[t.folder].workflow.name,
                            arrivalRuleName: catalog.arrivals[t.folder].rule.name,
                            glueTable: t.folder,
                            namedQueryId: catalog.namedQueries[t.folder].id,
                            streamName: exported.stream.name,
                            taskName: exported.task.name,
                            backfill: exported.summary,
                            ...(t.spec.retentionDays !== undefined ? { retentionDays: t.spec.retentionDays } : {}),
                        },
                    ];
                }),
            ),
        ) as pulumi.Output<Record<string, LakeTableOutputs>>;

        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            topicArn: this.topicArn,
            kmsKeyArn: this.kmsKeyArn,
            glueDatabaseName: this.glueDatabaseName,
            athenaWorkgroupName: this.athenaWorkgroupName,
            alertsTopicArn: this.alertsTopicArn,
            snowflakeStageName: this.snowflakeStageName,
            snowflakeIntegrationName: this.snowflakeIntegrationName,
            snowflakeRoleArn: this.snowflakeRoleArn,
            auditTrail: this.auditTrail,
            replicaBucketName: this.replicaBucketName,
            tables: this.tables,
            sharing: this.sharing,
        });
    }
}
