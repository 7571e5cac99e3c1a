/**
 * The cloud that hosts the Snowflake account. The task reports its failed runs through a notification
 * integration to the stack's alerts topic, an SNS topic, and "cross-cloud support isn't available for
 * push notifications. You must configure notification support for the messaging service that is
 * provided by the cloud platform where your Snowflake account is hosted"; email and webhook
 * integrations cannot serve as a task's ERROR_INTEGRATION (https://docs.snowflake.com/en/user-guide/tasks-errors).
 * Without those notifications a failing task goes unnoticed until its stream is stale, so the lake
 * requires a Snowflake account on AWS, and the backfill, `verify` and `add-table` check it.
 */
import type { SqlConnection } from "./backfill/backfill";

/** `AWS_US_WEST_2`, or `PUBLIC.AWS_US_WEST_2` in an organization that spans region groups. https://docs.snowflake.com/en/sql-reference/functions/current_region */
export const CURRENT_REGION_SQL = "SELECT CURRENT_REGION() AS REGION";

export type SnowflakeCloud = "aws" | "azure" | "gcp";

/** The cloud of a CURRENT_REGION() value, or undefined for a form this code does not know. */
export function cloudOfRegion(region: string): SnowflakeCloud | undefined {
    const name = region.trim().split(".").pop()!.toUpperCase();
    if (name.startsWith("AWS_")) return "aws";
    if (name.startsWith("AZURE_")) return "azure";
    if (name.startsWith("GCP_")) return "gcp";
    return undefined;
}

export class NotOnAwsError extends Error {
    constructor(readonly region: string) {
        super(
            `the Snowflake account is in ${region}, not on AWS: the lake reports failed task runs to its SNS alerts topic through ` +
                'a notification integration, and Snowflake says "cross-cloud support is not available for push notifications" ' +
                "(https://docs.snowflake.com/en/user-guide/tasks-errors). Use a Snowflake account hosted on AWS.",
        );
        this.name = "NotOnAwsError";
    }
}

/**
 * The account's region from CURRENT_REGION(); throws `NotOnAwsError` for an Azure or Google Cloud
 * one. A form this code does not know is let through (and returned), so that a new naming cannot
 * stop a deploy.
 */
export async function requireAwsHosted(conn: SqlConnection): Promise<string> {
    const { rows } = await conn.execute(CURRENT_REGION_SQL);
    const region = String(rows[0] ? Object.values(rows[0])[0] : "");
    const cloud = cloudOfRegion(region);
    if (cloud !== undefined && cloud !== "aws") throw new NotOnAwsError(region);
    return region;
}
