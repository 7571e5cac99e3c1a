import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { snowflakeAccessPolicy, snowflakeTrustPolicy } from "./policy-documents";
import { ExportLayout } from "../lake/export-layout";
import { UNLOAD_BASELINE_COLUMNS, UNLOAD_BASELINE_TABLE, UNLOAD_LOG_COLUMNS, UNLOAD_LOG_TABLE } from "./sql";
import { TableExport } from "./table-export";
import { TaskErrorNotifications } from "./task-error-notifications";
import type { SnowflakeConnection } from "../lake-args";
import { TableSpec } from "../types";
import { renamedFrom, token } from "../tokens";

/**
 * Preview resources this component declares. @pulumi/snowflake 1.x refuses them unless the
 * provider lists them, and an explicit provider ignores the stack's
 * `snowflake:previewFeaturesEnabled`. https://github.com/pulumi/pulumi-snowflake/issues/1081
 */
export const REQUIRED_PREVIEW_FEATURES = [
    "snowflake_file_format_resource",
    "snowflake_notification_integration_resource",
    "snowflake_stage_resource",
    "snowflake_storage_integration_resource",
    "snowflake_table_resource",
];

export interface SnowflakeExportArgs {
    /** Upper-case prefix of account-level names (the storage integration). */
    namePrefix: string;
    /** Name of the AWS role Snowflake assumes; fixed, so its ARN is known before the role exists. */
    roleName: string;
    /** Where failed task runs are reported: the stack's alerts topic, and the role Snowflake assumes to publish. */
    alerts: { topicArn: pulumi.Input<string>; roleName: string };
    accountId: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    /** Key prefix of the exports, without trailing slash. */
    exportPrefix: string;
    kmsKeyArn?: pulumi.Input<string>;
    database: string;
    schema: string;
    warehouse: string;
    tables: SnowflakeTableArgs[];
    /** The Glue database (and region) where each backfill registers its partitions. */
    glue: { region: pulumi.Input<string>; database: pulumi.Input<string> };
    maxFileSizeMb: number;
    taskScheduleMinutes: number;
    taskTimeoutMinutes: number;
    provider: SnowflakeConnection & { extraPreviewFeatures: string[] };
    retainData: boolean;
}

export interface SnowflakeTableArgs {
    spec: TableSpec;
    layout: ExportLayout;
    /** What must exist before the table's first object is written (see `TableExportArgs.eventsReady`). */
    eventsReady: pulumi.Resource[];
}

/**
 * The Snowflake side and the AWS role it uses: database, schema, Parquet file format, a storage
 * integration confined to the export prefix, an external stage on it, and per table a stream, a
 * deploy-time backfill and an incremental task.
 */
export class SnowflakeExport extends pulumi.ComponentResource {
    readonly provider: snowflake.Provider;
    readonly integration: snowflake.StorageIntegration;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly stage: snowflake.Stage;
    readonly taskErrors: TaskErrorNotifications;
    /** One row per file each unload committed; `npm run verify` counts the lake's partitions against it. */
    readonly unloadLog: snowflake.Table;
    /** Per export, the unlisted files its first run under the log's invariant found, which the cleanup keeps. */
    readonly unloadBaseline: snowflake.Table;
    readonly tables: Record<string, TableExport> = {};

    constructor(name: string, args: SnowflakeExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("SnowflakeExport"), name, {}, renamedFrom("snowflake", "SnowflakeExport", opts));
        const { extraPreviewFeatures, ...providerSettings } = args.provider;

        // Credentials are not set here: the provider plugin reads SNOWFLAKE_PRIVATE_KEY (and the rest
        // of what is unset) from the environment of `pulumi up`. The SDK, though, copies
        // SNOWFLAKE_PASSWORD and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE from the environment into the
        // provider's inputs, which the state records, in plain text (@pulumi/snowflake provider.js):
        // pass them on as secrets so the state holds them encrypted.
        this.provider = new snowflake.Provider(
            `${name}-provider`,
            {
                ...providerSettings,
                ...environmentSecrets(process.env),
                warehouse: args.warehouse,
                previewFeaturesEnabled: [...new Set([...REQUIRED_PREVIEW_FEATURES, ...extraPreviewFeatures])].sort(),
            },
            { parent: this },
        );
        const sf = { parent: this, provider: this.provider };
        const aw = { parent: this };

