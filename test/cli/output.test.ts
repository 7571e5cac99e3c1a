/**
 * Output that fits and shows progress: check:iam's text table within 100 columns with its legend,
 * and bench's rows written as each size finishes.
 */
import * as assert from "node:assert/strict";
import { MAX_TABLES } from "../../config";
import { parseCounts, runBench } from "../../tools/bench/bench";
import { outputWidth, UsageError } from "../../tools/cli/command";
import { CellResult } from "../../tools/check-iam/cells";
import { evaluateMatrix, formatText, TEXT_LEGEND } from "../../tools/check-iam/iam-matrix";
import { bulletLines, fitLines, fitWidths, formatTable, hangingLines, wrapCell } from "../../tools/cli/text-table";
import { stackGraph } from "../../offline";

describe("cli: tables that fit the terminal", () => {
    it("wraps cells by words, cutting only words longer than the column", () => {
        assert.deepEqual(wrapCell("SourceArn=lake bucket, SourceAccount=this account", 20), [
            "SourceArn=lake",
            "bucket,",
            "SourceAccount=this",
            "account",
        ]);
        assert.deepEqual(wrapCell("arn:aws:iam::123456789012:role/x", 10), ["arn:aws:ia", "m::1234567", "89012:role", "/x"]);
        // Notes and bullets hang under their first line, wrapped within the width.
        assert.deepEqual(hangingLines("a: b c d", 8, "  ", "    "), ["  a: b", "    c d"]);
        assert.deepEqual(bulletLines(["Head:", "- one two three"], 9), ["Head:", "- one two", "  three"]);
        assert.deepEqual(fitWidths([10, 40, 30], 60, 2, [4, 10, 10]), [10, 23, 23]);
        const lines = formatTable([["a", "b"], ["heading row"], ["1", "two words"]], { total: 8, gap: 1, min: [1, 3] });
        assert.deepEqual(lines, ["a b", "- ------", "heading", "row", "1 two", "  words"]);
    });

    it("fits plan's tree lines: broken at spaces, spacing kept, continued four columns deeper, long words cut", () => {
        const tree = [
            "Changes: stack dev",
            "                ~ snowflake:index/task:Task  incremental-crawl-dev-snowflake-orders-task  name=ORDERS_LAKE_EXPORT  schedule=60m  changed: sqlStatement",
            "                      · env=BACKFILL_ACCOUNT_NAME,BACKFILL_AWS_REGION,BACKFILL_CLEANUP_SQL,BACKFILL_COPY_SQL,BACKFILL_GLUE_TABLE",
        ].join("\n");
        assert.deepEqual(fitLines(tree, 90).split("\n"), [
            "Changes: stack dev",
            "                ~ snowflake:index/task:Task  incremental-crawl-dev-snowflake-orders-task",
            "                    name=ORDERS_LAKE_EXPORT  schedule=60m  changed: sqlStatement",
            "                      · env=BACKFILL_ACCOUNT_NAME,BACKFILL_AWS_REGION,BACKFILL_CLEANUP_SQL",
            "                          ,BACKFILL_COPY_SQL,BACKFILL_GLUE_TABLE",
        ]);
        assert.equal(fitLines(tree, Infinity), tree);
        // Deep lines keep at least 40 columns of text.
        assert.ok(
            fitLines(`${" ".repeat(70)}+ ${"word ".repeat(30)}`, 80)
                .split("\n")
                .every((l) => l.length <= 80 && l.trim().length > 0),
        );
    });

    it("takes the terminal's width, else COLUMNS, else 100", () => {
        assert.equal(outputWidth({ isTTY: true, columns: 132 }, { COLUMNS: "90" }), 132);
        assert.equal(outputWidth({ isTTY: false }, { COLUMNS: "90" }), 90);
        assert.equal(outputWidth({ isTTY: false }, {}), 100);
        assert.equal(outputWidth({}, { COLUMNS: "wide" }), 100);
    });

    let results: CellResult[];
    before(async () => {
        results = (await evaluateMatrix((await stackGraph("prod")).resources)).results;
    });

    it("prints check:iam's matrix within 100 columns, decisions abbreviated and explained, every cell under its group", () => {
        const text = formatText(results);
        const lines = text.split("\n");
        assert.deepEqual(
            lines.filter((l) => l.length > 100),
            [],
        );
        assert.ok(text.startsWith(wrapCell(TEXT_LEGEND, 100).join("\n")), "the legend comes first");
        assert.match(TEXT_LEGEND, /A allowed, D denied \(implicitly\), X explicitly denied, E engine error/);
        assert.match(TEXT_LEGEND, /docs\/security\.md/);
        const rows = lines.filter((l) => /^[ADXE] (ok|want [ADX])\s/.test(l));
        assert.equal(rows.length, results.length, "one row per cell");
        assert.ok(
            rows.every((l) => /^[ADXE] ok\s/.test(l)),
            "every cell as expected",
        );
        for (const g of new Set(results.map((r) => r.group)))
            assert.ok(
                lines.some((l) => l.startsWith(`${g}: `)),
                `group ${g}`,
            );
        assert.ok(
            lines.some((l) => /^ {8}when SourceArn=lake bucket, SourceAccount=this account$/.test(l)),
            "the context under its cell",
        );
        // --arns and a narrower terminal still fit.
        assert.deepEqual(
            formatText(results, { arns: true, width: 80 })
                .split("\n")
                .filter((l) => l.length > 80),
            [],
        );
    });

    it("marks a mismatch with the decision it wanted", () => {
        const broken = results.map((r, i) => (i === 0 ? { ...r, decision: "ImplicitlyDenied" as const, ok: false } : r));
        assert.match(formatText(broken), /\nD want A {2,}S3 \(service\)/);
    });
});

describe("cli: bench shows each row as it finishes", () => {
    it("writes the header before the first run ends and each row when its run ends", async () => {
        const events: string[] = [];
        await runBench([1, 10], {
            warm: async () => void events.push("warm"),
            measure: async (n) => {
                events.push(`measure ${n}`);
                return { ms: n * 10.4, cloud: n * 15, all: n * 20 };
            },
            out: (l) => events.push(`out ${l}`),
            progress: (l) => events.push(`progress ${l}`),
        });
        assert.deepEqual(events, [
            "progress warming up: one run first, so that the first row is comparable",
            "warm",
            "out | tables | evaluate (ms) | cloud resources | all resources |",
            "out |--------|---------------|-----------------|---------------|",
            "progress evaluating 1 table...",
            "measure 1",
            "out |      1 |            10 |              15 |            20 |",
            "progress evaluating 10 tables...",
            "measure 10",
            "out |     10 |           104 |             150 |           200 |",
        ]);
    });

    it("takes --tables as counts up to the 200 tables a stack may hold", () => {
        assert.equal(MAX_TABLES, 200);
        assert.deepEqual(parseCounts("1, 10,50", MAX_TABLES), [1, 10, 50]);
        assert.throws(
            () => parseCounts("500", MAX_TABLES),
            (e: unknown) => e instanceof UsageError && /at most 200 tables .*got 500/.test(e.message),
        );
        assert.throws(() => parseCounts("ten", MAX_TABLES), /--tables takes table counts separated by commas/);
        assert.throws(() => parseCounts("0", MAX_TABLES), UsageError);
    });
});
