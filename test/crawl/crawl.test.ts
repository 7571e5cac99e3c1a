/**
 * `npm run crawl` against mocked AWS SDK clients (aws-sdk-client-mock): a fake deployed stack of
 * two tables whose crawlers behave as event-mode crawlers do (a run catalogues the folders whose
 * events are in the queue, nothing else), a fake clock whose sleep only advances time. Each test
 * starts from a healthy stack and changes one thing.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    BatchCreatePartitionCommand,
    CrawlerRunningException,
    EntityNotFoundException,
    GetCrawlerCommand,
    GetCrawlerMetricsCommand,
    GetPartitionsCommand,
    GetTableCommand,
    GlueClient,
    PartitionInput,
    StartCrawlerCommand,
} from "@aws-sdk/client-glue";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CrawlCliDeps, runCli } from "../../tools/crawl/cli";
import { crawlExitCode, formatCrawlReport, TableCrawl } from "../../tools/crawl/core";
import { StackOutputs } from "../../tools/verify/outputs";

const BUCKET = "lake-dev-bucket";
const DATABASE = "lake_dev";
const TABLES = ["orders", "customers"] as const;
type Name = (typeof TABLES)[number];
const prefixOf = (t: Name) => `exports/${t}/g1-0a1b2c3d/`;
const crawlerOf = (t: Name) => `incremental-crawl-dev-${t}`;

function outputs(): StackOutputs {
    return {
        bucketName: BUCKET,
        exportPrefix: "exports",
        topicArn: "arn:aws:sns:eu-west-1:123456789012:lake-events",
        glueDatabase: DATABASE,
        athenaWorkgroup: "wg",
        tables: Object.fromEntries(
            TABLES.map((t) => [
                t,
                {
                    snowflakeTable: `LAKE_EXPORT.EXPORT.${t.toUpperCase()}`,
                    s3Prefix: prefixOf(t),
                    exportId: "g1-0a1b2c3d",
                    tablePrefix: `exports/${t}/`,
                    queueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${t}`,
                    deadLetterQueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${t}-dlq`,
                    crawlerName: crawlerOf(t),
                    glueTable: t,
                },
            ]),
        ),
    };
}

interface TableWorld {
    /** Folders under the export's folder in S3. */
    folders: string[];
    /** Folders the Glue table has partitions for. */
    partitions: string[];
    /** Folders whose S3 events wait in the table's queue: the next run catalogues them. */
    queued: string[];
    /** GetCrawler states a run goes through after it starts, one per poll; the last repeats. */
    states: string[];
    status: "SUCCEEDED" | "FAILED" | "CANCELLED";
    error?: string;
    /** A run was in progress before the command started. */
    running: boolean;
    /** What StartCrawler answers instead of starting. */
    startError?: Error;
}

type World = Record<Name, TableWorld>;

function healthy(): World {
    const one = (n: number): TableWorld => {
        const folders = Array.from({ length: n }, (_, i) => `dt=2024-01-${String(i + 1).padStart(2, "0")}`);
        return {
            folders,
            partitions: folders.slice(0, n - 2),
            queued: folders.slice(n - 2),
            states: ["RUNNING", "RUNNING", "STOPPING", "READY"],
            status: "SUCCEEDED",
            running: false,
        };
    };
    return { orders: one(5), customers: one(3) };
}

const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const PREV = new Date("2024-01-01T00:00:00Z");
const NEXT = new Date("2024-02-01T00:00:00Z");

