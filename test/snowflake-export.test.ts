import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BACKFILL_COMMAND, BACKFILL_KEEP_SUMMARY } from "../components/warehouse/table-export";
import { REQUIRED_PREVIEW_FEATURES } from "../components/warehouse/snowflake-export";
import * as sql from "../components/warehouse/sql";
import { CapturedResource, Graph, graphOf, policyOf, stackGraph } from "../offline";
import { taskOf } from "./harness/unload";
import { integrationIdentity, MOCK_ACCOUNT } from "../offline/mocks";

const SF = (t: string) => `snowflake:index/${t}`;
const INTEGRATION = SF("storageIntegration:StorageIntegration");
const STAGE = SF("stage:Stage");
const TASK = SF("task:Task");
const STREAM = SF("streamOnTable:StreamOnTable");
const COMMAND = "command:local:Command";

/** The trust of a role Snowflake assumes: the integration's IAM user, with its external id, nothing else. */
const snowflakeTrust = (userArn: string, externalId: string) => [
    {
        Sid: "SnowflakeStorageIntegration",
        Effect: "Allow",
        Principal: { AWS: userArn },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": externalId } },
    },
];
const unloadRole = (g: Graph) => g.one("aws:iam/role:Role", "-snowflake-role");
const unloadPolicy = (g: Graph) => g.one("aws:iam/rolePolicy:RolePolicy", "-snowflake-access");
const perTable = (g: Graph, type: string, table: string): CapturedResource => g.one(type, `-snowflake-${table}-`);

