/**
 * Encrypted crawler logs and the opt-in Data Catalog encryption, in the graphs
 * of the real stacks and of a stack with `glueCatalogEncryption`.
 */
import * as assert from "node:assert/strict";
import * as crawlerLogs from "../components/catalog/crawler-logs";
import { CapturedResource, Graph, graphOf, policyOf, stackGraph } from "../offline";

const CRAWLER = "aws:glue/crawler:Crawler";
const SECURITY = "aws:glue/securityConfiguration:SecurityConfiguration";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const CATALOG_ENCRYPTION = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings";

const roleOf = (g: Graph, crawler: CapturedResource) => g.ofType("aws:iam/role:Role").find((r) => r.outputs.arn === crawler.inputs.role)!;
const accessOf = (g: Graph, crawler: CapturedResource) =>
    policyOf(g.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === roleOf(g, crawler).outputs.name)!);
const sids = (doc: any): string[] => doc.Statement.map((s: any) => s.Sid);

describe("crawler logs: prod encrypts them with the lake key", () => {
    let g: Graph;
    before(async () => {
        g = await stackGraph("prod");
    });

    it("declares one security configuration: CloudWatch Logs SSE-KMS, and S3 and job bookmarks too, all under the lake key", () => {
        const key = g.one("aws:kms/key:Key", "-kms-key").outputs.arn;
        const cfg = g.one(SECURITY);
        assert.equal(cfg.inputs.name, crawlerLogs.crawlerSecurityConfigurationName("incremental-crawl-prod"));
        assert.deepEqual(cfg.inputs.encryptionConfiguration, {
            cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: key },
            s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: key },
            jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: key },
        });
        assert.equal(cfg.deleteBeforeReplace, true, "every input is ForceNew and the name is fixed: a replacement deletes first");
    });

    it("gives every crawler the configuration, and the encrypted log group Glue writes to under it, before its first crawl", () => {
        const key = g.one("aws:kms/key:Key", "-kms-key").outputs.arn;
        const cfg = g.one(SECURITY);
        const crawlers = g.ofType(CRAWLER);
        assert.equal(crawlers.length, 2);
        assert.equal(g.ofType(LOG_GROUP).length, crawlers.length, "one log group per crawler");
        for (const c of crawlers) {
            assert.equal(c.inputs.securityConfiguration, cfg.inputs.name);
            const role = roleOf(g, c);
            const group = g
                .ofType(LOG_GROUP)
                .find((l) => l.inputs.name === `/aws-glue/crawlers-role/${role.outputs.name}-${cfg.inputs.name}`);
            assert.ok(group, `${c.name}: its log group is /aws-glue/crawlers-role/<role>-<configuration>`);
            assert.equal(group.inputs.kmsKeyId, key);
            assert.equal(group.inputs.retentionInDays, crawlerLogs.CRAWLER_LOG_RETENTION_DAYS);
            assert.equal(group.deleteBeforeReplace, true);
            assert.ok(g.dependsOn(c, group) && g.dependsOn(c, cfg), `${c.name} waits for its log group and the configuration`);
        }
    });

    it("lets each crawler role associate the key with, and write to, its own log group only, and encrypt only under its encryption context", () => {
        const key = g.one("aws:kms/key:Key", "-kms-key").outputs.arn;
        for (const c of g.ofType(CRAWLER)) {
            const role = roleOf(g, c).outputs.name;
            const group = g.ofType(LOG_GROUP).find((l) => l.inputs.name.includes(`/${role}-`))!;
            const arn = `arn:aws:logs:eu-west-1:123456789012:log-group:${group.inputs.name}`;
            const doc = accessOf(g, c);
            const st = (sid: string) => doc.Statement.find((s: any) => s.Sid === sid);
            assert.deepEqual(st("AssociateLakeKeyWithOwnLogGroup"), {
                Sid: "AssociateLakeKeyWithOwnLogGroup",
                Effect: "Allow",
                Action: "logs:AssociateKmsKey",
                Resource: [arn, `${arn}:*`],
            });
            assert.deepEqual(st("CreateCrawlerLogGroup").Resource, [arn, `${arn}:*`]);
            assert.equal(st("WriteOwnCrawlerLog").Resource, `${arn}:log-stream:${c.inputs.name}`);
            const encrypt = st("EncryptOwnCrawlerLogs");
            assert.deepEqual(
                [encrypt.Action, encrypt.Resource, encrypt.Condition],
                [
                    ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                    key,
                    { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": arn } },
                ],
            );
            assert.ok(
                !JSON.stringify(doc).includes('log-group:/aws-glue/crawlers"'),
                "nothing in the unencrypted default log group any more",
            );
            assert.ok(!sids(doc).includes("UseEncryptedDataCatalog"), "the Data Catalog is not encrypted unless the stack asks");
        }
    });

    it("admits CloudWatch Logs of the stack's region into the key for the stack's crawler log groups only", () => {
        const doc = policyOf(g.one("aws:kms/key:Key", "-kms-key"));
        const st = doc.Statement.find((s: any) => s.Sid === "AllowCloudWatchLogsForCrawlerLogGroups");
        assert.deepEqual(st, {
            Sid: "AllowCloudWatchLogsForCrawlerLogGroups",
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
                ArnLike: {
                    "kms:EncryptionContext:aws:logs:arn":
                        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/incremental-crawl-prod-*-incremental-crawl-prod-crawler-logs",
                },
            },
        });
        for (const group of g.ofType(LOG_GROUP)) {
            const pattern = new RegExp(
                `^${st.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"].replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`,
            );
            assert.match(
                `arn:aws:logs:eu-west-1:123456789012:log-group:${group.inputs.name}`,
                pattern,
                `${group.inputs.name} is one of the groups the key admits`,
            );
        }
        assert.equal(g.ofType(CATALOG_ENCRYPTION).length, 0, "no account-wide setting by default");
    });
});

