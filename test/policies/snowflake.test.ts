import * as assert from "node:assert/strict";
import {
    checkIntegrationLocations,
    snowflakeIntegrationLocationsInLake,
    snowflakeIntegrationProtected,
    snowflakePreviewFeatures,
    snowflakeStageUsesIntegration,
    snowflakeTaskReportsErrors,
} from "../../policies/rules/snowflake";
import { BUCKET, BUCKET_ARN, Fake, resourceViolations, stackArgs, stackViolations, violationsOf } from "./support";

const STAGE = "snowflake:index/stage:Stage";
const INTEGRATION = "snowflake:index/storageIntegration:StorageIntegration";
const PROVIDER = "pulumi:providers:snowflake";

const URL = "s3://lake-bucket/exports/";
const FEATURES = JSON.stringify([
    "snowflake_file_format_resource",
    "snowflake_stage_resource",
    "snowflake_storage_integration_resource",
    "snowflake_table_resource",
]);
const integration = (locations: unknown): Fake[] => [
    { type: BUCKET, name: "bucket", props: {}, outputs: { bucket: "lake-bucket", arn: BUCKET_ARN } },
    {
        type: INTEGRATION,
        name: "integration",
        props: { name: "LAKE", storageProvider: "S3", storageAllowedLocations: locations },
        from: { storageAllowedLocations: ["bucket"] },
    },
];

describe("policies/snowflake", () => {
    describe("snowflake-stage-uses-integration", () => {
        it("passes the lake stage (storage integration, no credentials)", async () => {
            assert.deepEqual(
                await violationsOf(snowflakeStageUsesIntegration, STAGE, {
                    url: URL,
                    storageIntegration: "LAKE",
                    database: "DB",
                    schema: "S",
                }),
                [],
            );
            assert.deepEqual(await violationsOf(snowflakeStageUsesIntegration, STAGE, { database: "DB", schema: "S" }), []); // internal stage
        });
        it("reports an external stage with keys and no integration", async () => {
            const keys = { url: URL, credentials: "AWS_KEY_ID='AKIAEXAMPLE' AWS_SECRET_KEY='example'", database: "DB", schema: "S" };
            assert.deepEqual(await violationsOf(snowflakeStageUsesIntegration, STAGE, keys), [
                "external stage on s3://lake-bucket/exports/ has no storageIntegration: reach S3 through a storage integration (an IAM role Snowflake assumes with an external id)",
                "stage carries credentials: keys would be stored in the stack state and in Snowflake; remove credentials and use a storage integration",
            ]);
        });
    });

    describe("snowflake-integration-locations-in-lake", () => {
        it("passes the export prefix of the stack's bucket", async () => {
            assert.deepEqual(
                await stackViolations(snowflakeIntegrationLocationsInLake, integration([URL, "s3://lake-bucket/exports/orders/"])),
                [],
            );
        });
        it("reports another bucket, the whole lake bucket and a wildcard", async () => {
            assert.deepEqual(
                await stackViolations(
                    snowflakeIntegrationLocationsInLake,
                    integration(["s3://other-bucket/exports/", "s3://lake-bucket/", "*"]),
                ),
                [
                    {
                        resource: "integration",
                        message: "allowed location s3://other-bucket/exports/ is outside the lake bucket (lake-bucket)",
                    },
                    {
                        resource: "integration",
                        message:
                            "allowed location s3://lake-bucket/ is not under the export prefix exports/: Snowflake could read and write the rest of the bucket",
                    },
                    {
                        resource: "integration",
                        message: 'allowed location "*" is not a path in the lake bucket: allow s3://<lake bucket>/exports/ only',
                    },
                ],
            );
        });
        it("reports an integration without allowed locations, and accepts configured lake buckets and prefixes", async () => {
            assert.deepEqual(await stackViolations(snowflakeIntegrationLocationsInLake, integration([])), [
                {
                    resource: "integration",
                    message: "storage integration has no storageAllowedLocations: allow only the lake's export prefix",
                },
            ]);
            const external = checkIntegrationLocations(stackArgs(integration(["s3://shared-lake/unload/x/"])).resources, {
                exportPrefix: "unload",
                lakeBuckets: ["shared-lake"],
            });
            assert.deepEqual(external, []);
        });
    });

    describe("snowflake-preview-features", () => {
        const stage = (features: string): Fake[] => [
            { type: STAGE, name: "stage", props: { url: URL, storageIntegration: "LAKE" }, provider: "snowflake" },
            { type: PROVIDER, name: "snowflake", props: { accountName: "ACME", previewFeaturesEnabled: features } },
        ];
        it("passes a provider that lists the resource's preview feature (provider inputs are JSON-encoded)", async () => {
            assert.deepEqual(await resourceViolations(snowflakePreviewFeatures, stage(FEATURES)), []);
        });
        it("reports a provider that does not", async () => {
            assert.deepEqual(await resourceViolations(snowflakePreviewFeatures, stage(JSON.stringify(["snowflake_table_resource"]))), [
                'Stage is a preview resource: provider snowflake must list "snowflake_stage_resource" in previewFeaturesEnabled (an explicit provider ignores the stack\'s snowflake:previewFeaturesEnabled)',
            ]);
        });
        it("says nothing without provider information or for stable resources", async () => {
            assert.deepEqual(await violationsOf(snowflakePreviewFeatures, STAGE, { url: URL }), []);
            assert.deepEqual(
                await resourceViolations(snowflakePreviewFeatures, [
                    { ...stage("[]")[0], type: "snowflake:index/task:Task" },
                    stage("[]")[1],
                ]),
                [],
            );
        });
    });

    describe("snowflake-integration-protected", () => {
        const fake = (protect: boolean): Fake => ({ type: INTEGRATION, name: "integration", props: { name: "LAKE" }, protect });
        it("passes a protected integration in production, and anything outside production", async () => {
            assert.deepEqual(await resourceViolations(snowflakeIntegrationProtected, fake(true), { production: true }), []);
            assert.deepEqual(await resourceViolations(snowflakeIntegrationProtected, fake(false)), []);
        });
        it("reports an unprotected integration in production", async () => {
            assert.deepEqual(await resourceViolations(snowflakeIntegrationProtected, fake(false), { production: true }), [
                "production stack: the storage integration is not protected; replacing it changes its external id and unlinks its stages; set protect: true",
            ]);
        });
    });

    describe("snowflake-task-reports-errors", () => {
        const TASK = "snowflake:index/task:Task";
        it("passes a task that names its error integration", async () => {
            assert.deepEqual(
                await violationsOf(snowflakeTaskReportsErrors, TASK, { name: "ORDERS_LAKE_EXPORT", errorIntegration: "LAKE_TASK_ERRORS" }),
                [],
            );
        });
        it("reports a task whose failures nobody hears of", async () => {
            assert.deepEqual(await violationsOf(snowflakeTaskReportsErrors, TASK, { name: "ORDERS_LAKE_EXPORT" }), [
                "task ORDERS_LAKE_EXPORT has no errorIntegration: a failed or suspended task goes unnoticed until its stream is stale; name a notification integration",
            ]);
        });
    });
});
