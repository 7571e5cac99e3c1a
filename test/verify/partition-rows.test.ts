import * as assert from "node:assert/strict";
import {
    athenaPartitionFolder,
    athenaPartitionRowsSql,
    comparePartitionRows,
    sampleDiffs,
    unloadLogPartitionsSql,
} from "../../tools/verify/partition-rows";
import { fmtSpan, STALE_WARNING_MS, streamStaleness, toEpochMs } from "../../tools/verify/stream-staleness";
import { showStreamSql } from "@incremental-crawl/components/runtime";

const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe("verify: rows per partition (pure)", () => {
    it("agrees when every partition has the rows the log records", () => {
        const same = { "dt=2024-01-30": 600, "dt=2024-01-31": 600 };
        assert.deepEqual(comparePartitionRows(counts(same), counts(same)), {
            matching: 2,
            fewer: [],
            more: [],
            lakeRows: 1200,
            loggedRows: 1200,
        });
        assert.deepEqual(comparePartitionRows(new Map(), new Map()), { matching: 0, fewer: [], more: [], lakeRows: 0, loggedRows: 0 });
    });

    it("splits the partitions that differ into fewer and more rows in the lake, by name, with the partitions on one side only", () => {
        const lake = counts({ "dt=2024-01-31": 700, "dt=2024-01-29": 10, "dt=2024-01-30": 600, "dt=2024-02-02": 5 });
        const logged = counts({ "dt=2024-01-29": 20, "dt=2024-01-30": 600, "dt=2024-01-31": 600, "dt=2024-02-01": 40 });
        const cmp = comparePartitionRows(lake, logged);
        assert.equal(cmp.matching, 1);
        assert.deepEqual(cmp.fewer, [
            { partition: "dt=2024-01-29", lake: 10, logged: 20 },
            // Not in Athena at all: not catalogued yet, or its folder is gone.
            { partition: "dt=2024-02-01", lake: 0, logged: 40 },
        ]);
        assert.deepEqual(cmp.more, [
            { partition: "dt=2024-01-31", lake: 700, logged: 600 },
            // Not in the log at all: files the log lacks.
            { partition: "dt=2024-02-02", lake: 5, logged: 0 },
        ]);
        assert.deepEqual([cmp.lakeRows, cmp.loggedRows], [1315, 1260]);
    });

    it("samples the differing partitions with their counts", () => {
        const diffs = Array.from({ length: 7 }, (_, i) => ({ partition: `dt=2024-01-0${i + 1}`, lake: 1000 * i, logged: 1500 }));
        assert.equal(sampleDiffs(diffs.slice(0, 1)), "dt=2024-01-01 (Athena 0, log 1,500)");
        assert.equal(sampleDiffs(diffs, 2), "dt=2024-01-01 (Athena 0, log 1,500), dt=2024-01-02 (Athena 1,000, log 1,500) and 5 more");
    });

    it("reads Athena's NULL partition as the Hive default partition folder", () => {
        assert.equal(athenaPartitionFolder("dt", "2024-01-31"), "dt=2024-01-31");
        assert.equal(athenaPartitionFolder("p_status", undefined), "p_status=__HIVE_DEFAULT_PARTITION__");
        assert.equal(athenaPartitionFolder("p_status", "__HIVE_DEFAULT_PARTITION__"), "p_status=__HIVE_DEFAULT_PARTITION__");
        assert.equal(athenaPartitionFolder("p_status", ""), "p_status=");
    });

    it("quotes identifiers and literals in both queries", () => {
        assert.equal(athenaPartitionRowsSql("lake", "orders", "dt"), 'SELECT "dt", COUNT(*) FROM "lake"."orders" GROUP BY 1');
        assert.equal(athenaPartitionRowsSql('la"ke', "orders", "p_x"), 'SELECT "p_x", COUNT(*) FROM "la""ke"."orders" GROUP BY 1');
        const sql = unloadLogPartitionsSql(["LAKE_EXPORT", "EXPORT", "LAKE_UNLOADS"], "O'RDERS", "g1-0a1b2c3d");
        assert.match(
            sql,
            /^SELECT REGEXP_SUBSTR\("FILE_NAME", '\(\[\^\/\]\+\)\/\[\^\/\]\*\$', 1, 1, 'e', 1\) AS "PARTITION", SUM\("ROW_COUNT"\) AS "ROW_COUNT", COUNT\(\*\) AS "FILES" /,
        );
        assert.match(
            sql,
            / FROM "LAKE_EXPORT"\."EXPORT"\."LAKE_UNLOADS" WHERE "TABLE_NAME" = 'O''RDERS' AND "EXPORT_ID" = 'g1-0a1b2c3d' GROUP BY 1$/,
        );
    });

    it("takes the folder a logged file lies in, as the log's regular expression does", () => {
        // The pattern of unloadLogPartitionsSql, group 1, in JavaScript's dialect (the same here).
        const folderOf = (file: string) => /([^/]+)\/[^/]*$/.exec(file)?.[1];
        assert.equal(folderOf("dt=2024-01-01/data_01b2c3d4-0000-0000-0000-000000000000_0_0_0.snappy.parquet"), "dt=2024-01-01");
        assert.equal(folderOf("orders/g1-0a1b2c3d/p_status=OPEN/data_0_0_0.snappy.parquet"), "p_status=OPEN");
        assert.equal(folderOf("data_0_0_0.snappy.parquet"), undefined);
    });
});

