import * as assert from "node:assert/strict";
import { TableSpec } from "@incremental-crawl/components";
import * as glueSchema from "../components/catalog/glue-schema";
import { exportLayout, tablePrefixOf } from "../components/lake/export-layout";

const orders: TableSpec = {
    name: "ORDERS",
    columns: [
        { name: "ORDER_ID", type: "NUMBER(38,0)", nullable: false },
        { name: "ORDER_TS", type: "TIMESTAMP_TZ", nullable: true },
    ],
    partitionBy: "ORDER_TS",
    partitionGranularity: "day",
    generation: 1,
};
const place = { exportPrefix: "exports", database: "LAKE_EXPORT", schema: "EXPORT" };

describe("export layout", () => {
    // Which changes start a new export and which extend it: snowflake-export.test.ts, on the stack graph.
    it("puts the export in a folder of its own under the table's folder, named like its stream", () => {
        const l = exportLayout(orders, place);
        assert.match(l.exportId, /^g1-[0-9a-f]{8}$/);
        assert.equal(l.tablePrefix, "exports/orders/");
        assert.equal(l.location, `exports/orders/${l.exportId}/`);
        assert.equal(l.stagePath, `orders/${l.exportId}/`);
        assert.equal(l.streamName, `ORDERS_LAKE_${l.digest}`);
        assert.equal(l.exportId.slice(3), l.digest.toLowerCase());
        assert.equal(tablePrefixOf(l.location), "exports/orders");
        assert.throws(() => tablePrefixOf("exports/orders/"), /not an export's folder/);
    });
});

describe("glue schema", () => {
    const cases: Array<[string, string]> = [
        ["NUMBER(38,0)", "decimal(38,0)"],
        ["NUMBER(12,2)", "decimal(12,2)"],
        ["NUMBER", "decimal(38,0)"],
        ["NUMBER(10)", "decimal(10,0)"],
        ["INTEGER", "decimal(38,0)"],
        ["FLOAT", "double"],
        ["DOUBLE PRECISION", "double"],
        ["VARCHAR(32)", "string"],
        ["TEXT", "string"],
        ["BOOLEAN", "boolean"],
        ["DATE", "date"],
        ["TIMESTAMP_NTZ", "timestamp"],
        ["TIMESTAMP_TZ(3)", "timestamp"],
        ["DATETIME", "timestamp"],
        ["BINARY", "binary"],
        ["TIME", "string"],
        ["VARIANT", "string"],
        ["GEOGRAPHY", "string"],
    ];
    for (const [sf, glue] of cases) {
        it(`reads ${sf} as ${glue}`, () => assert.equal(glueSchema.glueType(sf), glue));
    }

    it("lower-cases names, keeps the order, and refuses an unknown type", () => {
        assert.deepEqual(
            glueSchema.glueColumns([
                { name: "ORDER_ID", type: "NUMBER(38,0)", nullable: false },
                { name: "AT", type: "TIME", nullable: true },
            ]),
            [
                { name: "order_id", type: "decimal(38,0)" },
                { name: "at", type: "string" },
            ],
        );
        assert.throws(() => glueSchema.glueType("VECTOR(FLOAT, 3)"), /no Glue type/);
    });
});
