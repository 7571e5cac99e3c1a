import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { glueColumns, PARQUET_STORAGE } from "./glue-schema";
import { CrawlOnArrival } from "./crawl-on-arrival";
import { CatalogSharing } from "./catalog-sharing";
import { CrawlerLogEncryption } from "./crawler-log-encryption";
import { DataCatalogEncryption } from "./data-catalog-encryption";
import { boundedName, LIMITS } from "../naming";
import { TableCrawler } from "./table-crawler";
import { ColumnSpec } from "../types";
import { renamedFrom, token } from "../tokens";
import { ATHENA_RESULTS_PREFIX, type LakeContext } from "../lake-context";

export interface CatalogTable {
    /** Glue table name (the table's folder name), e.g. `orders`. */
    name: string;
    /** Key prefix of the table's folder, with trailing slash: every export of the table is under it. */
    tablePrefix: string;
    /** Key prefix of the table's current export, with trailing slash: the Glue table's location. */
    location: string;
    /** The table's columns, in the unload's order. */
    columns: ColumnSpec[];
    queueArn: pulumi.Input<string>;
    deadLetterQueueArn: pulumi.Input<string>;
    /** Partition key of the table's folders (`dt`, or a column name). */
    partitionKey: string;
}

export interface CatalogArgs {
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    tables: CatalogTable[];
    /**
     * Share tables with reader accounts through the account's Data Catalog resource policy (an
     * account-wide policy, `CatalogSharing`): per account, the Glue tables it may read.
     */
    readers?: pulumi.Input<Array<{ account: string; tables: string[] }>>;
}

/**
 * The catalogue of the lake: a Glue database, one event-mode crawler per table started when the
 * table's objects arrive, and an Athena workgroup with an enforced, encrypted result location and
 * a saved query per table. With the lake key, the crawlers log through a security configuration
 * that encrypts their CloudWatch Logs with it (Checkov CKV_AWS_195); without one (dev's SSE-S3)
 * they log to /aws-glue/crawlers as Glue does by default.
 */
export class Catalog extends pulumi.ComponentResource {
    readonly database: aws.glue.CatalogDatabase;
    readonly workgroup: aws.athena.Workgroup;
    readonly tables: Record<string, aws.glue.CatalogTable> = {};
    readonly crawlers: Record<string, TableCrawler> = {};
    /** Each table's crawler name, as a plain value (the alert rules list them). */
    readonly crawlerNames: Record<string, string> = {};
    readonly arrivals: Record<string, CrawlOnArrival> = {};
    readonly namedQueries: Record<string, aws.athena.NamedQuery> = {};
    /** The crawlers' security configuration, with the lake key. */
    readonly logEncryption?: CrawlerLogEncryption;
    /** The account's Data Catalog encryption, when the stack asks for it. */
    readonly catalogEncryption?: DataCatalogEncryption;
    /** The account's Data Catalog resource policy, when the stack shares tables through it. */
    readonly sharing?: CatalogSharing;

    constructor(name: string, ctx: LakeContext, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("Catalog"), name, {}, renamedFrom("catalog", "Catalog", opts));
        const child = { parent: this };
        const { namePrefix, kmsKeyArn } = ctx;
        const databaseName = ctx.settings.glueDatabase;
        // The account's whole Data Catalog in this region encrypted with the lake key (an
        // account-wide setting, `DataCatalogEncryption`); it needs the key.
        const encryptCatalog = ctx.settings.glueCatalogEncryption;

