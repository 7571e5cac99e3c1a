/**
 * `npm run add-table` against a fake Snowflake connection (the backfill's `SqlConnection`) and a
 * project root in a temporary directory: the proposal from DESCRIBE TABLE, the columns the stack
 * cannot take, the YAML written (comments and order kept), validation with config.ts, --check.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SqlConnection } from "@incremental-crawl/components/runtime";
import { parseSource, proposeTable, runAddTable } from "../../tools/add-table/add-table";
import { ROOT } from "../../tools/cli/command";
import { stackDir, stackFilePath } from "../../offline/stacks";
import { describedColumns } from "../../tools/verify/drift";
import { validateStack } from "../../tools/cli/stack-config";

/** DESCRIBE TABLE rows as snowflake-sdk returns them. */
const row = (name: string, type: string, nullable = true) => ({
    name,
    type,
    kind: "COLUMN",
    "null?": nullable ? "Y" : "N",
    default: null,
    "primary key": "N",
});

const EVENTS = [
    row("EVENT_ID", "NUMBER(38,0)", false),
    row("CUSTOMER_ID", "NUMBER(38,0)"),
    row("eventSource", "VARCHAR(16777216)"),
    row("PAYLOAD", "VARIANT"),
    row("EVENT_TS", "TIMESTAMP_TZ(9)"),
    row("DT", "DATE"),
    row("EMBEDDING", "VECTOR(FLOAT, 256)"),
    row("CREATED_ON", "DATE", false),
];

/** The lines EVENTS adds to a stack file (its layout: flow-style columns, quoted types with a comma) without eventSource, DT, EMBEDDING. */
const EVENTS_YAML = (granularity: string) =>
    [
        "    - name: EVENTS",
        "      source: CRM.PUBLIC.EVENTS",
        "      columns:",
        '        - { name: EVENT_ID, type: "NUMBER(38,0)", nullable: false }',
        '        - { name: CUSTOMER_ID, type: "NUMBER(38,0)" }',
        "        - { name: PAYLOAD, type: VARIANT }",
        '        - { name: EVENT_TS, type: "TIMESTAMP_TZ(9)" }',
        "        - { name: CREATED_ON, type: DATE, nullable: false }",
        "      partitionBy: EVENT_TS",
        `      partitionGranularity: ${granularity}`,
        "",
    ].join("\n");

/** CUSTOMERS as prod's stack file lists it. */
const CUSTOMERS = [
    row("CUSTOMER_ID", "NUMBER(38,0)", false),
    row("EMAIL", "VARCHAR(320)"),
    row("COUNTRY", "VARCHAR(2)"),
    row("SIGNUP_DATE", "DATE"),
    row("UPDATED_AT", "TIMESTAMP_LTZ(9)"),
];

