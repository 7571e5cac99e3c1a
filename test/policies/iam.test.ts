import * as assert from "node:assert/strict";
import {
    awsManagedPolicyName,
    checkNoWildcardDataResource,
    iamCrossAccountPrincipalsConfigured,
    iamNoBroadManagedPolicy,
    iamNoWildcardAction,
    iamNoWildcardDataResource,
    iamThirdPartyExternalId,
    isDataAction,
    isWildcardResource,
} from "../../policies/rules/iam";
import { catalogSharingPolicy } from "../../components/catalog/policy-documents";
import { lakeBucketPolicy, lakeKeyPolicy, topicPolicy } from "../../components/lake/policy-documents";
import { BUCKET_ARN, BUCKET_POLICY, doc, KEY, QUEUE_ARN, QUEUE_POLICY, TOPIC_ARN, TOPIC_POLICY, violationsOf } from "./support";
import { denyInsecureTransport } from "../harness/wiring";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const CATALOG_POLICY = "aws:glue/resourcePolicy:ResourcePolicy";
const PERMISSION = "aws:lambda/permission:Permission";

/** The program's crawler policy. */
const CRAWLER_POLICY = doc(
    {
        Sid: "ConsumeOwnEventQueue",
        Effect: "Allow",
        Action: ["sqs:DeleteMessage", "sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
        Resource: [QUEUE_ARN],
    },
    { Sid: "ReadOwnTableObjects", Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/exports/orders/*` },
    {
        Sid: "ListOwnTableFolder",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: BUCKET_ARN,
        Condition: { StringLike: { "s3:prefix": ["exports/orders/*"] } },
    },
);
/** The program's Snowflake trust policy. */
const SNOWFLAKE_TRUST = doc({
    Sid: "SnowflakeStorageIntegration",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::999999999999:user/abc0000-s" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "sts:ExternalId": "MOCKORG_SFCRole=2_abcdef=" } },
});
const OWN = { accountIds: ["123456789012"] };

describe("policies/iam", () => {
    describe("iam-no-wildcard-action", () => {
        it("passes the crawler's policy", async () => {
            assert.deepEqual(await violationsOf(iamNoWildcardAction, ROLE_POLICY, { role: "crawler", policy: CRAWLER_POLICY }), []);
        });
        it('reports Action "*", a whole data service and NotAction', async () => {
            const broad = doc(
                { Sid: "All", Effect: "Allow", Action: ["*", "s3:*"], Resource: BUCKET_ARN },
                { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
            );
            assert.deepEqual(await violationsOf(iamNoWildcardAction, ROLE_POLICY, { role: "crawler", policy: broad }), [
                'policy statement "All" allows "*": grant only the actions needed',
                'policy statement "All" allows "s3:*": grant only the actions needed',
                "policy statement #2 allows NotAction, which grants every other action: list the actions needed",
            ]);
        });
        it("reads resource policies and a role's inline policies, but not KMS key policies, and ignores Deny", async () => {
            const queueWide = doc({
                Sid: "Open",
                Effect: "Allow",
                Principal: { Service: "sns.amazonaws.com" },
                Action: "sqs:*",
                Resource: QUEUE_ARN,
            });
            assert.deepEqual(await violationsOf(iamNoWildcardAction, QUEUE_POLICY, { policy: queueWide }), [
                'queue policy statement "Open" allows "sqs:*": grant only the actions needed',
            ]);
            const inline = {
                assumeRolePolicy: SNOWFLAKE_TRUST,
                inlinePolicies: [{ name: "wide", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }],
            };
            assert.deepEqual(await violationsOf(iamNoWildcardAction, ROLE, inline), [
                'inline policy wide statement #1 allows "*": grant only the actions needed',
            ]);
            assert.deepEqual(
                await violationsOf(iamNoWildcardAction, KEY, {
                    policy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }),
                }),
                [],
            );
            const tlsOnly = doc(denyInsecureTransport(BUCKET_ARN));
            assert.deepEqual(await violationsOf(iamNoWildcardAction, BUCKET_POLICY, { policy: tlsOnly }), []);
        });
    });

    describe("iam-no-wildcard-data-resource", () => {
        it('passes data actions on named resources, and resource-less actions on "*"', async () => {
            assert.deepEqual(await violationsOf(iamNoWildcardDataResource, ROLE_POLICY, { policy: CRAWLER_POLICY }), []);
            const listing = doc({ Effect: "Allow", Action: ["s3:ListAllMyBuckets", "sqs:ListQueues", "glue:GetDatabases"], Resource: "*" });
            assert.deepEqual(await violationsOf(iamNoWildcardDataResource, ROLE_POLICY, { policy: listing }), []);
        });
        it("reports data actions on every resource", async () => {
            const wide = doc({
                Sid: "ReadEverything",
                Effect: "Allow",
                Action: ["s3:GetObject", "kms:Decrypt", "logs:PutLogEvents"],
                Resource: "*",
            });
            assert.deepEqual(await violationsOf(iamNoWildcardDataResource, ROLE_POLICY, { policy: wide }), [
                'policy statement "ReadEverything" allows s3:GetObject, kms:Decrypt on Resource "*": name the bucket and prefix, queue, topic or key',
            ]);
            const bucketWide = doc({ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::*/*" });
            assert.deepEqual(await violationsOf(iamNoWildcardDataResource, "aws:iam/policy:Policy", { policy: bucketWide }), [
                'policy statement #1 allows s3:PutObject on Resource "arn:aws:s3:::*/*": name the bucket and prefix, queue, topic or key',
            ]);
        });
        it("reports NotResource and policies that are not JSON", () => {
            assert.deepEqual(
                checkNoWildcardDataResource([
                    { label: "policy", policy: doc({ Effect: "Allow", Action: "sqs:SendMessage", NotResource: QUEUE_ARN }) },
                ]),
                ["policy statement #1 allows sqs:SendMessage with NotResource, which covers every other resource: name the resources"],
            );
            assert.match(checkNoWildcardDataResource([{ label: "policy", policy: "not json" }])[0], /^policy is not valid JSON \(.+\)$/);
        });
        it("classifies actions and resources", () => {
            assert.equal(isDataAction("s3:Get*"), true);
            assert.equal(isDataAction("S3:ListAllMyBuckets"), false);
            assert.equal(isDataAction("glue:*"), false);
            const every = [
                "*",
                "arn:aws:sqs:*:*:*",
                "arn:aws:s3:::*",
                "arn:aws:s3:::*/*",
                "arn:aws:kms:*:*:key/*",
                "arn:aws:sns:eu-west-1:123456789012:*",
                // A trailing * spans the colons after it.
                "arn:aws:s3:*",
                "arn:aws:sqs:*",
                "arn:aws:sqs:eu-west-1:*",
                "arn:aws:sns:*:*",
                "arn:aws:*:*",
            ];
            for (const r of every) assert.equal(isWildcardResource(r), true, r);
            for (const r of [
                QUEUE_ARN,
                "arn:aws:s3:::lake/*",
                "arn:aws:sqs:eu-west-1:123456789012:lake-*",
                "arn:aws:kms:eu-west-1:123456789012:key/1",
            ])
                assert.equal(isWildcardResource(r), false, r);
        });
    });

    describe("iam-third-party-external-id", () => {
        it("passes the Snowflake role (external id) and service roles", async () => {
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: SNOWFLAKE_TRUST }, OWN), []);
            const glue = doc({ Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" });
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: glue }, OWN), []);
        });
        it("reports a principal of another account without an external id", async () => {
            const bare = doc({
                Sid: "Partner",
                Effect: "Allow",
                Principal: { AWS: ["arn:aws:iam::999999999999:user/partner", "arn:aws:iam::123456789012:root"] },
                Action: "sts:AssumeRole",
            });
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: bare }, OWN), [
                'trust policy statement "Partner" lets arn:aws:iam::999999999999:user/partner (outside accounts 123456789012) assume the role without an sts:ExternalId condition: add Condition {"StringEquals": {"sts:ExternalId": "<the external id the third party gives>"}}',
            ]);
        });
        it("does not accept a wildcard external id, and treats every AWS principal as a third party when no account is configured", async () => {
            const wildcard = doc({
                Effect: "Allow",
                Principal: { AWS: "999999999999" },
                Action: "sts:AssumeRole",
                Condition: { StringLike: { "sts:ExternalId": "*" } },
            });
            assert.equal((await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: wildcard }, OWN)).length, 1);
            const own = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/deployer" }, Action: "sts:AssumeRole" });
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: own }, OWN), []);
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: own }), [
                'trust policy statement #1 lets arn:aws:iam::123456789012:role/deployer (outside the stack\'s accounts (policy config accountIds is empty)) assume the role without an sts:ExternalId condition: add Condition {"StringEquals": {"sts:ExternalId": "<the external id the third party gives>"}}',
            ]);
        });
        it("reads NotAction as the actions it does not list: sts:AssumeRole among them unless listed", async () => {
            const notAction = (listed: string) =>
                doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:user/partner" }, NotAction: listed });
            assert.equal((await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: notAction("iam:*") }, OWN)).length, 1);
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: notAction("sts:*") }, OWN), []);
        });
        it("reports a role anyone may assume", async () => {
            const anyone = doc({
                Effect: "Allow",
                Principal: "*",
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": "x" } },
            });
            assert.deepEqual(await violationsOf(iamThirdPartyExternalId, ROLE, { assumeRolePolicy: anyone }, OWN), [
                'trust policy statement #1 lets Principal "*" assume the role: name the third party\'s principal and require its sts:ExternalId',
            ]);
        });
    });

    describe("iam-no-broad-managed-policy", () => {
        it("passes AWSGlueServiceRole", async () => {
            assert.deepEqual(
                await violationsOf(iamNoBroadManagedPolicy, ATTACHMENT, {
                    role: "crawler",
                    policyArn: "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
                }),
                [],
            );
        });
        it("reports AdministratorAccess, attached or in a role's managedPolicyArns", async () => {
            const message =
                "attaches the AWS managed policy AdministratorAccess, which grants far more than the lake needs: grant the actions and resources in the role's own policy";
            assert.deepEqual(
                await violationsOf(iamNoBroadManagedPolicy, ATTACHMENT, {
                    role: "crawler",
                    policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
                [message],
            );
            assert.deepEqual(
                await violationsOf(iamNoBroadManagedPolicy, ROLE, {
                    managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/AdministratorAccess"],
                }),
                [message],
            );
        });
        it("follows the configured list and ignores customer-managed policies", async () => {
            const glue = { role: "crawler", policyArn: "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole" };
            assert.equal(
                (await violationsOf(iamNoBroadManagedPolicy, ATTACHMENT, glue, { deniedPolicies: ["AWSGlueServiceRole"] })).length,
                1,
            );
            assert.equal(awsManagedPolicyName("arn:aws:iam::123456789012:policy/AdministratorAccess"), undefined);
        });
    });

    describe("iam-cross-account-principals-configured", () => {
        const rule = iamCrossAccountPrincipalsConfigured;
        const READER = "444455556666";
        const OWNER = "777788889999";
        const config = { accountIds: ["123456789012"], readerAccounts: [READER], endpointOwnerAccounts: [OWNER] };
        // The program's own builders: what the component declares for readers and endpoint owners.
        const bucketPolicy = JSON.stringify(
            lakeBucketPolicy({ bucketArn: BUCKET_ARN, readers: [{ account: READER, locations: ["exports/orders/g1-0a1b2c3d"] }] }),
        );
        const keyPolicy = JSON.stringify(
            lakeKeyPolicy({ accountId: "123456789012", readers: { accounts: [READER], region: "eu-west-1" } }),
        );
        const catalogPolicy = JSON.stringify(
            catalogSharingPolicy({
                partition: "aws",
                region: "eu-west-1",
                accountId: "123456789012",
                database: "lake",
                readers: [{ account: READER, tables: ["orders"] }],
            }),
        );
        const topicDocument = JSON.stringify(
            topicPolicy({
                topicArn: TOPIC_ARN,
                bucketArn: BUCKET_ARN,
                accountId: "123456789012",
                endpointOwners: [{ account: OWNER, protocol: "sqs", endpoint: `arn:aws:sqs:eu-west-1:${OWNER}:orders-events` }],
            }),
        );

        it("passes the program's bucket, key, catalog and topic policies for the configured readers and endpoint owners", async () => {
            const program: [string, Record<string, unknown>][] = [
                [BUCKET_POLICY, { policy: bucketPolicy }],
                [KEY, { policy: keyPolicy }],
                [CATALOG_POLICY, { policy: catalogPolicy }],
                [TOPIC_POLICY, { policy: topicDocument }],
                [PERMISSION, { principal: "sns.amazonaws.com", action: "lambda:InvokeFunction" }],
            ];
            for (const [type, props] of program) assert.deepEqual(await violationsOf(rule, type, props, config), [], type);
        });
        it("reports a reader the configuration does not name, in every document that grants it", async () => {
            const unconfigured = { ...config, readerAccounts: [] };
            assert.deepEqual(await violationsOf(rule, BUCKET_POLICY, { policy: bucketPolicy }, unconfigured), [
                `bucket policy statement "ReadersLocateLakeBucket" allows account ${READER}, which the configuration does not name (readerAccounts: none)`,
                `bucket policy statement "ReadersListExports1" allows account ${READER}, which the configuration does not name (readerAccounts: none)`,
                `bucket policy statement "ReadersGetExports1" allows account ${READER}, which the configuration does not name (readerAccounts: none)`,
            ]);
            assert.equal((await violationsOf(rule, KEY, { policy: keyPolicy }, unconfigured)).length, 1);
            assert.equal((await violationsOf(rule, CATALOG_POLICY, { policy: catalogPolicy }, unconfigured)).length, 1);
        });
        it("reports an endpoint owner where only readers belong, a reader on the topic, and any other account anywhere", async () => {
            const ownerReads = doc({
                Sid: "Leak",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
                Action: "s3:GetObject",
                Resource: `${BUCKET_ARN}/*`,
            });
            assert.deepEqual(await violationsOf(rule, BUCKET_POLICY, { policy: ownerReads }, config), [
                `bucket policy statement "Leak" allows account ${OWNER}, which the configuration does not name (readerAccounts: ${READER})`,
            ]);
            const readerSubscribes = doc({
                Sid: "Sub",
                Effect: "Allow",
                Principal: { AWS: READER },
                Action: "sns:Subscribe",
                Resource: TOPIC_ARN,
            });
            assert.equal((await violationsOf(rule, TOPIC_POLICY, { policy: readerSubscribes }, config)).length, 1);
            const queueShared = doc({
                Sid: "Q",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${READER}:role/x` },
                Action: "sqs:ReceiveMessage",
                Resource: QUEUE_ARN,
            });
            assert.deepEqual(await violationsOf(rule, QUEUE_POLICY, { policy: queueShared }, config), [
                `queue policy statement "Q" allows account ${READER}, which the configuration does not name (a queue policy grants no other account)`,
            ]);
            assert.equal((await violationsOf(rule, PERMISSION, { principal: READER, action: "lambda:InvokeFunction" }, config)).length, 1);
        });
        it("reports more than reading for a reader, more than subscribing for an endpoint owner", async () => {
            const readerWrites = doc({
                Sid: "W",
                Effect: "Allow",
                Principal: { AWS: READER },
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: `${BUCKET_ARN}/*`,
            });
            assert.deepEqual(await violationsOf(rule, BUCKET_POLICY, { policy: readerWrites }, config), [
                `bucket policy statement "W" allows ${READER} s3:putobject: a reader gets s3:GetObject, s3:ListBucket, s3:GetBucketLocation only`,
            ]);
            const ownerPublishes = doc({
                Sid: "P",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
                Action: ["sns:Subscribe", "sns:Publish"],
                Resource: TOPIC_ARN,
            });
            assert.equal((await violationsOf(rule, TOPIC_POLICY, { policy: ownerPublishes }, config)).length, 1);
            const keyForAll = doc({ Sid: "K", Effect: "Allow", Principal: { AWS: READER }, Action: "kms:*", Resource: "*" });
            assert.equal((await violationsOf(rule, KEY, { policy: keyForAll }, config)).length, 1);
        });
        it('reports the stack\'s own account configured as a reader, Principal "*" and principals of no account', async () => {
            const own = JSON.stringify(
                lakeBucketPolicy({
                    bucketArn: BUCKET_ARN,
                    readers: [{ account: "123456789012", locations: ["exports/orders/g1-0a1b2c3d"] }],
                }),
            );
            const messages = await violationsOf(rule, BUCKET_POLICY, { policy: own }, { ...config, readerAccounts: ["123456789012"] });
            assert.ok(
                messages.length === 3 && messages.every((m) => /123456789012, the stack's own, as a reader/.test(m)),
                messages.join("\n"),
            );
            const open = doc({ Sid: "O", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` });
            assert.equal((await violationsOf(rule, BUCKET_POLICY, { policy: open }, config)).length, 1);
            const odd = doc({
                Sid: "X",
                Effect: "Allow",
                Principal: { AWS: "AROAEXAMPLEUNIQUEID" },
                Action: "s3:GetObject",
                Resource: `${BUCKET_ARN}/*`,
            });
            assert.match((await violationsOf(rule, BUCKET_POLICY, { policy: odd }, config))[0], /cannot be read from it/);
            const canonical = doc({ ...JSON.parse(odd).Statement[0], Principal: { CanonicalUser: "79a59df900b949e55d96a1e698fbaced" } });
            assert.deepEqual(await violationsOf(rule, BUCKET_POLICY, { policy: canonical }, config), [
                'bucket policy statement "X" allows CanonicalUser: 79a59df900b949e55d96a1e698fbaced, whose account cannot be read from it: name an account principal (arn:aws:iam::<account id>:root)',
            ]);
        });
        it("reads an Allow with NotPrincipal as everyone, and NotAction as every action it does not list", async () => {
            const allBut = doc({
                Sid: "N",
                Effect: "Allow",
                NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" },
                Action: "s3:GetObject",
                Resource: `${BUCKET_ARN}/*`,
            });
            assert.deepEqual(await violationsOf(rule, BUCKET_POLICY, { policy: allBut }, config), [
                'bucket policy statement "N" allows every principal but those NotPrincipal names: name the accounts that may (the configured readers or endpoint owners)',
            ]);
            const notAction = doc({
                Sid: "K",
                Effect: "Allow",
                Principal: { AWS: READER },
                NotAction: "kms:ScheduleKeyDeletion",
                Resource: "*",
            });
            assert.deepEqual(await violationsOf(rule, KEY, { policy: notAction }, config), [
                `key policy statement "K" allows ${READER} every action but kms:ScheduleKeyDeletion (NotAction): a reader gets kms:Decrypt only`,
            ]);
        });
        it("checks nothing while the stack's own accounts are not configured", async () => {
            assert.deepEqual(
                await violationsOf(rule, BUCKET_POLICY, {
                    policy: doc({ Effect: "Allow", Principal: { AWS: READER }, Action: "s3:*", Resource: "*" }),
                }),
                [],
            );
        });
    });
});
