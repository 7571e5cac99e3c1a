import * as assert from "node:assert/strict";
import { BatchCreatePartitionCommand, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { partitionCatalogOn } from "../components/warehouse/backfill/glue-partitions";

const target = { region: "eu-west-1", database: "lake", table: "orders" };
const table = {
    Name: "orders",
    PartitionKeys: [{ Name: "dt", Type: "string" }],
    StorageDescriptor: {
        Location: "s3://lake-bucket/exports/orders/g1-0a1b2c3d/",
        Columns: [{ Name: "order_id", Type: "decimal(38,0)" }],
        InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
    },
};

describe("backfill: Glue partitions", () => {
    const glue = mockClient(GlueClient);
    beforeEach(() => glue.reset());

    it("creates each folder as a partition with the table's storage descriptor at the folder's location", async () => {
        glue.on(GetTableCommand).resolves({ Table: table });
        glue.on(BatchCreatePartitionCommand).resolves({
            Errors: [{ PartitionValues: ["2024-01-01"], ErrorDetail: { ErrorCode: "AlreadyExistsException" } }],
        });
        const added = await partitionCatalogOn(new GlueClient({ region: "eu-west-1" }), target).register([
            "dt=2024-01-01",
            "dt=__HIVE_DEFAULT_PARTITION__",
        ]);
        assert.equal(added, 1, "an existing partition is left alone and not counted");
        const [call] = glue.commandCalls(BatchCreatePartitionCommand);
        assert.equal(call.args[0].input.DatabaseName, "lake");
        assert.equal(call.args[0].input.TableName, "orders");
        assert.deepEqual(
            call.args[0].input.PartitionInputList!.map((p) => [p.Values, p.StorageDescriptor!.Location, p.StorageDescriptor!.Columns]),
            [
                [["2024-01-01"], "s3://lake-bucket/exports/orders/g1-0a1b2c3d/dt=2024-01-01/", table.StorageDescriptor.Columns],
                [
                    ["__HIVE_DEFAULT_PARTITION__"],
                    "s3://lake-bucket/exports/orders/g1-0a1b2c3d/dt=__HIVE_DEFAULT_PARTITION__/",
                    table.StorageDescriptor.Columns,
                ],
            ],
        );
    });

    it("sends at most 100 partitions a call", async () => {
        glue.on(GetTableCommand).resolves({ Table: table });
        glue.on(BatchCreatePartitionCommand).resolves({});
        const folders = Array.from({ length: 250 }, (_, i) => `dt=2024-01-01-${String(i).padStart(3, "0")}`);
        assert.equal(await partitionCatalogOn(new GlueClient({ region: "eu-west-1" }), target).register(folders), 250);
        assert.deepEqual(
            glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!.length),
            [100, 100, 50],
        );
    });

    it("fails on any other refusal, and on a folder of another partition key", async () => {
        glue.on(GetTableCommand).resolves({ Table: table });
        glue.on(BatchCreatePartitionCommand).resolves({
            Errors: [{ PartitionValues: ["x"], ErrorDetail: { ErrorCode: "AccessDeniedException", ErrorMessage: "no" } }],
        });
        const catalog = partitionCatalogOn(new GlueClient({ region: "eu-west-1" }), target);
        await assert.rejects(catalog.register(["dt=x"]), /AccessDeniedException no/);
        await assert.rejects(catalog.register(["p_status=x"]), /does not match the table's partition key dt/);
    });

    it("does not call Glue for an empty export", async () => {
        assert.equal(await partitionCatalogOn(new GlueClient({ region: "eu-west-1" }), target).register([]), 0);
        assert.equal(glue.calls().length, 0);
    });
});