describe("verify: stream staleness (pure)", () => {
    const NOW = Date.UTC(2024, 0, 31, 12);
    const HOUR = 3600_000;
    const row = (stale: unknown, staleAfter: unknown, name = "ORDERS_LAKE_0A1B2C3D") => ({ name, stale, stale_after: staleAfter });

    it("builds SHOW STREAMS for the stream in the stack's schema", () => {
        assert.equal(
            showStreamSql(["LAKE_EXPORT", "EXPORT"], "ORDERS_LAKE_0A1B2C3D"),
            `SHOW STREAMS LIKE 'ORDERS_LAKE_0A1B2C3D' IN SCHEMA "LAKE_EXPORT"."EXPORT"`,
        );
    });

    it("is fresh, soon or stale by `stale` and how far `stale_after` is", () => {
        const name = "ORDERS_LAKE_0A1B2C3D";
        assert.deepEqual(streamStaleness([row("false", new Date(NOW + 10 * 24 * HOUR))], name, NOW), {
            state: "fresh",
            staleAfter: NOW + 240 * HOUR,
            leftMs: 240 * HOUR,
        });
        assert.deepEqual(streamStaleness([row("false", new Date(NOW + 47 * HOUR))], name, NOW), {
            state: "soon",
            staleAfter: NOW + 47 * HOUR,
            leftMs: 47 * HOUR,
        });
        assert.equal(streamStaleness([row("false", new Date(NOW + STALE_WARNING_MS))], name, NOW).state, "fresh");
        assert.deepEqual(streamStaleness([row("true", new Date(NOW - HOUR))], name, NOW), { state: "stale", staleAfter: NOW - HOUR });
        assert.equal(streamStaleness([row(true, null)], name, NOW).state, "stale");
        // SHOW STREAMS computes `stale` when asked; a stale_after in the past is stale all the same.
        assert.equal(streamStaleness([row("false", new Date(NOW - 1))], name, NOW).state, "stale");
        assert.deepEqual(streamStaleness([row("false", null)], name, NOW), { state: "fresh" });
    });

    it("takes the row of that very name (LIKE ignores case and reads _ as any character), else the stream is missing", () => {
        const other = row("true", new Date(NOW), "ORDERSXLAKE_0A1B2C3D");
        assert.equal(streamStaleness([other, row("false", new Date(NOW + 100 * HOUR))], "orders_lake_0a1b2c3d", NOW).state, "fresh");
        assert.deepEqual(streamStaleness([other], "ORDERS_LAKE_0A1B2C3D", NOW), { state: "missing" });
        assert.deepEqual(streamStaleness([], "ORDERS_LAKE_0A1B2C3D", NOW), { state: "missing" });
        assert.equal(
            streamStaleness([{ NAME: "ORDERS_LAKE_0A1B2C3D", STALE: "TRUE", STALE_AFTER: null }], "ORDERS_LAKE_0A1B2C3D", NOW).state,
            "stale",
        );
    });

    it("reads stale_after as a Date, epoch milliseconds or Snowflake's text", () => {
        const t = Date.UTC(2024, 0, 15, 18, 0, 0, 123);
        assert.equal(toEpochMs(new Date(t)), t);
        assert.equal(toEpochMs(t), t);
        assert.equal(toEpochMs("2024-01-15 10:00:00.123 -0800"), t);
        assert.equal(toEpochMs("2024-01-15 10:00:00.123456789 -08:00"), t);
        assert.equal(toEpochMs("2024-01-15T18:00:00.123Z"), t);
        assert.equal(toEpochMs("2024-01-15 18:00:00.123"), t);
        for (const bad of [null, undefined, "", "soon", Number.NaN, new Date(Number.NaN), {}])
            assert.equal(toEpochMs(bad), undefined, String(bad));
    });

    it("writes spans of time to the minute", () => {
        assert.deepEqual(
            [
                fmtSpan(30 * HOUR),
                fmtSpan(48 * HOUR),
                fmtSpan(5 * HOUR + 20 * 60_000),
                fmtSpan(3 * HOUR),
                fmtSpan(12 * 60_000),
                fmtSpan(59_000),
            ],
            ["1d 6h", "2d", "5h 20m", "3h", "12m", "0m"],
        );
    });
});
