/**
 * What a change of a resource's inputs makes the engine do, per resource type the program declares,
 * read from the providers' sources. The keys are the Pulumi input names the harness captures
 * (camelCase, with the bridge's renames such as `topic_arn` → `topic`, `alarm_name` → `name`,
 * `partition_index` → `partitionIndices`).
 *
 * Sources (read for this table; a newer provider may differ, `test/lifecycle/replace-rules.test.ts`
 * checks every key against the installed SDKs' input types):
 *
 * - terraform-provider-aws (hashicorp/terraform-provider-aws), `ForceNew: true` in each resource's
 *   schema, file and commit cited per type below. The commits are the versions of those files the
 *   source index holds; the identity fields (name, bucket, role, ...) have been ForceNew in every
 *   version since the resources were written.
 * - terraform-provider-snowflake v1.2.1 (snowflakedb/terraform-provider-snowflake, tag v1.2.1 =
 *   934080395b2071c38b4374913bc4ddb2a369315c), the version @pulumi/snowflake 1.3.0 bridges
 *   (pulumi/pulumi-snowflake v1.3.0, provider/go.mod). pkg/resources/<resource>.go.
 * - pulumi-command (pulumi/pulumi-command v1.2.1 = 7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25, the same at
 *   HEAD 010bd8e0dd8a):
 *   provider/pkg/provider/common/inputs.go declares `Triggers *[]any \`provider:"replaceOnChanges"\``;
 *   provider/pkg/provider/local/commandController.go `Update` runs `update`, or `create` when
 *   `update` is unset, with `PULUMI_COMMAND_STDOUT` = the previous stdout when non-empty
 *   (commandOutputs.go `run`), and stores what it prints as the new `stdout`.
 *
 * Delete-before-replace: pulumi/pulumi-terraform-bridge v3.136.0 (59de6c661df1e7561e6ece7ad7f1c835c63010c4),
 * pkg/tfbridge/provider.go `Diff`:
 *
 *     deleteBeforeReplace := len(replaces) > 0 &&
 *         (res.Schema.DeleteBeforeReplace || nameRequiresDeleteBeforeReplace(news, olds, schema, res.Schema))
 *
 * and pkg/tfbridge/schema.go:
 *
 *     // nameRequiresDeleteBeforeReplace returns true if the given set of resource inputs includes an autonameable
 *     // property with a value that was not populated by the autonamer.
 *     ...
 *     for key := range news {
 *         _, _, psi := getInfoFromPulumiName(key, tfs, fields)
 *         if psi != nil && psi.HasDefault() && psi.Default.AutoNamed && !hasDefault[key] {
 *             return true
 *
 * So a replacement turns into delete-before-replace when the resource's auto-named field was set by
 * the program. Which field is auto-named: pulumi-aws provider/autonaming.go (0c5f6583) applies
 * `tfbridge.AutoName("name", 255, "-")` to every resource with a `name` input that has no override,
 * and provider/resource_overrides.go (015d3438) overrides `bucket` (aws_s3_bucket,
 * AutoNameTransform), `name` of sqs queue / sns topic / kms alias (AutoNameWithCustomOptions), iam
 * role (AutoName 64), event rule (AutoName 64), `alarm_name` → `name` (metric alarm),
 * `target_id` → `targetId` (event target); it gives aws_glue_catalog_database and
 * aws_glue_catalog_table a `name` default *without* `AutoNamed` (`DefaultInfo{From: FromName(...)}`),
 * so an explicit Glue database or table name does not make the bridge delete first. It sets
 * `DeleteBeforeReplace: true` on aws_iam_role_policy_attachment ("a create followed by a delete
 * actually deletes the same attachment we just created"). pulumi-snowflake v1.3.0
 * provider/resources.go calls `prov.SetAutonaming(255, "-")`: every Snowflake resource's `name` is
 * auto-named. Resources of the Plugin Framework (here aws_s3_bucket_lifecycle_configuration) go
 * through pkg/pf/tfbridge/provider_diff.go, which only honours `DeleteBeforeReplace` (TODO #823);
 * that resource has no name.
 *
 * Providers: a change of an explicit provider's inputs (the Snowflake provider's `warehouse`) is an
 * update: the bridge's `configDiffer.DiffConfig` (pkg/tfbridge/provider.go) replaces a provider only
 * for config keys marked `ForcesProviderReplace`, and pulumi-snowflake v1.3.0 marks none.
 *
 * The engine (pulumi/pulumi @ 1b5949891b3c, pkg/resource/deploy/step_generator.go): the program's
 * `deleteBeforeReplace` option overrides the provider's choice (`if goal.DeleteBeforeReplace != nil`);
 * a replacement re-runs `Check` without the old inputs, so an auto-named resource gets a new name;
 * "If this resource is protected we can't replace it" (`new.Protect && old.Protect`); a
 * delete-before-replace also deletes, first, every dependent whose replace-causing input comes from
 * the condemned resource (`calculateDependentReplacements`); step.go `DeleteStep.Apply` refuses a
 * protected resource and skips the provider's delete of a `RetainOnDelete` one.
 */

