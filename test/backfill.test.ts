import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
    BackfillError,
    BackfillPlan,
    classifyError,
    runBackfill,
    SqlConnection,
    summarizeCopyRows,
} from "../components/warehouse/backfill/backfill";
import { EnvironmentError, readAll, readEnvironment, readGlueTarget, readPlan, withQueryId } from "../components/warehouse/backfill/main";
import { CURRENT_REGION_SQL } from "../components/warehouse/account-cloud";

const plan: BackfillPlan = {
    table: "ORDERS",
    session: ["ALTER SESSION SET ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE", "ALTER SESSION SET QUERY_TAG = 'x'"],
    copy: 'COPY INTO @"DB"."S"."STAGE"/orders/ FROM (SELECT 1) DETAILED_OUTPUT = TRUE',
};

/** An error shaped like snowflake-sdk's OperationFailedError. */
function sfError(message: string, code?: string, queryId?: string): Error {
    return Object.assign(new Error(message), { code, sqlState: "42601", data: queryId ? { queryId } : undefined });
}

const ASSUME_ROLE =
    "Error assuming AWS_ROLE:\nUser: arn:aws:iam::123456789012:user/abc1-s is not authorized to perform: " +
    "sts:AssumeRole on resource: arn:aws:iam::210987654321:role/orders-snowflake";

/** A fake connection: records statements; the COPY fails with `copyErrors` in turn, then returns `rows`. */
function fake(rows: Record<string, unknown>[], copyErrors: unknown[] = []) {
    const statements: string[] = [];
    let copies = 0;
    const conn: SqlConnection = {
        async execute(sqlText) {
            statements.push(sqlText);
            if (sqlText === plan.copy) {
                copies++;
                const err = copyErrors.shift();
                if (err !== undefined) throw err;
                return { rows, queryId: "01b2-copy" };
            }
            if (sqlText === CURRENT_REGION_SQL) return { rows: [{ REGION: "AWS_US_WEST_2" }], queryId: "01b2-region" };
            return { rows: [{ status: "Statement executed successfully." }], queryId: "01b2-alter" };
        },
    };
    return { conn, statements, copies: () => copies };
}

function recorder() {
    const delays: number[] = [];
    const lines: string[] = [];
    return {
        delays,
        lines,
        sleep: async (ms: number) => {
            delays.push(ms);
        },
        log: (line: string) => {
            lines.push(line);
        },
    };
}