/** Points the mocks at `w`; returns what the command asked of AWS. */
function install(w: World) {
    glue.reset();
    s3.reset();
    const calls = { created: [] as PartitionInput[][], started: [] as string[], partitionPages: 0 };
    const tableOf = (name: string | undefined): TableWorld => {
        const t = TABLES.find((x) => x === name || crawlerOf(x) === name);
        if (!t) throw new EntityNotFoundException({ message: `no ${name}`, $metadata: {} });
        return w[t];
    };
    const runs = new Map<TableWorld, { polls: number; done: boolean }>();

    glue.on(GetPartitionsCommand).callsFake((input) => {
        if (input.DatabaseName !== DATABASE)
            throw new EntityNotFoundException({ message: `no database ${input.DatabaseName}`, $metadata: {} });
        assert.equal(input.ExcludeColumnSchema, true, "counting partitions needs no column schemas");
        calls.partitionPages += 1;
        const all = tableOf(input.TableName).partitions;
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const page = all.slice(start, start + 100);
        return {
            Partitions: page.map((f) => ({ Values: [f.split("=")[1]] })),
            NextToken: start + 100 < all.length ? String(start + 100) : undefined,
        };
    });
    glue.on(GetTableCommand).callsFake((input) => {
        tableOf(input.Name);
        return {
            Table: {
                Name: input.Name,
                PartitionKeys: [{ Name: "dt", Type: "string" }],
                StorageDescriptor: { Location: `s3://${BUCKET}/${prefixOf(input.Name as Name)}`, Columns: [] },
            },
        };
    });
    glue.on(BatchCreatePartitionCommand).callsFake((input) => {
        const t = tableOf(input.TableName);
        calls.created.push(input.PartitionInputList ?? []);
        const errors = [];
        for (const p of input.PartitionInputList ?? []) {
            const folder = `dt=${p.Values![0]}`;
            if (t.partitions.includes(folder))
                errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: "AlreadyExistsException" } });
            else t.partitions.push(folder);
        }
        return { Errors: errors };
    });
    glue.on(StartCrawlerCommand).callsFake((input) => {
        const t = tableOf(input.Name);
        if (t.startError) throw t.startError;
        calls.started.push(input.Name!);
        if (t.running) throw new CrawlerRunningException({ message: `Crawler with name ${input.Name} has already started`, $metadata: {} });
        runs.set(t, { polls: 0, done: false });
        return {};
    });
    glue.on(GetCrawlerCommand).callsFake((input) => {
        const t = tableOf(input.Name);
        let run = runs.get(t);
        if (!run && t.running) runs.set(t, (run = { polls: 0, done: false }));
        if (!run) return { Crawler: { Name: input.Name, State: "READY", LastCrawl: { Status: "SUCCEEDED", StartTime: PREV } } };
        const state = t.states[Math.min(run.polls++, t.states.length - 1)];
        if (state === "READY" && !run.done) {
            run.done = true;
            // An event-mode run catalogues the folders whose events are queued, and empties the queue.
            if (t.status === "SUCCEEDED") t.partitions.push(...t.queued.filter((f) => !t.partitions.includes(f)));
            t.queued = [];
        }
        return {
            Crawler: {
                Name: input.Name,
                State: state,
                LastCrawl:
                    state === "READY"
                        ? {
                              Status: t.status,
                              StartTime: NEXT,
                              ErrorMessage: t.error,
                              LogGroup: "/aws-glue/crawlers",
                              LogStream: input.Name,
                          }
                        : { Status: "SUCCEEDED", StartTime: PREV },
            },
        };
    });
    glue.on(GetCrawlerMetricsCommand).callsFake((input) => ({
        CrawlerMetricsList: (input.CrawlerNameList ?? []).map((n: string) => ({
            CrawlerName: n,
            TablesCreated: 0,
            TablesUpdated: 1,
            TablesDeleted: 0,
            LastRuntimeSeconds: 75,
        })),
    }));
    s3.on(ListObjectsV2Command).callsFake((input) => {
        assert.equal(input.Bucket, BUCKET);
        assert.equal(input.Delimiter, "/");
        const t = TABLES.find((x) => prefixOf(x) === input.Prefix);
        if (!t) throw new Error(`unexpected listing ${input.Prefix}`);
        const all = w[t].folders;
        const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
        const next = start + 2 < all.length ? String(start + 2) : undefined;
        return {
            CommonPrefixes: all.slice(start, start + 2).map((f) => ({ Prefix: `${input.Prefix}${f}/` })),
            IsTruncated: next !== undefined,
            NextContinuationToken: next,
        };
    });
    return calls;
}

/** Runs the command, on a fake clock, against the mocked stack `world`, or a healthy one that `world` changes. */
async function crawl(argv: string[], world: World | ((w: World) => void) = healthy(), overrides: Partial<CrawlCliDeps> = {}) {
    const w = typeof world === "function" ? healthy() : world;
    if (typeof world === "function") world(w);
    const calls = install(w);
    let now = 1_700_000_000_000;
    const slept: number[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
        env: {},
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        readFile: () => JSON.stringify(outputs()),
        stackOutputs: async () => JSON.stringify(outputs()),
        awsClients: (region) => ({ glue: new GlueClient({ region }), s3: new S3Client({ region }) }),
        checkAwsCredentials: async () => undefined,
        now: () => now,
        sleep: async (ms) => {
            slept.push(ms);
            now += ms;
        },
        stacks: () => ["dev", "prod"],
        ...overrides,
    });
    return { code, stdout: out.join(""), stderr: err.join(""), calls, slept, world: w };
}

