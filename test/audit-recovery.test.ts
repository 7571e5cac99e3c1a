/**
 * The audit trail (a log bucket per data bucket, or a named CloudTrail trail), the recovery replica
 * of the exports, and the tables' retentions, as the program declares them in each stack.
 */
import * as assert from "node:assert/strict";
import { CapturedResource, Graph, graphOf, policyOf, stackGraph } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { denyInsecureTransport, document, LIFECYCLE_RULES, logDelivery, replicateExports } from "./harness/wiring";

const S3 = (t: string) => `aws:s3/${t}`;
const BUCKET = S3("bucket:Bucket");
const LOGGING = S3("bucketLogging:BucketLogging");
const LIFECYCLE = S3("bucketLifecycleConfiguration:BucketLifecycleConfiguration");
const REPLICATION = S3("bucketReplicationConfig:BucketReplicationConfig");
const KEY = "aws:kms/key:Key";
const K = (key: string) => `incremental-crawl:${key}`;

/** All four of a public access block's settings on. */
const assertPrivate = (pab: CapturedResource) =>
    assert.deepEqual(
        ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((k) => pab.inputs[k]),
        [true, true, true, true],
    );

/** The cloud resources under a component (any depth), by the component's logical name suffix. */
function under(g: Graph, type: string, suffix: string): CapturedResource[] {
    const c = g.resources.find((r) => r.type === type && r.name.endsWith(suffix));
    assert.ok(c, `no ${type} *${suffix}`);
    return g.cloud.filter((r) => g.ancestors(r).some((a) => a.urn === c.urn));
}
const only = (rs: CapturedResource[], type: string) => {
    const found = rs.filter((r) => r.type === type);
    assert.equal(found.length, 1, `${type}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
};

describe("audit trail and recovery (prod)", () => {
    let g: Graph;
    let lake: CapturedResource;
    before(async () => {
        g = await stackGraph("prod");
        lake = g.one(BUCKET, "-lake-bucket");
    });

    describe("the lake's access logs", () => {
        let logs: CapturedResource[];
        let bucket: CapturedResource;
        before(() => {
            logs = under(g, "incremental-crawl:index:AccessLogBucket", "-access-logs");
            bucket = only(logs, BUCKET);
        });

        it("logs the lake bucket's requests into a separate bucket, under its prefix, once the policy admits delivery", () => {
            const logging = only(logs, LOGGING);
            assert.deepEqual(
                [logging.inputs.bucket, logging.inputs.targetBucket, logging.inputs.targetPrefix],
                [lake.outputs.bucket, bucket.outputs.bucket, "access-logs/"],
            );
            assert.notEqual(bucket.outputs.bucket, lake.outputs.bucket, "never into the lake itself");
            assert.equal(logging.inputs.targetGrants, undefined, "ACLs are disabled: no target grants");
            assert.ok(g.dependsOn(logging, only(logs, S3("bucketPolicy:BucketPolicy"))));
        });

        it("locks the log bucket down: public access blocked, ACLs disabled, TLS only, delivery only for the lake bucket in this account", () => {
            assertPrivate(only(logs, S3("bucketPublicAccessBlock:BucketPublicAccessBlock")));
            assert.equal(
                only(logs, S3("bucketOwnershipControls:BucketOwnershipControls")).inputs.rule.objectOwnership,
                "BucketOwnerEnforced",
            );
            // Delivery only by the S3 logging service, only for the lake bucket of this account, under the prefix; nothing else granted.
            assert.deepEqual(
                policyOf(only(logs, S3("bucketPolicy:BucketPolicy"))),
                document(denyInsecureTransport(bucket.outputs.arn), logDelivery(bucket.outputs.arn, lake.outputs.arn, MOCK_ACCOUNT)),
            );
        });

        it("encrypts with SSE-S3, the only default encryption a log target supports (not the lake key)", () => {
            const rules = only(logs, S3("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")).inputs.rules;
            assert.deepEqual(rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        });

        it("keeps the logs accessLogDays, versioned, and survives destroy", () => {
            assert.equal(only(logs, S3("bucketVersioning:BucketVersioning")).inputs.versioningConfiguration.status, "Enabled");
            const rules = only(logs, LIFECYCLE).inputs.rules as any[];
            const expire = rules.find((r) => r.id === "expire-access-logs");
            assert.deepEqual([expire.filter.prefix, expire.expiration.days], ["access-logs/", 365]);
            assert.equal(rules.find((r) => r.id === "expire-old-versions").noncurrentVersionExpiration.noncurrentDays, 90);
            assert.equal(bucket.retainOnDelete, true);
            assert.notEqual(bucket.inputs.forceDestroy, true);
        });

        it("is not notified, not crawled, not replicated, and logs nothing of its own", () => {
            const name = bucket.outputs.bucket;
            for (const r of g.resources.filter((x) => [S3("bucketNotification:BucketNotification"), REPLICATION].includes(x.type)))
                assert.notEqual(r.inputs.bucket, name, r.name);
            for (const c of g.ofType("aws:glue/crawler:Crawler")) assert.doesNotMatch(JSON.stringify(c.inputs), new RegExp(name), c.name);
            for (const t of g.ofType("aws:glue/catalogTable:CatalogTable"))
                assert.doesNotMatch(t.inputs.storageDescriptor.location, new RegExp(name));
            assert.ok(!g.ofType(LOGGING).some((l) => l.inputs.bucket === name), "a log bucket should not log itself");
            assert.ok(
                !g.ofType("aws:iam/rolePolicy:RolePolicy").some((p) => String(p.inputs.policy).includes(name)),
                "no role of the stack is granted anything on the logs",
            );
        });
    });

    describe("the recovery replica", () => {
        let replica: CapturedResource[];
        let bucket: CapturedResource;
        before(() => {
            replica = under(g, "incremental-crawl:index:LakeReplica", "-replica");
            bucket = g.one(BUCKET, "-replica-bucket");
        });

        it("puts every regional resource of the replica in the replica region, and the configuration with the lake", () => {
            const regional = replica.filter((r) => !r.type.startsWith("aws:iam/") && r.type !== REPLICATION);
            assert.ok(regional.length >= 10, `${regional.length} regional resources`);
            for (const r of regional) assert.equal(r.inputs.region, "eu-central-1", r.name);
            assert.equal(
                only(replica, REPLICATION).inputs.region,
                undefined,
                "a replication configuration belongs to the source bucket's region",
            );
            assert.match(g.one(KEY, "-replica-key").outputs.arn, /^arn:aws:kms:eu-central-1:/);
        });

        it("replicates the exports only, keeps deletes out, and includes the SSE-KMS objects, after both buckets are versioned", () => {
            const config = only(replica, REPLICATION);
            const key = g.one(KEY, "-replica-key");
            assert.equal(config.inputs.bucket, lake.outputs.bucket);
            assert.equal(config.inputs.role, g.one("aws:iam/role:Role", "-replica-role").outputs.arn);
            assert.deepEqual(config.inputs.rules, [replicateExports(bucket.outputs.arn, key.outputs.arn)]);
            for (const v of [
                g.one(S3("bucketVersioning:BucketVersioning"), "-lake-versioning"),
                g.one(S3("bucketVersioning:BucketVersioning"), "-replica-versioning"),
                g.one("aws:iam/rolePolicy:RolePolicy", "-replica-access"),
            ]) {
                assert.ok(g.dependsOn(config, v), `the configuration waits for ${v.name}`);
            }
        });

        it("gives S3 a role with exactly the replication grants: no delete, no other prefix", () => {
            const role = g.one("aws:iam/role:Role", "-replica-role");
            assert.deepEqual(
                policyOf(role, "assumeRolePolicy"),
                document({ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }),
            );
            assert.equal(role.outputs.name, "incremental-crawl-prod-replication");
            const [lakeArn, replicaArn] = [lake.outputs.arn, bucket.outputs.arn];
            // Reads of the exports' versions only, writes of replicas only, each key only through S3 in its region.
            const through = (region: string) => ({ StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } });
            assert.deepEqual(
                policyOf(g.one("aws:iam/rolePolicy:RolePolicy", "-replica-access")),
                document(
                    {
                        Sid: "ReadReplicationConfiguration",
                        Effect: "Allow",
                        Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                        Resource: lakeArn,
                    },
                    {
                        Sid: "ReadExportVersions",
                        Effect: "Allow",
                        Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                        Resource: `${lakeArn}/exports/*`,
                    },
                    {
                        Sid: "WriteReplicas",
                        Effect: "Allow",
                        Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
                        Resource: `${replicaArn}/exports/*`,
                    },
                    {
                        Sid: "DecryptExportsThroughS3",
                        Effect: "Allow",
                        Action: "kms:Decrypt",
                        Resource: g.one(KEY, "-kms-key").outputs.arn,
                        Condition: through("eu-west-1"),
                    },
                    {
                        Sid: "EncryptReplicasThroughS3",
                        Effect: "Allow",
                        Action: ["kms:Encrypt", "kms:Decrypt"],
                        Resource: g.one(KEY, "-replica-key").outputs.arn,
                        Condition: through("eu-central-1"),
                    },
                ),
            );
        });

        it("hardens the replica like the lake: private, TLS only, its own key, versioned, retained", () => {
            const own = replica.filter((r) => !g.ancestors(r).some((a) => a.name.endsWith("-replica-logs")));
            assertPrivate(only(own, S3("bucketPublicAccessBlock:BucketPublicAccessBlock")));
            assert.deepEqual(
                policyOf(g.one(S3("bucketPolicy:BucketPolicy"), "-replica-tls-only")),
                document(denyInsecureTransport(bucket.outputs.arn)),
            );
            const sse = g.one(S3("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"), "-replica-encryption")
                .inputs.rules[0];
            assert.deepEqual(sse, {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: g.one(KEY, "-replica-key").outputs.arn },
                bucketKeyEnabled: true,
            });
            const key = g.one(KEY, "-replica-key");
            assert.equal(key.inputs.enableKeyRotation, true);
            // The key admits this account's IAM policies only (the account root), as the lake key does.
            assert.deepEqual(
                policyOf(key),
                document({
                    Sid: "EnableIamPoliciesOfThisAccount",
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
                    Action: "kms:*",
                    Resource: "*",
                }),
            );
            assert.deepEqual([bucket.retainOnDelete, key.retainOnDelete], [true, true]);
            assert.equal(
                g.one(S3("bucketVersioning:BucketVersioning"), "-replica-versioning").inputs.versioningConfiguration.status,
                "Enabled",
            );
        });

        // The replica's table expiries equal the lake's: both lists are literal in the CUSTOMERS test below.
        it("logs the replica's requests in its region", () => {
            const logging = g.ofType(LOGGING).find((l) => l.inputs.bucket === bucket.outputs.bucket);
            assert.ok(logging, "the replica's requests are logged");
            assert.equal(logging.inputs.region, "eu-central-1");
            assert.equal(g.one(BUCKET, "-replica-logs").inputs.region, "eu-central-1", "a log target is in its source's region");
        });
    });

    it("expires CUSTOMERS (personal data) after its declared retention, noncurrent versions too, and nothing else under exports/", () => {
        const customers = {
            id: "expire-table-customers",
            status: "Enabled",
            filter: { prefix: "exports/customers/" },
            expiration: { days: 730 },
            noncurrentVersionExpiration: { noncurrentDays: 90 },
        };
        const { abortUploads, athenaResults, oldVersions } = LIFECYCLE_RULES;
        assert.deepEqual(g.one(LIFECYCLE, "-lake-lifecycle").inputs.rules, [abortUploads, athenaResults, oldVersions, customers]);
        // The replica has no Athena results: housekeeping and the same table rules.
        assert.deepEqual(g.one(LIFECYCLE, "-replica-lifecycle").inputs.rules, [abortUploads, oldVersions, customers]);
    });
});

describe("audit trail and recovery: other settings", () => {
    it("dev declares neither (auditTrail none, no replicaRegion)", async () => {
        const g = await stackGraph("dev");
        assert.deepEqual(
            g.ofType(BUCKET).map((b) => b.name),
            ["incremental-crawl-dev-lake-bucket"],
        );
        assert.deepEqual([g.ofType(LOGGING).length, g.ofType(REPLICATION).length], [0, 0]);
        assert.deepEqual(
            g.one(LIFECYCLE, "-lake-lifecycle").inputs.rules.map((r: any) => r.id),
            ["abort-incomplete-multipart-uploads", "expire-athena-results"],
            "unversioned, no retention: housekeeping only",
        );
        assert.deepEqual(g.run.outputs.auditTrail, { kind: "none" });
        assert.equal(g.run.outputs.replica, undefined);
    });

    it("a stack that names a CloudTrail trail declares no log bucket and exports the trail", async () => {
        const trailArn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";
        const g = await graphOf({ stack: "prod", config: { [K("auditTrail")]: `cloudtrail:${trailArn}` } });
        assert.equal(g.ofType(LOGGING).length, 0);
        assert.deepEqual(
            g
                .ofType(BUCKET)
                .map((b) => b.name.replace("incremental-crawl-prod-", ""))
                .sort(),
            ["lake-bucket", "replica-bucket"],
        );
        assert.deepEqual(g.run.outputs.auditTrail, { kind: "cloudtrail", trailArn });
    });

    it("dev with access logs and a replica: unversioned lake refused, versioned accepted with SSE-S3 replicas", async () => {
        await assert.rejects(
            graphOf({ stack: "dev", config: { [K("replicaRegion")]: "eu-central-1" } }),
            /incremental-crawl:replicaRegion: expected no replica while versioning is false/,
        );
        const g = await graphOf({
            stack: "dev",
            config: { [K("replicaRegion")]: "eu-central-1", [K("versioning")]: true, [K("auditTrail")]: "access-logs" },
        });
        const [rule] = g.one(REPLICATION).inputs.rules;
        assert.equal(rule.destination.encryptionConfiguration, undefined, "no lake key: the replica uses SSE-S3");
        assert.equal(rule.sourceSelectionCriteria, undefined);
        assert.equal(g.ofType(KEY).length, 0);
        assert.deepEqual(
            g.one(S3("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"), "-replica-encryption").inputs
                .rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        );
        assert.equal(g.one(BUCKET, "-replica-bucket").inputs.forceDestroy, true, "dev stays disposable");
    });
});

describe("audit trail and recovery: the first backfill", () => {
    // Live replication copies only objects written after its configuration exists, versions only
    // those written after versioning is on, and access logs record only what happens after logging
    // starts (s3-batch-replication-existing-config, enable-server-access-logging).
    const PROD_LIKE = {
        [K("production")]: true,
        [K("encryption")]: "kms",
        [K("versioning")]: true,
        [K("auditTrail")]: "access-logs",
        [K("replicaRegion")]: "eu-central-1",
        [K("alertEmails")]: ["oncall@example.com"],
    };

    it("waits for the lake's versioning, its replication configuration and its access logging (and the replica's)", async () => {
        const g = await graphOf({ stack: "dev", config: PROD_LIKE });
        const waitFor = [
            g.one(S3("bucketVersioning:BucketVersioning"), "-lake-versioning"),
            g.one(REPLICATION),
            g.one(LOGGING, "-access-logs-logging"),
            g.one(LOGGING, "-replica-logs-logging"),
        ];
        const backfills = g.ofType("command:local:Command");
        assert.ok(backfills.length > 0);
        for (const cmd of backfills) {
            for (const dep of waitFor) assert.ok(g.dependsOn(cmd, dep), `${cmd.name} waits for ${dep.name}`);
        }
    });

    it("exports a table's retentionDays, which verify reads (S3 expires what Snowflake keeps)", async () => {
        const dev = await stackGraph("dev");
        const [orders] = JSON.parse(dev.run.config[K("tables")]);
        const g = await graphOf({
            stack: "dev",
            config: {
                [K("tables")]: [
                    { ...orders, name: "RETURNS", retentionDays: 60 },
                    { ...orders, retentionDays: 30 },
                    { ...orders, name: "CLICKS" },
                ],
            },
        });
        const tables = g.run.outputs.tables as Record<string, { retentionDays?: number }>;
        assert.deepEqual([tables.orders.retentionDays, tables.returns.retentionDays, tables.clicks.retentionDays], [30, 60, undefined]);
        // One rule per retained table, in a stable order, without noncurrent versions in an unversioned bucket.
        assert.deepEqual(
            (g.one(LIFECYCLE, "-lake-lifecycle").inputs.rules as any[]).filter((r) => r.id.startsWith("expire-table-")),
            [
                { id: "expire-table-orders", status: "Enabled", filter: { prefix: "exports/orders/" }, expiration: { days: 30 } },
                { id: "expire-table-returns", status: "Enabled", filter: { prefix: "exports/returns/" }, expiration: { days: 60 } },
            ],
        );
    });

    it("waits for nothing a stack does not declare", async () => {
        const g = await graphOf({
            stack: "dev",
            config: { [K("versioning")]: false, [K("auditTrail")]: "none", [K("replicaRegion")]: "" },
        });
        assert.deepEqual(
            [g.ofType(S3("bucketVersioning:BucketVersioning")).length, g.ofType(REPLICATION).length, g.ofType(LOGGING).length],
            [0, 0, 0],
        );
        assert.ok(g.ofType("command:local:Command").length > 0);
    });
});