describe("add-table: the proposal from DESCRIBE TABLE (pure)", () => {
    it("reads DB.SCHEMA.TABLE as Snowflake folds unquoted names, and refuses anything else", () => {
        assert.deepEqual(parseSource("crm.public.customers"), { source: "CRM.PUBLIC.CUSTOMERS", parts: ["CRM", "PUBLIC", "CUSTOMERS"] });
        assert.throws(() => parseSource("CRM.CUSTOMERS"), /expected DATABASE\.SCHEMA\.TABLE/);
        assert.throws(() => parseSource('"crm".public.t'), /unquoted names/);
    });

    it("lists each column the stack cannot take with its reason, and proposes the first DATE or TIMESTAMP column by day", () => {
        const p = proposeTable("CRM.PUBLIC.EVENTS", describedColumns(EVENTS));
        assert.equal(p.entry, undefined);
        assert.deepEqual(
            p.refused.map((c) => [c.name, c.reason.split(":")[0]]),
            [
                ["eventSource", "a quoted mixed-case name"],
                ["DT", "named like the table's partition key dt"],
                ["EMBEDDING", "VECTOR columns cannot be unloaded to Parquet (Snowflake unloads them only cast to ARRAY)"],
            ],
        );
        assert.equal(p.partition, "partitionBy EVENT_TS (the first DATE or TIMESTAMP column), partitionGranularity day");
    });

    it("leaves out what --exclude names and builds the entry of the rest, NOT NULL columns as nullable: false", () => {
        const p = proposeTable("CRM.PUBLIC.EVENTS", describedColumns(EVENTS), { exclude: ["eventsource", "DT", "EMBEDDING", "PAYLOAD"] });
        assert.deepEqual(p.refused, []);
        assert.deepEqual(
            p.excluded.map((c) => c.name),
            ["eventSource", "PAYLOAD", "DT", "EMBEDDING"],
        );
        assert.equal(p.excluded[1].reason, "--exclude");
        assert.deepEqual(p.entry, {
            name: "EVENTS",
            source: "CRM.PUBLIC.EVENTS",
            columns: [
                { name: "EVENT_ID", type: "NUMBER(38,0)", nullable: false },
                { name: "CUSTOMER_ID", type: "NUMBER(38,0)" },
                { name: "EVENT_TS", type: "TIMESTAMP_TZ(9)" },
                { name: "CREATED_ON", type: "DATE", nullable: false },
            ],
            partitionBy: "EVENT_TS",
            partitionGranularity: "day",
        });
    });

    it("takes --partition-by and --granularity; a value partition clashes with P_<COLUMN> instead of DT", () => {
        const rows = [row("ID", "NUMBER(38,0)"), row("REGION", "VARCHAR(8)"), row("P_REGION", "VARCHAR(8)"), row("DT", "DATE")];
        const p = proposeTable("S.P.T", describedColumns(rows), { partitionBy: "region" });
        assert.equal(p.partition, "partitionBy REGION (--partition-by), partitionGranularity value");
        assert.deepEqual(
            p.refused.map((c) => c.name),
            ["P_REGION"],
        );
        assert.throws(
            () => proposeTable("S.P.T", describedColumns(rows), { partitionBy: "REGOIN" }),
            /--partition-by: S\.P\.T has no column REGOIN \(did you mean REGION\?\)/,
        );
        assert.throws(
            () => proposeTable("S.P.T", describedColumns(rows), { exclude: ["P_REGOIN"] }),
            /--exclude: S\.P\.T has no column P_REGOIN \(did you mean P_REGION\?\)/,
        );
        const none = proposeTable("S.P.T", describedColumns([row("ID", "NUMBER(38,0)")]));
        assert.match(none.problems[0], /no DATE or TIMESTAMP column to partition by: pass --partition-by <column>/);
    });
});

