/**
 * The Snowflake side of `npm run verify` (and `add-table`): the backfill's key-pair settings (`readEnvironment`, the
 * SNOWFLAKE_* variables the provider reads) and its `adapt`, behind a connection that logs in on
 * first use. A failed login then fails each Snowflake check with the login's error.
 */
import type { Connection, ConnectionOptions } from "snowflake-sdk";
import type { SqlConnection } from "../../components/warehouse/backfill/backfill";
import { adapt, connect, readEnvironment } from "../../components/warehouse/backfill/main";

export interface LazySnowflake {
    conn: SqlConnection;
    /** Where it connects, for the log; never the key. */
    describe: string;
    close(): Promise<void>;
}

/**
 * Reads the settings now (throws the backfill's `EnvironmentError` listing every missing
 * variable) and connects when the first statement runs.
 */
export function lazySnowflake(env: NodeJS.ProcessEnv, application = "incremental-crawl-verify"): LazySnowflake {
    const options: ConnectionOptions = { ...readEnvironment(env), application };
    let connection: Connection | undefined;
    let ready: Promise<SqlConnection> | undefined;

    const open = async (): Promise<SqlConnection> => {
        const snowflake = await import("snowflake-sdk");
        // The driver's own log goes to stderr, errors only: the report owns stdout.
        const toStderr = (m: string) => process.stderr.write(`[verify] snowflake-sdk: ${m}\n`);
        snowflake.configure({ logLevel: "ERROR", customLogger: { error: toStderr, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined } });
        connection = snowflake.createConnection(options);
        const conn = connection;
        await connect(conn).catch((err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            throw Object.assign(new Error(`could not log in to Snowflake account ${options.account} as ${options.username}: ${message}`), { name: "SnowflakeLoginError" });
        });
        return adapt(conn);
    };

    return {
        describe: `Snowflake account ${options.account} as ${options.username}${options.role ? ` (role ${options.role})` : ""}, warehouse ${options.warehouse}`,
        conn: {
            execute: async (sqlText) => {
                ready ??= open();
                return (await ready).execute(sqlText);
            },
        },
        close: () => new Promise<void>((resolve) => {
            if (!connection || !connection.isUp()) return resolve();
            const timer = setTimeout(resolve, 10_000);
            connection.destroy(() => {
                clearTimeout(timer);
                resolve();
            });
        }),
    };
}
