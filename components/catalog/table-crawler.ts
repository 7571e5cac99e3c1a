import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerConfiguration } from "../documents";
import { crawlerPolicy } from "./policy-documents";
import { serviceTrustPolicy } from "../policy-document";
import { boundedName, LIMITS } from "../naming";
import { renamedFrom, token } from "../tokens";
import { CRAWLER_LOG_RETENTION_DAYS, crawlerRoleName, encryptedCrawlerLogGroup } from "./crawler-logs";
import type { LakeContext } from "../lake-context";

export interface TableCrawlerArgs {
    /** Crawler name (unique in the account and region). */
    crawlerName: string;
    databaseName: pulumi.Input<string>;
    /** The Glue table the crawler keeps: its catalog target. */
    table: aws.glue.CatalogTable;
    bucketArn: pulumi.Input<string>;
    /** Key prefix of the table's folder, with trailing slash (`exports/orders/`): what the crawler may read. */
    tablePrefix: string;
    queueArn: pulumi.Input<string>;
    deadLetterQueueArn: pulumi.Input<string>;
    /**
     * The stack's security configuration, whose CloudWatch encryption (SSE-KMS, `kmsKeyArn`) the
     * crawler's logs get: the crawler names it and the log group Glue writes to under it is declared
     * here. Undefined: the crawler logs to /aws-glue/crawlers, unencrypted by a key of the stack.
     */
    logEncryption?: { securityConfiguration: aws.glue.SecurityConfiguration; name: string };
}

/**
 * The incremental crawler of one exported table: event mode on the table's own queue, with the
 * table's Glue table as its one catalog target ("When the target is a Data Catalog table, the
 * crawler updates the existing tables in the Data Catalog with changes (for example, extra
 * partitions in a table)"), and a role that can read only the table's folder.
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html
 */
export class TableCrawler extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly crawler: aws.glue.Crawler;
    /** The encrypted log group of the crawler, with a security configuration. */
    readonly logGroup?: aws.cloudwatch.LogGroup;

    constructor(name: string, ctx: LakeContext, args: TableCrawlerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("TableCrawler"), name, {}, renamedFrom("catalog", "TableCrawler", opts));
        const child = { parent: this };
        // The crawlers' own schedule is the daily safety net, or none (crawls on arrival only); with
        // `glueCatalogEncryption` the role may use the lake key to write the encrypted catalog.
        const { schedule } = ctx.settings.crawl;
        const encryptedCatalog = ctx.settings.glueCatalogEncryption;

        if ((args.logEncryption || encryptedCatalog) && ctx.kmsKeyArn === undefined) {
            throw new Error(`TableCrawler ${name}: encrypted crawler logs or catalog need the lake key (kmsKeyArn)`);
        }
        // Explicit, bounded names: auto-names of long table names would outgrow IAM's limits.
        const roleName = crawlerRoleName(args.crawlerName, (base) => boundedName(base, LIMITS.iamRole));
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: roleName,
                description: `Glue crawler ${args.crawlerName}: reads s3 ${args.tablePrefix} and its event queue`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("glue.amazonaws.com")),
            },
            { ...child, deleteBeforeReplace: true },
        );
        // A policy of its own instead of AWSGlueServiceRole (glue:* on *, every bucket listed,
        // aws-glue-* keys of any bucket): its queue, its folder, its Glue table, its log stream.
        this.rolePolicy = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                name: "event-crawl-access",
                role: this.role.name,
                policy: pulumi
                    .all([
                        pulumi.all([args.queueArn, args.deadLetterQueueArn, args.bucketArn, ctx.kmsKeyArn]),
                        pulumi.all([ctx.partition, ctx.region, ctx.accountId, args.databaseName, args.table.name]),
                    ])
                    .apply(([[queueArn, dlqArn, bucketArn, kmsKeyArn], [partition, region, accountId, database, table]]) =>
                        JSON.stringify(
                            crawlerPolicy({
                                queueArn,
                                dlqArn,
                                bucketArn,
                                kmsKeyArn,
                                tablePrefix: args.tablePrefix.replace(/\/$/, ""),
                                glue: { partition, region, accountId, database, table },
                                crawlerName: args.crawlerName,
                                logs: args.logEncryption ? { roleName, securityConfigurationName: args.logEncryption.name } : undefined,
                                encryptedCatalog,
                            }),
                        ),
                    ),
            },
            child,
        );

        if (args.logEncryption) {
            // Declared rather than left to Glue: encrypted from its first event (kmsKeyId at creation),
            // with a retention (a Glue-made group never expires), and removed with the stack. Glue may
            // still call CreateLogGroup and AssociateKmsKey for it (the role holds both, on this group
            // only); either finds it as declared. Its name is fixed, so a replacement deletes first.
            // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
            this.logGroup = new aws.cloudwatch.LogGroup(
                `${name}-logs`,
                {
                    name: encryptedCrawlerLogGroup(roleName, args.logEncryption.name),
                    kmsKeyId: ctx.kmsKeyArn,
                    retentionInDays: CRAWLER_LOG_RETENTION_DAYS,
                },
                { ...child, deleteBeforeReplace: true },
            );
        }

        // Glue checks access to the queue when the crawler is created, so the crawler waits for
        // its role's policies. https://github.com/aws/aws-cdk/issues/33907
        this.crawler = new aws.glue.Crawler(
            `${name}-crawler`,
            {
                name: args.crawlerName,
                role: this.role.arn,
                databaseName: args.databaseName,
                // Event mode takes a single target, without sampling; events come from the queue,
                // failed ones go to the DLQ. A catalog target takes its event queues like an S3 target
                // (Glue API CatalogTarget EventQueueArn, DlqEventQueueArn).
                catalogTargets: [
                    {
                        databaseName: args.table.databaseName,
                        tables: [args.table.name],
                        eventQueueArn: args.queueArn,
                        dlqEventQueueArn: args.deadLetterQueueArn,
                    },
                ],
                recrawlPolicy: { recrawlBehavior: "CRAWL_EVENT_MODE" },
                // The program owns the table's schema: the crawler logs a schema change instead of
                // writing it, and never deletes (a catalog target takes no DEPRECATE_IN_DATABASE).
                // New partitions are added under any policy: "New tables and partitions are always
                // created regardless of the SchemaChangePolicy".
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-glue-crawler-schemachangepolicy.html
                schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
                configuration: crawlerConfiguration(),
                schedule,
                // An in-place update of an existing crawler (UpdateCrawler CrawlerSecurityConfiguration;
                // security_configuration is not ForceNew: terraform-provider-aws internal/service/glue/crawler.go).
                securityConfiguration: args.logEncryption?.securityConfiguration.name,
            },
            {
                ...child,
                // Its first crawl under the configuration finds its encrypted log group and its role's grants.
                dependsOn: [
                    this.rolePolicy,
                    args.table,
                    ...(this.logGroup ? [this.logGroup, args.logEncryption!.securityConfiguration] : []),
                ],
            },
        );

        this.registerOutputs({ crawlerName: this.crawler.name, roleArn: this.role.arn });
    }
}
