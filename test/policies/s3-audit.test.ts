/**
 * The audit and recovery rules: access logging in production, log targets S3 can deliver to, and
 * replication of the exports that keeps deletes recoverable. Each has a compliant graph (the
 * program's wiring) and the violations that break it.
 */
import * as assert from "node:assert/strict";
import { s3AccessLoggingInProduction, s3AccessLogTargetDeliverable, s3ReplicatedInProduction } from "../../policies/rules/s3-audit";
import { ACCOUNT, BUCKET, BUCKET_ARN as LAKE, BUCKET_POLICY, doc, Fake, replace, SSE, stackViolations, withProps } from "./support";
import { logDelivery, replicateExports } from "../harness/wiring";

const LOGGING = "aws:s3/bucketLogging:BucketLogging";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";

const LOGS = "arn:aws:s3:::log-bucket";
const REPLICA = "arn:aws:s3:::replica-bucket";
const sse = (name: string, bucket: string, algorithm: string): Fake => ({
    type: SSE,
    name,
    props: { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }] },
    from: { bucket: [bucket === "lake-bucket" ? "lake" : bucket === "log-bucket" ? "logs" : "replica"] },
});
const deliveryStatement = (over: Record<string, unknown> = {}) => ({ ...logDelivery(LOGS, LAKE), ...over });
const replicationRule = (over: Record<string, unknown> = {}) => ({
    ...replicateExports(REPLICA, "arn:aws:kms:eu-central-1:123456789012:key/r"),
    ...over,
});

/** The production wiring: the lake (KMS) logs into its log bucket (SSE-S3) and replicates its exports to the replica. */
function prod(): Fake[] {
    return [
        { type: BUCKET, name: "lake", props: {}, outputs: { bucket: "lake-bucket", arn: LAKE } },
        sse("lake-sse", "lake-bucket", "aws:kms"),
        { type: BUCKET, name: "logs", props: {}, outputs: { bucket: "log-bucket", arn: LOGS } },
        sse("logs-sse", "log-bucket", "AES256"),
        {
            type: BUCKET_POLICY,
            name: "logs-policy",
            props: { bucket: "log-bucket", policy: doc(deliveryStatement()) },
            from: { bucket: ["logs"] },
        },
        {
            type: LOGGING,
            name: "lake-logging",
            props: { bucket: "lake-bucket", targetBucket: "log-bucket", targetPrefix: "access-logs/" },
            from: { bucket: ["lake"], targetBucket: ["logs"] },
        },
        { type: BUCKET, name: "replica", props: {}, outputs: { bucket: "replica-bucket", arn: REPLICA } },
        sse("replica-sse", "replica-bucket", "aws:kms"),
        {
            type: REPLICATION,
            name: "replication",
            props: { bucket: "lake-bucket", role: "arn:aws:iam::123456789012:role/r", rules: [replicationRule()] },
            from: { bucket: ["lake"], rules: ["replica"] },
        },
    ];
}
const without = (graph: Fake[], ...names: string[]) => graph.filter((f) => !names.includes(f.name));
const patched = (graph: Fake[], name: string, props: Record<string, any>) => replace(graph, name, (f) => withProps(f, props));
const production = { production: true };

