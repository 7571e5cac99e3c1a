import * as assert from "node:assert/strict";
import { TableSpec } from "@incremental-crawl/components";
import * as sql from "../components/warehouse/sql";

const stage: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "LAKE_STAGE"];
const source: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "ORDERS_LAKE_0A1B2C3D"];
const fileFormat: [string, string, string] = ["LAKE_EXPORT", "EXPORT", "LAKE_PARQUET"];
const path = "orders/g1-0a1b2c3d/";

const orders = (over: Partial<TableSpec> = {}): TableSpec => ({
    name: "ORDERS",
    columns: [
        { name: "ORDER_ID", type: "NUMBER(38,0)", nullable: false },
        { name: "ORDER_TS", type: "TIMESTAMP_TZ", nullable: true },
        { name: "SEEN_AT", type: "TIMESTAMP_LTZ(3)", nullable: true },
        { name: "LOADED_AT", type: "TIMESTAMP_NTZ", nullable: true },
        { name: "ORDER_DATE", type: "DATE", nullable: true },
        { name: "STATUS", type: "VARCHAR(32)", nullable: true },
    ],
    partitionBy: "ORDER_TS",
    partitionGranularity: "day",
    generation: 1,
    ...over,
});

describe("sql: the unload statement", () => {
    it("golden: day partitions of a TIMESTAMP_TZ column, zoned columns cast to NTZ", () => {
        assert.equal(
            sql.buildUnloadSql({ table: orders(), stage, path, source, fileFormat, maxFileSizeMb: 64 }),
            [
                `COPY INTO @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/orders/g1-0a1b2c3d/`,
                `FROM (`,
                `  SELECT`,
                `    "ORDER_ID",`,
                `    CONVERT_TIMEZONE('UTC', "ORDER_TS")::TIMESTAMP_NTZ AS "ORDER_TS",`,
                `    CONVERT_TIMEZONE('UTC', "SEEN_AT")::TIMESTAMP_NTZ AS "SEEN_AT",`,
                `    "LOADED_AT",`,
                `    "ORDER_DATE",`,
                `    "STATUS"`,
                `  FROM "LAKE_EXPORT"."EXPORT"."ORDERS_LAKE_0A1B2C3D"`,
                `)`,
                `PARTITION BY ('dt=' || COALESCE(TO_VARCHAR("ORDER_TS", 'YYYY-MM-DD'), '__HIVE_DEFAULT_PARTITION__'))`,
                `FILE_FORMAT = (FORMAT_NAME = '"LAKE_EXPORT"."EXPORT"."LAKE_PARQUET"')`,
                `HEADER = TRUE`,
                `MAX_FILE_SIZE = 67108864`,
                `DETAILED_OUTPUT = TRUE`,
            ].join("\n"),
        );
    });

    const partitions: Array<[Partial<TableSpec>, string]> = [
        [
            { partitionBy: "ORDER_DATE", partitionGranularity: "day" },
            `'dt=' || COALESCE(TO_VARCHAR("ORDER_DATE", 'YYYY-MM-DD'), '__HIVE_DEFAULT_PARTITION__')`,
        ],
        [
            { partitionBy: "ORDER_DATE", partitionGranularity: "month" },
            `'dt=' || COALESCE(TO_VARCHAR("ORDER_DATE", 'YYYY-MM'), '__HIVE_DEFAULT_PARTITION__')`,
        ],
        [
            { partitionBy: "LOADED_AT", partitionGranularity: "hour" },
            `'dt=' || COALESCE(TO_VARCHAR("LOADED_AT", 'YYYY-MM-DD-HH24'), '__HIVE_DEFAULT_PARTITION__')`,
        ],
        [
            { partitionBy: "SEEN_AT", partitionGranularity: "hour" },
            `'dt=' || COALESCE(TO_VARCHAR("SEEN_AT", 'YYYY-MM-DD-HH24'), '__HIVE_DEFAULT_PARTITION__')`,
        ],
        [
            { partitionBy: "STATUS", partitionGranularity: "value" },
            `'p_status=' || COALESCE(NULLIF(REGEXP_REPLACE(TO_VARCHAR("STATUS"), '[^A-Za-z0-9_.]', '_'), ''), '__HIVE_DEFAULT_PARTITION__')`,
        ],
    ];
    for (const [over, expected] of partitions) {
        it(`golden: ${over.partitionGranularity} partitions of ${over.partitionBy}`, () => {
            assert.equal(sql.partitionExpression(orders(over)), expected);
        });
    }

    it("puts NULL partition values in the Hive default partition, a key=value folder Glue reads", () => {
        for (const [over] of partitions) {
            assert.match(sql.partitionExpression(orders(over)), /COALESCE\(.*, '__HIVE_DEFAULT_PARTITION__'\)$/);
        }
        assert.equal(sql.NULL_PARTITION, "__HIVE_DEFAULT_PARTITION__");
    });

    it("quotes identifiers and literals so that a hostile name cannot change the statement", () => {
        const hostile = 'X"; DROP TABLE T; --';
        assert.equal(sql.quoteIdent(hostile), '"X""; DROP TABLE T; --"');
        assert.equal(sql.quoteLiteral("it's \\ odd"), "'it''s \\\\ odd'");
        const text = sql.buildUnloadSql({
            table: orders({
                name: "T",
                columns: [{ name: hostile, type: "DATE", nullable: true }],
                partitionBy: hostile,
                partitionGranularity: "day",
            }),
            stage,
            path,
            source,
            fileFormat,
            maxFileSizeMb: 1,
        });
        // The hostile text appears only inside a doubled-quote identifier.
        const outside = text.replace(/"(?:[^"]|"")*"/g, "<id>").replace(/'(?:[^'\\]|''|\\.)*'/g, "<lit>");
        assert.doesNotMatch(outside, /DROP/);
        const benign = sql.buildUnloadSql({
            table: orders({
                name: "T",
                columns: [{ name: "D", type: "DATE", nullable: true }],
                partitionBy: "D",
                partitionGranularity: "day",
            }),
            stage,
            path,
            source,
            fileFormat,
            maxFileSizeMb: 1,
        });
        assert.equal(outside, benign.replace(/"(?:[^"]|"")*"/g, "<id>").replace(/'(?:[^'\\]|''|\\.)*'/g, "<lit>"), "same statement shape");
    });

    it("refuses a file size Snowflake would refuse", () => {
        assert.throws(() => sql.buildUnloadSql({ table: orders(), stage, path, source, fileFormat, maxFileSizeMb: 0 }), /1 to 5120/);
        assert.throws(() => sql.buildUnloadSql({ table: orders(), stage, path, source, fileFormat, maxFileSizeMb: 6000 }), /1 to 5120/);
    });

    it("refuses a partition column that is not in the table", () => {
        assert.throws(() => sql.partitionExpression(orders({ partitionBy: "NOPE" })), /NOPE is not a column of ORDERS/);
    });

    it("gives sessions the task's unload parameters, and the task its run condition", () => {
        assert.deepEqual(sql.sessionStatements(), [
            "ALTER SESSION SET ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE",
            "ALTER SESSION SET TIMEZONE = 'UTC'",
        ]);
        assert.equal(sql.streamHasDataCondition(source), "SYSTEM$STREAM_HAS_DATA('LAKE_EXPORT.EXPORT.ORDERS_LAKE_0A1B2C3D')");
    });

    it("partitions zoned timestamps by their UTC date whatever the session's time zone", () => {
        // PARTITION BY reads the SELECT's output, where a zoned column is already UTC TIMESTAMP_NTZ.
        // Converting it again (two-argument CONVERT_TIMEZONE of an NTZ value) would read it as
        // session wall time: under America/Los_Angeles, 17:00-24:00 UTC would land in the next day.
        for (const column of ["ORDER_TS", "SEEN_AT"]) {
            for (const granularity of ["day", "month", "hour"] as const) {
                const table = orders({ partitionBy: column, partitionGranularity: granularity });
                const text = sql.buildUnloadSql({ table, stage, path, source, fileFormat, maxFileSizeMb: 16 });
                assert.match(
                    text,
                    new RegExp(`CONVERT_TIMEZONE\\('UTC', "${column}"\\)::TIMESTAMP_NTZ AS "${column}"`),
                    "the SELECT converts the instant to UTC once",
                );
                const partitionBy = /^PARTITION BY \((.*)\)$/m.exec(text)![1];
                assert.doesNotMatch(
                    partitionBy,
                    /CONVERT_TIMEZONE|TIMESTAMP_LTZ|LOCALTIMESTAMP|CURRENT_/i,
                    "nothing in PARTITION BY reads the session time zone",
                );
                assert.match(partitionBy, new RegExp(`TO_VARCHAR\\("${column}", '[^']+'\\)`));
            }
        }
    });

    it("unloads as text what Parquet or Athena cannot hold as it is: TIME, semi-structured values, geography", () => {
        const table = orders({
            columns: [
                { name: "D", type: "DATE", nullable: true },
                { name: "AT", type: "TIME", nullable: true },
                { name: "DOC", type: "VARIANT", nullable: true },
                { name: "TAGS", type: "ARRAY", nullable: true },
                { name: "WHERE_", type: "GEOGRAPHY", nullable: true },
            ],
            partitionBy: "D",
        });
        const text = sql.buildUnloadSql({ table, stage, path, source, fileFormat, maxFileSizeMb: 16 });
        assert.match(text, /TO_VARCHAR\("AT", 'HH24:MI:SS.FF9'\) AS "AT"/);
        assert.match(text, /TO_JSON\("DOC"\) AS "DOC"/);
        assert.match(text, /TO_JSON\("TAGS"\) AS "TAGS"/);
        assert.match(text, /ST_ASWKT\("WHERE_"\) AS "WHERE_"/);
    });

    it("writes into the export's own folder, and refuses a path that is not one", () => {
        assert.match(
            sql.buildUnloadSql({ table: orders(), stage, path, source, fileFormat, maxFileSizeMb: 16 }),
            /^COPY INTO @"LAKE_EXPORT"\."EXPORT"\."LAKE_STAGE"\/orders\/g1-0a1b2c3d\/\n/,
        );
        for (const bad of ["", "orders", "../x/", "orders//", "/orders/"]) {
            assert.throws(
                () => sql.buildUnloadSql({ table: orders(), stage, path: bad, source, fileFormat, maxFileSizeMb: 16 }),
                /stage path/,
                bad,
            );
        }
    });

    it("removes the files of one query and lists an export's files, in the export's folder only", () => {
        assert.equal(
            sql.removeFilesOfQuery(stage, path),
            `REMOVE @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/orders/g1-0a1b2c3d/ PATTERN = '.*{queryId}.*'`,
        );
        assert.equal(sql.listFiles(stage, path), `LIST @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/orders/g1-0a1b2c3d/`);
    });
});