describe("crawler logs: dev (SSE-S3, no lake key) keeps Glue's default log group", () => {
    it("declares no security configuration, no log group, and grants the default stream only", async () => {
        const g = await stackGraph("dev");
        assert.equal(g.ofType(SECURITY).length + g.ofType(LOG_GROUP).length + g.ofType(CATALOG_ENCRYPTION).length, 0);
        const c = g.one(CRAWLER);
        assert.equal(c.inputs.securityConfiguration, undefined);
        const doc = accessOf(g, c);
        assert.equal(
            doc.Statement.find((s: any) => s.Sid === "WriteOwnCrawlerLog").Resource,
            `arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers:log-stream:${c.inputs.name}`,
        );
        assert.ok(!sids(doc).some((s) => /AssociateLakeKey|EncryptOwnCrawlerLogs/.test(s)));
    });

    it("gets them as soon as it has the lake key (encryption kms)", async () => {
        const g = await graphOf({ stack: "dev", config: { "incremental-crawl:encryption": "kms" } });
        assert.equal(g.one(CRAWLER).inputs.securityConfiguration, g.one(SECURITY).inputs.name);
        assert.equal(g.one(LOG_GROUP).inputs.kmsKeyId, g.one("aws:kms/key:Key", "-kms-key").outputs.arn);
    });
});

describe("Data Catalog encryption: an explicit, account-wide opt-in", () => {
    it("declares the account's settings under the lake key, retained on delete, and lets the crawlers use the key for the catalog", async () => {
        const g = await graphOf({ stack: "prod", config: { "incremental-crawl:glueCatalogEncryption": true } });
        const key = g.one("aws:kms/key:Key", "-kms-key").outputs.arn;
        const settings = g.one(CATALOG_ENCRYPTION);
        assert.equal(settings.inputs.catalogId, undefined, "the account's own catalog");
        assert.deepEqual(settings.inputs.dataCatalogEncryptionSettings, {
            encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: key },
            connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: key },
        });
        assert.equal(settings.retainOnDelete, true, "the provider's delete would turn encryption off for the whole account");
        for (const c of g.ofType(CRAWLER)) {
            const st = accessOf(g, c).Statement.find((s: any) => s.Sid === "UseEncryptedDataCatalog");
            assert.deepEqual([st.Action, st.Resource], [["kms:Encrypt", "kms:GenerateDataKey"], key]);
        }
    });
});

describe("crawler logs: the names (pure)", () => {
    it("names the encrypted log group after the role (with its path) and the configuration, as Glue does", () => {
        assert.equal(
            crawlerLogs.encryptedCrawlerLogGroup("lake-orders-crawler", "lake-crawler-logs"),
            "/aws-glue/crawlers-role/lake-orders-crawler-lake-crawler-logs",
        );
        assert.equal(
            crawlerLogs.encryptedCrawlerLogGroup("AWSGlueCrawler-DataLake", "at-rest", "/service-role/"),
            "/aws-glue/crawlers-role/service-role/AWSGlueCrawler-DataLake-at-rest",
        );
    });
    it("covers every crawler role of the stack, and no other stack's, with the key policy's pattern", () => {
        const at = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
        const pattern = crawlerLogs.crawlerLogGroupArnPattern({ ...at, namePrefix: "p-prod" });
        const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
        const arn = (role: string, cfg: string) => crawlerLogs.logGroupArn(at, crawlerLogs.encryptedCrawlerLogGroup(role, cfg));
        assert.match(arn("p-prod-orders-crawler", "p-prod-crawler-logs"), re);
        assert.doesNotMatch(arn("p-dev-orders-crawler", "p-dev-crawler-logs"), re);
        assert.doesNotMatch(crawlerLogs.logGroupArn(at, crawlerLogs.DEFAULT_CRAWLER_LOG_GROUP), re);
    });
});