describe("policies/s3-audit", () => {
    describe("s3-access-logging-in-production", () => {
        it("passes a production graph whose data buckets log (the log bucket itself need not)", async () => {
            // The replica logs too, into a log bucket of its region.
            const graph: Fake[] = [
                ...prod(),
                {
                    type: BUCKET,
                    name: "replica-logs",
                    props: {},
                    outputs: { bucket: "replica-log-bucket", arn: "arn:aws:s3:::replica-log-bucket" },
                },
                {
                    type: LOGGING,
                    name: "replica-logging",
                    props: { bucket: "replica-bucket", targetBucket: "replica-log-bucket", targetPrefix: "access-logs/" },
                    from: { bucket: ["replica"], targetBucket: ["replica-logs"] },
                },
            ];
            assert.deepEqual(await stackViolations(s3AccessLoggingInProduction, graph, production), []);
        });
        it("reports each production bucket without access logging", async () => {
            const v = await stackViolations(s3AccessLoggingInProduction, without(prod(), "lake-logging"), production);
            // Without the logging configuration the log bucket is an ordinary bucket too.
            assert.deepEqual(v.map((x) => x.resource).sort(), ["lake", "logs", "replica"]);
            assert.match(
                v[0].message,
                /^production stack: the bucket has no server access logging, so nothing records who read or deleted its objects/,
            );
        });
        it("accepts a named CloudTrail trail instead, and asks nothing outside production", async () => {
            assert.deepEqual(
                await stackViolations(s3AccessLoggingInProduction, without(prod(), "lake-logging"), {
                    production: true,
                    cloudTrailDataEvents: true,
                }),
                [],
            );
            assert.deepEqual(await stackViolations(s3AccessLoggingInProduction, without(prod(), "lake-logging"), {}), []);
        });
        it("recognises a bucket's inline logging block", async () => {
            const graph = patched(without(prod(), "lake-logging"), "lake", {
                logging: { targetBucket: "log-bucket", targetPrefix: "access-logs/" },
            });
            assert.deepEqual(
                (await stackViolations(s3AccessLoggingInProduction, graph, production)).map((x) => x.resource),
                ["replica"],
            );
        });
    });

    describe("s3-access-log-target-deliverable", () => {
        it("passes a log bucket with SSE-S3, no Object Lock and a confined delivery grant", async () => {
            assert.deepEqual(await stackViolations(s3AccessLogTargetDeliverable, prod()), []);
        });
        it("reports SSE-KMS on the log bucket, where S3 delivers no logs", async () => {
            const graph = [...without(prod(), "logs-sse"), sse("logs-sse", "log-bucket", "aws:kms")];
            assert.deepEqual(await stackViolations(s3AccessLogTargetDeliverable, graph), [
                {
                    resource: "logs",
                    message:
                        "receives server access logs but its default encryption is aws:kms: S3 supports only SSE-S3 (AES256) on a log target, so no log is delivered; use AES256",
                },
            ]);
        });
        it("reports Object Lock on the log bucket", async () => {
            const graph: Fake[] = [
                ...prod(),
                {
                    type: LOCK,
                    name: "lock",
                    props: { bucket: "log-bucket", rule: { defaultRetention: { mode: "GOVERNANCE", days: 1 } } },
                    from: { bucket: ["logs"] },
                },
            ];
            assert.deepEqual(
                (await stackViolations(s3AccessLogTargetDeliverable, graph)).map((v) => v.message),
                ["receives server access logs but has Object Lock: S3 cannot use a bucket with Object Lock as a log target"],
            );
        });
        it("reports a log bucket whose policy does not admit delivery, or admits it without confining the source", async () => {
            const message =
                "receives server access logs but no bucket policy lets logging.s3.amazonaws.com s3:PutObject under conditions on aws:SourceArn (the logged bucket) and aws:SourceAccount: with ACLs disabled S3 refuses the logs";
            assert.deepEqual(await stackViolations(s3AccessLogTargetDeliverable, without(prod(), "logs-policy")), [
                { resource: "logs", message },
            ]);
            for (const bad of [
                { Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
                { Condition: { ArnLike: { "aws:SourceArn": LAKE }, StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } } },
                { Condition: { ArnLike: { "aws:SourceArn": LAKE }, StringNotEquals: { "aws:SourceAccount": "999999999999" } } },
                { Condition: undefined },
                { Principal: { Service: "s3.amazonaws.com" } },
                { Action: "s3:GetObject" },
                { Effect: "Deny" },
            ]) {
                const graph = patched(prod(), "logs-policy", { policy: doc(deliveryStatement(bad)) });
                assert.deepEqual(
                    await stackViolations(s3AccessLogTargetDeliverable, graph),
                    [{ resource: "logs", message }],
                    JSON.stringify(bad),
                );
            }
        });
        it("reports a bucket that logs into itself", async () => {
            const graph = replace(prod(), "lake-logging", (f) => withProps(f, { targetBucket: "lake-bucket" }, { targetBucket: ["lake"] }));
            const v = await stackViolations(s3AccessLogTargetDeliverable, graph);
            assert.ok(
                v.some((x) => x.resource === "lake-logging" && /logs its requests into itself/.test(x.message)),
                JSON.stringify(v),
            );
        });
    });

    describe("s3-replicated-in-production", () => {
        it("passes the lake replicating its exports, delete markers not replicated, SSE-KMS objects included", async () => {
            assert.deepEqual(await stackViolations(s3ReplicatedInProduction, prod(), production), []);
        });
        it("reports the lake without replication (log and replica buckets need none)", async () => {
            const v = await stackViolations(s3ReplicatedInProduction, without(prod(), "replication"), production);
            // Without the replication the replica is an ordinary bucket too: both are reported.
            assert.deepEqual(v.map((x) => x.resource).sort(), ["lake", "replica"]);
            assert.match(
                v.find((x) => x.resource === "lake")!.message,
                /^production stack: the bucket is not replicated, so an object deleted under exports\/ is recoverable only while its noncurrent version lasts/,
            );
        });
        it("reports a rule that replicates delete markers", async () => {
            const graph = patched(prod(), "replication", { rules: [replicationRule({ deleteMarkerReplication: { status: "Enabled" } })] });
            assert.deepEqual(
                (await stackViolations(s3ReplicatedInProduction, graph, production)).map((v) => v.message),
                [
                    'production stack: replication rule "replicate-exports" replicates delete markers, so a delete in the lake hides the object in the replica too; set deleteMarkerReplication Disabled so every delete stays recoverable',
                ],
            );
        });
        it("reports a rule that leaves out the SSE-KMS exports, and one that covers only part of the exports or is disabled", async () => {
            const noKms = patched(prod(), "replication", { rules: [replicationRule({ sourceSelectionCriteria: undefined })] });
            assert.match((await stackViolations(s3ReplicatedInProduction, noKms, production))[0].message, /leaves out SSE-KMS objects/);
            // With SSE-S3 on the lake, no opt-in is needed.
            const sseS3 = [...without(noKms, "lake-sse"), sse("lake-sse", "lake-bucket", "AES256")];
            assert.deepEqual(await stackViolations(s3ReplicatedInProduction, sseS3, production), []);
            for (const rule of [
                replicationRule({ filter: { prefix: "exports/orders/" } }),
                replicationRule({ status: "Disabled" }),
                replicationRule({ filter: { tag: { key: "replicate", value: "yes" } } }),
                replicationRule({ filter: { and: { prefix: "exports/", tags: [{ key: "replicate", value: "yes" }] } } }),
            ]) {
                const v = await stackViolations(s3ReplicatedInProduction, patched(prod(), "replication", { rules: [rule] }), production);
                assert.deepEqual(
                    v.map((x) => x.message),
                    [
                        "production stack: no enabled replication rule covers all of exports/: exports outside the rules' prefixes (or without the tags a rule filters on) have no recovery copy",
                    ],
                );
            }
        });
        it("asks nothing outside production", async () => {
            assert.deepEqual(await stackViolations(s3ReplicatedInProduction, without(prod(), "replication"), {}), []);
        });
    });
});