describe("backfill: runBackfill", () => {
    it("runs the session statements, then the COPY, and sums the files", async () => {
        const f = fake([
            { FILE_NAME: "dt=2024-01-01/data_01b2_0_0_0.snappy.parquet", FILE_SIZE: 1024, ROW_COUNT: 10 },
            { FILE_NAME: "dt=2024-01-02/data_01b2_0_0_1.snappy.parquet", FILE_SIZE: "2048", ROW_COUNT: "15" },
            { FILE_NAME: "dt=__HIVE_DEFAULT_PARTITION__/data_01b2_0_1_0.snappy.parquet", FILE_SIZE: BigInt(512), ROW_COUNT: BigInt(1) },
        ]);
        const r = recorder();
        const summary = await runBackfill(f.conn, plan, { sleep: r.sleep, log: r.log });
        assert.deepEqual(f.statements, [CURRENT_REGION_SQL, ...plan.session, plan.copy], "the account's cloud is checked once, first");
        assert.deepEqual(summary, { status: "ok", table: "ORDERS", rows: 26, files: 3, bytes: 3584, queryId: "01b2-copy", attempts: 1 });
        assert.deepEqual(r.delays, []);
    });

    it("retries transient errors with exponential backoff, then succeeds", async () => {
        const f = fake(
            [{ FILE_NAME: "a", FILE_SIZE: 100, ROW_COUNT: 7 }],
            [
                sfError(ASSUME_ROLE, "003167"),
                sfError("Failure using stage area. Cause: [Access Denied (Status Code: 403; Error Code: AccessDenied)]", "091003"),
            ],
        );
        const r = recorder();
        const summary = await runBackfill(f.conn, plan, { baseDelayMs: 1000, maxDelayMs: 60000, sleep: r.sleep, log: r.log });
        assert.equal(summary.attempts, 3);
        assert.equal(summary.rows, 7);
        assert.deepEqual(r.delays, [1000, 2000]);
        assert.equal(f.copies(), 3);
        // Session statements precede every COPY.
        assert.deepEqual(f.statements, [
            CURRENT_REGION_SQL,
            ...plan.session,
            plan.copy,
            ...plan.session,
            plan.copy,
            ...plan.session,
            plan.copy,
        ]);
        assert.ok(
            r.lines.some((l) => /attempt 1\/6 failed with a transient error.*retrying in 1s/.test(l)),
            r.lines.join("\n"),
        );
    });

    it("uses the default delays (5s doubling, capped at 60s)", async () => {
        const errors = Array.from({ length: 5 }, () => sfError(ASSUME_ROLE, "003167"));
        const f = fake([], errors);
        const r = recorder();
        const summary = await runBackfill(f.conn, plan, { sleep: r.sleep });
        assert.equal(summary.attempts, 6);
        assert.deepEqual(r.delays, [5000, 10000, 20000, 40000, 60000]);
    });

    it("does not retry a permanent error and names the table and the hint", async () => {
        const f = fake(
            [],
            [sfError("SQL compilation error:\nObject 'DB.S.ORDERS_STREAM' does not exist or not authorized.", "002003", "01b2-bad")],
        );
        const r = recorder();
        await assert.rejects(runBackfill(f.conn, plan, { sleep: r.sleep }), (err: unknown) => {
            assert.ok(err instanceof BackfillError);
            assert.equal(err.table, "ORDERS");
            assert.equal(err.attempts, 1);
            assert.equal(err.transient, false);
            assert.match(err.message, /ORDERS/);
            assert.match(err.message, /does not exist or not authorized/);
            assert.match(err.message, /code 002003, query 01b2-bad/);
            assert.ok(err.message.includes(err.hint));
            assert.match(err.hint, /USAGE/);
            return true;
        });
        assert.equal(f.copies(), 1);
        assert.deepEqual(r.delays, []);
    });

    it("gives up on a transient error after exactly maxAttempts", async () => {
        const errors = Array.from({ length: 10 }, () => sfError(ASSUME_ROLE, "003167"));
        const f = fake([], errors);
        const r = recorder();
        await assert.rejects(
            runBackfill(f.conn, plan, { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 25, sleep: r.sleep }),
            (err: unknown) => {
                assert.ok(err instanceof BackfillError);
                assert.equal(err.attempts, 4);
                assert.equal(err.transient, true);
                assert.match(err.message, /backfill of ORDERS failed after 4 attempts: Error assuming AWS_ROLE/);
                assert.match(err.message, /STORAGE_AWS_EXTERNAL_ID/);
                assert.match(err.message, /Gave up after 4 attempts/);
                return true;
            },
        );
        assert.equal(f.copies(), 4);
        assert.deepEqual(r.delays, [10, 20, 25]);
    });

    it("treats an empty result as an empty table (0 files, 0 rows)", async () => {
        const f = fake([]);
        const summary = await runBackfill(f.conn, plan, { sleep: recorder().sleep });
        assert.deepEqual(summary, { status: "ok", table: "ORDERS", rows: 0, files: 0, bytes: 0, queryId: "01b2-copy", attempts: 1 });
    });

    it("refuses a result it cannot read, saying the COPY already succeeded", async () => {
        const f = fake([{ rows_unloaded: 5, input_bytes: 10, output_bytes: 8 }]);
        await assert.rejects(
            runBackfill(f.conn, plan, { sleep: recorder().sleep }),
            /DETAILED_OUTPUT = TRUE[\s\S]*COPY itself succeeded \(query 01b2-copy\)/,
        );
        assert.equal(f.copies(), 1);
    });

    it("summarizes case-insensitively and ignores an all-zero summary row", () => {
        assert.deepEqual(summarizeCopyRows([{ file_name: "a", file_size: 3, row_count: 2 }]), { rows: 2, files: 1, bytes: 3 });
        assert.deepEqual(summarizeCopyRows([{ ROWS_UNLOADED: 0, INPUT_BYTES: 0, OUTPUT_BYTES: 0 }]), { rows: 0, files: 0, bytes: 0 });
        assert.throws(() => summarizeCopyRows([{ FILE_NAME: "a", FILE_SIZE: "x", ROW_COUNT: 1 }]), /FILE_SIZE is "x", not a count/);
    });
});