/** The report as one line: wrapped notes read whole. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * The report's row of `table` as cells: columns sliced at the offsets of the rule under the header,
 * a wrapped cell's continuation lines (first column blank) joined back, empty cells dropped.
 */
function row(stdout: string, table: string): string[] {
    const lines = stdout.split("\n");
    const rule = lines.findIndex((l) => /^-+( {2}-+)+$/.test(l));
    const starts = [...lines[rule].matchAll(/-+/g)].map((m) => m.index!);
    const rows: string[][] = [];
    for (const line of lines.slice(rule + 1)) {
        if (line.trim() === "") break;
        const cells = starts.map((s, i) => line.slice(s, starts[i + 1]).trim());
        if (cells[0] === "" && rows.length > 0)
            rows[rows.length - 1] = rows[rows.length - 1].map((c, i) => [c, cells[i]].filter(Boolean).join(" "));
        else rows.push(cells);
    }
    return (rows.find((r) => r[0] === table) ?? []).filter((c) => c !== "");
}

describe("crawl: a crawl on demand", () => {
    after(() => {
        glue.restore();
        s3.restore();
    });

    it("starts every table's crawler, shows each run's progress, and ends with what it did", async () => {
        const r = await crawl(["--stack", "dev", "--wait"]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.deepEqual(r.calls.started.sort(), [crawlerOf("customers"), crawlerOf("orders")]);
        assert.match(r.stderr, /^crawl: stack dev, 2 tables \(orders, customers\), region eu-west-1; wait up to 900s each\n/);
        assert.match(r.stderr, /\[orders\] crawler incremental-crawl-dev-orders started\n/);
        assert.match(r.stderr, /\[orders\] crawler incremental-crawl-dev-orders: RUNNING, 0s elapsed\n/);
        assert.match(r.stderr, /\[orders\] crawler incremental-crawl-dev-orders: STOPPING, \d+m?\d*s? elapsed\n/);
        assert.ok(r.slept.length >= 3 && r.slept.every((ms) => ms === 15_000), "polls every 15 s, on the fake clock");
        // The runs catalogued the folders whose events were queued: counted, not taken from the metrics.
        assert.deepEqual(row(r.stdout, "orders"), ["orders", "SUCCEEDED (started, 1m15s)", "3 → 5 (+2)", "1 updated"]);
        assert.doesNotMatch(r.stdout, /Notes:/, "nothing more to say");
        assert.deepEqual(row(r.stdout, "customers").slice(0, 3), ["customers", "SUCCEEDED (started, 1m15s)", "1 → 3 (+2)"]);
        assert.match(r.stdout, /\n2 crawls: 2 succeeded\n$/);
    });

    it("reports a crawler already running, joins its run, and is not an error", async () => {
        const r = await crawl(["--stack", "dev", "--wait", "--table", "orders"], (w) => (w.orders.running = true));
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(
            r.stderr,
            /\[orders\] crawler incremental-crawl-dev-orders is already running \(CrawlerRunningException\): waiting for that run/,
        );
        assert.deepEqual(row(r.stdout, "orders").slice(0, 3), ["orders", "SUCCEEDED (joined the run in progress, 1m15s)", "3 → 5 (+2)"]);
        assert.doesNotMatch(r.stdout, /customers/, "--table crawls that table only");
    });

    it("exits 1 when a crawl fails, with Glue's message and the run's logs", async () => {
        const w = healthy();
        w.customers.status = "FAILED";
        w.customers.error = "Service Principal: glue.amazonaws.com is not authorized to perform: sqs:ReceiveMessage";
        const r = await crawl(["--stack", "dev", "--wait"], w);
        assert.equal(r.code, 1);
        const cells = row(r.stdout, "customers");
        assert.equal(cells[1], "FAILED (started, 1m15s)");
        assert.equal(cells[2], "1 → 1 (+0)");
        assert.match(
            flat(r.stdout),
            /Notes: customers: Service Principal: glue\.amazonaws\.com is not authorized to perform: sqs:ReceiveMessage customers: logs: \/aws-glue\/crawlers \/ incremental-crawl-dev-customers/,
        );
        assert.match(r.stdout, /2 crawls: 1 succeeded, 1 failed/);
    });

    it("exits 1 when a run outlasts --timeout-seconds, without waiting for real", async () => {
        const argv = ["--stack", "dev", "--wait", "--table", "orders", "--timeout-seconds", "60"];
        const r = await crawl(argv, (w) => (w.orders.states = ["RUNNING"]));
        assert.equal(r.code, 1);
        assert.match(
            flat(r.stdout),
            /orders: crawler incremental-crawl-dev-orders still RUNNING after 1m \(--timeout-seconds 60\); the run goes on/,
        );
        assert.equal(
            r.slept.reduce((a, b) => a + b, 0),
            60_000,
        );
    });

    it("exits 2 when a crawler cannot be started, and still reports the others", async () => {
        const w = healthy();
        w.orders.startError = Object.assign(
            new Error("User: arn:aws:iam::123456789012:user/ops is not authorized to perform: glue:StartCrawler"),
            { name: "AccessDeniedException" },
        );
        const r = await crawl(["--stack", "dev", "--wait"], w);
        assert.equal(r.code, 2);
        assert.deepEqual(row(r.stdout, "orders").slice(0, 3), ["orders", "could not run", "3"]);
        assert.match(
            flat(r.stdout),
            /orders: StartCrawler incremental-crawl-dev-orders: AccessDeniedException: User: .* glue:StartCrawler/,
        );
        assert.equal(row(r.stdout, "customers")[1], "SUCCEEDED (started, 1m15s)");
        assert.match(r.stdout, /2 crawls: 1 succeeded, 1 could not run/);
    });

    it("without --wait, starts the runs and says so", async () => {
        const r = await crawl(["--stack", "dev"]);
        assert.equal(r.code, 0);
        assert.deepEqual(r.slept, []);
        assert.deepEqual(row(r.stdout, "orders"), ["orders", "started, not waited for", "3", "-"]);
        assert.match(flat(r.stdout), /orders: the run goes on: --wait follows it to the end/);
        assert.match(r.stdout, /2 crawls: 2 started/);
    });

    it("cannot find a partition whose event was lost; --repair registers it from S3, as the backfill does", async () => {
        // dt=2024-01-02's event never reached the queue; a folder that is not a partition lies beside.
        const lost = (w: World) => {
            w.orders.partitions = w.orders.partitions.filter((f) => f !== "dt=2024-01-02");
            w.orders.folders.push("_SUCCESS_tmp");
        };
        const plain = await crawl(["--stack", "dev", "--wait", "--table", "orders"], lost);
        assert.deepEqual(row(plain.stdout, "orders")[2], "2 → 4 (+2)");
        assert.ok(!plain.world.orders.partitions.includes("dt=2024-01-02"), "the crawl reads only what its queue holds");

        const r = await crawl(["--stack", "dev", "--wait", "--table", "orders", "--repair"], lost);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.equal(r.calls.created.length, 1, "one BatchCreatePartition");
        assert.deepEqual(
            r.calls.created[0].map((p) => [p.Values, p.StorageDescriptor?.Location]),
            [
                // Every folder the catalog misses now, the queued ones too (the repair does not read the
                // queue): the crawl then finds them catalogued, and their partitions inherit the table's schema.
                [["2024-01-02"], `s3://${BUCKET}/${prefixOf("orders")}dt=2024-01-02/`],
                [["2024-01-04"], `s3://${BUCKET}/${prefixOf("orders")}dt=2024-01-04/`],
                [["2024-01-05"], `s3://${BUCKET}/${prefixOf("orders")}dt=2024-01-05/`],
            ],
        );
        assert.match(
            r.stderr,
            /\[orders\] repair: 5 partition folders under s3:\/\/lake-dev-bucket\/exports\/orders\/g1-0a1b2c3d\/, 3 not in the catalog \(dt=2024-01-02, dt=2024-01-04, dt=2024-01-05\); not partition folders: _SUCCESS_tmp/,
        );
        assert.deepEqual(row(r.stdout, "orders").slice(2), ["2 → 5 (+3)", "1 updated"]);
        assert.match(flat(r.stdout), /orders: repair: 3 of 5 partition folders registered from S3; 1 other folder left alone/);
        assert.ok(r.world.orders.partitions.includes("dt=2024-01-02"));
    });

    it("counts the repair's partitions without waiting for the run", async () => {
        const r = await crawl(["--stack", "dev", "--table", "customers", "--repair"]);
        assert.equal(r.code, 0);
        assert.deepEqual(row(r.stdout, "customers").slice(0, 3), ["customers", "started, not waited for", "1 → 3 (+2)"]);
    });

    it("counts partitions over every page of GetPartitions", async () => {
        const many = Array.from({ length: 250 }, (_, i) => `dt=2023-${i}`);
        const r = await crawl(["--stack", "dev", "--wait", "--table", "orders"], (w) =>
            Object.assign(w.orders, { partitions: many, queued: [] }),
        );
        assert.equal(row(r.stdout, "orders")[2], "250 → 250 (+0)");
        assert.equal(r.calls.partitionPages, 6, "three pages before, three after");
    });

    it("reads the outputs as verify does: a stack's, or a file's", async () => {
        const asked: string[] = [];
        const r = await crawl(["--stack", "prod", "--table", "orders"], healthy(), {
            stackOutputs: async (s) => (asked.push(s), JSON.stringify(outputs())),
        });
        assert.equal(r.code, 0);
        assert.deepEqual(asked, ["prod"]);
        const f = await crawl(["--outputs", "outputs.json", "--table", "orders"]);
        assert.match(f.stderr, /^crawl: outputs\.json, 1 table \(orders\)/);
        const broken = await crawl(["--outputs", "outputs.json"], healthy(), {
            readFile: () => JSON.stringify({ ...outputs(), tables: {} }),
        });
        assert.equal(broken.code, 2);
        assert.match(
            broken.stderr,
            /crawl: outputs\.json: the stack outputs cannot be verified:\n {2}- tables: expected an object with one entry per exported table/,
        );
    });

    it("exits 2 on what it cannot run with, naming it", async () => {
        const cases: Array<[string[], RegExp]> = [
            [["--wait"], /give exactly one of --stack <name> and --outputs <file>/],
            [["--stack", "dev", "--timeout-seconds", "60"], /--timeout-seconds bounds the wait: give it with --wait/],
            [["--stack", "dev", "--table", "returns"], /crawl: no table returns in the outputs of stack dev \(tables: orders, customers\)/],
            [["--stack", "staging"], /no stack "staging"/],
            [["--stack", "dev", "--repiar"], /unknown option --repiar \(did you mean --repair\?\)/],
        ];
        for (const [argv, message] of cases) {
            const r = await crawl(argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.stderr, message, argv.join(" "));
            assert.deepEqual(r.calls.started, [], "nothing started");
        }
        const creds = await crawl(["--stack", "dev"], healthy(), {
            checkAwsCredentials: async () => "no usable AWS credentials (CredentialsProviderError)",
        });
        assert.equal(creds.code, 2);
        assert.match(creds.stderr, /crawl: cannot crawl stack dev: no usable AWS credentials/);
    });

    it("exits with the worst outcome: could not run, then failed, then success", () => {
        const r = (outcome: TableCrawl["outcome"]): TableCrawl => ({ table: "t", crawler: "c", outcome });
        assert.equal(crawlExitCode([r("succeeded"), r("started")]), 0);
        assert.equal(crawlExitCode([r("succeeded"), r("failed")]), 1);
        assert.equal(crawlExitCode([r("failed"), r("could not run"), r("succeeded")]), 2);
    });

    it("leaves partitions that exist alone when Glue says they do", async () => {
        // Two repairs of the same table: the second finds nothing missing and writes nothing.
        const first = await crawl(["--stack", "dev", "--table", "orders", "--repair"], (w) =>
            Object.assign(w.orders, { queued: [], partitions: [w.orders.folders[0]] }),
        );
        // One call, for the 4 folders the setup left out of the catalog (the healthy world's 2 would not show the setup took).
        assert.deepEqual(
            first.calls.created.map((batch) => batch.length),
            [4],
        );
        const second = await crawl(["--stack", "dev", "--table", "orders", "--repair"], first.world);
        assert.equal(second.calls.created.length, 0);
        assert.match(flat(second.stdout), /orders: repair: 0 of 5 partition folders registered from S3/);
    });
});

describe("crawl: the README", () => {
    it("shows a report the command prints", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "operating.md"), "utf8");
        const succeeded = (table: string, start: TableCrawl["start"], seconds: number, before: number, after: number): TableCrawl => ({
            table,
            crawler: `incremental-crawl-prod-${table}`,
            outcome: "succeeded",
            start,
            run: { status: "SUCCEEDED", seconds },
            tables: { created: 0, updated: 1, deleted: 0 },
            partitions: { before, after },
        });
        const example = formatCrawlReport([
            succeeded("orders", "already running", 64, 412, 415),
            { ...succeeded("customers", "started", 75, 22, 24), repair: { folders: 24, added: 1, skipped: [] } },
        ]).text;
        assert.ok(readme.includes(`\`\`\`\n${example}\`\`\``), `docs/operating.md should show:\n${example}`);
    });
});
