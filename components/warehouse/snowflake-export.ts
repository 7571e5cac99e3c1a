import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { snowflakeAccessPolicy, snowflakeTrustPolicy } from "./policy-documents";
import { ExportLayout } from "../lake/export-layout";
import { UNLOAD_BASELINE_COLUMNS, UNLOAD_BASELINE_TABLE, UNLOAD_LOG_COLUMNS, UNLOAD_LOG_TABLE } from "./sql";
import { TableExport } from "./table-export";
import { TaskErrorNotifications } from "./task-error-notifications";
import { TableSpec } from "../types";
import { renamedFrom, token } from "../tokens";
import { snowflakeName } from "../naming";
import type { LakeContext } from "../lake-context";

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
    /** Where failed task runs are reported: the stack's alerts topic. */
    alertsTopicArn: pulumi.Input<string>;
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    tables: SnowflakeTableArgs[];
    /** The Glue database where each backfill registers its partitions. */
    glueDatabase: pulumi.Input<string>;
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

    constructor(name: string, ctx: LakeContext, args: SnowflakeExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("SnowflakeExport"), name, {}, renamedFrom("snowflake", "SnowflakeExport", opts));
        const { settings, kmsKeyArn } = ctx;
        // Upper-case prefix of account-level names (the storage integration).
        const namePrefix = snowflakeName(ctx.namePrefix);
        // The AWS roles Snowflake assumes (to unload, to publish task errors) have fixed names, so
        // their ARNs are known before they exist.
        const roleName = `${ctx.namePrefix}-snowflake`;

        // Credentials are not set here: the provider plugin reads SNOWFLAKE_PRIVATE_KEY (and the rest
        // of what is unset) from the environment of `pulumi up`. The SDK, though, copies
        // SNOWFLAKE_PASSWORD and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE from the environment into the
        // provider's inputs, which the state records, in plain text (@pulumi/snowflake provider.js):
        // pass them on as secrets so the state holds them encrypted.
        this.provider = new snowflake.Provider(
            `${name}-provider`,
            {
                ...settings.snowflakeConnection,
                ...environmentSecrets(process.env),
                warehouse: settings.snowflakeWarehouse,
                previewFeaturesEnabled: [...new Set([...REQUIRED_PREVIEW_FEATURES, ...settings.snowflakePreviewFeatures])].sort(),
            },
            { parent: this },
        );
        const sf = { parent: this, provider: this.provider };
        const aw = { parent: this };

        const database = new snowflake.Database(
            `${name}-database`,
            {
                name: settings.snowflakeDatabase,
                comment: "Lake exports: stage, streams, tasks and exported tables",
            },
            {
                ...sf,
                retainOnDelete: ctx.retain,
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
                name: settings.snowflakeSchema,
            },
            { ...sf, retainOnDelete: ctx.retain, replaceOnChanges: ["name"] },
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
        const roleArn = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${roleName}`;
        const exportUrl = pulumi.interpolate`s3://${args.bucketName}/${settings.exportPrefix}/`;
        this.integration = new snowflake.StorageIntegration(
            `${name}-integration`,
            {
                name: `${namePrefix}_LAKE`,
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
                protect: ctx.retain,
            },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: roleName,
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
                policy: pulumi.all([args.bucketArn, kmsKeyArn]).apply(([bucketArn, kmsKeyArn]) =>
                    JSON.stringify(
                        snowflakeAccessPolicy({
                            bucketArn,
                            prefix: settings.exportPrefix,
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
                encryption: kmsKeyArn ? pulumi.interpolate`TYPE = 'AWS_SSE_KMS' KMS_KEY_ID = '${kmsKeyArn}'` : "TYPE = 'AWS_SSE_S3'",
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
            { ...sf, retainOnDelete: ctx.retain },
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
            { ...sf, retainOnDelete: ctx.retain },
        );

        this.taskErrors = new TaskErrorNotifications(
            `${name}-task-errors`,
            ctx,
            {
                integrationName: `${namePrefix}_LAKE_TASK_ERRORS`,
                roleName: `${roleName}-alerts`,
                topicArn: args.alertsTopicArn,
                provider: this.provider,
            },
            { parent: this },
        );

        for (const table of args.tables) {
            this.tables[table.spec.name] = new TableExport(
                `${name}-${table.layout.folder}`,
                ctx,
                {
                    table: table.spec,
                    database: database.name,
                    schema: schema.name,
                    stage: this.stage,
                    stageName,
                    unloadLog: this.unloadLog,
                    unloadBaseline: this.unloadBaseline,
                    fileFormatName,
                    layout: table.layout,
                    // The COPY names the file format, and writes through the role.
                    accessReady: [fileFormat, this.role, this.rolePolicy],
                    eventsReady: table.eventsReady,
                    errorIntegration: this.taskErrors.integration.name,
                    errorsReady: [this.taskErrors.rolePolicy],
                    glueDatabase: args.glueDatabase,
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
