import * as assert from "node:assert/strict";
import { CURRENT_REGION_SQL } from "@incremental-crawl/components/runtime";
import { lazySnowflake } from "../../tools/verify/snowflake";

// Throwaway PEM shape; not a real key.
const env = {
    SNOWFLAKE_ORGANIZATION_NAME: "MYORG",
    SNOWFLAKE_ACCOUNT_NAME: "LAKE_ACCT",
    SNOWFLAKE_USER: "LAKE_SVC",
    SNOWFLAKE_WAREHOUSE: "LAKE_WH",
    SNOWFLAKE_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
};

/** A session whose CURRENT_REGION() answers `region` (or fails), recording what it ran. */
function dialing(region: string | Error) {
    const ran: string[] = [];
    let closed = 0;
    const dial = async () => ({
        conn: {
            execute: async (sqlText: string) => {
                ran.push(sqlText);
                if (sqlText === CURRENT_REGION_SQL) {
                    if (region instanceof Error) throw region;
                    return { rows: [{ REGION: region }], queryId: "01bc0000-0000-4000-8000-000000000001" };
                }
                return { rows: [{ N: 1 }], queryId: "01bc0000-0000-4000-8000-000000000002" };
            },
        },
        close: async () => void closed++,
    });
    return { dial, ran, closed: () => closed };
}

describe("verify and add-table: the Snowflake session", () => {
    it("refuses an account hosted outside AWS on its first statement, naming the region and why", async () => {
        for (const region of ["AZURE_EASTUS2", "PUBLIC.GCP_EUROPE_WEST4"]) {
            const d = dialing(region);
            const s = lazySnowflake(env, "incremental-crawl-verify", d.dial);
            await assert.rejects(
                s.conn.execute("SELECT COUNT(*) FROM T"),
                new RegExp(
                    `in ${region.replace(".", "\\.")}, not on AWS[\\s\\S]*cross-cloud support is not available for push notifications`,
                ),
            );
            assert.deepEqual(d.ran, [CURRENT_REGION_SQL], "nothing else runs");
            await s.close();
            assert.equal(d.closed(), 1);
        }
    });

    it("runs the statements of an account on AWS, checking the region once", async () => {
        const d = dialing("AWS_EU_CENTRAL_1");
        const s = lazySnowflake(env, "incremental-crawl-add-table", d.dial);
        assert.deepEqual((await s.conn.execute("SELECT 1")).rows, [{ N: 1 }]);
        await s.conn.execute("SELECT 2");
        assert.deepEqual(d.ran, [CURRENT_REGION_SQL, "SELECT 1", "SELECT 2"]);
    });

    it("lets a region it cannot read through: the checks themselves say what fails", async () => {
        const d = dialing(new Error("Insufficient privileges"));
        const s = lazySnowflake(env, "incremental-crawl-verify", d.dial);
        assert.deepEqual((await s.conn.execute("SELECT 1")).rows, [{ N: 1 }]);
    });
});
