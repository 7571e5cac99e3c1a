/**
 * Realistic mock outputs: what the AWS, Snowflake and Command providers would return, so that
 * tests check real wiring (ARN formats, queue URLs, the storage integration's IAM user and
 * external id) rather than placeholders.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";
/** The AWS account Snowflake's IAM users live in (not ours). */
export const SNOWFLAKE_AWS_ACCOUNT = "999999999999";

const short = (seed: string, n = 7) => crypto.createHash("sha256").update(seed).digest("hex").slice(0, n);
const uuid = (seed: string) => {
    const h = crypto.createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/**
 * Name limits of every named type the program declares. The providers refuse a longer name, given
 * or auto-named (logical name, "-" and 7 random characters), so the mock refuses it too.
 * S3 https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html,
 * IAM https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
 * SQS https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * SNS https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html,
 * EventBridge https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html,
 * CloudWatch https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html,
 * Glue https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-common.html (single-line string pattern, 255;
 * workflows and triggers: API_CreateWorkflow, API_CreateTrigger),
 * Athena https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html and API_CreateWorkGroup.html (128),
 * KMS alias https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (256),
 * Snowflake identifiers https://docs.snowflake.com/en/sql-reference/identifiers-syntax (255).
 */
export const NAME_LIMITS: Record<string, number> = {
    "aws:s3/bucket:Bucket": 63,
    "aws:iam/role:Role": 64,
    "aws:iam/rolePolicy:RolePolicy": 128,
    "aws:sqs/queue:Queue": 80,
    "aws:sns/topic:Topic": 256,
    "aws:cloudwatch/eventRule:EventRule": 64,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 255,
    "aws:glue/crawler:Crawler": 255,
    "aws:glue/workflow:Workflow": 255,
    "aws:glue/trigger:Trigger": 255,
    // CreateSecurityConfiguration Name: 1 to 255 (https://docs.aws.amazon.com/glue/latest/webapi/API_CreateSecurityConfiguration.html).
    "aws:glue/securityConfiguration:SecurityConfiguration": 255,
    // CreateLogGroup logGroupName: 1 to 512 (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
    "aws:cloudwatch/logGroup:LogGroup": 512,
    "aws:glue/catalogDatabase:CatalogDatabase": 255,
    "aws:glue/catalogTable:CatalogTable": 255,
    "aws:athena/namedQuery:NamedQuery": 128,
    "aws:athena/workgroup:Workgroup": 128,
    "aws:kms/alias:Alias": 256,
    "snowflake:index/database:Database": 255,
    "snowflake:index/schema:Schema": 255,
    "snowflake:index/table:Table": 255,
    "snowflake:index/fileFormat:FileFormat": 255,
    "snowflake:index/stage:Stage": 255,
    "snowflake:index/storageIntegration:StorageIntegration": 255,
    "snowflake:index/streamOnTable:StreamOnTable": 255,
    "snowflake:index/task:Task": 255,
    "snowflake:index/notificationIntegration:NotificationIntegration": 255,
};

/** Pulumi auto-naming: logical name plus a random suffix (deterministic here). */
function autoName(type: string, logical: string): string {
    const name = `${logical}-${short(logical)}`;
    const max = NAME_LIMITS[type] ?? 255;
    if (name.length > max) throw new Error(`${type} ${logical}: auto-name ${name} is longer than ${max} characters`);
    return name;
}

/** The mock storage integration's IAM user ARN and external id, derived from its name. */
export function integrationIdentity(name: string): { userArn: string; externalId: string } {
    return {
        userArn: `arn:aws:iam::${SNOWFLAKE_AWS_ACCOUNT}:user/${short(name, 4)}0000-s`,
        externalId: `MOCKORG_SFCRole=2_${short(`ext${name}`, 20)}=`,
    };
}

/** Prints a command resource's stdout from its inputs; `at` names the command (type and logical name). */
export type CommandStdout = (inputs: Record<string, unknown>, at: { type: string; name: string }) => string | Promise<string>;

/** The input a provider fills in with an auto-name when the program leaves it unset, as the mocks below do. */
function autoNamedField(type: string): string | undefined {
    if (type === "aws:s3/bucket:Bucket") return "bucket";
    if (type === "aws:cloudwatch/eventTarget:EventTarget") return "targetId";
    return NAME_LIMITS[type] !== undefined ? "name" : undefined;
}

/**
 * The mocks of a first `pulumi preview` (`preview`): a provider has only checked a new resource's
 * inputs, filling in its auto-name (the bridge does it in Check), and
 * everything it computes is unknown. The state is the inputs and that name; the SDK resolves every
 * other output as unknown in a dry run, so a value derived from one is unknown where the engine's
 * would be, and the known parts of a nested value stay known.
 */
export function createMocks(region: string, stdout: CommandStdout, preview = false): pulumi.runtime.Mocks {
    const full = createUpdateMocks(region, stdout);
    if (!preview) return full;
    return {
        ...full,
        async newResource(args) {
            const state: Record<string, unknown> = { ...args.inputs };
            const field = args.custom ? autoNamedField(args.type) : undefined;
            if (field && state[field] === undefined) state[field] = (await full.newResource(args)).state[field];
            return { id: undefined, state };
        },
    };
}

function createUpdateMocks(region: string, stdout: CommandStdout): pulumi.runtime.Mocks {
    return {
        async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
            const i = args.inputs as Record<string, any>;
            // @pulumi/aws 7 resources may name a region of their own (the replica's); else the stack's.
            const at: string = typeof i.region === "string" && i.region !== "" ? i.region : region;
            const arnOf = (service: string, resource: string, withRegion = true, account = MOCK_ACCOUNT) =>
                `arn:aws:${service}:${withRegion ? at : ""}:${account}:${resource}`;
            const name: string =
                i.name ??
                (args.custom && NAME_LIMITS[args.type] !== undefined ? autoName(args.type, args.name) : `${args.name}-${short(args.name)}`);
            if (i.name !== undefined && NAME_LIMITS[args.type] !== undefined && String(i.name).length > NAME_LIMITS[args.type]) {
                throw new Error(
                    `${args.type} ${args.name}: name ${i.name} is ${String(i.name).length} characters, over the limit of ${NAME_LIMITS[args.type]}`,
                );
            }
            const sfQualified = () => `"${i.database}"."${i.schema}"."${name}"`;
            switch (args.type) {
                case "aws:s3/bucket:Bucket": {
                    const bucket = i.bucket ?? autoName(args.type, args.name);
                    return {
                        id: bucket,
                        state: { ...i, bucket, arn: `arn:aws:s3:::${bucket}`, region: at, bucketDomainName: `${bucket}.s3.amazonaws.com` },
                    };
                }
                case "aws:sns/topic:Topic": {
                    const arn = arnOf("sns", name);
                    return { id: arn, state: { ...i, name, arn } };
                }
                case "aws:sns/topicSubscription:TopicSubscription": {
                    const arn = `${i.topic}:${uuid(args.name)}`;
                    return { id: arn, state: { ...i, arn } };
                }
                case "aws:sqs/queue:Queue": {
                    const url = `https://sqs.${at}.amazonaws.com/${MOCK_ACCOUNT}/${name}`;
                    return { id: url, state: { ...i, name, arn: arnOf("sqs", name), url } };
                }
                case "aws:iam/role:Role":
                    return {
                        id: name,
                        state: { ...i, name, arn: arnOf("iam", `role/${name}`, false), uniqueId: `AROA${short(name, 17).toUpperCase()}` },
                    };
                case "aws:iam/policy:Policy":
                    return { id: arnOf("iam", `policy/${name}`, false), state: { ...i, name, arn: arnOf("iam", `policy/${name}`, false) } };
                case "aws:iam/rolePolicy:RolePolicy":
                    return { id: `${i.role}:${name}`, state: { ...i, name } };
                case "aws:kms/key:Key": {
                    const keyId = uuid(args.name);
                    return { id: keyId, state: { ...i, keyId, arn: arnOf("kms", `key/${keyId}`) } };
                }
                case "aws:kms/alias:Alias":
                    return { id: name, state: { ...i, name, arn: arnOf("kms", name), targetKeyArn: arnOf("kms", `key/${i.targetKeyId}`) } };
                case "aws:glue/catalogDatabase:CatalogDatabase":
                    return {
                        id: `${MOCK_ACCOUNT}:${name}`,
                        state: { ...i, name, arn: arnOf("glue", `database/${name}`), catalogId: MOCK_ACCOUNT },
                    };
                case "aws:glue/catalogTable:CatalogTable":
                    return {
                        id: `${MOCK_ACCOUNT}:${i.databaseName}:${name}`,
                        state: { ...i, name, arn: arnOf("glue", `table/${i.databaseName}/${name}`) },
                    };
                case "aws:glue/crawler:Crawler":
                    return { id: name, state: { ...i, name, arn: arnOf("glue", `crawler/${name}`) } };
                case "aws:glue/workflow:Workflow":
                    return { id: name, state: { ...i, name, arn: arnOf("glue", `workflow/${name}`) } };
                case "aws:glue/trigger:Trigger":
                    // An EVENT trigger waits in CREATED for its workflow's events (a scheduled or
                    // conditional one would be ACTIVATED): https://docs.aws.amazon.com/glue/latest/webapi/API_Trigger.html
                    return {
                        id: name,
                        state: {
                            ...i,
                            name,
                            arn: arnOf("glue", `trigger/${name}`),
                            enabled: i.enabled ?? true,
                            state: i.type === "EVENT" || i.type === "ON_DEMAND" ? "CREATED" : "ACTIVATED",
                        },
                    };
                case "aws:cloudwatch/eventTarget:EventTarget":
                    // The provider's id is "<rule>-<targetId>", and the target id defaults to a unique one.
                    return {
                        id: `${i.rule}-${i.targetId ?? `terraform-${short(args.name, 20)}`}`,
                        state: {
                            ...i,
                            targetId: i.targetId ?? `terraform-${short(args.name, 20)}`,
                            eventBusName: i.eventBusName ?? "default",
                        },
                    };
                case "aws:athena/workgroup:Workgroup":
                    return { id: name, state: { ...i, name, arn: arnOf("athena", `workgroup/${name}`) } };
                case "aws:athena/namedQuery:NamedQuery":
                    return { id: uuid(args.name), state: { ...i, name } };
                case "aws:cloudwatch/metricAlarm:MetricAlarm":
                    return { id: name, state: { ...i, name, arn: arnOf("cloudwatch", `alarm:${name}`) } };
                case "aws:cloudwatch/eventRule:EventRule":
                    return { id: name, state: { ...i, name, arn: arnOf("events", `rule/${name}`) } };
                case "snowflake:index/storageIntegration:StorageIntegration": {
                    const who = integrationIdentity(name);
                    return {
                        id: name,
                        state: {
                            ...i,
                            name,
                            fullyQualifiedName: `"${name}"`,
                            storageAwsIamUserArn: who.userArn,
                            storageAwsExternalId: who.externalId,
                        },
                    };
                }
                case "snowflake:index/notificationIntegration:NotificationIntegration": {
                    const who = integrationIdentity(`sns${name}`);
                    return {
                        id: name,
                        state: {
                            ...i,
                            name,
                            fullyQualifiedName: `"${name}"`,
                            awsSnsIamUserArn: who.userArn,
                            awsSnsExternalId: who.externalId,
                        },
                    };
                }
                case "snowflake:index/database:Database":
                    return { id: name, state: { ...i, name, fullyQualifiedName: `"${name}"` } };
                case "snowflake:index/schema:Schema":
                    return { id: `${i.database}|${name}`, state: { ...i, name, fullyQualifiedName: `"${i.database}"."${name}"` } };
                case "snowflake:index/table:Table":
                case "snowflake:index/stage:Stage":
                case "snowflake:index/fileFormat:FileFormat":
                case "snowflake:index/streamOnTable:StreamOnTable":
                case "snowflake:index/task:Task":
                    return { id: `${i.database}|${i.schema}|${name}`, state: { ...i, name, fullyQualifiedName: sfQualified() } };
                case "command:local:Command":
                    return {
                        id: `cmd-${short(args.name)}`,
                        state: { ...i, stdout: await stdout(i, { type: args.type, name: args.name }), stderr: "" },
                    };
                default:
                    return { id: args.custom ? `${args.name}-id` : undefined, state: { ...i } };
            }
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
            switch (args.token) {
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return {
                        accountId: MOCK_ACCOUNT,
                        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/deployer`,
                        userId: "AIDAMOCKDEPLOYER",
                        id: MOCK_ACCOUNT,
                    };
                case "aws:index/getRegion:getRegion":
                    return { name: region, region, id: region, description: region };
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                default:
                    throw new Error(`unexpected provider function call in tests: ${args.token}`);
            }
        },
    };
}
