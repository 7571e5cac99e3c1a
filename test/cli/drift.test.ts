import * as assert from "node:assert/strict";
import { canonicalType, compareColumns, describedColumns, driftBreaks, driftLines, hasDrift } from "../../tools/verify/drift";

const cols = (...spec: string[]) =>
    spec.map((s) => {
        const [name, type] = s.split(" ");
        return { name, type };
    });

describe("drift: a source table's columns against Snowflake's (pure)", () => {
    it("spells each type as DESCRIBE TABLE does, so synonyms and default precisions are no drift", () => {
        const same: Array<[string, string]> = [
            ["TIMESTAMP_TZ", "TIMESTAMP_TZ(9)"],
            ["INT", "NUMBER(38,0)"],
            ["NUMBER", "NUMBER(38,0)"],
            ["DECIMAL(12, 2)", "NUMBER(12,2)"],
            ["TEXT", "VARCHAR(16777216)"],
            ["STRING", "VARCHAR"],
            ["CHAR", "VARCHAR(1)"],
            ["DOUBLE", "FLOAT"],
            ["DATETIME", "TIMESTAMP_NTZ(9)"],
            ["varbinary", "BINARY(8388608)"],
            ["TIME", "TIME(9)"],
            ["date", "DATE"],
        ];
        for (const [a, b] of same) assert.equal(canonicalType(a), canonicalType(b), `${a} = ${b}`);
        assert.notEqual(canonicalType("NUMBER(12,2)"), canonicalType("NUMBER(14,2)"));
        assert.notEqual(canonicalType("TIMESTAMP_LTZ"), canonicalType("TIMESTAMP_NTZ"));
        assert.notEqual(canonicalType("VARCHAR(32)"), canonicalType("VARCHAR(64)"));
    });

    it("finds nothing when the columns agree", () => {
        const d = compareColumns(cols("ID NUMBER(38,0)", "TS TIMESTAMP_TZ"), cols("ID NUMBER(38,0)", "TS TIMESTAMP_TZ(9)"));
        assert.equal(hasDrift(d), false);
        assert.deepEqual(driftLines(d), []);
    });

    it("names added, dropped and retyped columns", () => {
        const d = compareColumns(
            cols("ID NUMBER(38,0)", "STATUS VARCHAR(32)", "AMOUNT NUMBER(12,2)"),
            cols("ID NUMBER(38,0)", "AMOUNT NUMBER(14,2)", "NOTE VARCHAR(100)"),
        );
        assert.deepEqual(d.dropped, [{ name: "STATUS", type: "VARCHAR(32)", position: 2 }]);
        assert.deepEqual(d.added, [{ name: "NOTE", type: "VARCHAR(100)", position: 3 }]);
        assert.deepEqual(d.retyped, [{ name: "AMOUNT", from: "NUMBER(12,2)", to: "NUMBER(14,2)" }]);
        assert.deepEqual(d.renamed, []);
        assert.equal(driftBreaks(d), true);
    });

    it("calls a dropped and an added column of the same type at the same position a rename", () => {
        const d = compareColumns(
            cols("ID NUMBER(38,0)", "EMAIL VARCHAR(320)", "COUNTRY VARCHAR(2)"),
            cols("ID NUMBER(38,0)", "EMAIL_ADDRESS VARCHAR(320)", "COUNTRY VARCHAR(2)"),
        );
        assert.deepEqual(d.renamed, [{ from: "EMAIL", to: "EMAIL_ADDRESS", type: "VARCHAR(320)", position: 2 }]);
        assert.deepEqual([d.added, d.dropped], [[], []]);
        assert.deepEqual(driftLines(d), ["renamed upstream: EMAIL → EMAIL_ADDRESS (VARCHAR(320), column 2)"]);
    });

    it("sees a rename at the same place also when a column further up was dropped", () => {
        const d = compareColumns(cols("A DATE", "B NUMBER(38,0)", "C VARCHAR(10)", "D DATE"), cols("A DATE", "C2 VARCHAR(10)", "D DATE"));
        assert.deepEqual(
            d.renamed.map((r) => [r.from, r.to]),
            [["C", "C2"]],
        );
        assert.deepEqual(
            d.dropped.map((c) => c.name),
            ["B"],
        );
    });

    it("does not call it a rename when the type or the position differs", () => {
        const typed = compareColumns(cols("ID NUMBER(38,0)", "EMAIL VARCHAR(320)"), cols("ID NUMBER(38,0)", "MAIL VARCHAR(100)"));
        assert.deepEqual([typed.renamed, typed.dropped.map((c) => c.name), typed.added.map((c) => c.name)], [[], ["EMAIL"], ["MAIL"]]);
        const moved = compareColumns(cols("A DATE", "B VARCHAR(5)", "C DATE"), cols("A DATE", "C DATE", "B2 VARCHAR(5)"));
        assert.deepEqual([moved.renamed, moved.dropped.map((c) => c.name), moved.added.map((c) => c.name)], [[], ["B"], ["B2"]]);
    });

    it("does not break the export on added columns alone (they are just not exported)", () => {
        const d = compareColumns(cols("ID NUMBER(38,0)"), cols("ID NUMBER(38,0)", "NEW DATE"));
        assert.equal(driftBreaks(d), false);
        assert.equal(hasDrift(d), true);
        assert.deepEqual(driftLines(d), ["added upstream: NEW (DATE, column 2), not exported"]);
    });

    it("reads DESCRIBE TABLE rows, whatever the case of their column names", () => {
        assert.deepEqual(
            describedColumns([
                { name: "ID", type: "NUMBER(38,0)", kind: "COLUMN", "null?": "N" },
                { NAME: "ts", TYPE: "TIMESTAMP_NTZ(9)", KIND: "COLUMN", "NULL?": "Y" },
            ]),
            [
                { name: "ID", type: "NUMBER(38,0)", nullable: false },
                { name: "ts", type: "TIMESTAMP_NTZ(9)", nullable: true },
            ],
        );
        assert.throws(() => describedColumns([{ column_name: "X" }]), /DESCRIBE TABLE returned a row without name and type/);
    });
});
