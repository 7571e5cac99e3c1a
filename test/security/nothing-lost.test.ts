/**
 * Nothing lost: prod's data outlives `pulumi destroy`, events a crawler cannot process land in a
 * dead-letter queue, and no unload path deletes or overwrites objects. That crawlers never delete
 * catalog tables (deleteBehavior LOG) is asserted in catalog.test.ts; that the replica keeps what a
 * delete in the lake removes, in audit-recovery.test.ts.
 */
import * as assert from "node:assert/strict";
import { CapturedResource, Graph, ProgramRun, stackGraph } from "../../offline";

/** The tables' declared retentions, by their folder's key prefix (`exports/customers/`). */
const declaredRetention = (run: ProgramRun): Record<string, number> =>
    Object.fromEntries(
        (JSON.parse(run.config["incremental-crawl:tables"]) as any[])
            .filter((t) => t.retentionDays !== undefined)
            .map((t) => [`${run.config["incremental-crawl:exportPrefix"] ?? "exports"}/${String(t.name).toLowerCase()}/`, t.retentionDays]),
    );

/** Upper-case words of a SQL text outside string literals and quoted identifiers. */
function keywords(sqlText: string): string[] {
    const bare = sqlText.replace(/'(?:[^'\\]|''|\\.)*'/g, " ").replace(/"(?:[^"]|"")*"/g, " ");
    return bare.toUpperCase().match(/[A-Z_]+/g) ?? [];
}

/** Every SQL statement the unload paths run: the backfill's session and COPY statements, and each task's. */
function unloadSql(g: Graph): Array<{ where: string; sql: string }> {
    const out: Array<{ where: string; sql: string }> = [];
    for (const c of g.ofType("command:local:Command")) {
        const env = c.inputs.environment as Record<string, string>;
        out.push({ where: `${c.name} BACKFILL_COPY_SQL`, sql: env.BACKFILL_COPY_SQL });
        for (const s of JSON.parse(env.BACKFILL_SESSION_SQL ?? "[]") as string[])
            out.push({ where: `${c.name} BACKFILL_SESSION_SQL`, sql: s });
    }
    for (const t of g.ofType("snowflake:index/task:Task")) out.push({ where: `${t.name} sqlStatement`, sql: t.inputs.sqlStatement });
    return out;
}