describe("sql: the unload log and the cleanup before each unload", () => {
    const s = sql.unloadStatements({
        copy: "COPY INTO @x/orders/g1-0a1b2c3d/\nFROM (SELECT 1)",
        stage,
        path,
        table: "O'RDERS",
        exportId: "g1-0a1b2c3d",
        stream: "O'RDERS_LAKE_0A1B2C3D",
        task: "O'RDERS_LAKE_EXPORT",
    });
    const log = '"LAKE_EXPORT"."EXPORT"."LAKE_UNLOADS"';
    const baseline = '"LAKE_EXPORT"."EXPORT"."LAKE_UNLOAD_BASELINE"';
    const mine = (alias: string) => `${alias}.TABLE_NAME = 'O''RDERS' AND ${alias}.EXPORT_ID = 'g1-0a1b2c3d'`;

    it("reads the COPY's result whatever the case of its columns, skipping the summary row of an unload that wrote nothing", () => {
        assert.equal(
            s.log,
            `INSERT INTO ${log} (TABLE_NAME, EXPORT_ID, QUERY_ID, FILE_NAME, FILE_SIZE, ROW_COUNT, UNLOADED_AT) ` +
                "SELECT 'O''RDERS', 'g1-0a1b2c3d', " +
                // The id the file's name carries (a COPY Snowflake retried names its files with the retry's id), else the COPY's.
                "COALESCE(REGEXP_SUBSTR(GET_IGNORE_CASE(O, 'FILE_NAME')::VARCHAR, '/data_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[^/]*$', 1, 1, 'e', 1), '{queryId}'), " +
                "GET_IGNORE_CASE(O, 'FILE_NAME')::VARCHAR, GET_IGNORE_CASE(O, 'FILE_SIZE')::NUMBER(38,0), " +
                "GET_IGNORE_CASE(O, 'ROW_COUNT')::NUMBER(38,0), SYSDATE() FROM (SELECT OBJECT_CONSTRUCT(*) AS O FROM TABLE(RESULT_SCAN('{queryId}'))) " +
                "WHERE COALESCE(GET_IGNORE_CASE(O, 'ROWS_UNLOADED')::NUMBER, -1) <> 0",
        );
        // Every column the INSERT fills is NOT NULL: a row without a file name fails the INSERT, and with it the unload.
        assert.ok(sql.UNLOAD_LOG_COLUMNS.every((c) => !c.nullable));
    });

    it("takes an export's baseline once: the marker, and the query ids of the files the log does not list", () => {
        assert.ok(
            s.baseline.startsWith(
                `INSERT INTO ${baseline} (TABLE_NAME, EXPORT_ID, QUERY_ID, RECORDED_AT) SELECT 'O''RDERS', 'g1-0a1b2c3d', Q.QUERY_ID, SYSDATE() FROM (SELECT '' AS QUERY_ID UNION `,
            ),
        );
        assert.ok(s.baseline.includes(`AND NOT EXISTS (SELECT 1 FROM ${log} L WHERE ${mine("L")} AND L.QUERY_ID = F.QUERY_ID)`));
        assert.ok(s.baseline.endsWith(`) Q WHERE NOT EXISTS (SELECT 1 FROM ${baseline} M WHERE ${mine("M")} AND M.QUERY_ID = '')`));
        assert.ok(sql.UNLOAD_BASELINE_COLUMNS.every((c) => !c.nullable));
    });

    it("finds the unlisted query ids only past the baseline, never one the log or the baseline lists", () => {
        assert.ok(s.unlisted.startsWith("SELECT F.QUERY_ID FROM (SELECT DISTINCT REGEXP_SUBSTR(GET_IGNORE_CASE(O, 'name')::VARCHAR, "));
        assert.ok(
            s.unlisted.includes(
                "FROM (SELECT OBJECT_CONSTRUCT(*) AS O FROM TABLE(RESULT_SCAN('{listId}')))) F WHERE F.QUERY_ID IS NOT NULL AND ",
            ),
        );
        assert.ok(s.unlisted.includes(` AND EXISTS (SELECT 1 FROM ${baseline} M WHERE ${mine("M")} AND M.QUERY_ID = '')`));
        assert.ok(s.unlisted.includes(` AND NOT EXISTS (SELECT 1 FROM ${log} L WHERE ${mine("L")} AND L.QUERY_ID = F.QUERY_ID)`));
        assert.ok(s.unlisted.endsWith(` AND NOT EXISTS (SELECT 1 FROM ${baseline} K WHERE ${mine("K")} AND K.QUERY_ID = F.QUERY_ID)`));
        assert.equal(s.list, `LIST @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/orders/g1-0a1b2c3d/`);
        assert.equal(s.remove, `REMOVE @"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"/orders/g1-0a1b2c3d/ PATTERN = '.*{queryId}.*'`);
    });

    it("takes a query id only from an unloaded file's own name, in the cleanup and in the log alike", () => {
        // The pattern of the query id, group 1, in JavaScript's dialect (the same here): the same in both statements.
        const [, pattern, group] = /REGEXP_SUBSTR\(GET_IGNORE_CASE\(O, 'name'\)::VARCHAR, '([^']+)', 1, 1, 'e', (\d)\)/.exec(s.unlisted)!;
        assert.ok(s.log.includes(`REGEXP_SUBSTR(GET_IGNORE_CASE(O, 'FILE_NAME')::VARCHAR, '${pattern}', 1, 1, 'e', ${group})`));
        const re = new RegExp(pattern);
        const id = "01bc2f3a-0604-ef03-0000-0001234a5678";
        assert.equal(re.exec(`s3://lake/exports/orders/g1-0a1b2c3d/dt=2024-01-01/data_${id}_0_0_0.snappy.parquet`)?.[Number(group)], id);
        assert.equal(
            re.exec(`dt=2024-01-01/data_${id}_0_0_0.snappy.parquet`)?.[Number(group)],
            id,
            "a COPY's FILE_NAME, relative to its path",
        );
        for (const other of [
            `s3://${id}/exports/orders/g1-0a1b2c3d/dt=2024-01-01/part-0.parquet`,
            `s3://lake/exports/orders/g1-0a1b2c3d/data_${id}/x.parquet`,
            "s3://lake/exports/orders/g1-0a1b2c3d/dt=2024-01-01/data_0_0_0.parquet",
        ]) {
            assert.equal(re.exec(other), null, other);
        }
    });

    it("counts the export's files an earlier stream committed, only while this stream has committed none", () => {
        assert.equal(s.show, `SHOW STREAMS LIKE 'O''RDERS_LAKE_0A1B2C3D' IN SCHEMA "LAKE_EXPORT"."EXPORT"`);
        assert.equal(
            s.repeated,
            "SELECT IFF(COUNT_IF(L.UNLOADED_AT >= S.CREATED) = 0, COUNT_IF(L.UNLOADED_AT < S.CREATED), 0) " +
                `FROM ${log} L, (SELECT CONVERT_TIMEZONE('UTC', "created_on")::TIMESTAMP_NTZ AS CREATED ` +
                // SHOW's columns are lower-case; LIKE's `_` matches any character, so the name is compared exactly.
                `FROM TABLE(RESULT_SCAN('{showId}')) WHERE "name" = 'O''RDERS_LAKE_0A1B2C3D') S WHERE ${mine("L")}`,
        );
        assert.equal(
            s.since,
            "SELECT COUNT(*) AS FILES, COALESCE(SUM(L.ROW_COUNT), 0) AS ROW_TOTAL, COALESCE(SUM(L.FILE_SIZE), 0) AS BYTE_TOTAL, " +
                `MIN_BY(L.QUERY_ID, L.UNLOADED_AT) AS FIRST_QUERY_ID FROM ${log} L, (SELECT CONVERT_TIMEZONE('UTC', "created_on")::TIMESTAMP_NTZ AS CREATED ` +
                `FROM TABLE(RESULT_SCAN('{showId}')) WHERE "name" = 'O''RDERS_LAKE_0A1B2C3D') S WHERE ${mine("L")} AND L.UNLOADED_AT >= S.CREATED`,
        );
    });

    it("counts the table's tasks whose condition names the export's stream, for the backfill", () => {
        assert.equal(s.showTask, `SHOW TASKS LIKE 'O''RDERS_LAKE_EXPORT' IN SCHEMA "LAKE_EXPORT"."EXPORT"`);
        assert.equal(
            s.taskReads,
            // The name as the task's WHEN quotes it (streamHasDataCondition), its quotes doubled once more inside this literal.
            `SELECT COUNT(*) AS TASKS FROM TABLE(RESULT_SCAN('{showId}')) WHERE "name" = 'O''RDERS_LAKE_EXPORT' ` +
                `AND CONTAINS(UPPER("condition"), UPPER('''LAKE_EXPORT.EXPORT.O''''RDERS_LAKE_0A1B2C3D'''))`,
        );
        assert.ok(
            sql
                .streamHasDataCondition(["LAKE_EXPORT", "EXPORT", "O'RDERS_LAKE_0A1B2C3D"])
                .includes("'LAKE_EXPORT.EXPORT.O''RDERS_LAKE_0A1B2C3D'"),
        );
        assert.ok(!sql.taskBody(s, "O'RDERS").includes("SHOW TASKS"), "the task does not look for itself");
    });

    it("builds the task's block from the same statements, the ids bound to its variables", () => {
        const body = sql.taskBody(s, "O'RDERS");
        // The repeat check runs first, and raises an exception that names the table.
        assert.ok(
            body.startsWith(
                "DECLARE\n  show_id VARCHAR;\n  repeated_files INTEGER;\n  list_id VARCHAR;\n  copy_id VARCHAR;\n  cleanup VARCHAR;\n" +
                    `  export_repeated EXCEPTION (-20001, ${sql.quoteLiteral(sql.repeatedExportMessage("O'RDERS"))});\n` +
                    `BEGIN\n  ${s.show};\n  show_id := SQLID;\n` +
                    `  SELECT IFF(COUNT_IF(L.UNLOADED_AT >= S.CREATED) = 0, COUNT_IF(L.UNLOADED_AT < S.CREATED), 0) INTO :repeated_files FROM ${log} L, `,
            ),
        );
        assert.ok(body.includes(`FROM TABLE(RESULT_SCAN(:show_id)) WHERE "name" = 'O''RDERS_LAKE_0A1B2C3D') S WHERE ${mine("L")};\n`));
        assert.ok(body.includes(`  IF (repeated_files > 0) THEN\n    RAISE export_repeated;\n  END IF;\n  ${s.list};\n`));
        assert.ok(body.includes(`  ${s.baseline.split("'{listId}'").join(":list_id")};\n`));
        assert.ok(body.includes(`  LET unlisted RESULTSET := (${s.unlisted.split("'{listId}'").join(":list_id")});\n`));
        assert.ok(body.includes(`  ${s.log.split("'{queryId}'").join(":copy_id")};\n  COMMIT;\n`));
        assert.ok(
            body.includes(
                "    cleanup := 'REMOVE @\"LAKE_EXPORT\".\"EXPORT\".\"LAKE_STAGE\"/orders/g1-0a1b2c3d/ PATTERN = ''.*' || f.QUERY_ID || '.*''';\n",
            ),
        );
        assert.ok(body.includes("  BEGIN TRANSACTION;\n  COPY INTO @x/orders/g1-0a1b2c3d/\n  FROM (SELECT 1);\n  copy_id := SQLID;\n"));
        assert.throws(() => sql.taskBody({ ...s, remove: "REMOVE @x" }, "T"), /must contain \{queryId\} once/);
        assert.throws(() => sql.taskBody({ ...s, log: "INSERT INTO x" }, "T"), /must contain '\{queryId\}'/);
        assert.throws(() => sql.taskBody({ ...s, unlisted: "SELECT 1" }, "T"), /must contain '\{listId\}'/);
        assert.throws(() => sql.taskBody({ ...s, repeated: "SELECT 1" }, "T"), /must contain '\{showId\}'/);
    });
});
