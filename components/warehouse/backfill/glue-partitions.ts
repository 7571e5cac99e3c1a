/**
 * The backfill's partition catalog on AWS Glue: each partition folder of the export becomes a
 * partition of the table, with the table's storage descriptor at the folder's location (what the
 * crawler's `InheritFromTable` gives them too). Partitions that exist already are left alone.
 * https://docs.aws.amazon.com/glue/latest/webapi/API_BatchCreatePartition.html
 */
import type { GlueClient } from "@aws-sdk/client-glue";
import { PartitionCatalog } from "./backfill";

export interface GlueTarget {
    region: string;
    database: string;
    table: string;
}

/** BatchCreatePartition takes at most 100 partitions a call. */
const BATCH = 100;

/** A catalog over an existing client (tests pass a mocked one). */
export function partitionCatalogOn(
    client: GlueClient,
    target: GlueTarget,
    log: (line: string) => void = () => undefined,
): PartitionCatalog {
    return {
        async register(folders) {
            if (folders.length === 0) return 0;
            const { GetTableCommand, BatchCreatePartitionCommand } = await import("@aws-sdk/client-glue");
            const { Table } = await client.send(new GetTableCommand({ DatabaseName: target.database, Name: target.table }));
            const sd = Table?.StorageDescriptor;
            const keys = (Table?.PartitionKeys ?? []).map((k) => k.Name);
            if (!sd?.Location || keys.length !== 1) {
                throw new Error(
                    `Glue table ${target.database}.${target.table} has no location or not exactly one partition key (${keys.join(", ")})`,
                );
            }
            const base = sd.Location.endsWith("/") ? sd.Location : `${sd.Location}/`;
            const inputs = folders.map((folder) => {
                const [key, value] = folder.split("=");
                if (key !== keys[0]) throw new Error(`partition folder ${folder} does not match the table's partition key ${keys[0]}`);
                return { Values: [value], StorageDescriptor: { ...sd, Location: `${base}${folder}/` } };
            });
            let added = 0;
            for (let i = 0; i < inputs.length; i += BATCH) {
                const batch = inputs.slice(i, i + BATCH);
                const out = await client.send(
                    new BatchCreatePartitionCommand({
                        DatabaseName: target.database,
                        TableName: target.table,
                        PartitionInputList: batch,
                    }),
                );
                const errors = out.Errors ?? [];
                const failed = errors.filter((e) => e.ErrorDetail?.ErrorCode !== "AlreadyExistsException");
                if (failed.length > 0) {
                    const e = failed[0];
                    throw new Error(
                        `Glue refused partition ${e.PartitionValues?.join("/")}: ${e.ErrorDetail?.ErrorCode} ${e.ErrorDetail?.ErrorMessage ?? ""}`.trim(),
                    );
                }
                added += batch.length - errors.length;
            }
            log(`${target.table}: Glue ${target.database}.${target.table} has ${added} new partitions`);
            return added;
        },
    };
}

/** A catalog with a client from the standard AWS credential chain (the environment of `pulumi up`). */
export async function gluePartitionCatalog(target: GlueTarget, log: (line: string) => void): Promise<PartitionCatalog> {
    const { GlueClient } = await import("@aws-sdk/client-glue");
    return partitionCatalogOn(new GlueClient({ region: target.region }), target, log);
}