for (const stack of ["dev", "prod"] as const) {
    describe(`security: nothing lost in ${stack}`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        if (stack === "prod") {
            it("keeps the lake bucket, its key, its replica and access logs, the Glue database and the Snowflake data on destroy", () => {
                const buckets = g.ofType("aws:s3/bucket:Bucket");
                assert.deepEqual(buckets.map((b) => b.name.replace(/^incremental-crawl-prod-/, "")).sort(), [
                    "access-logs",
                    "lake-bucket",
                    "replica-bucket",
                    "replica-logs",
                ]);
                for (const bucket of buckets) {
                    assert.equal(bucket.retainOnDelete, true, `${bucket.name} retainOnDelete`);
                    assert.notEqual(bucket.inputs.forceDestroy, true, `${bucket.name}: a retained bucket must not be force-destroyable`);
                }
                const keys = g.ofType("aws:kms/key:Key");
                assert.equal(keys.length, 2, "the lake key and the replica's key");
                for (const key of keys)
                    assert.equal(key.retainOnDelete, true, `${key.name}: a deleted key makes every object it encrypted unreadable`);
                assert.equal(g.one("aws:glue/catalogDatabase:CatalogDatabase").retainOnDelete, true);
                assert.equal(g.one("snowflake:index/database:Database").retainOnDelete, true);
                for (const t of g.ofType("snowflake:index/table:Table")) assert.equal(t.retainOnDelete, true, t.name);
                assert.equal(
                    g.one("snowflake:index/storageIntegration:StorageIntegration").protect,
                    true,
                    "replacing the integration changes its external id",
                );
            });

            it("versions the bucket: an overwritten or deleted object keeps its previous version for noncurrentVersionDays", () => {
                assert.equal(g.one("aws:s3/bucketVersioning:BucketVersioning", "-lake-").inputs.versioningConfiguration.status, "Enabled");
                const rules = g.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-lake-").inputs.rules as any[];
                const noncurrent = rules.filter((r) => r.noncurrentVersionExpiration);
                assert.ok(noncurrent.length >= 1);
                for (const r of noncurrent)
                    assert.equal(
                        r.noncurrentVersionExpiration.noncurrentDays,
                        Number(g.run.config["incremental-crawl:noncurrentVersionDays"]),
                        `rule ${r.id}`,
                    );
                const declared = declaredRetention(g.run);
                for (const r of rules.filter((x) => x.expiration?.days !== undefined)) {
                    assert.ok(
                        r.filter?.prefix === "athena-results/" || declared[r.filter?.prefix] === r.expiration.days,
                        `rule ${r.id} expires ${r.filter?.prefix}`,
                    );
                }
            });
        } else {
            it("is disposable: the bucket is emptied and removed on destroy (dev keeps nothing by design)", () => {
                const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket");
                assert.equal(bucket.retainOnDelete, false);
                assert.equal(bucket.inputs.forceDestroy, true);
            });
        }

        it("has no lifecycle rule that expires current objects under the export prefix, but a table's declared retention", () => {
            const exportPrefix = `${g.one("aws:s3/bucketNotification:BucketNotification").inputs.topics[0].filterPrefix}`;
            assert.ok(exportPrefix.endsWith("/") && exportPrefix.length > 1);
            const declared = declaredRetention(g.run);
            for (const lifecycle of g.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")) {
                for (const rule of lifecycle.inputs.rules as any[]) {
                    const prefix: string = rule.filter?.prefix ?? rule.prefix ?? "";
                    const overlaps = exportPrefix.startsWith(prefix) || prefix.startsWith(exportPrefix);
                    const expiresCurrent = rule.expiration?.days !== undefined || rule.expiration?.date !== undefined;
                    const isDeclared = declared[prefix] !== undefined && declared[prefix] === rule.expiration?.days;
                    assert.ok(
                        !(overlaps && expiresCurrent && rule.status === "Enabled" && !isDeclared),
                        `${lifecycle.name}: rule ${rule.id} expires current objects under ${exportPrefix}`,
                    );
                }
            }
        });

        it("sends what a crawler cannot process to its dead-letter queue", () => {
            const queues = g.ofType("aws:sqs/queue:Queue");
            const byArn = (arn: string): CapturedResource => {
                const q = queues.find((x) => x.outputs.arn === arn);
                assert.ok(q, `no queue ${arn}`);
                return q;
            };
            const topicArn = g.one("aws:s3/bucketNotification:BucketNotification").inputs.topics[0].topicArn;
            const subscribed = g
                .ofType("aws:sns/topicSubscription:TopicSubscription")
                .filter((s) => s.inputs.topic === topicArn)
                .map((s) => s.inputs.endpoint);
            for (const c of g.ofType("aws:glue/crawler:Crawler")) {
                const [target] = [...(c.inputs.s3Targets ?? []), ...(c.inputs.catalogTargets ?? [])] as any[];
                const queue = byArn(target.eventQueueArn);
                assert.ok(target.dlqEventQueueArn, `${c.name} has no dlqEventQueueArn`);
                const dlq = byArn(target.dlqEventQueueArn);
                const redrive = JSON.parse(queue.inputs.redrivePolicy);
                assert.equal(redrive.deadLetterTargetArn, dlq.outputs.arn, `${queue.name} redrives to the crawler's DLQ`);
                assert.ok(Number.isInteger(redrive.maxReceiveCount) && redrive.maxReceiveCount >= 1);
                assert.equal(dlq.inputs.redrivePolicy, undefined, "a DLQ redrives nowhere");
                // SQS keeps a standard queue's message until its original enqueue time plus the DLQ's
                // retention: the DLQ must keep messages at least as long as its source queue.
                assert.ok(dlq.inputs.messageRetentionSeconds >= queue.inputs.messageRetentionSeconds, `${dlq.name} retention`);
                assert.ok(subscribed.includes(queue.outputs.arn), `${queue.name} is subscribed to the lake topic`);
                assert.ok(!subscribed.includes(dlq.outputs.arn), `${dlq.name} must not receive events directly`);
            }
        });

        it("unloads without OVERWRITE, SINGLE, PURGE or INCLUDE_QUERY_ID=FALSE, and runs no deleting statement", () => {
            const statements = unloadSql(g);
            assert.ok(statements.some((s) => s.sql.startsWith("COPY INTO @")));
            for (const { where, sql: text } of statements) {
                const words = keywords(text);
                for (const bad of ["OVERWRITE", "SINGLE", "PURGE", "REMOVE", "DELETE", "TRUNCATE", "DROP", "MERGE", "UPDATE"]) {
                    assert.ok(!words.includes(bad), `${where} contains ${bad}:\n${text}`);
                }
                // INCLUDE_QUERY_ID keeps its default (TRUE with PARTITION BY): each run writes new file names.
                assert.ok(!words.includes("INCLUDE_QUERY_ID"), `${where} sets INCLUDE_QUERY_ID:\n${text}`);
                if (text.startsWith("COPY INTO"))
                    assert.ok(words.includes("PARTITION"), `${where}: PARTITION BY keeps INCLUDE_QUERY_ID on`);
            }
        });

        it("gives the backfill command no delete (destroying the stack never removes unloaded data)", () => {
            for (const c of g.ofType("command:local:Command")) {
                assert.equal(c.inputs.delete, undefined, c.name);
                assert.doesNotMatch(String(c.inputs.create), /\b(rm|aws s3 rm|REMOVE|PURGE)\b/);
            }
        });
    });
}