describe("backfill: classifyError", () => {
    const transient: Array<[string, string | undefined]> = [
        [
            "SQL execution error: Error assuming AWS_ROLE. Please verify the role and externalId are\nconfigured correctly in your AWS policy.",
            undefined,
        ],
        [ASSUME_ROLE, "003167"],
        ["Failure using stage area. Cause: [Access Denied (Status Code: 403; Error Code: AccessDenied)]", "091003"],
        ["Failed to access remote file: access denied. Please check your credentials", undefined],
    ];
    for (const [message, code] of transient) {
        it(`transient: ${message.split("\n")[0].slice(0, 60)}`, () => {
            const c = classifyError(sfError(message, code));
            assert.equal(c.transient, true);
            assert.match(c.hint, /trust policy/);
        });
    }

    const permanent: Array<[string, string | undefined, RegExp]> = [
        [
            "Error assuming AWS_ROLE:\nSTS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console.",
            "003167",
            /STS/,
        ],
        ["SQL compilation error:\nObject 'DB.S.ORDERS_STREAM' does not exist or not authorized.", "002003", /grant|USAGE/i],
        ["SQL access control error:\nInsufficient privileges to operate on stage 'STAGE'", "003001", /USAGE/],
        ["JWT token is invalid. [5f0a1c3e-2b7d-4c1a-9e3f-0a1b2c3d4e5f]", "390144", /SNOWFLAKE_PRIVATE_KEY/],
        ["Invalid private key. The specified value must be a PEM-formatted private key.", "404026", /SNOWFLAKE_PRIVATE_KEY/],
        ["error:1C800064:Provider routines::bad decrypt", undefined, /SNOWFLAKE_PRIVATE_KEY_PASSPHRASE/],
        [
            "Role 'LAKE' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.",
            "390189",
            /SNOWFLAKE_ROLE/,
        ],
        [
            "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
            "000606",
            /SNOWFLAKE_WAREHOUSE.*snowflakeWarehouse/,
        ],
        ["getaddrinfo ENOTFOUND myorg-acct.snowflakecomputing.com", "ENOTFOUND", /SNOWFLAKE_ACCOUNT_NAME/],
        ["SQL compilation error:\nsyntax error line 3 at position 2 unexpected 'PARTITION'.", "001003", /bug/],
        ["Something else entirely", undefined, /Unexpected/],
    ];
    for (const [message, code, hint] of permanent) {
        it(`permanent: ${message.split("\n").join(" ").slice(0, 60)}`, () => {
            const c = classifyError(sfError(message, code));
            assert.equal(c.transient, false);
            assert.match(c.hint, hint);
        });
    }

    it("accepts non-Error values", () => {
        assert.equal(classifyError("Error assuming AWS_ROLE").transient, true);
        assert.equal(classifyError(undefined).transient, false);
        assert.equal(classifyError({ message: "JWT token is invalid." }).transient, false);
    });
});

// Throwaway PEM shape; not a real key.
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";

const creds = {
    SNOWFLAKE_ORGANIZATION_NAME: "MYORG",
    SNOWFLAKE_ACCOUNT_NAME: "LAKE_ACCT",
    SNOWFLAKE_USER: "LAKE_SVC",
    SNOWFLAKE_PRIVATE_KEY: PEM,
    SNOWFLAKE_WAREHOUSE: "LAKE_WH",
};

const planEnv = {
    BACKFILL_TABLE: "ORDERS",
    BACKFILL_SESSION_SQL: JSON.stringify(plan.session),
    BACKFILL_COPY_SQL: plan.copy,
};

