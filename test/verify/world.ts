/**
 * A fake deployed stack for the verify tests: `aws-sdk-client-mock` stubs of S3, SQS, Glue and
 * Athena driven by one mutable `World`, a fake Snowflake connection (counts, SHOW TASKS, SHOW
 * STREAMS, DESCRIBE TABLE and the unload log), and a fake clock whose
 * `sleep` only advances time. Each test starts from a healthy stack and breaks one thing.
 */
import {
    AthenaClient,
    GetQueryExecutionCommand,
    GetQueryResultsCommand,
    QueryExecutionState,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
    CrawlerRunningException,
    EntityNotFoundException,
    GetCrawlerCommand,
    GetPartitionsCommand,
    GetTableCommand,
    GetTablesCommand,
    GlueClient,
    Partition,
    StartCrawlerCommand,
} from "@aws-sdk/client-glue";
import { HeadObjectCommand, ListObjectsV2Command, ReplicationStatus, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import type { SqlConnection } from "@incremental-crawl/components/runtime";
import { CliDeps, defaultDeps, runCli } from "../../tools/verify/cli";
import { VerifyDeps } from "../../tools/verify/core";
import { StackOutputs } from "../../tools/verify/outputs";
import { unloadLogPartitionsSql } from "../../tools/verify/partition-rows";

export const BUCKET = "lake-dev-bucket";
export const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-queue";
export const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq";
export const CRAWLER = "incremental-crawl-dev-orders";
/** The orders table's current export, and its folder (where the Glue table points). */
export const EXPORT = "g1-0a1b2c3d";
export const PREFIX = `exports/orders/${EXPORT}/`;

/** The outputs of `pulumi stack output --json` for a one-table stack. */
export function stackOutputs(): StackOutputs {
    return {
        bucketName: BUCKET,
        exportPrefix: "exports",
        topicArn: "arn:aws:sns:eu-west-1:123456789012:lake-events",
        glueDatabase: "lake",
        athenaWorkgroup: "incremental-crawl-dev",
        snowflakeStage: '"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"',
        snowflakeIntegration: "INCREMENTAL_CRAWL_DEV_LAKE",
        snowflakeRoleArn: "arn:aws:iam::123456789012:role/incremental-crawl-dev-snowflake",
        replica: { bucketName: "lake-dev-replica-bucket", region: "eu-central-1" },
        tables: {
            orders: {
                snowflakeTable: "LAKE_EXPORT.EXPORT.ORDERS",
                s3Prefix: PREFIX,
                exportId: EXPORT,
                tablePrefix: "exports/orders/",
                queueUrl: QUEUE,
                deadLetterQueueUrl: DLQ,
                crawlerName: CRAWLER,
                glueTable: "orders",
                namedQueryId: "nq-1",
                streamName: "ORDERS_LAKE_0A1B2C3D",
                taskName: "ORDERS_LAKE_EXPORT",
                backfill: { status: "ok", rows: 1000, files: 3, bytes: 30_000, queryId: "01b0" },
            },
        },
    };
}

export interface World {
    /** Partition folders under the export's folder (`PREFIX`), and the objects in each. */
    folders: string[];
    objectsPerFolder: number;
    /** HeadObject's ReplicationStatus of each object (by key, in listing order); default COMPLETED. */
    replication?: (key: string, index: number) => ReplicationStatus | undefined;
    /** How long before the clock's start each object was written (by listing order); default a day. */
    objectAgeMs?: (index: number) => number;
    queue: { visible: number; inFlight: number };
    dlq: { visible: number; inFlight: number };
    /** Crawler states GetCrawler reports after StartCrawler, one per call; the last repeats. */
    crawlerStates: string[];
    crawlerStatus: "SUCCEEDED" | "FAILED" | "CANCELLED";
    crawlerError?: string;
    crawlerAlreadyRunning: boolean;
    glueTableExists: boolean;
    /** Where the Glue table points; default: the table's export folder. */
    glueTableLocation?: string;
    /** The Glue table's partition keys; default: dt. */
    gluePartitionKeys?: string[];
    /** An error GetQueueAttributes answers for the event queue. */
    queueError?: Error;
    /** Folders the catalog has partitions for. */
    partitions: string[];
    /** GetQueryExecution's states for each query, one per call; the last repeats. */
    athenaStates: string[];
    athenaReason?: string;
    /** What Athena's COUNT(*) answers. */
    athenaRows: number;
    /**
     * Rows per partition folder in the lake; Athena's GROUP BY counts those of catalogued folders
     * (`partitions`), the Hive default partition as NULL.
     */
    lakeRows: Record<string, number>;
    /** The unload log's rows per partition folder of the export, or a log table that does not exist. */
    unloadLog: Record<string, number> | "missing";
    /** What the log holds from its second read on (an unload committed meanwhile). */
    unloadLogLater?: Record<string, number>;
    /** A retained table: the log's rows of files unloaded since the query's time, per partition (default: all). */
    unloadLogKept?: Record<string, number>;
    snowflakeRows: number;
    snowflakeError?: Error;
    streamPending: number;
    taskState: string;
    /** The stream's row of SHOW STREAMS, or none. */
    stream: { stale: string; staleAfter: unknown } | "missing";
    /** What DESCRIBE TABLE of the table answers (rows as snowflake-sdk returns them). */
    describeRows?: Record<string, unknown>[];
}

/** The fake clock's start, and a day. */
export const START = 1_700_000_000_000;
export const DAY = 24 * 60 * 60 * 1000;

/** A healthy lake's rows per partition: 1,234 in all. */
const LAKE_ROWS: Record<string, number> = { "dt=2024-01-30": 600, "dt=2024-01-31": 600, "dt=__HIVE_DEFAULT_PARTITION__": 34 };

export function healthyWorld(): World {
    const folders = ["dt=2024-01-30", "dt=2024-01-31", "dt=__HIVE_DEFAULT_PARTITION__"];
    return {
        folders,
        objectsPerFolder: 2,
        queue: { visible: 3, inFlight: 0 },
        dlq: { visible: 0, inFlight: 0 },
        crawlerStates: ["RUNNING", "RUNNING", "STOPPING", "READY"],
        crawlerStatus: "SUCCEEDED",
        crawlerAlreadyRunning: false,
        glueTableExists: true,
        partitions: [...folders],
        athenaStates: ["QUEUED", "RUNNING", "SUCCEEDED"],
        athenaRows: 1234,
        lakeRows: { ...LAKE_ROWS },
        unloadLog: { ...LAKE_ROWS },
        snowflakeRows: 1234,
        streamPending: 0,
        taskState: "started",
        stream: { stale: "false", staleAfter: new Date(START + 10 * DAY) },
    };
}

function createMocks() {
    return { s3: mockClient(S3Client), sqs: mockClient(SQSClient), glue: mockClient(GlueClient), athena: mockClient(AthenaClient) };
}

/** The client mocks; they stub the clients' prototypes, so only between `startMocks` and `stopMocks`. */
export let mocks: ReturnType<typeof createMocks> | undefined;

export function startMocks(): void {
    mocks ??= createMocks();
}

export function stopMocks(): void {
    for (const m of Object.values(mocks ?? {})) m.restore();
    mocks = undefined;
}

/** Pages of at most `size` items, with continuation tokens `"1"`, `"2"`... */
function page<T>(items: T[], token: string | undefined, size: number): { items: T[]; next?: string } {
    const start = token ? Number(token) * size : 0;
    const next = start + size < items.length ? String(start / size + 1) : undefined;
    return { items: items.slice(start, start + size), next };
}

const PREV_CRAWL = new Date("2024-01-01T00:00:00Z");
const NEW_CRAWL = new Date("2024-02-01T00:00:00Z");

/** The keys of the export's objects, in listing order. */
export function objectKeys(w: World): string[] {
    return w.folders.flatMap((f) => Array.from({ length: w.objectsPerFolder }, (_, i) => `${PREFIX}${f}/data_0_0_${i}.snappy.parquet`));
}

/** Points the mocks at `w`; returns counters of what the code under test did. */
export function install(w: World) {
    startMocks();
    const m = mocks!;
    for (const x of Object.values(m)) x.reset();
    const prefix = PREFIX;
    const calls = { startCrawler: 0, getCrawler: 0, stopQuery: 0, heads: 0, sql: [] as string[], athena: [] as string[] };

    m.s3.on(ListObjectsV2Command).callsFake((input) => {
        if (input.Bucket !== BUCKET || input.Prefix !== prefix) throw new Error(`unexpected listing ${input.Bucket}/${input.Prefix}`);
        if (input.Delimiter === "/") {
            const p = page(w.folders, input.ContinuationToken, 2);
            return {
                CommonPrefixes: p.items.map((f) => ({ Prefix: `${prefix}${f}/` })),
                IsTruncated: p.next !== undefined,
                NextContinuationToken: p.next,
            };
        }
        const p = page(objectKeys(w), input.ContinuationToken, 4);
        return {
            Contents: p.items.map((Key) => ({
                Key,
                Size: 1000,
                LastModified: new Date(START - (w.objectAgeMs?.(objectKeys(w).indexOf(Key)) ?? DAY)),
            })),
            IsTruncated: p.next !== undefined,
            NextContinuationToken: p.next,
        };
    });
    m.s3.on(HeadObjectCommand).callsFake((input) => {
        const keys = objectKeys(w);
        const i = keys.indexOf(input.Key ?? "");
        if (input.Bucket !== BUCKET || i < 0) throw new Error(`unexpected HeadObject ${input.Bucket}/${input.Key}`);
        calls.heads += 1;
        const status = w.replication ? w.replication(input.Key!, i) : "COMPLETED";
        return { ContentLength: 1000, ...(status ? { ReplicationStatus: status } : {}) };
    });

    m.sqs.on(GetQueueAttributesCommand).callsFake((input) => {
        if (input.QueueUrl === QUEUE && w.queueError) throw w.queueError;
        const d = input.QueueUrl === QUEUE ? w.queue : input.QueueUrl === DLQ ? w.dlq : undefined;
        if (!d) throw new Error(`unexpected queue ${input.QueueUrl}`);
        return {
            Attributes: { ApproximateNumberOfMessages: String(d.visible), ApproximateNumberOfMessagesNotVisible: String(d.inFlight) },
        };
    });

    let started = false;
    let pollIndex = 0;
    m.glue.on(StartCrawlerCommand).callsFake((input) => {
        calls.startCrawler += 1;
        if (input.Name !== CRAWLER) throw new Error(`unexpected crawler ${input.Name}`);
        started = true;
        if (w.crawlerAlreadyRunning)
            throw new CrawlerRunningException({ message: `Crawler with name ${CRAWLER} has already started`, $metadata: {} });
        return {};
    });
    m.glue.on(GetCrawlerCommand).callsFake(() => {
        calls.getCrawler += 1;
        if (!started) {
            return {
                Crawler: {
                    Name: CRAWLER,
                    State: w.crawlerAlreadyRunning ? "RUNNING" : "READY",
                    LastCrawl: { Status: "SUCCEEDED", StartTime: PREV_CRAWL },
                },
            };
        }
        const state = w.crawlerStates[Math.min(pollIndex++, w.crawlerStates.length - 1)];
        const done = state === "READY";
        return {
            Crawler: {
                Name: CRAWLER,
                State: state,
                LastCrawl: done
                    ? {
                          Status: w.crawlerStatus,
                          ErrorMessage: w.crawlerError,
                          StartTime: NEW_CRAWL,
                          LogGroup: "/aws-glue/crawlers",
                          LogStream: CRAWLER,
                      }
                    : { Status: "SUCCEEDED", StartTime: PREV_CRAWL },
            },
        };
    });
    m.glue.on(GetTableCommand).callsFake((input) => {
        if (!w.glueTableExists) throw new EntityNotFoundException({ message: `Table ${input.Name} not found.`, $metadata: {} });
        return {
            Table: {
                Name: "orders",
                DatabaseName: "lake",
                StorageDescriptor: {
                    Location: w.glueTableLocation ?? `s3://${BUCKET}/${prefix}`,
                    Columns: [
                        { Name: "order_id", Type: "bigint" },
                        { Name: "amount", Type: "double" },
                    ],
                },
                PartitionKeys: (w.gluePartitionKeys ?? ["dt"]).map((Name) => ({ Name, Type: "string" })),
                Parameters: { classification: "parquet" },
            },
        };
    });
    m.glue.on(GetTablesCommand).resolves({ TableList: [] });
    m.glue.on(GetPartitionsCommand).callsFake((input) => {
        const all: Partition[] = w.partitions.map((f) => ({
            Values: [f.split("=")[1]],
            StorageDescriptor: { Location: `s3://${BUCKET}/${prefix}${f}/` },
        }));
        const p = page(all, input.NextToken, 2);
        return { Partitions: p.items, NextToken: p.next };
    });

    // Two queries: the COUNT(*) (qe-1) and the rows per partition (qe-2), each polled through athenaStates.
    const key = (w.gluePartitionKeys ?? ["dt"])[0] ?? "dt";
    const queries: Record<string, string> = {
        'SELECT COUNT(*) FROM "lake"."orders"': "qe-1",
        [`SELECT "${key}", COUNT(*) FROM "lake"."orders" GROUP BY 1`]: "qe-2",
    };
    const athenaPolls: Record<string, number> = {};
    m.athena.on(StartQueryExecutionCommand).callsFake((input) => {
        const id = queries[input.QueryString ?? ""];
        if (input.WorkGroup !== "incremental-crawl-dev" || id === undefined)
            throw new Error(`unexpected query ${input.QueryString} in ${input.WorkGroup}`);
        calls.athena.push(input.QueryString!);
        return { QueryExecutionId: id };
    });
    m.athena.on(GetQueryExecutionCommand).callsFake((input) => {
        const id = input.QueryExecutionId!;
        athenaPolls[id] = (athenaPolls[id] ?? 0) + 1;
        const state = w.athenaStates[Math.min(athenaPolls[id] - 1, w.athenaStates.length - 1)] as QueryExecutionState;
        return { QueryExecution: { QueryExecutionId: id, Status: { State: state, StateChangeReason: w.athenaReason } } };
    });
    m.athena.on(GetQueryResultsCommand).callsFake((input) => {
        if (input.QueryExecutionId === "qe-1") {
            return { ResultSet: { Rows: [{ Data: [{ VarCharValue: "_col0" }] }, { Data: [{ VarCharValue: String(w.athenaRows) }] }] } };
        }
        // Only catalogued partitions; the header on the first page only; two rows a page.
        const rows = Object.entries(w.lakeRows)
            .filter(([f]) => w.partitions.includes(f))
            .map(([f, n]) => {
                const value = f.slice(f.indexOf("=") + 1);
                return { Data: [value === "__HIVE_DEFAULT_PARTITION__" ? {} : { VarCharValue: value }, { VarCharValue: String(n) }] };
            });
        const p = page(rows, input.NextToken, 2);
        return {
            ResultSet: { Rows: [...(input.NextToken ? [] : [{ Data: [{ VarCharValue: key }, { VarCharValue: "_col1" }] }]), ...p.items] },
            NextToken: p.next,
        };
    });
    m.athena.on(StopQueryExecutionCommand).callsFake(() => {
        calls.stopQuery += 1;
        return {};
    });
    return calls;
}

/** The unload log's query for the orders export (`unloadLogPartitionsSql`). */
export const LOG_SQL =
    `SELECT REGEXP_SUBSTR("FILE_NAME", '([^/]+)/[^/]*$', 1, 1, 'e', 1) AS "PARTITION", SUM("ROW_COUNT") AS "ROW_COUNT", COUNT(*) AS "FILES" ` +
    `FROM "LAKE_EXPORT"."EXPORT"."LAKE_UNLOADS" WHERE "TABLE_NAME" = 'ORDERS' AND "EXPORT_ID" = '${EXPORT}' GROUP BY 1`;

/** The fake Snowflake connection: COUNT(*) of the table and the stream, SHOW TASKS, SHOW STREAMS, DESCRIBE TABLE, the unload log. */
export function fakeSnowflake(w: World, calls: { sql: string[] }): SqlConnection {
    let logReads = 0;
    return {
        execute: async (sqlText) => {
            calls.sql.push(sqlText);
            if (w.snowflakeError) throw w.snowflakeError;
            if (sqlText === `SHOW STREAMS LIKE 'ORDERS_LAKE_0A1B2C3D' IN SCHEMA "LAKE_EXPORT"."EXPORT"`) {
                const s = w.stream;
                return {
                    rows:
                        s === "missing"
                            ? []
                            : [
                                  {
                                      created_on: new Date(START - 30 * DAY),
                                      name: "ORDERS_LAKE_0A1B2C3D",
                                      mode: "APPEND_ONLY",
                                      stale: s.stale,
                                      stale_after: s.staleAfter,
                                  },
                              ],
                    queryId: "q5",
                };
            }
            const since = /'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'::TIMESTAMP_NTZ/.exec(sqlText)?.[1];
            if (
                since !== undefined &&
                sqlText === unloadLogPartitionsSql(["LAKE_EXPORT", "EXPORT", "LAKE_UNLOADS"], "ORDERS", EXPORT, since)
            ) {
                if (w.unloadLog === "missing")
                    throw new Error("SQL compilation error:\nObject 'LAKE_EXPORT.EXPORT.LAKE_UNLOADS' does not exist or not authorized.");
                const log = w.unloadLog;
                const rows = Object.entries(log).map(([f, n]) => ({
                    PARTITION: f,
                    ROW_COUNT: n,
                    FILES: w.objectsPerFolder,
                    KEPT_ROWS: w.unloadLogKept?.[f] ?? n,
                }));
                return { rows, queryId: "q7" };
            }
            if (sqlText === LOG_SQL) {
                if (w.unloadLog === "missing")
                    throw new Error("SQL compilation error:\nObject 'LAKE_EXPORT.EXPORT.LAKE_UNLOADS' does not exist or not authorized.");
                const log = logReads++ > 0 && w.unloadLogLater ? w.unloadLogLater : w.unloadLog;
                // As snowflake-sdk returns NUMBER aggregates: numbers, NULL for a file outside any folder.
                const rows = Object.entries(log).map(([f, n]) => ({ PARTITION: f, ROW_COUNT: n, FILES: w.objectsPerFolder }));
                return { rows, queryId: "q6" };
            }
            if (sqlText === 'SELECT COUNT(*) AS "ROW_COUNT" FROM "LAKE_EXPORT"."EXPORT"."ORDERS"')
                return { rows: [{ ROW_COUNT: w.snowflakeRows }], queryId: "q1" };
            if (sqlText === 'SELECT COUNT(*) AS "ROW_COUNT" FROM "LAKE_EXPORT"."EXPORT"."ORDERS_LAKE_0A1B2C3D"')
                return { rows: [{ ROW_COUNT: String(w.streamPending) }], queryId: "q2" };
            if (sqlText === `SHOW TASKS LIKE 'ORDERS_LAKE_EXPORT' IN SCHEMA "LAKE_EXPORT"."EXPORT"`)
                return { rows: [{ name: "ORDERS_LAKE_EXPORT", state: w.taskState }], queryId: "q3" };
            if (sqlText === 'DESCRIBE TABLE "LAKE_EXPORT"."EXPORT"."ORDERS"' && w.describeRows)
                return { rows: w.describeRows, queryId: "q4" };
            throw new Error(`unexpected SQL: ${sqlText}`);
        },
    };
}

/** A clock that only moves when slept on. */
export function fakeClock() {
    const clock = { t: START, sleeps: [] as number[] };
    return {
        clock,
        now: () => clock.t,
        sleep: async (ms: number) => {
            clock.sleeps.push(ms);
            clock.t += ms;
        },
    };
}

/** Everything `verifyStack` needs, wired to `w`. */
export function deps(w: World) {
    const calls = install(w);
    const { clock, now, sleep } = fakeClock();
    const progress: string[] = [];
    const d: VerifyDeps = {
        s3: new S3Client({ region: "eu-west-1" }),
        sqs: new SQSClient({ region: "eu-west-1" }),
        glue: new GlueClient({ region: "eu-west-1" }),
        athena: new AthenaClient({ region: "eu-west-1" }),
        snowflake: fakeSnowflake(w, calls),
        now,
        sleep,
        progress: (line) => progress.push(line),
    };
    return { deps: d, calls, clock, progress };
}

/** Runs the CLI against the mocked stack `w`, capturing its output. */
export async function cli(argv: string[], w: World = healthyWorld(), overrides: Partial<CliDeps> = {}) {
    const calls = install(w);
    const { now, sleep } = fakeClock();
    const out: string[] = [];
    const err: string[] = [];
    const regions: string[] = [];
    let closed = 0;
    const code = await runCli(argv, {
        env: {},
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        awsClients: (region) => {
            regions.push(region);
            return defaultDeps.awsClients(region);
        },
        checkAwsCredentials: async () => undefined,
        snowflake: () => ({
            conn: fakeSnowflake(w, calls),
            describe: "Snowflake account ORG-ACC as VERIFY",
            close: async () => void closed++,
        }),
        now,
        sleep,
        ...overrides,
    });
    return { code, stdout: out.join(""), stderr: err.join(""), regions, closed: () => closed, calls };
}
