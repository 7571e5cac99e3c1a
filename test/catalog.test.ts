import * as assert from "node:assert/strict";
import { CRAWLER_CATALOG_ACTIONS, CRAWLER_QUEUE_ACTIONS } from "../components/catalog/policy-documents";
import { CapturedResource, Graph, graphOf, policyOf, stackGraph } from "../offline";

const CRAWLER = "aws:glue/crawler:Crawler";
const QUEUE = "aws:sqs/queue:Queue";

function crawlerParts(g: Graph, table: string) {
    const crawler = g.ofType(CRAWLER).find((c) => c.inputs.name.endsWith(`-${table}`))!;
    const role = g.ofType("aws:iam/role:Role").find((r) => r.outputs.arn === crawler.inputs.role)!;
    const policy = g.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.outputs.name)!;
    const attachments = g.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => p.inputs.role === role.outputs.name);
    return { crawler, role, policy, attachments };
}

function checkCatalog(g: Graph, tables: string[], schedule: string | undefined, database: string) {
    const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket").outputs;
    const key = g.ofType("aws:kms/key:Key").find((k) => k.name.endsWith("-kms-key"))?.outputs.arn;

    assert.equal(g.one("aws:glue/catalogDatabase:CatalogDatabase").inputs.name, database);
    assert.equal(g.ofType(CRAWLER).length, tables.length, "one crawler per table");

    const queuesUsed = new Set<string>();
    for (const t of tables) {
        const { crawler, role, policy, attachments } = crawlerParts(g, t);
        const queue = g.one(QUEUE, `-${t}-queue`).outputs.arn;
        const dlq = g.one(QUEUE, `-${t}-dlq`).outputs.arn;
        const c = crawler.inputs;
        const table = g.one("aws:glue/catalogTable:CatalogTable", `-${t}-table`);
        assert.equal(c.recrawlPolicy.recrawlBehavior, "CRAWL_EVENT_MODE");
        assert.equal(c.s3Targets, undefined, "the crawler keeps the declared table, it does not infer one from a path");
        assert.equal(c.catalogTargets.length, 1, "event mode takes a single target");
        assert.deepEqual(c.catalogTargets[0] as unknown, {
            databaseName: database,
            tables: [t],
            eventQueueArn: queue,
            dlqEventQueueArn: dlq,
        });
        assert.ok(g.dependsOn(crawler, table), "the crawler's target exists before it");
        assert.equal(c.databaseName, database);
        assert.equal(c.schedule, schedule);
        assert.deepEqual(c.schemaChangePolicy, { updateBehavior: "LOG", deleteBehavior: "LOG" }, "the program owns the schema");
        assert.ok(!queuesUsed.has(queue), "a queue feeds exactly one crawler");
        queuesUsed.add(queue);

        const cfg = JSON.parse(c.configuration);
        assert.deepEqual(cfg, {
            Version: 1.0,
            Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
            CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
        });

        // The declared table: Parquet at the current export's folder, partitioned by the table's key.
        const ti = table.inputs;
        assert.equal(ti.name, t);
        assert.equal(ti.databaseName, database);
        assert.equal(ti.tableType, "EXTERNAL_TABLE");
        assert.match(ti.storageDescriptor.location, new RegExp(`^s3://${bucket.bucket}/exports/${t}/g1-[0-9a-f]{8}/$`));
        assert.equal(ti.storageDescriptor.serDeInfo.serializationLibrary, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
        assert.equal(ti.partitionKeys.length, 1);
        assert.equal(ti.partitionKeys[0].type, "string");
        assert.ok(ti.storageDescriptor.columns.length > 0);
        assert.deepEqual(
            table.replaceOnChanges,
            ["storageDescriptor.location"],
            "a new export replaces the table, and its partitions with it",
        );
        // The stack outputs name the same folder, its export id and the table's folder (for `npm run verify`).
        const out = (g.run.outputs.tables as Record<string, any>)[t];
        assert.equal(`s3://${bucket.bucket}/${out.s3Prefix}`, ti.storageDescriptor.location);
        assert.equal(out.tablePrefix, `exports/${t}/`);
        assert.equal(out.s3Prefix, `${out.tablePrefix}${out.exportId}/`);
        assert.match(out.streamName, new RegExp(`_LAKE_${out.exportId.slice(3).toUpperCase()}$`));
        assert.equal(table.deleteBeforeReplace, true, "a fixed name: the replacement deletes first");
        assert.equal(table.retainOnDelete, false, "a retained old table would collide with its delete-first replacement");
        assert.deepEqual(table.ignoreChanges, ["parameters", "storageDescriptor.parameters"]);

        assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
            { Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        assert.deepEqual(attachments, [], "no managed policy: AWSGlueServiceRole grants glue:* on * and every bucket's listing");
        assert.ok(g.dependsOn(crawler, policy), "crawler after its role policy (Glue checks the queue at creation)");

        // The role's own policy names only its queue, its DLQ, its prefix (and the lake key).
        const doc = policyOf(policy);
        const resources = new Set(doc.Statement.flatMap((s: any) => [s.Resource].flat()));
        const G = `arn:aws:glue:${g.run.config["aws:region"]}:123456789012`;
        // With the lake key the crawler logs to its own encrypted group (crawler-log-encryption.test.ts).
        const group = key
            ? `/aws-glue/crawlers-role/${role.outputs.name}-${g.one("aws:glue/securityConfiguration:SecurityConfiguration").inputs.name}`
            : "/aws-glue/crawlers";
        const LOGS = `arn:aws:logs:${g.run.config["aws:region"]}:123456789012:log-group:${group}`;
        const expected = new Set([
            queue,
            dlq,
            `${bucket.arn}/exports/${t}/*`,
            bucket.arn,
            `${G}:catalog`,
            `${G}:database/${database}`,
            `${G}:table/${database}/${t}`,
            `${G}:table/${database}/*`,
            LOGS,
            `${LOGS}:*`,
            `${LOGS}:log-stream:${c.name}`,
            ...(key ? [key] : []),
        ]);
        assert.deepEqual(
            doc.Statement.find((s: any) => s.Sid === "ListStackGlueTables").Action,
            "glue:GetTables",
            "the database-wide grant is the read-only listing",
        );
        assert.deepEqual(resources, expected);
        const list = doc.Statement.find((s: any) => s.Action === "s3:ListBucket");
        assert.deepEqual(list.Condition.StringLike["s3:prefix"], [`exports/${t}/`, `exports/${t}/*`]);
        assert.deepEqual(doc.Statement.find((s: any) => s.Sid === "ConsumeOwnEventQueue").Action, CRAWLER_QUEUE_ACTIONS);
        assert.deepEqual(doc.Statement.find((s: any) => s.Sid === "KeepOwnGlueTable").Action, CRAWLER_CATALOG_ACTIONS);
        const actions: string[] = doc.Statement.flatMap((s: any) => [s.Action].flat());
        const plain = actions.filter((a) => !a.startsWith("kms:"));
        assert.ok(!plain.some((a) => /Put(?!LogEvents)|Delete(?!Message)|SendMessage|CreateTable|\*/.test(a)), plain.join(","));
        const decrypt = doc.Statement.find((s: any) => s.Sid === "DecryptWithLakeKey");
        const unconditioned = doc.Statement.filter((s: any) => !s.Condition).flatMap((s: any) => [s.Action].flat());
        if (key) {
            assert.deepEqual(decrypt, { Sid: "DecryptWithLakeKey", Effect: "Allow", Action: "kms:Decrypt", Resource: key });
            const kms = unconditioned.filter((a: string) => a.startsWith("kms:")).sort();
            assert.deepEqual(kms, ["kms:Decrypt", "kms:DescribeKey"], "it encrypts nothing outside its log group's context");
        } else assert.ok(!actions.some((a) => a.startsWith("kms:")), "KMS only with the lake key");
    }

    const wg = g.one("aws:athena/workgroup:Workgroup").inputs;
    assert.equal(wg.configuration.enforceWorkgroupConfiguration, true);
    assert.equal(wg.configuration.resultConfiguration.outputLocation, `s3://${bucket.bucket}/athena-results/`);
    assert.deepEqual(
        wg.configuration.resultConfiguration.encryptionConfiguration,
        key ? { encryptionOption: "SSE_KMS", kmsKeyArn: key } : { encryptionOption: "SSE_S3" },
    );

    const queries = g.ofType("aws:athena/namedQuery:NamedQuery");
    assert.equal(queries.length, tables.length);
    for (const t of tables) {
        const q = queries.find((x) => x.name.endsWith(`-${t}-rows`))!;
        assert.equal(q.inputs.workgroup, wg.name);
        assert.match(q.inputs.query, new RegExp(`FROM "${database}"\\."${t}"`));
    }
}

describe("catalog", () => {
    it("dev: one event-mode crawler on the default daily safety-net schedule (besides its crawls on arrival), wired to its own queue", async () => {
        checkCatalog(await stackGraph("dev"), ["orders"], "cron(15 3 * * ? *)", "lake_dev");
    });

    it("prod: crawlers with the daily safety-net schedule, KMS decrypt on the lake key", async () => {
        const g = await stackGraph("prod");
        checkCatalog(g, ["orders", "customers"], "cron(15 3 * * ? *)", "lake");
        assert.equal(g.one("aws:glue/catalogDatabase:CatalogDatabase").retainOnDelete, true);
    });

    it("three tables make three crawlers, each on its own queue and prefix", async () => {
        const dev = await stackGraph("dev");
        const base = JSON.parse(dev.run.config["incremental-crawl:tables"])[0];
        const g = await graphOf({
            stack: "dev",
            config: { "incremental-crawl:tables": [base, { ...base, name: "RETURNS" }, { ...base, name: "SHIPMENTS" }] },
        });
        checkCatalog(g, ["orders", "returns", "shipments"], "cron(15 3 * * ? *)", "lake_dev");
        const outputs = g.run.outputs.tables as Record<string, any>;
        assert.deepEqual(Object.keys(outputs), ["orders", "returns", "shipments"]);
        assert.equal(outputs.returns.crawlerName, "incremental-crawl-dev-returns");
        assert.equal(g.run.outputs.glueDatabase, "lake_dev");
        assert.equal(g.run.outputs.athenaWorkgroup, "incremental-crawl-dev");
    });

    it("refuses a table name that is not a valid Glue/Athena name, before declaring anything", async () => {
        const dev = await stackGraph("dev");
        const base = JSON.parse(dev.run.config["incremental-crawl:tables"])[0];
        await assert.rejects(
            graphOf({ stack: "dev", config: { "incremental-crawl:tables": [{ ...base, name: "ORDER-LINES" }] } }),
            (e: any) =>
                /tables\[0\]\.name: expected an upper-case Snowflake identifier.*got "ORDER-LINES"/.test(e.message) &&
                e.registered.length === 0,
        );
    });

    it("names no other table's queue or prefix in any crawler policy", async () => {
        const g = await stackGraph("prod");
        const orders = policyOf(crawlerParts(g, "orders").policy);
        const text = JSON.stringify(orders);
        assert.ok(!text.includes("customers"), text);
        const unused: CapturedResource = g.one(QUEUE, "-customers-queue");
        assert.ok(!text.includes(unused.outputs.arn));
    });
});

describe("names within the services' limits", () => {
    it("deploys the longest stack and table names the config accepts", async () => {
        const dev = await stackGraph("dev");
        const base = JSON.parse(dev.run.config["incremental-crawl:tables"])[0];
        const long = `T${"X".repeat(126)}1`;
        const g = await graphOf({
            stack: "s1234567890123456789",
            config: {
                "aws:region": "eu-west-1",
                "incremental-crawl:tables": [
                    { ...base, name: long },
                    { ...base, name: `${long.slice(0, -1)}2` },
                ],
            },
        });
        const roles = g.ofType("aws:iam/role:Role").map((r) => r.outputs.name as string);
        const queues = g.ofType("aws:sqs/queue:Queue").map((r) => r.outputs.name as string);
        assert.ok(
            roles.every((n) => n.length <= 64),
            roles.join(", "),
        );
        assert.ok(
            queues.every((n) => n.length <= 80),
            queues.join(", "),
        );
        const tableQueues = g
            .ofType("aws:sqs/queue:Queue")
            .filter((r) => !r.name.endsWith("-lake-undelivered"))
            .map((r) => r.outputs.name as string);
        assert.equal(new Set(tableQueues).size, 4, "two tables sharing a long prefix still get distinct queues");
        for (const r of g.ofType("aws:cloudwatch/eventRule:EventRule")) assert.ok(r.outputs.name.length <= 64, r.outputs.name);
        const arrivalRules = g
            .ofType("aws:cloudwatch/eventRule:EventRule")
            .filter((r) => r.name.endsWith("-arrival-rule"))
            .map((r) => r.outputs.name);
        assert.equal(new Set(arrivalRules).size, 2, "two tables sharing a long prefix still get distinct arrival rules");
        for (const c of g.ofType(CRAWLER)) assert.ok(c.inputs.name.length <= 255);
    });
});