        const database = new snowflake.Database(
            `${name}-database`,
            {
                name: args.database,
                comment: "Lake exports: stage, streams, tasks and exported tables",
            },
            {
                ...sf,
                retainOnDelete: args.retainData,
                // The provider renames a database (and a schema) in place, moving everything in it; the
                // objects inside then re-create under their new database (ForceNew) where the rename
                // already put them, and `pulumi up` fails on "already exists"
                // (terraform-provider-snowflake v1.2.1 pkg/resources/database.go, schema.go). A new name
                // is a new database instead: production keeps the old one (retainOnDelete).
                replaceOnChanges: ["name"],
            },
        );
        const schema = new snowflake.Schema(
            `${name}-schema`,
            {
                database: database.name,
                name: args.schema,
            },
            { ...sf, retainOnDelete: args.retainData, replaceOnChanges: ["name"] },
        );

        const fileFormatName = "LAKE_PARQUET";
        const fileFormat = new snowflake.FileFormat(
            `${name}-parquet`,
            {
                database: database.name,
                schema: schema.name,
                name: fileFormatName,
                formatType: "PARQUET",
                compression: "SNAPPY",
            },
            sf,
        );

        // The integration and the role point at each other. Break the cycle as
        // https://github.com/Snowflake-Labs/terraform-snowflake-storage-integration-aws does: the integration gets the
        // role's ARN built from the account and the fixed role name; the role, created next, trusts
        // the integration's IAM user and external id. One `pulumi up`.
        const roleArn = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:role/${args.roleName}`;
        const exportUrl = pulumi.interpolate`s3://${args.bucketName}/${args.exportPrefix}/`;
        this.integration = new snowflake.StorageIntegration(
            `${name}-integration`,
            {
                name: `${args.namePrefix}_LAKE`,
                type: "EXTERNAL_STAGE",
                storageProvider: "S3",
                enabled: true,
                storageAwsRoleArn: roleArn,
                storageAllowedLocations: [exportUrl],
                comment: "Unloads to the lake's export prefix only",
            },
            {
                ...sf,
                // Replacing an integration changes its external id and unlinks its stages
                // (https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration): protect it in production.
                protect: args.retainData,
            },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                description: "Assumed by the Snowflake storage integration to unload under the export prefix",
                assumeRolePolicy: pulumi
                    .all([this.integration.storageAwsIamUserArn, this.integration.storageAwsExternalId])
                    .apply(([iamUserArn, externalId]) => JSON.stringify(snowflakeTrustPolicy({ iamUserArn, externalId }))),
                // Snowflake's session is short; an hour is IAM's minimum and enough.
                // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
                maxSessionDuration: 3600,
            },
            aw,
        );
        this.rolePolicy = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                role: this.role.name,
                policy: pulumi.all([args.bucketArn, args.kmsKeyArn]).apply(([bucketArn, kmsKeyArn]) =>
                    JSON.stringify(
                        snowflakeAccessPolicy({
                            bucketArn,
                            prefix: args.exportPrefix,
                            kmsKeyArn,
                            // Deletes only in the exports being written (a failed unload's files are removed there).
                            deletablePrefixes: args.tables.map((t) => t.layout.location.replace(/\/$/, "")),
                        }),
                    ),
                ),
            },
            aw,
        );

        const stageName = "LAKE_STAGE";
        this.stage = new snowflake.Stage(
            `${name}-stage`,
            {
                database: database.name,
                schema: schema.name,
                name: stageName,
                url: exportUrl,
                storageIntegration: this.integration.name,
                // No file format on the stage: every COPY names LAKE_PARQUET itself. The provider reads
                // `file_format` back from DESC STAGE as the non-default properties and suppresses only
                // quoting differences, so a FORMAT_NAME here could show a change on every `pulumi up`
                // (terraform-provider-snowflake v1.2.1 pkg/resources/stage.go, common.go suppressQuoting;
                // snowflakedb/terraform-provider-snowflake#3845).
                // Objects are written with the lake's encryption; with KMS, name the key so Snowflake
                // asks S3 for SSE-KMS. https://docs.snowflake.com/en/sql-reference/sql/create-stage
                encryption: args.kmsKeyArn
                    ? pulumi.interpolate`TYPE = 'AWS_SSE_KMS' KMS_KEY_ID = '${args.kmsKeyArn}'`
                    : "TYPE = 'AWS_SSE_S3'",
                comment: "The lake's export prefix",
            },
            sf,
        );

        this.unloadLog = new snowflake.Table(
            `${name}-unload-log`,
            {
                database: database.name,
                schema: schema.name,
                name: UNLOAD_LOG_TABLE,
                columns: UNLOAD_LOG_COLUMNS,
                comment: "Files each lake unload committed (backfill and tasks)",
            },
            { ...sf, retainOnDelete: args.retainData },
        );
        this.unloadBaseline = new snowflake.Table(
            `${name}-unload-baseline`,
            {
                database: database.name,
                schema: schema.name,
                name: UNLOAD_BASELINE_TABLE,
                columns: UNLOAD_BASELINE_COLUMNS,
                comment: "Files in each export before its unloads were logged transactionally; never removed by the cleanup",
            },
            { ...sf, retainOnDelete: args.retainData },
        );

        this.taskErrors = new TaskErrorNotifications(
            `${name}-task-errors`,
            {
                integrationName: `${args.namePrefix}_LAKE_TASK_ERRORS`,
                roleName: args.alerts.roleName,
                accountId: args.accountId,
                partition: args.partition,
                topicArn: args.alerts.topicArn,
                kmsKeyArn: args.kmsKeyArn,
                provider: this.provider,
            },
            { parent: this },
        );

        for (const table of args.tables) {
            this.tables[table.spec.name] = new TableExport(
                `${name}-${table.layout.folder}`,
                {
                    table: table.spec,
                    database: database.name,
                    schema: schema.name,
                    databaseName: args.database,
                    schemaName: args.schema,
                    stage: this.stage,
                    stageName,
                    unloadLog: this.unloadLog,
                    unloadBaseline: this.unloadBaseline,
                    fileFormatName,
                    layout: table.layout,
                    warehouse: args.warehouse,
                    connection: providerSettings,
                    maxFileSizeMb: args.maxFileSizeMb,
                    taskScheduleMinutes: args.taskScheduleMinutes,
                    taskTimeoutMinutes: args.taskTimeoutMinutes,
                    // The COPY names the file format, and writes through the role.
                    accessReady: [fileFormat, this.role, this.rolePolicy],
                    eventsReady: table.eventsReady,
                    errorIntegration: this.taskErrors.integration.name,
                    errorsReady: [this.taskErrors.rolePolicy],
                    glue: { ...args.glue, table: table.layout.folder },
                    retainData: args.retainData,
                },
                sf,
            );
        }

        this.registerOutputs({ integrationName: this.integration.name, roleArn: this.role.arn, stageName: this.stage.fullyQualifiedName });
    }
}

/** Credentials the Snowflake SDK would read from the environment into plain provider inputs, as secrets. */
export function environmentSecrets(env: NodeJS.ProcessEnv): Pick<snowflake.ProviderArgs, "password" | "privateKeyPassphrase"> {
    const out: Pick<snowflake.ProviderArgs, "password" | "privateKeyPassphrase"> = {};
    if (env.SNOWFLAKE_PASSWORD) out.password = pulumi.secret(env.SNOWFLAKE_PASSWORD);
    if (env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE) out.privateKeyPassphrase = pulumi.secret(env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE);
    return out;
}