export type Holds = "data" | "catalog" | "messages";

export interface ReplaceRule {
    /** The Terraform resource the Pulumi type bridges (or the native provider's resource). */
    upstream: string;
    /** Where the rule was read: file @ commit. */
    source: string;
    /** Input paths whose change makes the provider ask for a replacement (TF ForceNew / RequiresReplace). */
    forceNew: string[];
    /** The auto-named input (bridge `AutoNamed`): set by the program, a replacement deletes first. */
    autoName?: string;
    /** The bridge's `ResourceInfo.DeleteBeforeReplace`: every replacement deletes first. */
    deleteBeforeReplace?: boolean;
    /**
     * The object's physical identity in its service's namespace, from its inputs and outputs, for
     * collision checks; undefined for objects whose identity is generated (KMS key ids...).
     */
    identity?: (inputs: Record<string, any>, outputs: Record<string, any>) => string | undefined;
    /** A replacement gets a new generated id/ARN even when its inputs are the same (outputs change). */
    generatedId?: boolean;
    /** Identity of the container this object lives in (Snowflake schema objects: `DB.SCHEMA`). */
    container?: (inputs: Record<string, any>) => string | undefined;
    /** Inputs an in-place update applies with a rename (`ALTER ... RENAME TO`): the object moves. */
    renames?: string[];
    /** Inputs whose in-place update recreates the object (`CREATE OR REPLACE`): same step, new object. */
    recreateOnUpdate?: string[];
    /**
     * Inputs with a schema `Default` that the provider plans when the program leaves them unset, and
     * diffs against the value its state holds: a state that holds another value shows a change the
     * program never made (unless `ignoreChanges` names the input).
     */
    stateDefaults?: Record<string, unknown>;
    /** What the object holds, for the data-safety verdicts. */
    holds?: Holds;
    /** The object is on the event path S3 → SNS → SQS → crawler. */
    eventPath?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const byName = (i: Record<string, any>, o: Record<string, any>) => str(i.name) ?? str(o.name);
/** Snowflake identifiers as the provider compares them (it suppresses quoting differences). */
const sfName = (v: unknown) => str(v)?.replace(/"/g, "");
const sfSchemaObject = (i: Record<string, any>) =>
    sfName(i.database) && sfName(i.schema) && sfName(i.name) ? `${sfName(i.database)}.${sfName(i.schema)}.${sfName(i.name)}` : undefined;
const sfSchemaContainer = (i: Record<string, any>) =>
    sfName(i.database) && sfName(i.schema) ? `${sfName(i.database)}.${sfName(i.schema)}` : undefined;

const TF_AWS = "hashicorp/terraform-provider-aws";
/**
 * terraform-provider-aws 6 adds a top-level `region` to every regional resource: "Changing the value
 * of `region` will force resource replacement."
 */
const REGION_SOURCE = `${TF_AWS} website/docs/guides/enhanced-region-support.html.markdown @ 0cb788ce0d5a`;
const TF_SF = "snowflakedb/terraform-provider-snowflake@v1.2.1 (934080395b20)";

/**
 * A configuration of one bucket (policy, encryption, versioning...): one per bucket, so its
 * identity is the bucket; `bucket` and the region are ForceNew, and the `extra` inputs too.
 */
const bucketPart = (upstream: string, fileAtCommit: string, ...extra: string[]): ReplaceRule => ({
    upstream,
    source: `${TF_AWS} internal/service/s3/${fileAtCommit}; region: ${REGION_SOURCE}`,
    forceNew: ["bucket", ...extra, "region"],
    identity: (i) => str(i.bucket),
});

/** A resource named by `name` (auto-named by the bridge), unique by that name in its account and region. */
const named = (upstream: string, source: string, forceNew: string[]): ReplaceRule => ({
    upstream,
    source,
    forceNew,
    autoName: "name",
    identity: byName,
});

/** A Snowflake object inside a schema, named `DB.SCHEMA.NAME`. */
const SF_SCHEMA_OBJECT = { autoName: "name", identity: sfSchemaObject, container: sfSchemaContainer } as const;

/** The rule per Pulumi type token. */
export const REPLACE_RULES: Record<string, ReplaceRule> = {
    // --- S3 -----------------------------------------------------------------------------------
    "aws:s3/bucket:Bucket": {
        // object_lock_enabled is ForceNew too (bucket.go @ 4c72bcc7dc2f): Object Lock set on the
        // bucket replaces it; an existing bucket gets it only through aws_s3_bucket_object_lock_configuration.
        upstream: "aws_s3_bucket",
        source: `${TF_AWS} internal/service/s3/bucket.go @ 0070bcd12c95, 4c72bcc7dc2f; region: ${REGION_SOURCE}`,
        forceNew: ["bucket", "bucketPrefix", "objectLockEnabled", "region"],
        autoName: "bucket",
        identity: (i, o) => str(i.bucket) ?? str(o.bucket),
        holds: "data",
    },
    "aws:s3/bucketPolicy:BucketPolicy": bucketPart("aws_s3_bucket_policy", "bucket_policy.go @ 0073593e7d69"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketPart(
        "aws_s3_bucket_public_access_block",
        "bucket_public_access_block.go @ 01606926a0c0",
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketPart(
        "aws_s3_bucket_ownership_controls",
        "bucket_ownership_controls.go @ 01c08000ddb1",
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketPart(
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket_server_side_encryption_configuration.go @ 01606926a0c0",
        "expectedBucketOwner",
    ),
    // Its delete suspends versioning (resourceBucketVersioningDelete); old versions stay.
    "aws:s3/bucketVersioning:BucketVersioning": bucketPart(
        "aws_s3_bucket_versioning",
        "bucket_versioning.go @ 01c08000ddb1",
        "expectedBucketOwner",
    ),
    // A Plugin Framework resource: stringplanmodifier.RequiresReplace() on bucket, expected_bucket_owner.
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketPart(
        "aws_s3_bucket_lifecycle_configuration",
        "bucket_lifecycle_configuration.go @ 01606926a0c0",
        "expectedBucketOwner",
    ),
    "aws:s3/bucketNotification:BucketNotification": {
        // One notification configuration per bucket; its delete puts an empty configuration.
        upstream: "aws_s3_bucket_notification",
        source: `${TF_AWS} internal/service/s3/bucket_notification.go @ 033c721bf1ed; region: ${REGION_SOURCE}`,
        forceNew: ["bucket", "region"],
        identity: (i) => str(i.bucket),
        eventPath: true,
    },
    // target_bucket and target_prefix are updated in place (resourceBucketLoggingUpdate: PutBucketLogging).
    "aws:s3/bucketLogging:BucketLogging": bucketPart("aws_s3_bucket_logging", "bucket_logging.go @ 01f431114674", "expectedBucketOwner"),
    // role and rules are updated in place (PutBucketReplication); its delete removes the
    // configuration, never a replica.
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": bucketPart(
        "aws_s3_bucket_replication_configuration",
        "bucket_replication_configuration.go @ 028665b1da30",
    ),
    // --- SNS / SQS ----------------------------------------------------------------------------
    "aws:sns/topic:Topic": {
        // CreateTopic is idempotent: a second create of the same name returns the existing topic.
        upstream: "aws_sns_topic",
        source: `${TF_AWS} internal/service/sns/topic.go @ 00a35305dc1b`,
        forceNew: ["name", "namePrefix", "fifoTopic"],
        autoName: "name",
        identity: byName,
        eventPath: true,
    },
    "aws:sns/topicPolicy:TopicPolicy": {
        upstream: "aws_sns_topic_policy",
        source: `${TF_AWS} internal/service/sns/topic_policy.go @ 00a35305dc1b`,
        forceNew: ["arn"],
        identity: (i) => str(i.arn),
    },
    "aws:sns/topicSubscription:TopicSubscription": {
        // Subscribe is idempotent for the same topic, protocol and endpoint (it returns the same ARN).
        upstream: "aws_sns_topic_subscription",
        source: `${TF_AWS} internal/service/sns/topic_subscription.go @ 04a2e6e5bc62`,
        forceNew: ["topic", "endpoint", "protocol"],
        identity: (i) => (str(i.topic) && str(i.endpoint) ? `${i.topic}|${i.protocol}|${i.endpoint}` : undefined),
        generatedId: true,
        eventPath: true,
    },
    "aws:sqs/queue:Queue": {
        // Creating a queue with the name of one deleted less than 60 s ago fails until then
        // (resourceQueueCreate retries errCodeQueueDeletedRecently).
        upstream: "aws_sqs_queue",
        source: `${TF_AWS} internal/service/sqs/queue.go @ 00a35305dc1b`,
        forceNew: ["name", "namePrefix", "fifoQueue"],
        autoName: "name",
        identity: byName,
        holds: "messages",
        eventPath: true,
    },
    "aws:sqs/queuePolicy:QueuePolicy": {
        upstream: "aws_sqs_queue_policy",
        source: `${TF_AWS} internal/service/sqs/queue_policy.go @ 0148137dc6fb`,
        forceNew: ["queueUrl"],
        identity: (i) => str(i.queueUrl),
    },
    // --- Lambda -------------------------------------------------------------------------------
    "aws:lambda/permission:Permission": {
        // No Update function: every argument is ForceNew. A statement of the function's policy,
        // identified by the function and its statement id (generated when not given).
        upstream: "aws_lambda_permission",
        source: `${TF_AWS} internal/service/lambda/permission.go @ 04592f03e5d8; region: ${REGION_SOURCE}`,
        forceNew: [
            "action",
            "eventSourceToken",
            "function",
            "functionUrlAuthType",
            "invokedViaFunctionUrl",
            "principal",
            "principalOrgId",
            "qualifier",
            "sourceAccount",
            "sourceArn",
            "statementId",
            "statementIdPrefix",
            "region",
        ],
        generatedId: true,
    },
    // --- IAM / KMS ----------------------------------------------------------------------------
    "aws:iam/role:Role": named("aws_iam_role", `${TF_AWS} internal/service/iam/role.go @ 0040ea6911af`, ["name", "namePrefix", "path"]),
    "aws:iam/rolePolicy:RolePolicy": {
        upstream: "aws_iam_role_policy",
        source: `${TF_AWS} internal/service/iam/role_policy.go @ 02f97af85f89`,
        forceNew: ["name", "namePrefix", "role"],
        autoName: "name",
        identity: (i, o) => (str(i.role) && byName(i, o) ? `${i.role}:${byName(i, o)}` : undefined),
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        upstream: "aws_iam_role_policy_attachment",
        source: `${TF_AWS} internal/service/iam/role_policy_attachment.go @ 04c79849dbe7; DeleteBeforeReplace in pulumi-aws provider/resource_overrides.go @ 015d3438`,
        forceNew: ["role", "policyArn"],
        deleteBeforeReplace: true,
        identity: (i) => (str(i.role) && str(i.policyArn) ? `${i.role}|${i.policyArn}` : undefined),
    },
    "aws:kms/key:Key": {
        // Its delete schedules the key's deletion: what it encrypted is unreadable afterwards.
        upstream: "aws_kms_key",
        source: `${TF_AWS} internal/service/kms/key.go @ 00a35305dc1b; region: ${REGION_SOURCE}`,
        forceNew: ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId", "region"],
        generatedId: true,
        holds: "data",
    },
    "aws:kms/alias:Alias": named("aws_kms_alias", `${TF_AWS} internal/service/kms/alias.go @ 01c08000ddb1`, ["name", "namePrefix"]),
    // --- Glue / Athena ------------------------------------------------------------------------
    "aws:glue/catalogDatabase:CatalogDatabase": {
        // `name` has a default but is not AutoNamed in pulumi-aws: no bridge delete-before-replace.
        upstream: "aws_glue_catalog_database",
        source: `${TF_AWS} internal/service/glue/catalog_database.go @ 0075c7864e94`,
        forceNew: ["name", "catalogId", "targetDatabase"],
        identity: byName,
        holds: "catalog",
    },
    "aws:glue/catalogTable:CatalogTable": {
        // storage_descriptor.location is NOT ForceNew: a new location updates the table in place and
        // keeps its partitions (which point at the old location) unless the program asks for a
        // replacement (replaceOnChanges).
        upstream: "aws_glue_catalog_table",
        source: `${TF_AWS} internal/service/glue/catalog_table.go @ 004debd4b86b`,
        forceNew: ["name", "databaseName", "catalogId", "partitionIndices"],
        identity: (i, o) => (str(i.databaseName) && byName(i, o) ? `${i.databaseName}.${byName(i, o)}` : undefined),
        holds: "catalog",
    },
    "aws:glue/crawler:Crawler": named("aws_glue_crawler", `${TF_AWS} internal/service/glue/crawler.go @ 00d7f8182c8b`, [
        "name",
        "databaseName",
    ]),
    // No Update function: name and encryption_configuration (and every field in it) are
    // ForceNew. A crawler names it by `security_configuration`, which is not ForceNew on the
    // crawler (crawler.go: UpdateCrawler CrawlerSecurityConfiguration): adding one to an
    // existing crawler updates it in place.
    "aws:glue/securityConfiguration:SecurityConfiguration": named(
        "aws_glue_security_configuration",
        `${TF_AWS} internal/service/glue/security_configuration.go @ 01c08000ddb1 (crawler.go @ 00d7f8182c8b)`,
        ["name", "encryptionConfiguration"],
    ),
    "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings": {
        // Create and Update are the same PutDataCatalogEncryptionSettings; catalog_id is ForceNew;
        // Delete puts empty settings (encryption off for the whole account and region). One per
        // catalog: the account id when catalog_id is not set.
        upstream: "aws_glue_data_catalog_encryption_settings",
        source: `${TF_AWS} internal/service/glue/data_catalog_encryption_settings.go @ 0620f2a6a126`,
        forceNew: ["catalogId"],
        identity: (i, o) => str(i.catalogId) ?? str(o.catalogId) ?? str(o.id),
    },
    "aws:glue/resourcePolicy:ResourcePolicy": {
        // The account's one Data Catalog resource policy in the region (the id is the region).
        // Create is PutResourcePolicy with NOT_EXIST (it fails on a policy someone else set), update
        // the same with MUST_EXIST, delete DeleteResourcePolicy. Nothing is ForceNew but the region.
        upstream: "aws_glue_resource_policy",
        source: `${TF_AWS} internal/service/glue/resource_policy.go @ 0389eecfc28a; region: ${REGION_SOURCE}`,
        forceNew: ["region"],
        identity: (i) => `data-catalog-resource-policy@${str(i.region) ?? "the provider's region"}`,
    },
    "aws:glue/workflow:Workflow": named("aws_glue_workflow", `${TF_AWS} internal/service/glue/workflow.go @ c26530e26ce3`, ["name"]),
    "aws:glue/trigger:Trigger": {
        // name, type and workflow_name are ForceNew; actions, event_batching_condition, schedule
        // and description are updated in place (resourceTriggerUpdate: UpdateTrigger). `enabled`
        // has `Default: true`; a change of it calls StartTrigger or StopTrigger, and for EVENT and
        // ON_DEMAND triggers resourceTriggerRead keeps the state's own value (`state == CREATED &&
        // d.Get("enabled")`), so a stored false is diffed against the default on every update.
        upstream: "aws_glue_trigger",
        source: `${TF_AWS} internal/service/glue/trigger.go @ 04c79849dbe7, 81ae62fe1923`,
        forceNew: ["name", "type", "workflowName"],
        stateDefaults: { enabled: true },
        autoName: "name",
        identity: byName,
    },
    "aws:athena/workgroup:Workgroup": named("aws_athena_workgroup", `${TF_AWS} internal/service/athena/workgroup.go @ 0148137dc6fb`, [
        "name",
    ]),
    "aws:athena/namedQuery:NamedQuery": {
        // No Update: every input is ForceNew. Names are not unique (the id is generated).
        upstream: "aws_athena_named_query",
        source: `${TF_AWS} internal/service/athena/named_query.go @ 088e0878080a`,
        forceNew: ["database", "description", "name", "query", "workgroup"],
        autoName: "name",
        generatedId: true,
    },
    // --- CloudWatch / EventBridge -------------------------------------------------------------
    "aws:cloudwatch/eventRule:EventRule": {
        upstream: "aws_cloudwatch_event_rule",
        source: `${TF_AWS} internal/service/events/rule.go @ 0cdab4ae09a9`,
        forceNew: ["name", "namePrefix", "eventBusName"],
        autoName: "name",
        identity: (i, o) => (byName(i, o) ? `${str(i.eventBusName) ?? "default"}/${byName(i, o)}` : undefined),
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        upstream: "aws_cloudwatch_event_target",
        source: `${TF_AWS} internal/service/events/target.go @ 0762c41e2027`,
        forceNew: ["rule", "targetId", "eventBusName"],
        autoName: "targetId",
    },
    // kms_key_id (AssociateKmsKey / DisassociateKmsKey) and retention_in_days (PutRetentionPolicy)
    // update in place; the name, its prefix and the log group class are ForceNew.
    "aws:cloudwatch/logGroup:LogGroup": named("aws_cloudwatch_log_group", `${TF_AWS} internal/service/logs/group.go @ 0073593e7d69`, [
        "name",
        "namePrefix",
        "logGroupClass",
    ]),
    // resourceMetricAlarmCreate refuses a name that exists ("already exists").
    "aws:cloudwatch/metricAlarm:MetricAlarm": named(
        "aws_cloudwatch_metric_alarm",
        `${TF_AWS} internal/service/cloudwatch/metric_alarm.go @ 055611a65473 (alarm_name → name)`,
        ["name"],
    ),
    // --- Snowflake ----------------------------------------------------------------------------
    "snowflake:index/database:Database": {
        // `name` is not ForceNew: UpdateDatabase runs ALTER DATABASE ... RENAME TO, and every schema
        // and object in it moves with it.
        upstream: "snowflake_database",
        source: `${TF_SF} pkg/resources/database.go`,
        forceNew: ["isTransient"],
        autoName: "name",
        renames: ["name"],
        identity: (i) => sfName(i.name),
        holds: "data",
    },
    "snowflake:index/schema:Schema": {
        upstream: "snowflake_schema",
        source: `${TF_SF} pkg/resources/schema.go`,
        forceNew: ["database", "isTransient"],
        autoName: "name",
        renames: ["name"],
        identity: (i) => (sfName(i.database) && sfName(i.name) ? `${sfName(i.database)}.${sfName(i.name)}` : undefined),
        container: (i) => sfName(i.database),
        holds: "data",
    },
    "snowflake:index/table:Table": {
        // `name` renames in place; columns are altered in place (ALTER TABLE ADD/DROP/ALTER COLUMN).
        upstream: "snowflake_table",
        source: `${TF_SF} pkg/resources/table.go`,
        forceNew: ["database", "schema"],
        ...SF_SCHEMA_OBJECT,
        renames: ["name"],
        holds: "data",
    },
    "snowflake:index/stage:Stage": {
        upstream: "snowflake_stage",
        source: `${TF_SF} pkg/resources/stage.go`,
        forceNew: ["name", "database", "schema", "directory"],
        ...SF_SCHEMA_OBJECT,
    },
    "snowflake:index/fileFormat:FileFormat": {
        upstream: "snowflake_file_format",
        source: `${TF_SF} pkg/resources/file_format.go`,
        forceNew: ["database", "schema", "formatType"],
        ...SF_SCHEMA_OBJECT,
        renames: ["name"],
    },
    "snowflake:index/storageIntegration:StorageIntegration": {
        upstream: "snowflake_storage_integration",
        source: `${TF_SF} pkg/resources/storage_integration.go`,
        forceNew: ["name", "type", "storageProvider"],
        autoName: "name",
        identity: (i) => sfName(i.name),
    },
    "snowflake:index/notificationIntegration:NotificationIntegration": {
        upstream: "snowflake_notification_integration",
        source: `${TF_SF} pkg/resources/notification_integration.go`,
        forceNew: [
            "name",
            "notificationProvider",
            "azureStorageQueuePrimaryUri",
            "azureTenantId",
            "gcpPubsubSubscriptionName",
            "gcpPubsubTopicName",
        ],
        autoName: "name",
        identity: (i) => sfName(i.name),
    },
    "snowflake:index/task:Task": {
        upstream: "snowflake_task",
        source: `${TF_SF} pkg/resources/task.go`,
        forceNew: ["database", "schema", "name"],
        ...SF_SCHEMA_OBJECT,
    },
    "snowflake:index/streamOnTable:StreamOnTable": {
        // pkg/resources/stream_common.go: name, schema, database ForceNew. stream_on_table.go
        // UpdateStreamOnTable: "change on these fields can not be ForceNew because then the object is
        // dropped explicitly and copying grants does not have effect": a change of table,
        // append_only, at, before, show_initial_rows (or a stale stream, custom_diffs.go
        // RecreateWhenStreamIsStale) runs CreateStreamOnTable(orReplace=true).
        upstream: "snowflake_stream_on_table",
        source: `${TF_SF} pkg/resources/stream_common.go, stream_on_table.go, custom_diffs.go`,
        forceNew: ["name", "schema", "database"],
        ...SF_SCHEMA_OBJECT,
        recreateOnUpdate: ["table", "appendOnly", "showInitialRows", "at", "before"],
    },
    // --- Command ------------------------------------------------------------------------------
    "command:local:Command": {
        upstream: "pulumi-command local.Command",
        source: "pulumi/pulumi-command provider/pkg/provider/common/inputs.go, local/commandController.go @ v1.2.1 (7f3eb6f3b77c)",
        forceNew: ["triggers"],
        generatedId: true,
    },
};

/** The rule of a type; undefined for components, providers and types the table does not know. */
export function ruleOf(type: string): ReplaceRule | undefined {
    return REPLACE_RULES[type];
}
