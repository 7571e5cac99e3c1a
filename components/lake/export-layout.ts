/**
 * Where a table's export lives, as a pure function of its settings. One module decides it for the
 * stream (Snowflake), the unload's stage path, the Glue table's location and the crawler, so the
 * four can never disagree.
 *
 * An *export* is one full copy of a table in the lake: the first read of an append-only stream
 * (every row the table had) followed by each later insert once. What decides which rows land where
 * (the source table, the partition expression, the export prefix), where its stream lives (the
 * stack's Snowflake database and schema: a stream created anywhere else starts from the table's
 * first row again) and the table's `generation` make its identity; a change of any of them starts
 * a new export, in a new folder, read by a new stream. Columns are not part of it: a column added or dropped extends the same export in place
 * (Athena reads Parquet columns by name, so older files give NULL for a new column).
 * https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html
 */
import * as crypto from "crypto";
import { folderName } from "../naming";
import { partitionExpression } from "../warehouse/sql";
import { TableSpec } from "../types";

export interface ExportLayout {
    /** The table's folder (and Glue table name), e.g. `orders`. */
    folder: string;
    /** Upper-case hex digest of what identifies the export. */
    digest: string;
    /** The export's folder under the table's folder: `g<generation>-<digest>`, e.g. `g1-0a1b2c3d`. */
    exportId: string;
    /** The table's key prefix, with trailing slash: every export of the table is under it (`exports/orders/`). */
    tablePrefix: string;
    /** The current export's key prefix, with trailing slash (`exports/orders/g1-0a1b2c3d/`). */
    location: string;
    /** The current export's path under the stage, whose URL is the export prefix (`orders/g1-0a1b2c3d/`). */
    stagePath: string;
    /** The name of the stream that feeds this export (`ORDERS_LAKE_0A1B2C3D`). */
    streamName: string;
}

export interface ExportPlace {
    /** Key prefix of the exports, no leading or trailing slash. */
    exportPrefix: string;
    /** Snowflake database and schema of the stream (and of a created table). */
    database: string;
    schema: string;
}

/** The layout of `table`'s current export. */
export function exportLayout(table: TableSpec, place: ExportPlace): ExportLayout {
    const { exportPrefix } = place;
    const shape = JSON.stringify([
        table.source ?? null,
        partitionExpression(table),
        exportPrefix,
        place.database,
        place.schema,
        table.generation,
    ]);
    const digest = crypto.createHash("sha256").update(shape).digest("hex").slice(0, 8).toUpperCase();
    const folder = folderName(table.name);
    const exportId = `g${table.generation}-${digest.toLowerCase()}`;
    return {
        folder,
        digest,
        exportId,
        tablePrefix: `${exportPrefix}/${folder}/`,
        location: `${exportPrefix}/${folder}/${exportId}/`,
        stagePath: `${folder}/${exportId}/`,
        streamName: `${table.name}_LAKE_${digest}`,
    };
}

/** The form of an export's folder name (`ExportLayout.exportId`). */
export const EXPORT_ID = /^g\d+-[0-9a-f]{8}$/;

/** The table's key prefix (no trailing slash) of an export location, e.g. `exports/orders` of `exports/orders/g1-0a1b2c3d/`. */
export function tablePrefixOf(location: string): string {
    const parts = location.replace(/\/$/, "").split("/");
    if (!EXPORT_ID.test(parts[parts.length - 1] ?? "")) throw new Error(`${location} is not an export's folder`);
    return parts.slice(0, -1).join("/");
}
