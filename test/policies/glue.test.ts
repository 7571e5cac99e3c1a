import * as assert from "node:assert/strict";
import { glueCrawlerLogsEncrypted, glueCrawlerPollsAtMostDaily, runsPerDay } from "../../policies/rules/glue";
import { CRAWLER, DLQ_ARN, Fake, QUEUE_ARN, stackViolations, unknown, violationsOf } from "./support";

const CONFIGURATION = JSON.stringify({
    Version: 1.0,
    Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
    CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
});

/** The program's crawler for one table. */
const crawler = (overrides: Record<string, any> = {}) => ({
    name: "lake-orders",
    role: "arn:aws:iam::123456789012:role/crawler",
    databaseName: "lake",
    recrawlPolicy: { recrawlBehavior: "CRAWL_EVENT_MODE" },
    s3Targets: [{ path: "s3://lake-bucket/exports/orders/", eventQueueArn: QUEUE_ARN, dlqEventQueueArn: DLQ_ARN }],
    schemaChangePolicy: { updateBehavior: "UPDATE_IN_DATABASE", deleteBehavior: "LOG" },
    configuration: CONFIGURATION,
    ...overrides,
});

describe("policies/glue", () => {
    describe("glue-crawler-polls-at-most-daily", () => {
        const TRIGGER = "aws:glue/trigger:Trigger";
        it("passes a crawler without a schedule (it crawls on arrival) and the daily safety net", async () => {
            for (const schedule of [undefined, "cron(15 3 * * ? *)", "cron(0 6 ? * MON *)", "rate(1 day)"])
                assert.deepEqual(await violationsOf(glueCrawlerPollsAtMostDaily, CRAWLER, crawler({ schedule })), [], schedule);
        });
        it("passes the crawl-on-arrival trigger, which has no schedule", async () => {
            const event = {
                name: "lake-orders-on-arrival",
                type: "EVENT",
                workflowName: "lake-orders",
                actions: [{ crawlerName: "lake-orders" }],
                eventBatchingConditions: [{ batchSize: 100, batchWindow: 300 }],
            };
            assert.deepEqual(await violationsOf(glueCrawlerPollsAtMostDaily, TRIGGER, event), []);
        });
        it("reports an hourly crawler (the design crawling on arrival replaced)", async () => {
            assert.deepEqual(await violationsOf(glueCrawlerPollsAtMostDaily, CRAWLER, crawler({ schedule: "cron(15 * * * ? *)" })), [
                "crawler schedule cron(15 * * * ? *) runs 24 times a day: each run is billed at least 10 minutes whether or not anything arrived; start the crawler on arrival (an EventBridge rule and a Glue EVENT trigger) and keep at most a daily safety net such as cron(15 3 * * ? *)",
            ]);
        });
        it("reports twice a day, every 15 minutes, and a rate of hours", async () => {
            for (const [schedule, runs] of [
                ["cron(0 6,18 * * ? *)", "2"],
                ["cron(0/15 * * * ? *)", "96"],
                ["rate(12 hours)", "2"],
            ]) {
                const [v] = await violationsOf(glueCrawlerPollsAtMostDaily, CRAWLER, crawler({ schedule }));
                assert.match(v, new RegExp(`runs ${runs} times a day`), schedule);
            }
        });
        it("reports a SCHEDULED trigger that starts a crawler hourly, not one that starts only jobs", async () => {
            const hourly = { type: "SCHEDULED", schedule: "cron(0 * * * ? *)", actions: [{ crawlerName: "lake-orders" }] };
            assert.deepEqual(await violationsOf(glueCrawlerPollsAtMostDaily, TRIGGER, hourly), [
                "scheduled trigger of crawler lake-orders cron(0 * * * ? *) runs 24 times a day: each run is billed at least 10 minutes whether or not anything arrived; start the crawler on arrival (an EventBridge rule and a Glue EVENT trigger) and keep at most a daily safety net such as cron(15 3 * * ? *)",
            ]);
            assert.deepEqual(await violationsOf(glueCrawlerPollsAtMostDaily, TRIGGER, { ...hourly, actions: [{ jobName: "etl" }] }), []);
        });
        it("says so when it cannot read the schedule", async () => {
            assert.match(
                (await violationsOf(glueCrawlerPollsAtMostDaily, CRAWLER, crawler({ schedule: "hourly" })))[0],
                /^crawler schedule hourly is not a cron\(\.\.\.\) or rate\(\.\.\.\) expression/,
            );
        });
        it("counts runs per day from the minutes and hours fields", () => {
            assert.deepEqual(
                [
                    "cron(15 3 * * ? *)",
                    "cron(15 * * * ? *)",
                    "cron(*/5 * * * ? *)",
                    "cron(0 8-17 ? * MON-FRI *)",
                    "cron(0,30 0 * * ? *)",
                    "cron(0 3 L * ? *)",
                    "cron(5/20 3 ? * 6#3 2027)",
                    "cron(0 12 ? * L *)",
                    "cron(0 12 15W * ? *)",
                    "rate(30 minutes)",
                    "cron(61 * * * ? *)",
                    "cron(15 3 * *)",
                ].map(runsPerDay),
                [1, 24, 288, 10, 2, 1, 3, 1, 1, 48, undefined, undefined],
            );
        });
    });

    describe("glue-crawler-logs-encrypted", () => {
        const KEY = "aws:kms/key:Key";
        const SECURITY = "aws:glue/securityConfiguration:SecurityConfiguration";
        const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const encryption = (mode: string, kmsKeyArn?: string) => ({
            cloudwatchEncryption: { cloudwatchEncryptionMode: mode, kmsKeyArn },
            s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: KEY_ARN },
            jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: KEY_ARN },
        });
        /** A graph with the lake key (or not), a security configuration and the crawler naming it (by value, or through the engine's dependency). */
        const graph = (
            o: { key?: boolean; mode?: string; kmsKeyArn?: string; crawler?: Record<string, any>; from?: boolean } = {},
        ): Fake[] => [
            ...(o.key === false
                ? []
                : [{ type: KEY, name: "lake-key", props: { enableKeyRotation: true }, outputs: { arn: KEY_ARN, keyId: "1234abcd" } }]),
            {
                type: SECURITY,
                name: "crawler-logs",
                props: {
                    name: "lake-crawler-logs",
                    encryptionConfiguration: encryption(o.mode ?? "SSE-KMS", "kmsKeyArn" in o ? o.kmsKeyArn : KEY_ARN),
                },
            },
            {
                type: CRAWLER,
                name: "orders",
                props: crawler({ securityConfiguration: "lake-crawler-logs", ...o.crawler }),
                ...(o.from ? { from: { securityConfiguration: ["crawler-logs"] } } : {}),
            },
        ];
        const PROD = { production: true };

        it("passes a crawler whose security configuration encrypts its logs with the lake key", async () => {
            assert.deepEqual(await stackViolations(glueCrawlerLogsEncrypted, graph(), PROD), []);
            assert.deepEqual(await stackViolations(glueCrawlerLogsEncrypted, graph({ key: false }), PROD), []);
        });
        it("follows the crawler to its configuration through the engine's dependency when the name is not known yet", async () => {
            assert.deepEqual(
                await stackViolations(glueCrawlerLogsEncrypted, graph({ crawler: { securityConfiguration: unknown() }, from: true }), PROD),
                [],
            );
        });
        it("reports a crawler without a security configuration, in production or where a KMS key exists", async () => {
            const none = graph({ crawler: { securityConfiguration: undefined } });
            assert.deepEqual(await stackViolations(glueCrawlerLogsEncrypted, none, PROD), [
                {
                    resource: "orders",
                    message:
                        "production stack: crawler has no security configuration, so its CloudWatch Logs are not encrypted with a key: name a Glue SecurityConfiguration whose encryptionConfiguration.cloudwatchEncryption is SSE-KMS with the lake key's kmsKeyArn",
                },
            ]);
            const [v] = await stackViolations(glueCrawlerLogsEncrypted, none, { production: false });
            assert.match(v.message, /^stack with a customer-managed KMS key: crawler has no security configuration/);
        });
        it("asks nothing of a stack that is neither production nor has a KMS key (dev's SSE-S3)", async () => {
            assert.deepEqual(
                await stackViolations(glueCrawlerLogsEncrypted, graph({ key: false, crawler: { securityConfiguration: undefined } })),
                [],
            );
        });
        it("reports a configuration whose CloudWatch encryption is disabled or has no key", async () => {
            const disabled = await stackViolations(glueCrawlerLogsEncrypted, graph({ mode: "DISABLED", kmsKeyArn: undefined }), PROD);
            assert.deepEqual(
                disabled.map((v) => [v.resource, v.message.split(",")[0]]),
                [["orders", "production stack: crawler's security configuration crawler-logs has CloudWatch encryption DISABLED"]],
            );
            const keyless = await stackViolations(glueCrawlerLogsEncrypted, graph({ kmsKeyArn: undefined }), PROD);
            assert.match(keyless[0].message, /has CloudWatch encryption SSE-KMS without a kmsKeyArn/);
        });
        it("leaves a name not known yet, from no resource of the stack, to `pulumi up`", async () => {
            await assert.rejects(
                stackViolations(glueCrawlerLogsEncrypted, graph({ crawler: { securityConfiguration: unknown() } }), PROD),
                (e: Error) => e.constructor.name === "UnknownValueError",
            );
        });
        it("decides during preview when only the key's ARN is not known yet", async () => {
            assert.deepEqual(await stackViolations(glueCrawlerLogsEncrypted, graph({ kmsKeyArn: unknown() }), PROD), []);
            const [v] = await stackViolations(glueCrawlerLogsEncrypted, graph({ mode: "DISABLED", kmsKeyArn: unknown() }), PROD);
            assert.match(v.message, /has CloudWatch encryption DISABLED/);
        });
        it("reports a security configuration the stack does not declare", async () => {
            const [v] = await stackViolations(
                glueCrawlerLogsEncrypted,
                graph({ crawler: { securityConfiguration: "someone-elses" } }),
                PROD,
            );
            assert.match(v.message, /^production stack: crawler's security configuration someone-elses is not declared in this stack/);
        });
    });
});
