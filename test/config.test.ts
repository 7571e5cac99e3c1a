import * as assert from "node:assert/strict";
import { DEFAULTS, parseSettings, PROJECT } from "../config";
import { at, ctx, k, ORDERS, problems, raw as base, table } from "./harness/config";
import { ROOT, stackConfig } from "../offline";
import { stackDir, stackFilePath } from "../offline/stacks";
import * as fs from "fs";

const IDENT = /expected an upper-case Snowflake identifier: a letter, then letters, digits or _ \(at most 128\)/;
const PREFIX =
    /expected an S3 prefix: folders of lower-case letters, digits, _ or - joined by \/, without a leading or trailing \/ \(at most 200\)/;
const oneTable = (over: Record<string, unknown>) => ({ [k("tables")]: [table(over)] });
const withColumn0 = (column: Record<string, unknown>) => oneTable({ columns: [column, ...ORDERS.columns.slice(1)] });
type Case = [string, Record<string, unknown>, RegExp];

describe("config: the safety-net crawl", () => {
    it("is switched off only with the explicit acknowledgement, with or without safetyNetCrawl: false", () => {
        for (const over of [
            { [k("safetyNetSchedule")]: "none-events-may-expire" },
            { [k("safetyNetCrawl")]: "false", [k("safetyNetSchedule")]: "none-events-may-expire" },
        ]) {
            const s = parseSettings(base(over), ctx);
            assert.deepEqual([s.safetyNetCrawl, s.safetyNetSchedule, s.crawl.schedule], [false, undefined, undefined]);
            assert.deepEqual(s.crawl, { arrivalWaitMinutes: 20, longestIntervalMinutes: 20 });
        }
        // Crawls on arrival alone then bound the queue's retention: a day is enough.
        assert.equal(
            parseSettings(base({ [k("safetyNetSchedule")]: "none-events-may-expire", [k("queueRetentionDays")]: "1" }), ctx)
                .queueRetentionDays,
            1,
        );
    });

    it("takes a schedule with shorter gaps when the queue keeps events a day", () => {
        const s = parseSettings(base({ [k("safetyNetSchedule")]: "cron(45 */4 * * ? *)", [k("queueRetentionDays")]: "1" }), ctx);
        assert.deepEqual([s.safetyNetCrawl, s.safetyNetSchedule, s.crawl.longestIntervalMinutes], [true, "cron(45 */4 * * ? *)", 240]);
    });
});