for (const stack of ["dev", "prod"] as const) {
    describe(`snowflake export (${stack})`, () => {
        let g: Graph;
        let tables: string[];
        before(async () => {
            g = await stackGraph(stack);
            tables = stack === "dev" ? ["orders"] : ["orders", "customers"];
        });

        it("enables the preview resources on the explicit provider and in the stack for the default one", () => {
            const provider = g.one("pulumi:providers:snowflake");
            const features = JSON.parse(provider.inputs.previewFeaturesEnabled);
            for (const f of REQUIRED_PREVIEW_FEATURES) assert.ok(features.includes(f), f);
            const stackFeatures = JSON.parse(g.run.config["snowflake:previewFeaturesEnabled"]);
            assert.deepEqual([...stackFeatures].sort(), [...REQUIRED_PREVIEW_FEATURES].sort());
            for (const r of g.resources.filter((x) => x.type.startsWith("snowflake:index/"))) {
                assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.name} uses the explicit provider`);
            }
        });

        it("holds no credential in the provider: key-pair auth comes from the environment", () => {
            const inputs = g.one("pulumi:providers:snowflake").inputs;
            for (const k of ["password", "privateKey", "privateKeyPassphrase", "token"]) assert.equal(inputs[k], undefined, k);
            assert.equal(inputs.authenticator, "SNOWFLAKE_JWT");
        });

        it("names every Snowflake object explicitly in upper case (no Pulumi auto-names in SQL)", () => {
            for (const r of g.resources.filter((x) => x.type.startsWith("snowflake:index/"))) {
                assert.match(r.inputs.name, /^[A-Z][A-Z0-9_]*$/, `${r.type} ${r.name}`);
            }
        });

        it("declares a Snappy Parquet file format", () => {
            const ff = g.one(SF("fileFormat:FileFormat")).inputs;
            assert.deepEqual([ff.formatType, ff.compression], ["PARQUET", "SNAPPY"]);
        });

        it("confines the integration to the export prefix and gives it the ARN of the role the program creates", () => {
            const integration = g.one(INTEGRATION);
            const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket").outputs.bucket;
            assert.deepEqual(integration.inputs.storageAllowedLocations, [`s3://${bucket}/exports/`]);
            assert.deepEqual(
                [integration.inputs.type, integration.inputs.storageProvider, integration.inputs.enabled],
                ["EXTERNAL_STAGE", "S3", true],
            );
            assert.equal(integration.inputs.storageAwsRoleArn, unloadRole(g).outputs.arn);
            assert.equal(integration.inputs.storageAwsRoleArn, `arn:aws:iam::${MOCK_ACCOUNT}:role/incremental-crawl-${stack}-snowflake`);
            assert.ok(!g.dependsOn(integration, unloadRole(g)), "no cycle: the integration does not wait for the role");
            assert.equal(integration.protect, stack === "prod", "replacing it would change its external id");
        });

        it("lets only the integration's IAM user, with its external id, assume the role", () => {
            const role = unloadRole(g);
            const who = integrationIdentity(g.one(INTEGRATION).inputs.name);
            assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, snowflakeTrust(who.userArn, who.externalId));
            assert.ok(g.dependsOn(role, g.one(INTEGRATION)), "the role is created from the integration's outputs");
        });

        it("allows the role only what an unload under the prefix needs", () => {
            const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket").outputs.arn;
            const key = g.ofType("aws:kms/key:Key").find((k) => k.name.endsWith("-kms-key"))?.outputs.arn;
            const doc = policyOf(unloadPolicy(g));
            // Deletes only under each table's current export: the Glue tables' locations.
            const locations = g.ofType("aws:glue/catalogTable:CatalogTable").map((t) =>
                String(t.inputs.storageDescriptor.location)
                    .replace(/^s3:\/\/[^/]+\//, "")
                    .replace(/\/$/, ""),
            );
            assert.equal(locations.length, tables.length);
            assert.deepEqual(
                doc.Statement.map((s: any) => [s.Sid, s.Resource, s.Condition]),
                [
                    ["UnloadObjectsUnderExportPrefix", `${bucket}/exports/*`, undefined],
                    ["RemoveFilesOfFailedUnloads", locations.sort().map((l) => `${bucket}/${l}/*`), undefined],
                    ["ListExportPrefix", bucket, { StringLike: { "s3:prefix": ["exports/", "exports/*"] } }],
                    ["LocateBucket", bucket, undefined],
                    ...(key ? [["EncryptWithLakeKey", key, undefined]] : []),
                ],
            );
            assert.ok(doc.Statement.every((s: any) => s.Effect === "Allow"));
            assert.ok(
                locations.every((l) => /^exports\/[a-z_]+\/g1-[0-9a-f]{8}$/.test(l)),
                locations.join(", "),
            );
            const actions = doc.Statement.flatMap((s: any) => [s.Action].flat()).sort();
            assert.deepEqual(actions, [
                ...(key ? ["kms:Decrypt", "kms:GenerateDataKey"] : []),
                "s3:DeleteObject",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:ListBucket",
                "s3:PutObject",
            ]);
        });

        it("puts the stage on the export prefix through the integration, without credentials", () => {
            const stage = g.one(STAGE).inputs;
            const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket").outputs.bucket;
            assert.equal(stage.url, `s3://${bucket}/exports/`);
            assert.equal(stage.storageIntegration, g.one(INTEGRATION).inputs.name);
            assert.equal(stage.credentials, undefined);
            assert.equal(stage.fileFormat, undefined, "the COPY names the format; a stage format would read back differently (permadiff)");
            assert.equal(
                stage.encryption,
                stack === "prod"
                    ? `TYPE = 'AWS_SSE_KMS' KMS_KEY_ID = '${g.one("aws:kms/key:Key", "-kms-key").outputs.arn}'`
                    : "TYPE = 'AWS_SSE_S3'",
            );
        });

        it("streams each table append-only with its initial rows, on the created or the named existing table", () => {
            for (const t of tables) {
                const stream = perTable(g, STREAM, t).inputs;
                assert.deepEqual([stream.appendOnly, stream.showInitialRows], ["true", "true"]);
                if (t === "customers") {
                    assert.equal(stream.table, "CRM.PUBLIC.CUSTOMERS");
                    assert.equal(
                        g.ofType(SF("table:Table")).filter((x) => x.inputs.name === "CUSTOMERS").length,
                        0,
                        "an existing table is not created",
                    );
                } else {
                    const table = g.one(SF("table:Table"), "-orders-table");
                    assert.equal(stream.table, table.outputs.fullyQualifiedName);
                    assert.equal(table.retainOnDelete, stack === "prod");
                }
            }
        });

        it("backfills at deploy time after the stage, the role and its policy, and the whole event path, with no credential in its inputs", () => {
            for (const t of tables) {
                const cmd = perTable(g, COMMAND, t);
                const eventPath = [
                    g.one("aws:s3/bucketNotification:BucketNotification"),
                    g.one("aws:sqs/queue:Queue", `-${t}-queue`),
                    g.one("aws:sqs/queuePolicy:QueuePolicy", `-${t}-queue-policy`),
                    g.one("aws:sns/topicSubscription:TopicSubscription", `-${t}-subscription`),
                    g.one("aws:glue/catalogTable:CatalogTable", `-${t}-table`),
                ];
                for (const dep of [
                    g.one(STAGE),
                    g.one(SF("fileFormat:FileFormat")),
                    unloadRole(g),
                    unloadPolicy(g),
                    perTable(g, STREAM, t),
                    ...eventPath,
                ]) {
                    assert.ok(g.dependsOn(cmd, dep), `backfill depends on ${dep.name}`);
                }
                assert.equal(cmd.inputs.create, BACKFILL_COMMAND);
                assert.deepEqual(Object.keys(cmd.inputs.environment).sort(), [
                    "BACKFILL_ACCOUNT_NAME",
                    "BACKFILL_AWS_REGION",
                    "BACKFILL_BASELINE_SQL",
                    "BACKFILL_CLEANUP_SQL",
                    "BACKFILL_COPY_SQL",
                    "BACKFILL_GLUE_DATABASE",
                    "BACKFILL_GLUE_TABLE",
                    "BACKFILL_LIST_SQL",
                    "BACKFILL_LOG_SQL",
                    "BACKFILL_ORGANIZATION_NAME",
                    "BACKFILL_REPEATED_SQL",
                    "BACKFILL_ROLE",
                    "BACKFILL_SESSION_SQL",
                    "BACKFILL_SHOW_SQL",
                    "BACKFILL_SHOW_TASK_SQL",
                    "BACKFILL_SINCE_SQL",
                    "BACKFILL_TABLE",
                    "BACKFILL_TASK_READS_SQL",
                    "BACKFILL_UNLISTED_SQL",
                    "BACKFILL_USER",
                    "BACKFILL_WAREHOUSE",
                ]);
                const env = cmd.inputs.environment;
                assert.deepEqual(
                    [env.BACKFILL_AWS_REGION, env.BACKFILL_GLUE_DATABASE, env.BACKFILL_GLUE_TABLE],
                    ["eu-west-1", g.one("aws:glue/catalogDatabase:CatalogDatabase").inputs.name, t],
                    "partitions go to the table's Glue table",
                );
                const folder = /\/(orders|customers)\/g1-[0-9a-f]{8}\/$/.exec(
                    g.one("aws:glue/catalogTable:CatalogTable", `-${t}-table`).inputs.storageDescriptor.location,
                )![0];
                assert.ok(env.BACKFILL_COPY_SQL.split("\n")[0].endsWith(folder), "the COPY writes where the Glue table reads");
                assert.ok(
                    env.BACKFILL_LIST_SQL.endsWith(folder) && env.BACKFILL_CLEANUP_SQL.includes(`${folder} PATTERN = '.*{queryId}.*'`),
                );
                const provider = g.one("pulumi:providers:snowflake").inputs;
                assert.deepEqual(
                    [
                        cmd.inputs.environment.BACKFILL_ACCOUNT_NAME,
                        cmd.inputs.environment.BACKFILL_USER,
                        cmd.inputs.environment.BACKFILL_WAREHOUSE,
                    ],
                    [provider.accountName, provider.user, provider.warehouse],
                    "the backfill connects as the provider does",
                );
                assert.deepEqual(JSON.parse(cmd.inputs.environment.BACKFILL_SESSION_SQL), sql.sessionStatements());
                assert.deepEqual(
                    cmd.inputs.triggers,
                    [perTable(g, STREAM, t).inputs.name],
                    "a new stream, and only that, re-runs the backfill",
                );
                assert.equal(cmd.inputs.update, BACKFILL_KEEP_SUMMARY, "other input changes unload nothing, and keep the summary");
                assert.equal(cmd.inputs.addPreviousOutputInEnv, true);
            }
        });

        it("starts each table's task after its backfill, with the same SQL, only when the stream has rows", () => {
            for (const t of tables) {
                const task = perTable(g, TASK, t);
                const cmd = perTable(g, COMMAND, t);
                const stream = perTable(g, STREAM, t).inputs;
                assert.ok(g.dependsOn(task, cmd), "task dependsOn backfill");
                const env = cmd.inputs.environment;
                assert.equal(
                    task.inputs.sqlStatement,
                    taskOf(env),
                    "one builder for both runners: the task runs the backfill's cleanup, COPY and log line",
                );
                assert.match(task.inputs.sqlStatement, new RegExp(`FROM "${stream.database}"\\."${stream.schema}"\\."${stream.name}"`));
                assert.equal(task.inputs.when, `SYSTEM$STREAM_HAS_DATA('${stream.database}.${stream.schema}.${stream.name}')`);
                assert.equal(task.inputs.enableUnloadPhysicalTypeOptimization, false);
                assert.equal(task.inputs.timezone, "UTC", "no unload depends on the account's default time zone");
                assert.equal(task.inputs.started, true);
                assert.equal(task.inputs.allowOverlappingExecution, "false", "the cleanup relies on one run at a time");
                assert.deepEqual(task.inputs.schedule, { minutes: stack === "dev" ? 60 : 30 });
                // Set, not Snowflake's one-hour default; both, since the lower non-zero one applies.
                assert.deepEqual([task.inputs.userTaskTimeoutMs, task.inputs.statementTimeoutInSeconds], [240 * 60_000, 240 * 60]);
            }
        });

        it("reports every failed task run to the alerts topic through a notification integration and a least-privilege role", () => {
            const integration = g.one(SF("notificationIntegration:NotificationIntegration"));
            const alertsTopic = g.one("aws:sns/topic:Topic", "-alerts-topic").outputs.arn;
            const role = g.one("aws:iam/role:Role", "-task-errors-role");
            const policy = g.one("aws:iam/rolePolicy:RolePolicy", "-task-errors-publish");
            const key = g.ofType("aws:kms/key:Key").find((k) => k.name.endsWith("-kms-key"))?.outputs.arn;
            assert.deepEqual(
                [integration.inputs.notificationProvider, integration.inputs.enabled, integration.inputs.awsSnsTopicArn],
                ["AWS_SNS", true, alertsTopic],
            );
            assert.equal(integration.inputs.awsSnsRoleArn, role.outputs.arn);
            assert.equal(role.outputs.name, `incremental-crawl-${stack}-snowflake-alerts`);
            assert.ok(!g.dependsOn(integration, role), "no cycle: the integration names the role by its fixed ARN");
            assert.deepEqual(
                policyOf(role, "assumeRolePolicy").Statement,
                snowflakeTrust(integration.outputs.awsSnsIamUserArn, integration.outputs.awsSnsExternalId),
                "only the integration's IAM user, with its external id",
            );
            assert.deepEqual(
                policyOf(policy).Statement.map((st: any) => [st.Effect, [st.Action].flat().sort(), st.Resource]),
                [["Allow", ["sns:Publish"], alertsTopic], ...(key ? [["Allow", ["kms:Decrypt", "kms:GenerateDataKey"], key]] : [])],
                "publish to the alerts topic, nothing else",
            );
            for (const t of tables) {
                const task = perTable(g, TASK, t);
                assert.equal(task.inputs.errorIntegration, integration.inputs.name, `${t}: failed runs are reported`);
                assert.ok(g.dependsOn(task, policy), `${t}: the role can publish before the task first runs`);
            }
        });

        it("keeps an unload log and its baseline that both runners write, and that outlive a production destroy", () => {
            const log = g.one(SF("table:Table"), "-unload-log");
            assert.equal(log.inputs.name, sql.UNLOAD_LOG_TABLE);
            assert.deepEqual(
                log.inputs.columns.map((c: any) => c.name),
                sql.UNLOAD_LOG_COLUMNS.map((c) => c.name),
            );
            assert.equal(log.retainOnDelete, stack === "prod");
            const baseline = g.one(SF("table:Table"), "-unload-baseline");
            assert.equal(baseline.inputs.name, sql.UNLOAD_BASELINE_TABLE);
            assert.deepEqual(
                baseline.inputs.columns.map((c: any) => [c.name, c.nullable]),
                sql.UNLOAD_BASELINE_COLUMNS.map((c) => [c.name, false]),
            );
            assert.equal(baseline.retainOnDelete, stack === "prod");
            for (const t of tables) {
                const cmd = perTable(g, COMMAND, t);
                assert.ok(g.dependsOn(cmd, log) && g.dependsOn(cmd, baseline));
                const env = cmd.inputs.environment;
                assert.match(
                    env.BACKFILL_LOG_SQL,
                    new RegExp(
                        `^INSERT INTO "[A-Z_]+"\\."EXPORT"\\."LAKE_UNLOADS" .* SELECT '${t.toUpperCase()}', 'g1-[0-9a-f]{8}', COALESCE\\(REGEXP_SUBSTR\\(.*, '\\{queryId\\}'\\)`,
                    ),
                );
                assert.ok(perTable(g, TASK, t).inputs.sqlStatement.includes(env.BACKFILL_LOG_SQL.split("'{queryId}'").join(":copy_id")));
            }
        });

        it("exports each backfill's summary as a stack output", () => {
            const out = g.run.outputs.tables as Record<string, any>;
            for (const t of tables) {
                assert.deepEqual(
                    out[t].backfill,
                    {
                        status: "ok",
                        table: t.toUpperCase(),
                        rows: 0,
                        files: 0,
                        bytes: 0,
                        queryId: "01b2c3d4-0000-0000-0000-000000000000",
                        attempts: 1,
                        partitionsAdded: 0,
                    },
                    "the backfill program's own summary of its (empty) run, parsed from the command's stdout",
                );
            }
        });
    });
}

