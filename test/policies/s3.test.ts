import * as assert from "node:assert/strict";
import {
    checkLifecycleRetention,
    checkTlsOnlyPolicy,
    isTlsOnlyStatement,
    s3AclsDisabled,
    s3DefaultEncryption,
    s3NoPublicAcl,
    s3PublicAccessBlocked,
    s3KmsInProduction,
    s3RetentionInProduction,
    s3TlsOnly,
    s3VersioningInProduction,
} from "../../policies/rules/s3";
import { denyInsecureTransport, LIFECYCLE_RULES } from "../harness/wiring";
import { StackValidationPolicy } from "@pulumi/policy";
import {
    BUCKET,
    BUCKET_ARN as ARN,
    BUCKET_POLICY,
    doc,
    Fake,
    replace,
    SSE,
    stackViolations,
    unknown,
    violationsOf,
    withProps,
} from "./support";

const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";

const TLS = denyInsecureTransport(ARN);
const onBucket = { from: { bucket: ["bucket"] } };

/** A compliant lake bucket with all its companions, wired as the program wires them. */
function lake(): Fake[] {
    return [
        { type: BUCKET, name: "bucket", props: { forceDestroy: false }, outputs: { forceDestroy: false, bucket: "lake-bucket", arn: ARN } },
        {
            type: PAB,
            name: "pab",
            props: {
                bucket: "lake-bucket",
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            ...onBucket,
        },
        {
            type: SSE,
            name: "sse",
            props: { bucket: "lake-bucket", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            ...onBucket,
        },
        { type: BUCKET_POLICY, name: "tls", props: { bucket: "lake-bucket", policy: doc(TLS) }, ...onBucket },
        {
            type: OWNERSHIP,
            name: "ownership",
            props: { bucket: "lake-bucket", rule: { objectOwnership: "BucketOwnerEnforced" } },
            ...onBucket,
        },
        {
            type: VERSIONING,
            name: "versioning",
            props: { bucket: "lake-bucket", versioningConfiguration: { status: "Enabled" } },
            ...onBucket,
        },
    ];
}
const without = (graph: Fake[], name: string) => graph.filter((f) => f.name !== name);
const patched = (graph: Fake[], name: string, props: Record<string, any>) => replace(graph, name, (f) => withProps(f, props));
const kms = () =>
    patched(lake(), "sse", {
        rules: [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1" } },
        ],
    });
const TLS_STATEMENT =
    'a statement with Effect "Deny", Principal "*", Action "s3:*", Resource [bucket ARN, bucket ARN/*] and Condition {"Bool": {"aws:SecureTransport": "false"}}';

describe("policies/s3", () => {
    describe("every bucket has its setting: the lake bucket passes; each rule reports the setting missing, or set wrong", () => {
        const production = { production: true };
        const cases: {
            policy: StackValidationPolicy;
            setting: string;
            config?: Record<string, unknown>;
            missing: string;
            wrong: Record<string, any>;
            says: string;
        }[] = [
            {
                policy: s3PublicAccessBlocked,
                setting: "pab",
                missing:
                    "bucket has no BucketPublicAccessBlock: add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true",
                wrong: { ignorePublicAcls: false, restrictPublicBuckets: undefined },
                says: "public access is not fully blocked: ignorePublicAcls and restrictPublicBuckets must be true (all four settings must be true)",
            },
            {
                policy: s3DefaultEncryption,
                setting: "sse",
                missing:
                    "bucket has no default encryption: add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms or aws:kms:dsse",
                wrong: { rules: [{ bucketKeyEnabled: true }] },
                says: "default encryption has no rule with applyServerSideEncryptionByDefault.sseAlgorithm",
            },
            {
                policy: s3TlsOnly,
                setting: "tls",
                missing: `bucket has no bucket policy denying requests without TLS: add a BucketPolicy with ${TLS_STATEMENT}`,
                wrong: {
                    policy: doc({
                        Sid: "Read",
                        Effect: "Allow",
                        Principal: { AWS: "arn:aws:iam::123456789012:root" },
                        Action: "s3:GetObject",
                        Resource: `${ARN}/*`,
                    }),
                },
                says: `bucket policy does not deny requests without TLS: add ${TLS_STATEMENT}`,
            },
            {
                policy: s3AclsDisabled,
                setting: "ownership",
                missing:
                    "bucket has no BucketOwnershipControls: add one with objectOwnership BucketOwnerEnforced (ACLs disabled; objects Snowflake writes belong to the bucket owner)",
                wrong: { rule: { objectOwnership: "ObjectWriter" } },
                says: "objectOwnership is ObjectWriter: set BucketOwnerEnforced so ACLs are disabled and the bucket owner owns every object",
            },
            {
                policy: s3VersioningInProduction,
                setting: "versioning",
                config: production,
                missing: "production stack: bucket versioning is not enabled; add a BucketVersioning with status Enabled",
                wrong: { versioningConfiguration: { status: "Suspended" } },
                says: "production stack: versioning status is Suspended; set Enabled",
            },
        ];
        for (const c of cases) {
            it(`${c.policy.name}: ${c.setting}`, async () => {
                assert.deepEqual(await stackViolations(c.policy, lake(), c.config), []);
                assert.deepEqual(await stackViolations(c.policy, without(lake(), c.setting), c.config), [
                    { resource: "bucket", message: c.missing },
                ]);
                assert.deepEqual(await stackViolations(c.policy, patched(lake(), c.setting, c.wrong), c.config), [
                    { resource: c.setting, message: c.says },
                ]);
            });
        }
        const inline: [StackValidationPolicy, string, Record<string, unknown>][] = [
            [
                s3DefaultEncryption,
                "sse",
                { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } },
            ],
            [s3VersioningInProduction, "versioning", { versioning: { enabled: true } }],
        ];
        for (const [policy, setting, outputs] of inline) {
            it(`${policy.name}: accepts the bucket's own setting in place of ${setting}`, async () => {
                const graph = replace(without(lake(), setting), "bucket", (f) => ({ ...f, outputs: { ...f.outputs, ...outputs } }));
                assert.deepEqual(await stackViolations(policy, graph, production), []);
            });
        }
    });

    describe("s3-public-access-blocked", () => {
        it("matches a block to its bucket by name when no dependency says so, and not to another bucket", async () => {
            const byName = lake().map((f) => (f.name === "pab" ? { ...f, from: undefined } : f));
            assert.deepEqual(await stackViolations(s3PublicAccessBlocked, byName), []);
            const other = patched(byName, "pab", { bucket: "someone-else" });
            assert.deepEqual(
                (await stackViolations(s3PublicAccessBlocked, other)).map((v) => v.resource),
                ["bucket"],
            );
        });
    });

    describe("s3-default-encryption", () => {
        it("passes SSE-KMS, and reports an algorithm the config does not allow", async () => {
            assert.deepEqual(await stackViolations(s3DefaultEncryption, kms()), []);
            assert.deepEqual(await stackViolations(s3DefaultEncryption, lake(), { allowedAlgorithms: ["aws:kms"] }), [
                { resource: "sse", message: "default encryption uses AES256; allowed: aws:kms" },
            ]);
        });
    });

    describe("s3-tls-only", () => {
        it("recognises the statement only when it denies insecure transport on the bucket and its objects", () => {
            assert.equal(isTlsOnlyStatement(TLS), true);
            assert.equal(isTlsOnlyStatement({ ...TLS, Condition: { Bool: { "aws:SecureTransport": false } }, Action: "*" }), true);
            assert.equal(isTlsOnlyStatement({ ...TLS, Condition: { Bool: { "aws:SecureTransport": "true" } } }), false);
            assert.equal(isTlsOnlyStatement({ ...TLS, Resource: ARN }), false);
            assert.equal(isTlsOnlyStatement({ ...TLS, Effect: "Allow" }), false);
            assert.equal(isTlsOnlyStatement({ ...TLS, Action: "s3:GetObject" }), false);
            // Every action, and aws:SecureTransport alone: another condition key narrows the deny.
            assert.equal(isTlsOnlyStatement({ ...TLS, Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] }), false);
            assert.equal(isTlsOnlyStatement({ ...TLS, Action: "S3:*" }), true);
            const narrowed = { ...TLS.Condition, StringEquals: { "aws:PrincipalAccount": "123456789012" } };
            assert.equal(isTlsOnlyStatement({ ...TLS, Condition: narrowed }), false);
            assert.equal(
                isTlsOnlyStatement({ ...TLS, Condition: { Bool: { "aws:SecureTransport": "false", "aws:ViaAWSService": "false" } } }),
                false,
            );
            const [invalid, ...rest] = checkTlsOnlyPolicy("{");
            assert.match(invalid, /^bucket policy is not valid JSON \(.+\)$/); // the parser's wording varies with Node
            assert.deepEqual(rest, []);
        });
    });

    describe("s3-no-public-acl", () => {
        it("passes a private bucket", async () => {
            assert.deepEqual(await violationsOf(s3NoPublicAcl, BUCKET, { acl: "private" }), []);
            assert.deepEqual(await violationsOf(s3NoPublicAcl, BUCKET, {}), []);
        });
        it("reports public canned ACLs on buckets, BucketAcls and objects", async () => {
            assert.deepEqual(await violationsOf(s3NoPublicAcl, BUCKET, { acl: "public-read" }), [
                'canned ACL "public-read" opens it to everyone: use "private" and disable ACLs (BucketOwnershipControls BucketOwnerEnforced)',
            ]);
            assert.deepEqual(await violationsOf(s3NoPublicAcl, "aws:s3/bucketObjectv2:BucketObjectv2", { acl: "authenticated-read" }), [
                'canned ACL "authenticated-read" opens it to every AWS account: use "private" and disable ACLs (BucketOwnershipControls BucketOwnerEnforced)',
            ]);
        });
        it("reports grants to the AllUsers and AuthenticatedUsers groups", async () => {
            const grants = {
                accessControlPolicy: {
                    grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }],
                },
            };
            assert.deepEqual(await violationsOf(s3NoPublicAcl, "aws:s3/bucketAcl:BucketAcl", grants), [
                "ACL grants READ to the AllUsers group: remove the grant",
            ]);
            const inline = {
                grants: [
                    { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", permissions: ["READ", "WRITE"] },
                ],
            };
            assert.deepEqual(await violationsOf(s3NoPublicAcl, BUCKET, inline), [
                "ACL grants READ, WRITE to the AuthenticatedUsers group: remove the grant",
            ]);
        });
        it("ignores other resource types", async () => {
            assert.deepEqual(await violationsOf(s3NoPublicAcl, "aws:sqs/queue:Queue", { acl: "public-read" }), []);
        });
    });

    describe("s3-kms-in-production", () => {
        it("asks nothing of a stack that is not production", async () => {
            assert.deepEqual(await stackViolations(s3KmsInProduction, lake()), []);
        });
        it("passes SSE-KMS in production", async () => {
            assert.deepEqual(await stackViolations(s3KmsInProduction, kms(), { production: true }), []);
        });
        it("reports SSE-KMS with the AWS-managed key aws/s3 in production", async () => {
            for (const kmsMasterKeyId of [undefined, "", "alias/aws/s3", "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3"]) {
                const managed = patched(lake(), "sse", {
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId } }],
                });
                assert.deepEqual(
                    await stackViolations(s3KmsInProduction, managed, { production: true }),
                    [
                        {
                            resource: "sse",
                            message:
                                "production stack: default encryption is SSE-KMS with the AWS-managed key aws/s3 (no kmsMasterKeyId, or alias/aws/s3): name a customer-managed key",
                        },
                    ],
                    String(kmsMasterKeyId),
                );
            }
            // During preview the key's ARN is not known yet: taken as named.
            const previewed = patched(lake(), "sse", {
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: unknown() } }],
            });
            assert.deepEqual(await stackViolations(s3KmsInProduction, previewed, { production: true }), []);
        });
        it("reports SSE-S3, and no default encryption, in production", async () => {
            assert.deepEqual(await stackViolations(s3KmsInProduction, lake(), { production: true }), [
                {
                    resource: "sse",
                    message: "production stack: default encryption uses AES256; allowed: aws:kms, aws:kms:dsse",
                },
            ]);
            assert.deepEqual(
                (await stackViolations(s3KmsInProduction, without(lake(), "sse"), { production: true })).map((v) => v.resource),
                ["bucket"],
            );
        });
        it("accepts SSE-S3 on a bucket that receives access logs (SSE-KMS is not supported there), and only there", async () => {
            const logs: Fake[] = [
                { type: BUCKET, name: "logs", props: {}, outputs: { bucket: "log-bucket", arn: "arn:aws:s3:::log-bucket" } },
                {
                    type: SSE,
                    name: "logs-sse",
                    props: { bucket: "log-bucket", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
                    from: { bucket: ["logs"] },
                },
                {
                    type: "aws:s3/bucketLogging:BucketLogging",
                    name: "logging",
                    props: { bucket: "lake-bucket", targetBucket: "log-bucket", targetPrefix: "access-logs/" },
                    from: { bucket: ["bucket"], targetBucket: ["logs"] },
                },
            ];
            assert.deepEqual(await stackViolations(s3KmsInProduction, [...kms(), ...logs], { production: true }), []);
            // The same bucket that no one logs into is an ordinary bucket again.
            assert.deepEqual(
                (await stackViolations(s3KmsInProduction, [...kms(), ...logs.slice(0, 2)], { production: true })).map((v) => v.resource),
                ["logs-sse"],
            );
        });
    });

    describe("s3-versioning-in-production", () => {
        it("asks nothing of a stack that is not production", async () => {
            assert.deepEqual(await stackViolations(s3VersioningInProduction, without(lake(), "versioning")), []);
        });
    });

    describe("s3-retention-in-production", () => {
        const prodRules = [LIFECYCLE_RULES.abortUploads, LIFECYCLE_RULES.athenaResults, LIFECYCLE_RULES.oldVersions];
        const production = { production: true };
        it("passes the program's production lifecycle (results expire, exports and recent versions stay)", async () => {
            assert.deepEqual(await violationsOf(s3RetentionInProduction, LIFECYCLE, { rules: prodRules }, production), []);
        });
        it("reports expiring the exports and deleting noncurrent versions too soon", async () => {
            const rules = [
                { id: "expire-all", status: "Enabled", filter: { prefix: "" }, expiration: { days: 1 } },
                {
                    id: "versions",
                    status: "Enabled",
                    filter: { and: { prefix: "exports/orders/" } },
                    noncurrentVersionExpiration: { noncurrentDays: 7 },
                },
            ];
            assert.deepEqual(await violationsOf(s3RetentionInProduction, LIFECYCLE, { rules }, production), [
                'production stack: lifecycle rule "expire-all" deletes current objects under "" after 1 day, which covers exports/: keep the exports; limit expiration to other prefixes, or declare it as a table\'s retentionDays (policy config declaredRetention)',
                'production stack: lifecycle rule "versions" deletes noncurrent versions after 7 days; keep them at least 30 days',
            ]);
        });
        it("reads a bucket's own lifecycleRules, skips disabled rules, and follows the configured prefix", async () => {
            const inline = {
                lifecycleRules: [
                    { id: "old", enabled: true, prefix: "exports/", expiration: { date: "2030-01-01" } },
                    { id: "off", enabled: false, expiration: { days: 1 } },
                ],
            };
            assert.deepEqual(await violationsOf(s3RetentionInProduction, BUCKET, inline, production), [
                'production stack: lifecycle rule "old" deletes current objects under "exports/" on 2030-01-01, which covers exports/: keep the exports; limit expiration to other prefixes, or declare it as a table\'s retentionDays (policy config declaredRetention)',
            ]);
            assert.deepEqual(
                await violationsOf(s3RetentionInProduction, BUCKET, inline, { production: true, protectedPrefix: "data/" }),
                [],
            );
        });
        it("asks nothing of a stack that is not production", () => {
            assert.deepEqual(
                checkLifecycleRetention([{ id: "x", status: "Enabled", expiration: { days: 1 } }], {
                    production: false,
                    protectedPrefix: "exports/",
                    minNoncurrentVersionDays: 30,
                }),
                [],
            );
        });
        describe("a table's declared retention", () => {
            const declared = { production: true, declaredRetention: { "exports/customers/": 730 } };
            const table = (prefix: string, expiration: Record<string, unknown>) => ({
                id: "expire-table-customers",
                status: "Enabled",
                filter: { prefix },
                expiration,
                noncurrentVersionExpiration: { noncurrentDays: 90 },
            });
            const retention = (rules: object[], config: Record<string, unknown> = declared) =>
                violationsOf(s3RetentionInProduction, LIFECYCLE, { rules }, config);
            it("allows expiring exactly the declared folder after exactly the declared days", async () => {
                assert.deepEqual(await retention([...prodRules, table("exports/customers/", { days: 730 })]), []);
            });
            it("still flags the same rule when nothing declares it, other days, another folder, or a date", async () => {
                const undeclared = await retention([table("exports/customers/", { days: 730 })], production);
                assert.equal(undeclared.length, 1);
                assert.match(
                    undeclared[0],
                    /deletes current objects under "exports\/customers\/" after 730 days, which covers exports\/: keep the exports/,
                );
                assert.deepEqual(await retention([table("exports/customers/", { days: 30 })]), [
                    'production stack: lifecycle rule "expire-table-customers" deletes current objects under "exports/customers/" after 30 days, but the table declares a retention of 730 days: expire it after exactly those days',
                ]);
                const others: Array<[string, object]> = [
                    ["another table's folder", table("exports/orders/", { days: 730 })],
                    ["the whole export prefix", table("exports/", { days: 730 })],
                    ["a date", table("exports/customers/", { date: "2030-01-01" })],
                ];
                for (const [what, rule] of others) assert.equal((await retention([rule])).length, 1, what);
            });
            it("still keeps noncurrent versions the minimum under a declared folder", async () => {
                const short = { ...table("exports/customers/", { days: 730 }), noncurrentVersionExpiration: { noncurrentDays: 1 } };
                assert.deepEqual(await retention([short]), [
                    'production stack: lifecycle rule "expire-table-customers" deletes noncurrent versions after 1 day; keep them at least 30 days',
                ]);
            });
        });
    });
});