describe("config: parseSettings", () => {
    it("applies the defaults to a minimal configuration", () => {
        const s = parseSettings(base(), ctx);
        assert.equal(s.exportPrefix, DEFAULTS.exportPrefix);
        assert.equal(s.encryption, "sse-s3");
        assert.equal(s.queueRetentionDays, 7);
        assert.deepEqual(
            [s.crawlBatchSize, s.crawlBatchWindowSeconds, s.safetyNetCrawl, s.safetyNetSchedule],
            [100, 300, true, "cron(15 3 * * ? *)"],
        );
        assert.deepEqual(
            s.crawl,
            { arrivalWaitMinutes: 20, safetyNetIntervalMinutes: 1440, longestIntervalMinutes: 1440, schedule: "cron(15 3 * * ? *)" },
            "crawls on arrival, and a bounded fallback crawl daily by default",
        );
        assert.equal(s.production, false);
        assert.deepEqual(s.tables[0].columns[1], { name: "ORDER_TS", type: "TIMESTAMP_TZ", nullable: true });
        assert.equal(s.tables[0].partitionGranularity, "day");
        assert.equal(s.tables[0].columns[0].nullable, false);
    });

    it("reads every setting when given", () => {
        const s = parseSettings(
            base({
                [k("production")]: "false",
                [k("exportPrefix")]: "lake/exports",
                [k("encryption")]: "kms",
                [k("versioning")]: "false",
                [k("noncurrentVersionDays")]: "9",
                [k("abortIncompleteUploadDays")]: "2",
                [k("athenaResultsDays")]: "3",
                [k("queueRetentionDays")]: "5",
                [k("maxReceiveCount")]: "7",
                [k("crawlBatchSize")]: "10",
                [k("crawlBatchWindowSeconds")]: "900",
                [k("safetyNetCrawl")]: "true",
                [k("safetyNetSchedule")]: "cron(0 */6 * * ? *)",
                [k("glueDatabase")]: "sales_lake",
                [k("alertEmails")]: ["a@example.com"],
                [k("snowflakeDatabase")]: "DB1",
                [k("snowflakeSchema")]: "S1",
                [k("snowflakeWarehouse")]: "WH1",
                [k("taskScheduleMinutes")]: "15",
                [k("taskTimeoutMinutes")]: "90",
                [k("maxFileSizeMb")]: "256",
                "snowflake:previewFeaturesEnabled": ["snowflake_view_resource"],
                "snowflake:accountName": "ACME",
                // Snowflake login names may be any string (CREATE USER): an email-style one is common.
                "snowflake:user": "jane.doe@example.com",
                "snowflake:authenticator": "snowflake_jwt",
            }),
            ctx,
        );
        assert.deepEqual(
            [
                s.production,
                s.exportPrefix,
                s.encryption,
                s.versioning,
                s.noncurrentVersionDays,
                s.abortIncompleteUploadDays,
                s.athenaResultsDays,
                s.queueRetentionDays,
                s.maxReceiveCount,
                s.crawlBatchSize,
                s.crawlBatchWindowSeconds,
                s.safetyNetCrawl,
                s.crawl,
                s.glueDatabase,
                s.alertEmails,
                s.snowflakeDatabase,
                s.snowflakeSchema,
                s.snowflakeWarehouse,
                s.taskScheduleMinutes,
                s.taskTimeoutMinutes,
                s.maxFileSizeMb,
                s.snowflakePreviewFeatures,
                s.snowflakeConnection,
            ],
            [
                false,
                "lake/exports",
                "kms",
                false,
                9,
                2,
                3,
                5,
                7,
                10,
                900,
                true,
                { arrivalWaitMinutes: 30, safetyNetIntervalMinutes: 360, longestIntervalMinutes: 360, schedule: "cron(0 */6 * * ? *)" },
                "sales_lake",
                ["a@example.com"],
                "DB1",
                "S1",
                "WH1",
                15,
                90,
                256,
                ["snowflake_view_resource"],
                { accountName: "ACME", user: "jane.doe@example.com", authenticator: "snowflake_jwt" },
            ],
        );
    });

    it("lists every bad key in one error, naming the key and the expected form", () => {
        const e = problems(base({ [k("exportPrefix")]: "/abs", [k("glueDatabase")]: "Bad-Name", [k("maxReceiveCount")]: "0" }));
        assert.equal(e.length, 3);
        assert.match(e[0], /^incremental-crawl:exportPrefix: expected an S3 prefix.*, got "\/abs"$/);
        assert.match(e[1], /^incremental-crawl:maxReceiveCount: expected an integer from 1 to 1000, got 0$/);
        assert.match(e[2], /^incremental-crawl:glueDatabase: expected a Glue\/Athena name.*, got "Bad-Name"$/);
    });

    it("gives the example message of the issue for an empty partition column", () => {
        const e = problems(base({ [k("tables")]: [ORDERS, table({ name: "ITEMS", partitionBy: "" })] }));
        assert.deepEqual(e, [
            'incremental-crawl:tables[1].partitionBy: expected a column name of the table (ORDER_ID, ORDER_TS, STATUS, ORDER_DATE), got ""',
        ]);
    });

    const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
        ["missing region", { "aws:region": undefined }, /^aws:region: expected an AWS region/],
        ["bad region", { "aws:region": "mars-1" }, /^aws:region: expected an AWS region.*"mars-1"/],
        [
            "a region with a typo",
            { "aws:region": "eu-wst-1" },
            /^aws:region: expected an AWS region \(did you mean eu-west-1\?\), got "eu-wst-1"$/,
        ],
        [
            "a region of the right shape that AWS does not have",
            { "aws:region": "eu-west-9" },
            /^aws:region: expected an AWS region \(did you mean eu-west-1\?\), got "eu-west-9"$/,
        ],
        [
            "a provider setting with a typo",
            { "aws:regoin": "eu-west-1" },
            /^aws:regoin: expected one of the aws provider settings \(did you mean region\?\), got "an unknown key"$/,
        ],
        [
            "a Snowflake setting with a typo",
            { "snowflake:acountName": "X" },
            /^snowflake:acountName: expected one of the snowflake provider settings \(did you mean accountName\?\), got "an unknown key"$/,
        ],
        ["unknown project key", { [k("bucketName")]: "x" }, /^incremental-crawl:bucketName: expected one of the project settings/],
        [
            "credential in stack config",
            { "snowflake:privateKey": "-----BEGIN PRIVATE KEY-----" },
            /^snowflake:privateKey: expected no credential in stack configuration: remove it and set SNOWFLAKE_PRIVATE_KEY in the environment of pulumi up/,
        ],
        ["aws secret key in stack config", { "aws:secretKey": "abc" }, /^aws:secretKey: expected no credential/],
        ["production not boolean", { [k("production")]: "yes" }, /^incremental-crawl:production: expected true or false, got "yes"$/],
        [
            "production with S3-managed keys",
            { [k("production")]: "true", [k("encryption")]: "sse-s3" },
            /^incremental-crawl:encryption: expected "kms" in a production stack/,
        ],
        [
            "production with S3-managed keys by default",
            { [k("production")]: "true" },
            /^incremental-crawl:encryption: expected "kms" in a production stack/,
        ],
        [
            "production without versioning",
            { [k("production")]: "true", [k("encryption")]: "kms", [k("versioning")]: "false" },
            /^incremental-crawl:versioning: expected true in a production stack/,
        ],
        [
            "Data Catalog encryption outside production",
            { [k("encryption")]: "kms", [k("glueCatalogEncryption")]: "true" },
            /^incremental-crawl:glueCatalogEncryption: expected false unless the stack is production with encryption "kms" \(it encrypts the account's whole Data Catalog in this region with the lake key, which only a production stack keeps on destroy\), got true$/,
        ],
        [
            "Data Catalog encryption without the lake key",
            { [k("glueCatalogEncryption")]: "true" },
            /^incremental-crawl:glueCatalogEncryption: expected false unless the stack is production with encryption "kms"/,
        ],
        [
            "Data Catalog encryption not boolean",
            { [k("glueCatalogEncryption")]: "yes" },
            /^incremental-crawl:glueCatalogEncryption: expected true or false, got "yes"$/,
        ],
        // The export prefix becomes S3 keys, the notification filter, IAM resources and the stage URL.
        ...["exports/../x", "../outside", "exports/../../athena-results", "/exports", "exports/", "s3://other-bucket/exports", ""]
            .concat(["a".repeat(201), "exports/*", "exports/${aws:username}", "ex'ports now", "my exports"])
            .map((prefix): Case => [`prefix ${JSON.stringify(prefix)}`, { [k("exportPrefix")]: prefix }, at(k("exportPrefix"), PREFIX)]),
        [
            "prefix Glue's managed policy opens to every crawler",
            { [k("exportPrefix")]: "lake/aws-glue-exports" },
            /exportPrefix: expected an S3 prefix without "aws-glue-" \(AWSGlueServiceRole/,
        ],
        ...["athena-results", "athena-results/exports"].map((prefix): Case => [
            `prefix ${prefix}, where Athena's results expire`,
            { [k("exportPrefix")]: prefix },
            at(
                k("exportPrefix"),
                /expected an S3 prefix outside "athena-results\/", whose Athena query results expire after athenaResultsDays/,
            ),
        ]),
        [
            "encryption unknown",
            { [k("encryption")]: "aws:kms" },
            /^incremental-crawl:encryption: expected one of "sse-s3", "kms", got "aws:kms"$/,
        ],
        [
            "retention the DLQ cannot outlive",
            { [k("queueRetentionDays")]: "14" },
            /queueRetentionDays: expected an integer from 1 to 13 \(the dead-letter queue keeps 14 days, the SQS maximum, and must outlive the queue\), got 14/,
        ],
        [
            "negative retention",
            { [k("queueRetentionDays")]: "-1" },
            /^incremental-crawl:queueRetentionDays: expected an integer from 1 to 13 \(the dead-letter queue keeps 14 days, the SQS maximum, and must outlive the queue\), got -1$/,
        ],
        [
            "the retired crawl schedule",
            { [k("crawlerSchedule")]: "cron(15 * * * ? *)" },
            /^incremental-crawl:crawlerSchedule: expected no crawlerSchedule: crawls start when a table's objects arrive \(crawlBatchSize, crawlBatchWindowSeconds\); the fallback crawl's schedule is safetyNetSchedule \(default cron\(15 3 \* \* \? \*\)\), got "cron\(15 \* \* \* \? \*\)"$/,
        ],
        [
            "batch size above Glue's 100",
            { [k("crawlBatchSize")]: "101" },
            /^incremental-crawl:crawlBatchSize: expected an integer from 1 to 100 \(new objects that start a table's crawl at once: the Glue EVENT trigger's BatchSize\), got 101$/,
        ],
        [
            "batch window above Glue's 900 s",
            { [k("crawlBatchWindowSeconds")]: "901" },
            /^incremental-crawl:crawlBatchWindowSeconds: expected an integer from 1 to 900 \(seconds after a table's first new object that its crawl starts: the Glue EVENT trigger's BatchWindow\), got 901$/,
        ],
        [
            "safety net not boolean",
            { [k("safetyNetCrawl")]: "daily" },
            /^incremental-crawl:safetyNetCrawl: expected true or false, got "daily"$/,
        ],
        [
            "retention shorter than two safety-net days (the default schedule)",
            { [k("queueRetentionDays")]: "1" },
            /^incremental-crawl:queueRetentionDays: expected at least twice the longest interval between crawls \(2 days with safetyNetSchedule cron\(15 3 \* \* \? \*\)\), or a safetyNetSchedule with shorter gaps, got 1$/,
        ],
        [
            "a weekly safety net with a week's retention",
            { [k("safetyNetSchedule")]: "cron(15 3 ? * MON *)" },
            /^incremental-crawl:queueRetentionDays: expected at least twice the longest interval between crawls \(14 days with safetyNetSchedule cron\(15 3 \? \* MON \*\)\), or a safetyNetSchedule with shorter gaps, got 7$/,
        ],
        [
            "the safety net switched off without the acknowledgement",
            { [k("safetyNetCrawl")]: "false" },
            /^incremental-crawl:safetyNetCrawl: expected true unless safetyNetSchedule is "none-events-may-expire" \(every stack that crawls on arrival has a fallback crawl; switching it off is an explicit acknowledgement that events whose crawl did not start wait for the table's next arrival and expire after queueRetentionDays\), got false$/,
        ],
        [
            "a safety-net schedule that is not a Glue cron",
            { [k("safetyNetSchedule")]: "daily" },
            /^incremental-crawl:safetyNetSchedule: expected a Glue cron expression such as cron\(15 3 \* \* \? \*\) \(.*\), or "none-events-may-expire" to crawl on arrival only, got "daily"$/,
        ],
        [
            "a safety-net schedule Glue runs too often",
            { [k("safetyNetSchedule")]: "cron(* * * * ? *)" },
            /^incremental-crawl:safetyNetSchedule: expected a Glue cron expression .*at most every 5 minutes/,
        ],
        ["glue database upper case", { [k("glueDatabase")]: "LAKE" }, /glueDatabase: expected a Glue\/Athena name/],
        [
            "snowflake database lower case",
            { [k("snowflakeDatabase")]: "lake" },
            /snowflakeDatabase: expected an upper-case Snowflake identifier/,
        ],
        [
            "warehouse with quote",
            { [k("snowflakeWarehouse")]: 'WH"; DROP' },
            /snowflakeWarehouse: expected an upper-case Snowflake identifier/,
        ],
        ["bad email", { [k("alertEmails")]: ["not-an-email"] }, /^incremental-crawl:alertEmails\[0\]: expected an email address/],
        ["emails not a list", { [k("alertEmails")]: "a@example.com" }, /alertEmails: expected a list/],
        [
            "bad preview feature",
            { "snowflake:previewFeaturesEnabled": ["x"] },
            /^snowflake:previewFeaturesEnabled\[0\]: expected a preview feature name/,
        ],
        [
            "snowflake provider setting with spaces",
            { "snowflake:accountName": "my account" },
            /^snowflake:accountName: expected a Snowflake name/,
        ],
        // The unload command and verify sign in with SNOWFLAKE_PRIVATE_KEY only.
        ...["SNOWFLAKE", "EXTERNALBROWSER", "OAUTH", "OKTA", "USERNAMEPASSWORDMFA", "JWT"].map(
            (a): [string, Record<string, unknown>, RegExp] => [
                `authenticator ${a}`,
                { "snowflake:authenticator": a },
                new RegExp(
                    `^snowflake:authenticator: expected "SNOWFLAKE_JWT" \\(key-pair auth, the one the unload command and verify use, with SNOWFLAKE_PRIVATE_KEY\\), or no value, got "${a}"$`,
                ),
            ],
        ),
        [
            "task timeout of 0 (the account's maximum)",
            { [k("taskTimeoutMinutes")]: "0" },
            /^incremental-crawl:taskTimeoutMinutes: expected an integer from 1 to 10080 \(minutes a task run may take before Snowflake cancels it: USER_TASK_TIMEOUT_MS, at most 7 days\), got 0$/,
        ],
        ["no tables", { [k("tables")]: [] }, /^incremental-crawl:tables: expected a list of 1 to 200 tables/],
        ["tables missing", { [k("tables")]: undefined }, /^incremental-crawl:tables: expected a list of 1 to 200 tables.*got nothing$/],
        ["tables not a list", { [k("tables")]: { name: "X" } }, /^incremental-crawl:tables: expected a list/],
        ["table not an object", { [k("tables")]: ["ORDERS"] }, /^incremental-crawl:tables\[0\]: expected a table/],
        // A table name becomes a Snowflake identifier, an S3 folder, a Glue table and IAM resources.
        ...["", `T${"X".repeat(128)}`, 'ORD"ERS', "ORD'ERS", "ORDERS 2024", "ORDERS..X", "../../SECRETS", "ORDERS*", "orders", "ORDERS$"]
            .concat(['ORDERS"; DROP TABLE USERS; --'])
            .map((name): Case => [`table name ${JSON.stringify(name)}`, oneTable({ name }), at(k("tables[0].name"), IDENT)]),
        ["table name 42", oneTable({ name: 42 }), at(k("tables[0].name"), /expected a string, got 42$/)],
        ["table name null", oneTable({ name: null }), at(k("tables[0].name"), /expected a string, got null$/)],
        ["table name a list", oneTable({ name: ["ORDERS"] }), at(k("tables[0].name"), /expected a string/)],
        [
            "tables a string",
            { [k("tables")]: "ORDERS" },
            at(k("tables"), /expected a list of 1 to 200 tables, each \{name, columns, partitionBy\}/),
        ],
        [
            "more than 200 tables",
            { [k("tables")]: Array.from({ length: 201 }, (_, i) => ({ ...ORDERS, name: `T${i}` })) },
            at(k("tables"), /expected a list of 1 to 200 tables/),
        ],
        ["partition column a number", oneTable({ partitionBy: 3 }), at(k("tables[0].partitionBy"), /expected a column name of the table/)],
        [
            "column name carrying SQL",
            withColumn0({ name: 'ID" FROM X; --', type: "NUMBER(38,0)" }),
            at(k("tables[0].columns[0].name"), /expected an upper-case column name/),
        ],
        [
            "column type carrying SQL",
            withColumn0({ name: "ORDER_ID", type: "NUMBER); DROP TABLE X; --" }),
            at(k("tables[0].columns[0].type"), /expected a Snowflake data type such as NUMBER\(38,0\)/),
        ],
        ...["NUMBER(39,0)", "NUMBER(10,20)", "NUMBER(38,38)", "DECIMAL(0)"].map((type): Case => [
            `column type ${type}, which Snowflake cannot hold`,
            withColumn0({ name: "ORDER_ID", type }),
            at(k("tables[0].columns[0].type"), /expected a precision from 1 to 38 and a scale from 0 to 37, no larger than the precision/),
        ]),
        [
            "column type VARCHAR(0)",
            withColumn0({ name: "ORDER_ID", type: "VARCHAR(0)" }),
            at(k("tables[0].columns[0].type"), /expected a Snowflake type whose length is at least 1, got "VARCHAR\(0\)"$/),
        ],
        [
            "column nullable a string",
            withColumn0({ name: "ORDER_ID", type: "NUMBER(38,0)", nullable: "false" }),
            at(k("tables[0].columns[0].nullable"), /expected true or false/),
        ],
        [
            "source carrying SQL",
            oneTable({ source: "CRM.PUBLIC.T; DROP DATABASE CRM" }),
            at(k("tables[0].source"), /expected DATABASE\.SCHEMA\.TABLE, each part an upper-case Snowflake identifier/),
        ],
        [
            "duplicate tables",
            { [k("tables")]: [ORDERS, ORDERS] },
            /^incremental-crawl:tables\[1\]\.name: expected a name no other table has \(tables\[0\] is ORDERS\)/,
        ],
        [
            "unknown table key",
            oneTable({ partition: "X" }),
            /^incremental-crawl:tables\[0\]\.partition: expected one of the table settings/,
        ],
        ["no columns", oneTable({ columns: [] }), /tables\[0\]\.columns: expected a list of 1 to 1000 columns/],
        [
            "column name with space",
            oneTable({ columns: [...ORDERS.columns, { name: "MY COL", type: "DATE" }] }),
            /tables\[0\]\.columns\[4\]\.name: expected an upper-case column name/,
        ],
        [
            "duplicate column",
            oneTable({ columns: [...ORDERS.columns, { name: "STATUS", type: "DATE" }] }),
            /columns\[4\]\.name: expected a name no other column of the table has/,
        ],
        [
            "bad column type",
            oneTable({ columns: [...ORDERS.columns, { name: "X", type: "VARCHAR(10); DROP TABLE T" }] }),
            /columns\[4\]\.type: expected a Snowflake data type/,
        ],
        [
            "nullable not boolean",
            oneTable({ columns: [{ name: "ORDER_TS", type: "DATE", nullable: "no" }] }),
            /columns\[0\]\.nullable: expected true or false/,
        ],
        [
            "unknown column key",
            oneTable({ columns: [...ORDERS.columns, { name: "X", type: "DATE", default: 1 }] }),
            /columns\[4\]\.default: expected one of the column settings/,
        ],
        [
            "partition column missing",
            oneTable({ partitionBy: "SHIPPED_AT" }),
            /tables\[0\]\.partitionBy: expected a column name of the table .*got "SHIPPED_AT"/,
        ],
        [
            "bare TIMESTAMP (its meaning is the account's TIMESTAMP_TYPE_MAPPING)",
            {
                [k("tables")]: [
                    table({
                        columns: [
                            { name: "D", type: "DATE" },
                            { name: "AT", type: "timestamp(3)" },
                        ],
                        partitionBy: "D",
                    }),
                ],
            },
            /columns\[1\]\.type: expected TIMESTAMP_NTZ, TIMESTAMP_LTZ or TIMESTAMP_TZ, not bare TIMESTAMP/,
        ],
        [
            "partition on VARIANT",
            oneTable({ columns: [{ name: "DOC", type: "VARIANT" }], partitionBy: "DOC" }),
            /partitionBy: expected a DATE, TIMESTAMP, text, number or boolean column, got "DOC of type VARIANT"/,
        ],
        [
            "hour granularity on a DATE",
            oneTable({ partitionBy: "ORDER_DATE", partitionGranularity: "hour" }),
            /partitionGranularity: expected one of "day", "month" for a column of type DATE/,
        ],
        [
            "day granularity on text",
            oneTable({ partitionBy: "STATUS", partitionGranularity: "day" }),
            /partitionGranularity: expected one of "value" for a column of type VARCHAR\(32\)/,
        ],
        [
            "generation not a positive integer",
            oneTable({ generation: 0 }),
            /tables\[0\]\.generation: expected an integer from 1 to 1000000 \(raise it to re-export the whole table\), got 0/,
        ],
        [
            "a DT column in a date-partitioned table",
            oneTable({ columns: [...ORDERS.columns, { name: "DT", type: "DATE" }] }),
            /tables\[0\]\.columns: expected no column named DT: it is the table's partition key in S3 and Glue, and Athena refuses a column repeated as a partition key, got "DT"/,
        ],
        [
            "a P_<COLUMN> column in a value-partitioned table",
            oneTable({ partitionBy: "STATUS", columns: [...ORDERS.columns, { name: "P_STATUS", type: "DATE" }] }),
            /tables\[0\]\.columns: expected no column named P_STATUS/,
        ],
        ["bad source", oneTable({ source: "CRM.CUSTOMERS" }), /tables\[0\]\.source: expected DATABASE\.SCHEMA\.TABLE/],
        [
            "production without an audit trail",
            { [k("production")]: "true", [k("auditTrail")]: "none" },
            /^incremental-crawl:auditTrail: expected "access-logs" or "cloudtrail:<trail ARN>" in a production stack \(production: true keeps customer data; an audit trail must record who read or deleted it\), got "none"$/,
        ],
        [
            "an unknown audit trail",
            { [k("auditTrail")]: "s3-logs" },
            /^incremental-crawl:auditTrail: expected one of "access-logs" \(a log bucket of the stack's own\), "cloudtrail:<trail ARN>" .* or "none", got "s3-logs"$/,
        ],
        [
            "a CloudTrail that is not a trail ARN",
            { [k("auditTrail")]: "cloudtrail:org-trail" },
            /^incremental-crawl:auditTrail: expected cloudtrail: followed by a trail ARN such as arn:aws:cloudtrail:eu-west-1:123456789012:trail\/org-trail .*, got "cloudtrail:org-trail"$/,
        ],
        [
            "a trail name with adjacent dashes",
            { [k("auditTrail")]: "cloudtrail:arn:aws:cloudtrail:eu-west-1:123456789012:trail/org--trail" },
            /^incremental-crawl:auditTrail: expected cloudtrail: followed by a trail ARN/,
        ],
        [
            "a trail ARN of another service",
            { [k("auditTrail")]: "cloudtrail:arn:aws:s3:::org-trail" },
            /^incremental-crawl:auditTrail: expected cloudtrail: followed by a trail ARN/,
        ],
        [
            "production without a replica",
            { [k("production")]: "true", [k("encryption")]: "kms" },
            /^incremental-crawl:replicaRegion: expected an AWS region for the recovery replica in a production stack \(production: true keeps the only copy of rows Snowflake deleted; a delete must stay recoverable\), got ""$/,
        ],
        [
            "a replica region that is not a region",
            { [k("replicaRegion")]: "frankfurt" },
            /^incremental-crawl:replicaRegion: expected an AWS region such as eu-central-1, or "" for no replica, got "frankfurt"$/,
        ],
        [
            "a replica in the lake's region",
            { [k("replicaRegion")]: "eu-west-1" },
            /^incremental-crawl:replicaRegion: expected a region other than the lake's \(aws:region is eu-west-1\): a replica in the same region survives no regional loss, got "eu-west-1"$/,
        ],
        [
            "a replica without versioning",
            { [k("replicaRegion")]: "eu-central-1", [k("versioning")]: "false" },
            /^incremental-crawl:replicaRegion: expected no replica while versioning is false \(S3 replication needs versioning on both buckets\), got "eu-central-1"$/,
        ],
        [
            "a retention of no day",
            oneTable({ retentionDays: 0 }),
            /^incremental-crawl:tables\[0\]\.retentionDays: expected an integer from 1 to 36500 \(days a table's exported objects are kept; leave it out to keep them\), got 0$/,
        ],
        [
            "a retention in text",
            oneTable({ retentionDays: "2y" }),
            /^incremental-crawl:tables\[0\]\.retentionDays: expected an integer from 1 to 36500 .*, got "2y"$/,
        ],
        ["production 1", { [k("production")]: "1" }, at(k("production"), /expected true or false, got 1$/)],
        [
            "Snowflake database carrying SQL",
            { [k("snowflakeDatabase")]: 'LAKE"; DROP DATABASE PROD; --' },
            at(
                k("snowflakeDatabase"),
                /expected an upper-case Snowflake identifier: a letter or _, then letters, digits, _ or \$ \(at most 255\)/,
            ),
        ],
        [
            "Glue database carrying SQL",
            { [k("glueDatabase")]: "lake; drop table x" },
            at(k("glueDatabase"), /expected a Glue\/Athena name: a lower-case letter/),
        ],
        [
            "Snowflake role carrying SQL",
            { "snowflake:role": 'ADMIN" ; --' },
            at("snowflake:role", /expected a Snowflake name of letters, digits, _, \. or -/),
        ],
        [
            "Snowflake login name with a control character",
            { "snowflake:user": "jane\nROLE=ACCOUNTADMIN" },
            at("snowflake:user", /expected a Snowflake login name: 1 to 255 characters, no control characters/),
        ],
        [
            "alert address with a header injection",
            { [k("alertEmails")]: ["ops@example.com\nBcc: x@evil.test"] },
            at(k("alertEmails[0]"), /expected an email address such as data-oncall@example\.com/),
        ],
        // Integers out of their range, or not integers: the key and its range are named.
        ...(
            [
                ["queueRetentionDays", "0", "1 to 13"],
                ["noncurrentVersionDays", "30d", "1 to 3650"],
                ["noncurrentVersionDays", "-30", "1 to 3650"],
                ["maxFileSizeMb", "1.5", "1 to 5120"],
                ["crawlBatchSize", "0", "1 to 100"],
                ["crawlBatchSize", "-1", "1 to 100"],
                ["crawlBatchWindowSeconds", "0", "1 to 900"],
                ["crawlBatchWindowSeconds", "5m", "1 to 900"],
                ["taskTimeoutMinutes", "10081", "1 to 10080"],
                ["maxReceiveCount", "-5", "1 to 1000"],
                ["taskScheduleMinutes", "ten", "1 to 11520"],
                ["accessLogDays", "0", "1 to 3650"],
            ] as const
        ).map(([key, v, range]): Case => {
            const got = Number.isNaN(Number(v)) ? `"${v}"` : v.replace(".", "\\.");
            return [`${key} ${v}`, { [k(key)]: v }, at(k(key), new RegExp(`expected an integer from ${range}( \\(.*\\))?, got ${got}$`))];
        }),
        // An unknown key is answered with the key it most likely meant, or with the settings when none is near.
        [
            "a misspelt project setting",
            { [k("glueDatabse")]: "lake" },
            /^incremental-crawl:glueDatabse: expected one of the project settings \(did you mean glueDatabase\?\), got "an unknown key"$/,
        ],
        [
            "a misspelt table setting",
            oneTable({ partitionGranularty: "day" }),
            /^incremental-crawl:tables\[0\]\.partitionGranularty: expected one of the table settings \(did you mean partitionGranularity\?\), got "an unknown key"$/,
        ],
        [
            "a misspelt column setting",
            oneTable({ columns: [...ORDERS.columns, { name: "X", type: "DATE", nulable: true }] }),
            /^incremental-crawl:tables\[0\]\.columns\[4\]\.nulable: expected one of the column settings \(did you mean nullable\?\), got "an unknown key"$/,
        ],
        [
            "an unknown project setting like none",
            { [k("purgeAfterUnload")]: "true" },
            /^incremental-crawl:purgeAfterUnload: expected one of the project settings \(production, exportPrefix, .*tables\), got "an unknown key"$/,
        ],
        [
            "an unknown table setting like none",
            oneTable({ overwrite: true }),
            at(k("tables[0].overwrite"), /expected one of the table settings \(name, columns, partitionBy/),
        ],
    ];
    it("accepts every unquoted Snowflake identifier for names only SQL holds: a leading _, a $, 255 characters", () => {
        const long = `_${"A".repeat(253)}$`;
        const s = parseSettings(
            base({
                [k("snowflakeDatabase")]: "_LAKE",
                [k("snowflakeSchema")]: long,
                [k("snowflakeWarehouse")]: "WH$1",
                [k("tables")]: [{ ...ORDERS, source: "_CRM.PUBLIC$.EVENTS" }],
            }),
            ctx,
        );
        assert.deepEqual(
            [s.snowflakeDatabase, s.snowflakeSchema, s.snowflakeWarehouse, s.tables[0].source],
            ["_LAKE", long, "WH$1", "_CRM.PUBLIC$.EVENTS"],
        );
        // A table's own name becomes an S3 folder and a Glue table: there `_` may not lead (Athena skips
        // `_` files and folders), `$` is refused and 128 is the limit.
        for (const [over, key] of [
            [{ [k("snowflakeSchema")]: `${long}X` }, "snowflakeSchema"],
            [{ [k("snowflakeDatabase")]: "1LAKE" }, "snowflakeDatabase"],
            [{ [k("snowflakeWarehouse")]: "WH-1" }, "snowflakeWarehouse"],
            [{ [k("tables")]: [{ ...ORDERS, name: "_ORDERS" }] }, "tables[0].name"],
            [{ [k("tables")]: [{ ...ORDERS, name: "ORDERS$" }] }, "tables[0].name"],
        ] as const)
            assert.ok(
                problems(base(over)).some((m) => m.startsWith(`incremental-crawl:${key}: expected an upper-case Snowflake identifier`)),
                key,
            );
    });
    it('accepts a prefix that merely contains "crawler-public" (AWSGlueServiceRole names buckets so, not keys) or starts like athena-results', () => {
        for (const prefix of ["crawler-public-exports", "athena-results-archive/exports", "lake/athena-results"])
            assert.equal(parseSettings(base({ [k("exportPrefix")]: prefix }), ctx).exportPrefix, prefix);
    });
    for (const [what, over, expected] of invalid) {
        it(`refuses ${what}`, () => {
            const e = problems(base(over));
            assert.ok(
                e.some((m) => expected.test(m)),
                `no problem matched ${expected}:\n${e.join("\n")}`,
            );
        });
    }

    it("reads the audit trail, the replica and a table's retention", () => {
        const dflt = parseSettings(base(), ctx);
        assert.deepEqual(
            [dflt.auditTrail, dflt.accessLogDays, dflt.replicaRegion, dflt.tables[0].retentionDays],
            [{ kind: "access-logs" }, 365, undefined, undefined],
        );
        assert.ok(!("retentionDays" in dflt.tables[0]), "no retention key unless the table declares one");
        const trail = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org.lake-trail_1";
        const s = parseSettings(
            base({
                [k("auditTrail")]: `cloudtrail:${trail}`,
                [k("accessLogDays")]: "90",
                [k("replicaRegion")]: "eu-central-1",
                [k("tables")]: [table({ retentionDays: 730 })],
            }),
            ctx,
        );
        assert.deepEqual(
            [s.auditTrail, s.accessLogDays, s.replicaRegion, s.tables[0].retentionDays],
            [{ kind: "cloudtrail", trailArn: trail }, 90, "eu-central-1", 730],
        );
        assert.deepEqual(parseSettings(base({ [k("auditTrail")]: "none" }), ctx).auditTrail, { kind: "none" }, "dev may go without");
    });

    it("refuses a production stack weakened on every count in one error that names each key", () => {
        const e = problems(
            base({ [k("production")]: "true", [k("encryption")]: "sse-s3", [k("versioning")]: "false", [k("auditTrail")]: "none" }),
        );
        assert.deepEqual(e.map((m) => m.split(":")[1]).sort(), ["auditTrail", "encryption", "replicaRegion", "versioning"]);
    });

    it("knows the AWS regions of the installed @pulumi/aws, and lets aws:skipRegionValidation pass a newer one, as the provider does", () => {
        for (const region of ["eu-west-1", "us-gov-west-1", "eusc-de-east-1", "cn-north-1"])
            assert.deepEqual(problems(base({ "aws:region": region })), [], region);
        assert.deepEqual(problems(base({ "aws:region": "eu-west-9", "aws:skipRegionValidation": "true" })), []);
        assert.match(
            problems(base({ "aws:region": "frankfurt", "aws:skipRegionValidation": "true" }))[0],
            /^aws:region: expected an AWS region such as eu-west-1, got "frankfurt"$/,
        );
        assert.deepEqual(
            problems(
                base({
                    "aws:profile": "lake",
                    "aws:defaultTags": "{}",
                    "snowflake:warehouse": "WH",
                    "pulumi:disable-default-providers": "[]",
                }),
            ),
            [],
            "every setting the providers read, and other namespaces, pass",
        );
    });

    it("refuses a stack name that cannot be part of IAM and Snowflake names", () => {
        for (const stack of ["Prod_EU", "prod; drop"])
            assert.match(
                problems(base(), { project: PROJECT, stack })[0],
                /^stack name: expected a stack name of lower-case letters, digits or -/,
            );
    });

    it("accepts value partitions and hour partitions where the column allows them", () => {
        const s = parseSettings(
            base({
                [k("tables")]: [
                    table({ partitionBy: "STATUS" }),
                    table({ name: "B", partitionBy: "ORDER_TS", partitionGranularity: "hour" }),
                ],
            }),
            ctx,
        );
        assert.deepEqual(
            s.tables.map((t) => t.partitionGranularity),
            ["value", "hour"],
        );
    });

    it("normalises column types to Snowflake's upper-case form", () => {
        const s = parseSettings(
            base({
                [k("tables")]: [
                    table({
                        columns: [
                            { name: "ORDER_TS", type: "timestamp_tz" },
                            { name: "N", type: "number(10, 2)" },
                        ],
                    }),
                ],
            }),
            ctx,
        );
        assert.deepEqual(
            s.tables[0].columns.map((c) => c.type),
            ["TIMESTAMP_TZ", "NUMBER(10,2)"],
        );
    });
});

describe("config: the stacks", () => {
    for (const stack of ["dev", "prod"]) {
        it(`parses Pulumi.${stack}.yaml without problems and keeps secrets out of it`, () => {
            const raw = stackConfig(stack);
            const s = parseSettings(raw, { project: PROJECT, stack });
            assert.ok(s.tables.length >= 1);
            const text = fs.readFileSync(stackFilePath(stackDir(ROOT), stack), "utf8");
            assert.doesNotMatch(text, /secure:|password|privateKey|secretKey|BEGIN .*PRIVATE KEY/i);
        });
    }

    it("gives dev and prod really different settings: prod keeps data, dev is cheap", () => {
        const dev = parseSettings(stackConfig("dev"), { project: PROJECT, stack: "dev" });
        const prod = parseSettings(stackConfig("prod"), { project: PROJECT, stack: "prod" });
        assert.deepEqual([dev.production, dev.encryption, dev.versioning], [false, "sse-s3", false]);
        assert.deepEqual([prod.production, prod.encryption, prod.versioning], [true, "kms", true]);
        assert.deepEqual(
            [dev.glueCatalogEncryption, prod.glueCatalogEncryption],
            [false, false],
            "the account-wide Data Catalog encryption is opt-in, off in both",
        );
        assert.deepEqual(
            [dev.crawl.schedule, prod.crawl.schedule],
            ["cron(15 3 * * ? *)", "cron(15 3 * * ? *)"],
            "both keep the default daily safety net",
        );
        assert.ok(dev.crawlBatchWindowSeconds < prod.crawlBatchWindowSeconds, "dev catalogues a minute after an unload");
    });
});