describe("snowflake export: re-running the backfill", () => {
    const streamName = (g: Graph) => g.one(STREAM).inputs.name;
    const triggers = (g: Graph) => JSON.stringify(g.one(COMMAND).inputs.triggers);
    const location = (g: Graph): string => g.one("aws:glue/catalogTable:CatalogTable").inputs.storageDescriptor.location;
    const variant = async (over: Record<string, unknown>) => {
        const dev = await stackGraph("dev");
        const base = JSON.parse(dev.run.config["incremental-crawl:tables"])[0];
        // `tables`: settings over dev's table, or a function of it.
        const { tables, ...rest } = over;
        const table = typeof tables === "function" ? tables(base) : tables;
        return graphOf({
            stack: "dev",
            config: { ...rest, ...(table ? { "incremental-crawl:tables": [{ ...base, ...table }] } : {}) },
        });
    };

    const reexport: Array<[string, Record<string, unknown>]> = [
        ["the partitioning", { tables: { partitionGranularity: "month" } }],
        ["the stage's location", { "incremental-crawl:exportPrefix": "lake/exports" }],
        ["the generation", { tables: { generation: 2 } }],
        ["the source", { tables: { source: "CRM.PUBLIC.ORDERS" } }],
        ["the stream's database", { "incremental-crawl:snowflakeDatabase": "OTHER" }],
        ["the stream's schema", { "incremental-crawl:snowflakeSchema": "OTHER" }],
    ];
    for (const [what, over] of reexport) {
        it(`replaces the stream and re-runs the backfill when ${what} changes`, async () => {
            const dev = await stackGraph("dev");
            const g = await variant(over);
            assert.notEqual(streamName(g), streamName(dev));
            assert.notEqual(triggers(g), triggers(dev));
            assert.match(g.one(TASK).inputs.sqlStatement, new RegExp(`"${streamName(g)}"`), "the task follows the new stream");
            assert.notEqual(location(g), location(dev), "the new export goes to a folder of its own, which the Glue table switches to");
            const copyPath = /\/(orders\/g\d+-[0-9a-f]{8}\/)$/.exec(g.one(COMMAND).inputs.environment.BACKFILL_COPY_SQL.split("\n")[0])![1];
            assert.ok(location(g).endsWith(`/${copyPath}`), "the backfill writes where the Glue table reads");
        });
    }

    const inPlace: Array<[string, Record<string, unknown>]> = [
        ["the file size", { "incremental-crawl:maxFileSizeMb": "256" }],
        ["the warehouse", { "incremental-crawl:snowflakeWarehouse": "OTHER_WH" }],
        ["the task schedule", { "incremental-crawl:taskScheduleMinutes": "5" }],
        ["the task timeout", { "incremental-crawl:taskTimeoutMinutes": "30" }],
        [
            "a column added",
            { tables: (t: { columns: object[] }) => ({ columns: [...t.columns, { name: "CHANNEL", type: "VARCHAR(16)" }] }) },
        ],
        [
            "a column dropped and one retyped",
            {
                tables: {
                    columns: [
                        { name: "ORDER_ID", type: "NUMBER(38,0)", nullable: false },
                        { name: "ORDER_TS", type: "TIMESTAMP_TZ" },
                        { name: "AMOUNT", type: "NUMBER(18,4)" },
                    ],
                },
            },
        ],
        ["nothing", {}],
    ];
    for (const [what, over] of inPlace) {
        it(`keeps the stream and exports nothing twice when ${what} changes`, async () => {
            const dev = await stackGraph("dev");
            const g = await variant(over);
            assert.equal(streamName(g), streamName(dev));
            assert.equal(triggers(g), triggers(dev));
            assert.equal(location(g), location(dev), "the same export, extended in place");
        });
    }
});

describe("snowflake export: the backfill command's update", () => {
    const run = (env: Record<string, string>) => {
        const r = spawnSync("/bin/sh", ["-c", BACKFILL_KEEP_SUMMARY], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
    };

    it("prints the stored summary again, as pulumi-command passes it (PULUMI_COMMAND_STDOUT)", () => {
        const summary = JSON.stringify({ status: "ok", table: "ORDERS", rows: 5, files: 1, bytes: 10, queryId: "q", attempts: 1 });
        assert.equal(run({ PULUMI_COMMAND_STDOUT: summary }), summary);
    });

    it("prints nothing when nothing is stored (the provider then passes no PULUMI_COMMAND_STDOUT)", () => {
        assert.equal(run({}), "");
    });

    for (const [what, stored] of [
        ["an empty stdout, as an earlier `node -e 0` update left it", ""],
        ["text that is not a summary", "Traceback..."],
    ] as const) {
        it(`keeps the program evaluating after an update that stored ${what}`, async () => {
            const g = await graphOf({ stack: "dev", commandStdout: () => stored });
            const out = g.run.outputs.tables as Record<string, { backfill: unknown }>;
            assert.equal(out.orders.backfill, undefined, "no summary rather than a failed pulumi up");
        });
    }
});