describe("backfill: readEnvironment", () => {
    it("lists every missing variable in one error", () => {
        assert.throws(
            () => readEnvironment({}),
            (err: unknown) => {
                assert.ok(err instanceof EnvironmentError);
                assert.deepEqual(err.missing, Object.keys(creds));
                assert.match(err.message, /SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY/);
                return true;
            },
        );
        assert.throws(() => readEnvironment({ ...creds, SNOWFLAKE_USER: "  " }), /missing environment variables: SNOWFLAKE_USER$/);
    });

    it("builds key-pair options from the env object only", () => {
        const saved = { ...process.env };
        try {
            // Values in process.env must not leak into the options.
            Object.assign(process.env, {
                SNOWFLAKE_ROLE: "LEAKED_ROLE",
                SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: "leaked",
                SNOWFLAKE_WAREHOUSE: "LEAKED_WH",
            });
            const o = readEnvironment({ ...creds });
            assert.deepEqual(o, {
                account: "MYORG-LAKE_ACCT",
                username: "LAKE_SVC",
                authenticator: "SNOWFLAKE_JWT",
                privateKey: PEM,
                warehouse: "LAKE_WH",
                application: "incremental-crawl-backfill",
            });
            assert.ok(!JSON.stringify(o).includes("LEAKED") && !JSON.stringify(o).includes("leaked"));
        } finally {
            for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
            Object.assign(process.env, saved);
        }
    });

    it("takes the optional role and passphrase", () => {
        const o = readEnvironment({ ...creds, SNOWFLAKE_ROLE: "LAKE_ROLE", SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: "s3cret" });
        assert.equal(o.role, "LAKE_ROLE");
        assert.equal(o.privateKeyPass, "s3cret");
    });

    it("prefers the stack's settings (BACKFILL_*) over SNOWFLAKE_* for identity, as the provider does, never for the key", () => {
        const o = readEnvironment({
            ...creds,
            BACKFILL_ORGANIZATION_NAME: "STACKORG",
            BACKFILL_ACCOUNT_NAME: "STACK_ACCT",
            BACKFILL_USER: "STACK_USER",
            BACKFILL_ROLE: "STACK_ROLE",
            BACKFILL_WAREHOUSE: "STACK_WH",
            BACKFILL_PRIVATE_KEY: "not read",
        });
        assert.deepEqual(
            [o.account, o.username, o.role, o.warehouse, o.privateKey],
            ["STACKORG-STACK_ACCT", "STACK_USER", "STACK_ROLE", "STACK_WH", PEM],
        );
        const { SNOWFLAKE_WAREHOUSE: _, ...noWarehouse } = creds;
        assert.equal(readEnvironment({ ...noWarehouse, BACKFILL_WAREHOUSE: "STACK_WH" }).warehouse, "STACK_WH");
    });

    it("accepts a PEM whose newlines were escaped, and refuses a path or a dotted account", () => {
        assert.equal(readEnvironment({ ...creds, SNOWFLAKE_PRIVATE_KEY: PEM.replace(/\n/g, "\\n") }).privateKey, PEM);
        assert.throws(
            () => readEnvironment({ ...creds, SNOWFLAKE_PRIVATE_KEY: "/home/me/.ssh/sf.p8" }),
            (err: unknown) => {
                assert.match(String(err), /SNOWFLAKE_PRIVATE_KEY must hold the PEM text/);
                assert.ok(!String(err).includes("/home/me"));
                return true;
            },
        );
        assert.throws(
            () => readEnvironment({ ...creds, SNOWFLAKE_ACCOUNT_NAME: "acct.us-east-1" }),
            /SNOWFLAKE_ACCOUNT_NAME must be a bare name/,
        );
    });

    it("reads the plan, and reports plan and credential problems together", () => {
        assert.deepEqual(readPlan(planEnv), {
            ...plan,
            log: undefined,
            list: undefined,
            baseline: undefined,
            unlisted: undefined,
            remove: undefined,
            show: undefined,
            repeated: undefined,
            since: undefined,
            showTask: undefined,
            taskReads: undefined,
        });
        const logged = {
            BACKFILL_LOG_SQL: "INSERT ... '{queryId}'",
            BACKFILL_LIST_SQL: "LIST @s/x/",
            BACKFILL_BASELINE_SQL: "INSERT ... '{listId}'",
            BACKFILL_UNLISTED_SQL: "SELECT ... '{listId}'",
            BACKFILL_CLEANUP_SQL: "REMOVE @s/x/ PATTERN = '.*{queryId}.*'",
            BACKFILL_SHOW_SQL: "SHOW STREAMS LIKE 'X'",
            BACKFILL_REPEATED_SQL: "SELECT ... '{showId}'",
            BACKFILL_SINCE_SQL: "SELECT ... '{showId}'",
            BACKFILL_SHOW_TASK_SQL: "SHOW TASKS LIKE 'X_LAKE_EXPORT'",
            BACKFILL_TASK_READS_SQL: "SELECT ... '{showId}'",
        };
        assert.deepEqual(readPlan({ ...planEnv, ...logged }), {
            ...plan,
            log: logged.BACKFILL_LOG_SQL,
            list: logged.BACKFILL_LIST_SQL,
            baseline: logged.BACKFILL_BASELINE_SQL,
            unlisted: logged.BACKFILL_UNLISTED_SQL,
            remove: logged.BACKFILL_CLEANUP_SQL,
            show: logged.BACKFILL_SHOW_SQL,
            repeated: logged.BACKFILL_REPEATED_SQL,
            since: logged.BACKFILL_SINCE_SQL,
            showTask: logged.BACKFILL_SHOW_TASK_SQL,
            taskReads: logged.BACKFILL_TASK_READS_SQL,
        });
        assert.throws(
            () => readPlan({ ...planEnv, ...logged, BACKFILL_CLEANUP_SQL: "REMOVE @s" }),
            /BACKFILL_CLEANUP_SQL must contain \{queryId\}/,
        );
        assert.throws(
            () => readPlan({ ...planEnv, ...logged, BACKFILL_UNLISTED_SQL: "SELECT 1" }),
            /BACKFILL_UNLISTED_SQL must contain '\{listId\}'/,
        );
        assert.throws(
            () => readPlan({ ...planEnv, ...logged, BACKFILL_REPEATED_SQL: "SELECT 1" }),
            /BACKFILL_REPEATED_SQL must contain '\{showId\}'/,
        );
        // The log without its cleanup would break "listed exactly when committed": all of them, or none.
        const { BACKFILL_BASELINE_SQL: _b, ...withoutBaseline } = logged;
        assert.throws(() => readPlan({ ...planEnv, ...withoutBaseline }), /missing environment variables: BACKFILL_BASELINE_SQL$/);
        assert.equal(readGlueTarget(planEnv), undefined, "no Glue target: the crawler catalogues from events");
        assert.deepEqual(
            readGlueTarget({ BACKFILL_AWS_REGION: "eu-west-1", BACKFILL_GLUE_DATABASE: "lake", BACKFILL_GLUE_TABLE: "orders" }),
            { region: "eu-west-1", database: "lake", table: "orders" },
        );
        assert.throws(
            () => readAll({ ...planEnv, BACKFILL_GLUE_TABLE: "orders" }),
            (err: unknown) =>
                err instanceof EnvironmentError &&
                err.missing.includes("BACKFILL_AWS_REGION") &&
                err.missing.includes("BACKFILL_GLUE_DATABASE"),
        );
        assert.throws(() => readPlan({ ...planEnv, BACKFILL_SESSION_SQL: "ALTER SESSION" }), /JSON array of SQL strings/);
        assert.throws(
            () => readAll({ SNOWFLAKE_USER: "x" }),
            (err: unknown) => {
                assert.ok(err instanceof EnvironmentError);
                assert.ok(err.missing.includes("BACKFILL_TABLE") && err.missing.includes("SNOWFLAKE_PRIVATE_KEY"));
                assert.ok(!err.missing.includes("SNOWFLAKE_USER"));
                return true;
            },
        );
    });
});