describe("add-table: the command, against a fake Snowflake", () => {
    let root: string;
    const prodFile = () => path.join(root, "Pulumi.prod.yaml");
    const original = fs.readFileSync(stackFilePath(stackDir(ROOT), "prod"), "utf8");
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "add-table-"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        for (const s of ["dev", "prod"]) fs.copyFileSync(stackFilePath(stackDir(ROOT), s), stackFilePath(root, s));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    /** Runs the command; `tables` answers DESCRIBE TABLE by qualified name. */
    async function run(
        argv: string[],
        tables: Record<string, Array<ReturnType<typeof row>>> = { "CRM.PUBLIC.EVENTS": EVENTS, "CRM.PUBLIC.CUSTOMERS": CUSTOMERS },
    ) {
        const out: string[] = [];
        const err: string[] = [];
        const sql: string[] = [];
        const envs: NodeJS.ProcessEnv[] = [];
        let closed = 0;
        const conn: SqlConnection = {
            execute: async (text) => {
                sql.push(text);
                const m = /^DESCRIBE TABLE "(\w+)"\."(\w+)"\."(\w+)"$/.exec(text);
                const rows = m ? tables[`${m[1]}.${m[2]}.${m[3]}`] : undefined;
                if (!rows) throw new Error(`SQL compilation error:\nTable '${m ? m[3] : text}' does not exist or not authorized.`);
                return { rows, queryId: "q" };
            },
        };
        const code = await runAddTable(argv, {
            root,
            env: { SNOWFLAKE_PRIVATE_KEY: "pem", SNOWFLAKE_ACCOUNT_NAME: "ENV_ACCOUNT" },
            stdout: (t) => out.push(t),
            stderr: (t) => err.push(t),
            snowflake: (env) => {
                envs.push(env);
                return { conn, describe: "fake account", close: async () => void closed++ };
            },
        });
        return { code, stdout: out.join(""), stderr: err.join(""), sql, envs, closed: () => closed };
    }

    it("--dry-run prints the YAML it would add, connected as the stack's backfill, and leaves the file alone", async () => {
        const r = await run(["--stack", "prod", "crm.public.events", "--exclude", "eventSource,DT", "--exclude=EMBEDDING", "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.sql, ['DESCRIBE TABLE "CRM"."PUBLIC"."EVENTS"']);
        assert.equal(r.closed(), 1);
        assert.deepEqual(
            [r.envs[0].BACKFILL_ACCOUNT_NAME, r.envs[0].BACKFILL_WAREHOUSE, r.envs[0].SNOWFLAKE_PRIVATE_KEY],
            ["PROD_ACCOUNT", "EXPORT_WH", "pem"],
        );
        assert.equal(r.stdout, EVENTS_YAML("day"));
        assert.match(
            r.stderr,
            /^CRM\.PUBLIC\.EVENTS: 8 columns in Snowflake \(fake account\)\n {2}partitionBy EVENT_TS \(the first DATE or TIMESTAMP column\), partitionGranularity day\n/,
        );
        assert.match(r.stderr, / {2}left out: "eventSource" VARCHAR\(16777216\): a quoted mixed-case name/);
        assert.match(r.stderr, /dry run: Pulumi\.prod\.yaml is unchanged/);
        assert.equal(fs.readFileSync(prodFile(), "utf8"), original);
    });

    it("refuses columns the stack cannot take unless --exclude names them, each with its reason (exit 1)", async () => {
        const r = await run(["--stack", "prod", "CRM.PUBLIC.EVENTS"]);
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /add-table: CRM\.PUBLIC\.EVENTS has columns the stack cannot export:\n {2}"eventSource" VARCHAR\(16777216\): a quoted mixed-case name: the stack's columns are upper-case unquoted names .*\n {2}DT DATE: named like the table's partition key dt: .*\n {2}EMBEDDING VECTOR\(FLOAT, 256\): VECTOR columns cannot be unloaded to Parquet .*\nLeave them out with --exclude eventSource,DT,EMBEDDING, or rename them in Snowflake\.\n/,
        );
        assert.equal(fs.readFileSync(prodFile(), "utf8"), original);
    });

    it("writes the table into the stack file, keeping its comments and order, and the result passes config.ts", async () => {
        const r = await run(["--stack", "prod", "CRM.PUBLIC.EVENTS", "--exclude", "eventSource,DT,EMBEDDING", "--granularity", "hour"]);
        assert.equal(r.code, 0, r.stderr);
        const text = fs.readFileSync(prodFile(), "utf8");
        assert.ok(text.startsWith(original), "the file's existing text (comments, order, quoting) is unchanged");
        assert.equal(text.slice(original.length), EVENTS_YAML("hour"));
        const { settings } = validateStack("prod", { root });
        assert.deepEqual(
            settings.tables.map((t) => [t.name, t.source, t.partitionGranularity]),
            [
                ["ORDERS", undefined, "day"],
                ["CUSTOMERS", "CRM.PUBLIC.CUSTOMERS", "month"],
                ["EVENTS", "CRM.PUBLIC.EVENTS", "hour"],
            ],
        );
        assert.match(
            r.stderr,
            /Pulumi\.prod\.yaml: added EVENTS \(source CRM\.PUBLIC\.EVENTS, 5 columns\) to incremental-crawl:tables\.\nNext: npm run plan -- --stack prod/,
        );
    });

    it("validates the new table with the stack's rules: a name another table has is refused, --name fixes it", async () => {
        const sales = { "SALES.PUBLIC.ORDERS": [row("ORDER_ID", "NUMBER(38,0)"), row("ORDER_DATE", "DATE")] };
        const clash = await run(["--stack", "prod", "SALES.PUBLIC.ORDERS"], sales);
        assert.equal(clash.code, 1);
        assert.match(
            clash.stderr,
            /ORDERS would not be a valid table of Pulumi\.prod\.yaml:\n {2}incremental-crawl:tables\[2\]\.name: expected a name no other table has \(tables\[0\] is ORDERS\), got "ORDERS"\nPass another name with --name\./,
        );
        const renamed = await run(["--stack", "prod", "SALES.PUBLIC.ORDERS", "--name", "SALES_ORDERS"], sales);
        assert.equal(renamed.code, 0, renamed.stderr);
    });

    it("refuses a source the stack already exports, a missing table, and a stack file that is invalid already", async () => {
        const dup = await run(["--stack", "prod", "CRM.PUBLIC.CUSTOMERS"]);
        assert.deepEqual([dup.code, dup.sql], [1, []]);
        assert.match(
            dup.stderr,
            /Pulumi\.prod\.yaml already exports CRM\.PUBLIC\.CUSTOMERS as tables\[1\] \(CUSTOMERS\); npm run add-table -- --stack prod --check compares its columns/,
        );
        const missing = await run(["--stack", "prod", "CRM.PUBLIC.NOPE"]);
        assert.equal(missing.code, 2);
        assert.match(
            missing.stderr,
            /cannot read the columns of CRM\.PUBLIC\.NOPE \(fake account\): SQL compilation error:\nTable 'NOPE' does not exist or not authorized\./,
        );
        fs.writeFileSync(prodFile(), original.replace("incremental-crawl:maxReceiveCount: 5", "incremental-crawl:maxRecieveCount: 5"));
        const invalid = await run(["--stack", "prod", "CRM.PUBLIC.EVENTS"]);
        assert.equal(invalid.code, 2);
        assert.match(
            invalid.stderr,
            /^add-table: stack prod: invalid configuration \(1 problem\):\n {2}Pulumi\.prod\.yaml:\d+:3: incremental-crawl:maxRecieveCount: expected one of the project settings \(did you mean maxReceiveCount\?\)/,
        );
        assert.deepEqual(invalid.sql, []);
    });

    it("--check names what changed upstream in each source table and exits 1 when the export breaks on it", async () => {
        const same = await run(["--stack", "prod", "--check"]);
        assert.deepEqual([same.code, same.stdout], [0, "CRM.PUBLIC.CUSTOMERS (CUSTOMERS): 5 columns, as Pulumi.prod.yaml lists them\n"]);
        const changed = [
            row("CUSTOMER_ID", "NUMBER(38,0)", false),
            row("EMAIL_ADDRESS", "VARCHAR(320)"),
            row("SIGNUP_DATE", "DATE"),
            row("UPDATED_AT", "TIMESTAMP_NTZ(9)"),
            row("PHONE", "VARCHAR(20)"),
        ];
        const r = await run(["--stack", "prod", "--check", "crm.public.customers"], { "CRM.PUBLIC.CUSTOMERS": changed });
        assert.equal(r.code, 1);
        assert.equal(
            r.stdout,
            [
                "CRM.PUBLIC.CUSTOMERS (CUSTOMERS):",
                "  renamed upstream: EMAIL → EMAIL_ADDRESS (VARCHAR(320), column 2)",
                "  dropped upstream: COUNTRY (VARCHAR(2))",
                "  retyped upstream: UPDATED_AT TIMESTAMP_LTZ → TIMESTAMP_NTZ(9)",
                "  added upstream: PHONE (VARCHAR(20), column 5), not exported",
                "",
            ].join("\n"),
        );
        assert.match(r.stderr, /update them in Pulumi\.prod\.yaml, then pulumi up --stack prod/);
        const unknown = await run(["--stack", "prod", "--check", "CRM.PUBLIC.CUSTOMER"]);
        assert.equal(unknown.code, 2);
        assert.match(
            unknown.stderr,
            /Pulumi\.prod\.yaml has no table with source CRM\.PUBLIC\.CUSTOMER \(did you mean CRM\.PUBLIC\.CUSTOMERS\?\)/,
        );
    });
});