        this.database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            {
                name: databaseName,
                description: `Tables of ${namePrefix}, catalogued by event-mode crawlers`,
            },
            { ...child, retainOnDelete: ctx.retain },
        );

        if (encryptCatalog && kmsKeyArn === undefined)
            throw new Error(`Catalog ${name}: encrypting the Data Catalog needs the lake key (kmsKeyArn)`);
        if (kmsKeyArn !== undefined) {
            this.logEncryption = new CrawlerLogEncryption(`${name}-crawler-logs`, { namePrefix, kmsKeyArn }, child);
        }
        if (encryptCatalog) this.catalogEncryption = new DataCatalogEncryption(`${name}-encryption`, { kmsKeyArn: kmsKeyArn! }, child);

        for (const table of args.tables) {
            // The program declares the table: its schema is known before any file exists (Athena
            // can query it from the first minute), and the crawler only adds partitions to it.
            // A new export is a new location: the table is replaced with it, so the earlier
            // export's partitions go with the old table and are never visible beside the new ones
            // (DeleteTable: "you no longer have access to the ... partitions that belong to the
            // deleted table", https://docs.aws.amazon.com/glue/latest/webapi/API_DeleteTable.html).
            // Its name is fixed, so the replacement deletes first.
            this.tables[table.name] = new aws.glue.CatalogTable(
                `${name}-${table.name}-table`,
                {
                    name: table.name,
                    databaseName: this.database.name,
                    description: `Current export of ${table.name}; partitions added by the crawler and the backfill`,
                    tableType: "EXTERNAL_TABLE",
                    parameters: { EXTERNAL: "TRUE", classification: "parquet", "parquet.compression": "SNAPPY" },
                    partitionKeys: [{ name: table.partitionKey, type: "string" }],
                    storageDescriptor: {
                        ...PARQUET_STORAGE,
                        location: pulumi.interpolate`s3://${args.bucketName}/${table.location}`,
                        columns: glueColumns(table.columns),
                    },
                },
                {
                    ...child,
                    replaceOnChanges: ["storageDescriptor.location"],
                    deleteBeforeReplace: true,
                    // Keys Glue or a crawl may add read back as changes (terraform-provider-aws
                    // catalog_table.go: parameters Optional+Computed, storage_descriptor.parameters
                    // read as GetTable returns them); the program sets them once, at creation.
                    ignoreChanges: ["parameters", "storageDescriptor.parameters"],
                    // Not retainOnDelete, even in production: a replacement must delete the old table
                    // first (fixed name), and a retained one would stay and make the new one collide.
                    // The table is metadata the program re-creates; the data stays in S3.
                },
            );

            this.crawlerNames[table.name] = `${namePrefix}-${table.name}`;
            this.crawlers[table.name] = new TableCrawler(
                `${name}-${table.name}`,
                ctx,
                {
                    crawlerName: this.crawlerNames[table.name],
                    databaseName: this.database.name,
                    table: this.tables[table.name],
                    bucketArn: args.bucketArn,
                    tablePrefix: table.tablePrefix,
                    queueArn: table.queueArn,
                    deadLetterQueueArn: table.deadLetterQueueArn,
                    logEncryption: this.logEncryption
                        ? { securityConfiguration: this.logEncryption.securityConfiguration, name: this.logEncryption.name }
                        : undefined,
                },
                child,
            );

            this.arrivals[table.name] = new CrawlOnArrival(
                `${name}-${table.name}-arrival`,
                ctx,
                {
                    crawler: this.crawlers[table.name].crawler,
                    crawlerName: this.crawlerNames[table.name],
                    bucketName: args.bucketName,
                    tablePrefix: table.tablePrefix,
                },
                child,
            );
        }

        if (args.readers !== undefined) {
            this.sharing = new CatalogSharing(
                `${name}-sharing`,
                ctx,
                {
                    database: this.database.name,
                    readers: args.readers,
                },
                { ...child, dependsOn: Object.values(this.tables) },
            );
        }

        // Enforced configuration: queries in this workgroup always write encrypted results here.
        // https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html
        this.workgroup = new aws.athena.Workgroup(
            `${name}-workgroup`,
            {
                name: namePrefix,
                description: `Queries over ${databaseName}`,
                forceDestroy: !ctx.retain,
                configuration: {
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${args.bucketName}/${ATHENA_RESULTS_PREFIX}/`,
                        encryptionConfiguration: kmsKeyArn
                            ? { encryptionOption: "SSE_KMS", kmsKeyArn: kmsKeyArn }
                            : { encryptionOption: "SSE_S3" },
                    },
                },
            },
            child,
        );

        for (const table of args.tables) {
            this.namedQueries[table.name] = new aws.athena.NamedQuery(
                `${name}-${table.name}-rows`,
                {
                    // Athena saved-query names take at most 128 characters (API_CreateNamedQuery).
                    name: boundedName(`${table.name}: rows per partition`, LIMITS.athenaName),
                    description: `Row count of each ${table.partitionKey} partition of ${databaseName}.${table.name}`,
                    database: this.database.name,
                    workgroup: this.workgroup.name,
                    query: rowsPerPartitionQuery(databaseName, table.name, table.partitionKey),
                },
                child,
            );
        }

        this.registerOutputs({ databaseName: this.database.name, workgroup: this.workgroup.name });
    }
}

/** The saved query a user runs to see a table: rows per partition, newest first. */
export function rowsPerPartitionQuery(database: string, table: string, partitionKey: string): string {
    return `SELECT "${partitionKey}", COUNT(*) AS row_count\nFROM "${database}"."${table}"\nGROUP BY "${partitionKey}"\nORDER BY "${partitionKey}" DESC`;
}