describe("backfill: main.ts as a program", function () {
    this.timeout(60000);

    it("exits 1 without credentials, names them on stderr and prints nothing on stdout", () => {
        const root = path.resolve(__dirname, "..");
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...planEnv };
        const r = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "components/warehouse/backfill/main.ts"], {
            cwd: root,
            env,
            encoding: "utf8",
        });
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stdout, "");
        for (const name of Object.keys(creds)) assert.match(r.stderr, new RegExp(name));
    });
});

describe("backfill: the failed statement's query id", () => {
    const stmt = (id: string) => ({ getQueryId: () => id });
    it("takes it from the statement when the driver's error lacks it, so the cleanup can name the failed COPY's files", () => {
        const err = withQueryId(new Error("Access Denied"), stmt("01bc0000-0000-4000-8000-000000000001")) as { data: { queryId: string } };
        assert.equal(err.data.queryId, "01bc0000-0000-4000-8000-000000000001");
    });
    it("keeps the driver's own id, and leaves an error alone when there is none", () => {
        const own = Object.assign(new Error("x"), { data: { queryId: "01bc0000-0000-4000-8000-000000000002" } });
        assert.equal((withQueryId(own, stmt("other")) as typeof own).data.queryId, "01bc0000-0000-4000-8000-000000000002");
        assert.equal((withQueryId(new Error("y"), undefined) as { data?: unknown }).data, undefined);
        assert.equal(
            (
                withQueryId(new Error("z"), {
                    getQueryId: () => {
                        throw new Error("no statement");
                    },
                }) as { data?: unknown }
            ).data,
            undefined,
        );
    });
});
