/**
 * A fake Snowflake endpoint for the real snowflake provider (SNOWFLAKE_HOST, _PORT, _PROTOCOL=http):
 * it answers what the provider asks when it is configured, and nothing else.
 *
 * terraform-provider-snowflake v1.2.1 pkg/provider/provider.go `ConfigureProvider` calls
 * pkg/sdk/client.go `NewClient`, which logs in, pings and reads the session's identity:
 * - POST /session/v1/login-request (gosnowflake v1.13.1 auth.go `postAuth`, answer `authResponse`);
 * - POST /queries/v1/query-request with `SELECT 1` (connection.go `Ping`), then
 *   `SELECT CURRENT_ACCOUNT() as CURRENT_ACCOUNT` and `SELECT CURRENT_SESSION() as CURRENT_SESSION`
 *   (pkg/sdk/context_functions.go), each answered as `execResponse` with a JSON row set (query.go);
 * - POST /session?delete=true when the connection closes, and /telemetry/send.
 *
 * What it does not: it accepts any credentials, runs no SQL (any other statement is answered with a
 * SQL compilation error and recorded in `refused`, so a test sees what the provider tried), keeps no
 * objects, has no TLS, no async queries, no result chunks. So it lets the provider's Check and Diff
 * run, and no Create, Read, Update or Delete of a Snowflake object.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as zlib from "node:zlib";

const ANSWERS: Array<[RegExp, string, string]> = [
    [/^SELECT 1$/i, "1", "1"],
    [/^SELECT CURRENT_ACCOUNT\(\) as CURRENT_ACCOUNT$/i, "CURRENT_ACCOUNT", "FAKE0001"],
    [/^SELECT CURRENT_SESSION\(\) as CURRENT_SESSION$/i, "CURRENT_SESSION", "1001"],
];

export interface FakeSnowflakeEndpoint {
    host: string;
    port: number;
    /** Logins received. */
    logins: number;
    /** Statements answered. */
    answered: string[];
    /** Statements refused (anything but the session queries). */
    refused: string[];
    /** SNOWFLAKE_* variables that point the provider (and the backfill) at it. */
    env: Record<string, string>;
    close(): Promise<void>;
}

export async function startSnowflakeEndpoint(): Promise<FakeSnowflakeEndpoint> {
    const state = { logins: 0, answered: [] as string[], refused: [] as string[] };
    let queries = 0;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            let body = Buffer.concat(chunks);
            if (body.length > 1 && body[0] === 0x1f && body[1] === 0x8b) body = zlib.gunzipSync(body);
            const json = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
            const reply = (payload: unknown) => {
                res.writeHead(200, { "Content-Type": "application/json" });
                res.end(JSON.stringify(payload));
            };
            const url = new URL(req.url ?? "/", "http://fake");
            if (url.pathname === "/session/v1/login-request") {
                state.logins++;
                return reply({
                    success: true,
                    code: null,
                    message: null,
                    data: {
                        token: "fake-session-token",
                        masterToken: "fake-master-token",
                        validityInSeconds: 3600,
                        masterValidityInSeconds: 14400,
                        sessionId: 1001,
                        serverVersion: "9.0.0",
                        parameters: [],
                        sessionInfo: { databaseName: null, schemaName: null, warehouseName: null, roleName: json?.data?.ROLE ?? "PUBLIC" },
                    },
                });
            }
            if (url.pathname === "/queries/v1/query-request") {
                const sql = String(json.sqlText ?? "").trim();
                const queryId = `01fa4e00-0000-0000-0000-${String(++queries).padStart(12, "0")}`;
                const answer = ANSWERS.find(([re]) => re.test(sql));
                if (!answer) {
                    state.refused.push(sql);
                    return reply({
                        success: false,
                        code: "002003",
                        message: `SQL compilation error: the fake Snowflake endpoint runs no statement (${sql.slice(0, 80)})`,
                        data: { queryId, sqlState: "02000" },
                    });
                }
                state.answered.push(sql);
                return reply({
                    success: true,
                    code: null,
                    message: null,
                    data: {
                        queryId,
                        queryResultFormat: "json",
                        total: 1,
                        returned: 1,
                        rowtype: [
                            {
                                name: answer[1],
                                type: "text",
                                length: 16777216,
                                byteLength: 16777216,
                                nullable: true,
                                precision: 0,
                                scale: 0,
                                fields: [],
                            },
                        ],
                        rowset: [[answer[2]]],
                    },
                });
            }
            if (url.pathname === "/session" || url.pathname === "/telemetry/send" || url.pathname === "/session/heartbeat") {
                return reply({ success: true, code: null, message: null, data: null });
            }
            res.writeHead(404).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        host: "127.0.0.1",
        port,
        get logins() {
            return state.logins;
        },
        answered: state.answered,
        refused: state.refused,
        env: { SNOWFLAKE_HOST: "127.0.0.1", SNOWFLAKE_PORT: String(port), SNOWFLAKE_PROTOCOL: "http" },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    } as FakeSnowflakeEndpoint;
}
