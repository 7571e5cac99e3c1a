import * as assert from "node:assert/strict";
import * as documents from "../components/documents";
import { CRAWLER_CATALOG_ACTIONS, LOGS_ENCRYPTION_CONTEXT, crawlerPolicy } from "../components/catalog/policy-documents";
import { PolicyDocument } from "../components/policy-document";
import { bucketTlsOnlyPolicy, lakeKeyPolicy, topicPolicy } from "../components/lake/policy-documents";
import { snowflakeAccessPolicy, snowflakeTrustPolicy } from "../components/warehouse/policy-documents";

const BUCKET = "arn:aws:s3:::lake";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:events";
const QUEUE = "arn:aws:sqs:eu-west-1:123456789012:orders";
const DLQ = "arn:aws:sqs:eu-west-1:123456789012:orders-dlq";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234";

/** Every Allow statement's resources, flattened. */
const resources = (d: PolicyDocument) => d.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Resource ?? []].flat());
const actions = (d: PolicyDocument) => d.Statement.flatMap((s) => [s.Action].flat()).sort();

describe("iam documents (pure builders)", () => {
    it("topic policy: only S3, for the bucket and the account", () => {
        const d = topicPolicy({ topicArn: TOPIC, bucketArn: BUCKET, accountId: "123456789012" });
        assert.equal(d.Version, "2012-10-17");
        assert.deepEqual(
            d.Statement.map((s) => [s.Effect, s.Principal, s.Action, s.Resource]),
            [["Allow", { Service: "s3.amazonaws.com" }, "sns:Publish", TOPIC]],
        );
        assert.deepEqual(d.Statement[0].Condition, {
            ArnLike: { "aws:SourceArn": BUCKET },
            StringEquals: { "aws:SourceAccount": "123456789012" },
        });
    });

    it("crawler policy: its queue and DLQ, its table's objects and folder, its Glue table and log stream; KMS only with a key", () => {
        const glue = { partition: "aws", region: "eu-west-1", accountId: "123456789012", database: "lake", table: "orders" };
        const base = {
            queueArn: QUEUE,
            dlqArn: DLQ,
            bucketArn: BUCKET,
            tablePrefix: "exports/orders",
            glue,
            crawlerName: "incremental-crawl-dev-orders",
        };
        const plain = crawlerPolicy(base);
        const G = "arn:aws:glue:eu-west-1:123456789012";
        const LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers";
        assert.deepEqual(
            new Set(resources(plain)),
            new Set([
                QUEUE,
                DLQ,
                `${BUCKET}/exports/orders/*`,
                BUCKET,
                `${G}:catalog`,
                `${G}:database/lake`,
                `${G}:table/lake/orders`,
                `${G}:table/lake/*`,
                LOGS,
                `${LOGS}:*`,
                `${LOGS}:log-stream:incremental-crawl-dev-orders`,
            ]),
        );
        assert.ok(!actions(plain).some((a) => a.startsWith("kms:")));
        assert.ok(
            !actions(plain).some((a) => /Put(?!LogEvents)|Delete(?!Message)|SendMessage|CreateTable|\*/.test(a)),
            actions(plain).join(","),
        );
        assert.deepEqual(plain.Statement.find((st) => st.Sid === "KeepOwnGlueTable")!.Action, CRAWLER_CATALOG_ACTIONS);
        const withKey = crawlerPolicy({ ...base, kmsKeyArn: KEY });
        assert.deepEqual(withKey.Statement.at(-1), { Sid: "DecryptWithLakeKey", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY });
    });

    it("crawler policy with encrypted logs: its own log group and stream, the key association there, encryption only under its encryption context", () => {
        const glue = { partition: "aws", region: "eu-west-1", accountId: "123456789012", database: "lake", table: "orders" };
        const base = {
            queueArn: QUEUE,
            dlqArn: DLQ,
            bucketArn: BUCKET,
            tablePrefix: "exports/orders",
            glue,
            crawlerName: "lake-orders",
            kmsKeyArn: KEY,
        };
        const d = crawlerPolicy({ ...base, logs: { roleName: "lake-orders-crawler", securityConfigurationName: "lake-crawler-logs" } });
        const GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/lake-orders-crawler-lake-crawler-logs";
        const logsResources = d.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith("logs:"))).flatMap((st) =>
            [st.Resource ?? []].flat(),
        );
        assert.deepEqual(new Set(logsResources), new Set([GROUP, `${GROUP}:*`, `${GROUP}:log-stream:lake-orders`]));
        assert.deepEqual(d.Statement.find((st) => st.Sid === "AssociateLakeKeyWithOwnLogGroup")!.Action, "logs:AssociateKmsKey");
        const encrypt = d.Statement.find((st) => st.Sid === "EncryptOwnCrawlerLogs")!;
        assert.deepEqual(
            [encrypt.Action, encrypt.Resource, encrypt.Condition],
            [["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], KEY, { ArnEquals: { [LOGS_ENCRYPTION_CONTEXT]: GROUP } }],
        );
        const unconditioned = d.Statement.filter((st) => st.Condition === undefined)
            .flatMap((st) => [st.Action].flat())
            .filter((a) => a.startsWith("kms:"));
        assert.deepEqual(unconditioned.sort(), ["kms:Decrypt", "kms:DescribeKey"], "it encrypts nothing outside its log group's context");
        assert.ok(!d.Statement.some((st) => st.Sid === "UseEncryptedDataCatalog"));
        const catalog = crawlerPolicy({ ...base, encryptedCatalog: true });
        assert.deepEqual(catalog.Statement.find((st) => st.Sid === "UseEncryptedDataCatalog")!.Action, [
            "kms:Encrypt",
            "kms:GenerateDataKey",
        ]);
        assert.throws(
            () => crawlerPolicy({ ...base, kmsKeyArn: undefined, logs: { roleName: "r", securityConfigurationName: "c" } }),
            /need the lake key/,
        );
    });

    it("lake key policy with crawler logs: CloudWatch Logs of the region, for the crawler log groups' encryption context only", () => {
        const pattern = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/lake-*-lake-crawler-logs";
        const d = lakeKeyPolicy({ accountId: "123456789012", crawlerLogs: { region: "eu-west-1", logGroupArnPattern: pattern } });
        const st = d.Statement.at(-1)!;
        assert.deepEqual(st, {
            Sid: "AllowCloudWatchLogsForCrawlerLogGroups",
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pattern } },
        });
    });

    it("Snowflake trust: the integration's user with its external id, nothing else", () => {
        const d = snowflakeTrustPolicy({ iamUserArn: "arn:aws:iam::999999999999:user/sf", externalId: "ORG_SFCRole=1_x=" });
        assert.deepEqual(d.Statement, [
            {
                Sid: "SnowflakeStorageIntegration",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::999999999999:user/sf" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": "ORG_SFCRole=1_x=" } },
            },
        ]);
    });

    it("Snowflake access: object writes under the prefix, listing with an s3:prefix condition, no version deletes; KMS only with a key", () => {
        const d = snowflakeAccessPolicy({ bucketArn: BUCKET, prefix: "exports" });
        assert.deepEqual(actions(d), [
            "s3:DeleteObject",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:ListBucket",
            "s3:PutObject",
        ]);
        assert.deepEqual(new Set(resources(d)), new Set([`${BUCKET}/exports/*`, BUCKET]));
        const withKey = snowflakeAccessPolicy({ bucketArn: BUCKET, prefix: "exports", kmsKeyArn: KEY });
        assert.deepEqual(
            actions(withKey).filter((a) => a.startsWith("kms:")),
            ["kms:Decrypt", "kms:GenerateDataKey"],
        );
    });

    it("lake key policy: IAM of the account, S3 and SNS in the documented unconditioned form", () => {
        const d = lakeKeyPolicy({ accountId: "123456789012", partition: "aws-cn" });
        assert.deepEqual(d.Statement[0].Principal, { AWS: "arn:aws-cn:iam::123456789012:root" });
        assert.deepEqual(
            d.Statement.map((s) => s.Sid),
            [
                "EnableIamPoliciesOfThisAccount",
                "AllowS3ToPublishEncryptedEvents",
                "AllowSnsToDeliverIntoEncryptedQueues",
                "AllowAlarmsAndRulesToUseTheAlertsTopic",
            ],
        );
        assert.deepEqual(d.Statement[1].Principal, { Service: "s3.amazonaws.com" });
        // The S3 user guide's key policy for encrypted destinations has no condition, and no AWS
        // source says S3 sends aws:SourceAccount to KMS: a condition S3 does not meet would fail the
        // notification's validation at create. The topic policy confines who publishes.
        assert.equal(d.Statement[1].Condition, undefined, "no condition S3 is not documented to send");
        assert.deepEqual(d.Statement[2].Principal, { Service: "sns.amazonaws.com" });
        assert.equal(d.Statement[2].Condition, undefined, "no condition SNS is not documented to send");
    });

    it("TLS-only bucket policy covers the bucket and its objects", () => {
        const [st] = bucketTlsOnlyPolicy({ bucketArn: BUCKET }).Statement;
        assert.deepEqual(st.Resource, [BUCKET, `${BUCKET}/*`]);
        assert.deepEqual(st.Condition, { Bool: { "aws:SecureTransport": "false" } });
    });

    it("crawler configuration and filter policy", () => {
        assert.deepEqual(JSON.parse(documents.crawlerConfiguration()).Grouping, { TableGroupingPolicy: "CombineCompatibleSchemas" });
        assert.deepEqual(documents.keyPrefixFilterPolicy("exports/orders/"), {
            Records: { s3: { object: { key: [{ prefix: "exports/orders/" }] } } },
        });
    });
});
