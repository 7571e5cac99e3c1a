/**
 * Hostile configuration: the program registers nothing when given a bad value (each value's refusal,
 * naming its key, is in config.test.ts); and no configuration value reaches SQL, an ARN, an S3 key or
 * a policy document unless it passed validation (property-based, seeded, plus one real graph).
 */
import * as assert from "node:assert/strict";
import { ConfigError, parseSettings, Settings } from "../../config";
import { exportLayout } from "../../components/lake/export-layout";
import * as sql from "../../components/warehouse/sql";
import { CapturedResource, runProgram, stackConfig } from "../../offline";
import { at, ctx, k, raw } from "../harness/config";
import { taskOf } from "../harness/unload";

/** The dev stack's configuration in engine form: the valid base every case breaks one thing of. */
const BASE = stackConfig("dev");
const ORDERS = JSON.parse(BASE[k("tables")])[0] as Record<string, any>;
const table = (over: Record<string, unknown>) => [{ ...ORDERS, ...over }];
const withColumn0 = (column: Record<string, unknown>) => table({ columns: [column, ...ORDERS.columns.slice(1)] });
const configOf = (over: Record<string, unknown>) => raw(over, BASE);

describe("security: the program registers nothing with a bad configuration", () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        [
            "a table name carrying SQL",
            { [k("tables")]: table({ name: 'ORDERS"; DROP TABLE USERS; --' }) },
            at(k("tables[0].name"), /expected an upper-case Snowflake identifier/),
        ],
        ["an export prefix that climbs out with ..", { [k("exportPrefix")]: "../outside" }, at(k("exportPrefix"), /expected an S3 prefix/)],
        [
            "a batch window of an hour",
            { [k("crawlBatchWindowSeconds")]: "3600" },
            at(k("crawlBatchWindowSeconds"), /expected an integer from 1 to 900 /),
        ],
        [
            "a negative queue retention",
            { [k("queueRetentionDays")]: "-1" },
            at(k("queueRetentionDays"), /expected an integer from 1 to 13 .*, got -1$/),
        ],
        [
            "an unknown table key",
            { [k("tables")]: table({ overwrite: true }) },
            at(k("tables[0].overwrite"), /expected one of the table settings/),
        ],
        [
            "a partition column that is not in the table",
            { [k("tables")]: table({ partitionBy: "SHIPPED_AT" }) },
            at(k("tables[0].partitionBy"), /expected a column name of the table .*, got "SHIPPED_AT"/),
        ],
        ["duplicate tables", { [k("tables")]: [ORDERS, ORDERS] }, at(k("tables[1].name"), /expected a name no other table has/)],
    ];
    for (const [what, over, expected] of cases) {
        it(`stops on ${what} before any resource, naming the key`, async () => {
            const error: any = await runProgram({ stack: "dev", config: over }).then(
                () => assert.fail("the program ran"),
                (e) => e,
            );
            assert.equal(error.name, "ConfigError");
            assert.ok(
                (error.problems as string[]).some((p) => expected.test(p)),
                error.message,
            );
            assert.deepEqual(error.registered, []);
        });
    }
});

// --- No config value reaches SQL, an ARN or a policy unvalidated ------------------------------------

/** Deterministic PRNG (mulberry32) so a failure names a reproducible seed. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const HOSTILE = [
    ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_",
    ..."\"'`;-/\\.*?$ {}()[]=|&%#@!~,:\n\t",
    "..",
    "--",
    "${",
    "é",
    "Ω",
    "\u0000",
    "\u200b",
];
const SAFEISH = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", ..."abcdefghijklmnopqrstuvwxyz-/"];

function randomString(rnd: () => number, alphabet: string[], maxLen: number): string {
    const n = Math.floor(rnd() * (maxLen + 1));
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
}

/**
 * Random strings, a third of each kind: hostile characters; characters of the valid alphabet
 * `near` (so many pass and reach the builders); and such a string with one hostile character put in.
 */
function samples(seed: number, count: number, maxLen: number, near: string[] = SAFEISH): string[] {
    const rnd = prng(seed);
    return Array.from({ length: count }, (_, i) => {
        const len = i % 7 === 0 ? maxLen * 2 : maxLen;
        if (i % 3 === 0) return randomString(rnd, HOSTILE, len);
        const s = randomString(rnd, near, len);
        if (i % 3 === 1) return s;
        const at = Math.floor(rnd() * (s.length + 1));
        return s.slice(0, at) + HOSTILE[Math.floor(rnd() * HOSTILE.length)] + s.slice(at);
    });
}
const UPPER = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ", ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"];
const LOWER_PATH = [..."abcdefghijklmnopqrstuvwxyz0123456789_-", ..."abcdefghijklmnopqrstuvwxyz/"];

/** Double-quoted identifiers of a SQL text (with `""` unescaped), and the text with identifiers and literals removed. */
function sqlParts(text: string): { identifiers: string[]; rest: string } {
    const identifiers: string[] = [];
    let rest = "";
    for (let i = 0; i < text.length;) {
        const ch = text[i];
        if (ch === '"' || ch === "'") {
            let j = i + 1;
            let value = "";
            while (j < text.length) {
                if (text[j] === ch && text[j + 1] === ch) {
                    value += ch;
                    j += 2;
                    continue;
                }
                if (ch === "'" && text[j] === "\\") {
                    value += text[j + 1];
                    j += 2;
                    continue;
                }
                if (text[j] === ch) break;
                value += text[j++];
            }
            assert.ok(j < text.length, `unterminated ${ch} in ${text}`);
            if (ch === '"') identifiers.push(value);
            rest += ch === '"' ? " IDENT " : " LIT ";
            i = j + 1;
        } else {
            rest += ch;
            i++;
        }
    }
    return { identifiers, rest };
}

const SAFE_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
/** A name only SQL holds (database, schema, warehouse, a source's parts): Snowflake's unquoted form. */
const SAFE_OBJECT = /^[A-Z_][A-Z0-9_$]{0,254}$/;
const SAFE_PREFIX = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;

/** The values, each set by `over`, that the validator accepts, with their settings; it refuses every other one naming `key`. */
function acceptedOf(key: string, values: string[], over: (v: string) => Record<string, unknown>): Array<[Settings, string]> {
    const accepted: Array<[Settings, string]> = [];
    for (const v of values) {
        try {
            accepted.push([parseSettings(configOf(over(v)), ctx), v]);
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.ok(
                e.problems.some((p) => p.startsWith(`${key}: expected `)),
                `${key}=${JSON.stringify(v)}: ${e.problems.join("; ")}`,
            );
        }
    }
    return accepted;
}

describe("security: no configuration value reaches SQL, an ARN or a policy unvalidated (property-based)", () => {
    it("random table names are refused, or are plain identifiers that are exactly the SQL identifiers and the S3 folder", () => {
        const accepted = acceptedOf(k("tables[0].name"), samples(0x5eed01, 600, 40, UPPER), (name) => ({ [k("tables")]: table({ name }) }));
        for (const [settings, name] of accepted) {
            const t = settings.tables[0];
            assert.equal(t.name, name);
            assert.match(name, SAFE_NAME, `accepted ${JSON.stringify(name)}`);
            const db = settings.snowflakeDatabase;
            const schema = settings.snowflakeSchema;
            const stream = `${name}_LAKE_0123ABCD`;
            const layout = exportLayout(t, { exportPrefix: settings.exportPrefix, database: db, schema });
            const text = sql.buildUnloadSql({
                table: t,
                stage: [db, schema, "LAKE_STAGE"],
                path: layout.stagePath,
                source: [db, schema, stream],
                fileFormat: [db, schema, "LAKE_PARQUET"],
                maxFileSizeMb: 16,
            });
            const { identifiers, rest } = sqlParts(text);
            const allowed = new Set([db, schema, "LAKE_STAGE", "LAKE_PARQUET", stream, ...t.columns.map((c) => c.name)]);
            assert.deepEqual(
                identifiers.filter((x) => !allowed.has(x)),
                [],
                text,
            );
            assert.ok(text.startsWith(`COPY INTO @"${db}"."${schema}"."LAKE_STAGE"/${name.toLowerCase()}/${layout.exportId}/\n`), text);
            assert.doesNotMatch(rest, /;|--|\/\*/, text);
        }
        assert.ok(accepted.length >= 20, `only ${accepted.length} random names were accepted: the property barely ran`);
    });

    it("random export prefixes are refused, or are plain S3 folders with no IAM wildcard, variable or ..", () => {
        const accepted = acceptedOf(k("exportPrefix"), samples(0x5eed02, 600, 30, LOWER_PATH), (prefix) => ({
            [k("exportPrefix")]: prefix,
        }));
        for (const [settings, prefix] of accepted) {
            assert.equal(settings.exportPrefix, prefix);
            assert.match(prefix, SAFE_PREFIX);
            assert.ok(prefix.length <= 200 && !/[*?$\s"'\\]|\.\.|\/\//.test(prefix), `accepted ${JSON.stringify(prefix)}`);
        }
        assert.ok(accepted.length >= 20, `only ${accepted.length} random prefixes were accepted`);
    });

    it("random column names, types, sources and Snowflake names are refused, or are plain identifiers", () => {
        const checks: Array<[string, (v: string) => Record<string, unknown>, RegExp, string[]]> = [
            [
                k("tables[0].columns[0].name"),
                (v) => ({ [k("tables")]: withColumn0({ name: v, type: "NUMBER(38,0)" }) }),
                /^[A-Z_][A-Z0-9_]{0,127}$/,
                UPPER,
            ],
            [
                k("tables[0].source"),
                (v) => ({ [k("tables")]: table({ source: v }) }),
                /^[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*$/,
                [...UPPER, ".", ".", "$"],
            ],
            [k("snowflakeDatabase"), (v) => ({ [k("snowflakeDatabase")]: v }), SAFE_OBJECT, [...UPPER, "$"]],
            [k("snowflakeWarehouse"), (v) => ({ [k("snowflakeWarehouse")]: v }), SAFE_OBJECT, [...UPPER, "$"]],
            [
                k("glueDatabase"),
                (v) => ({ [k("glueDatabase")]: v }),
                /^[a-z][a-z0-9_]{0,254}$/,
                [..."abcdefghijklmnopqrstuvwxyz0123456789_"],
            ],
        ];
        let seed = 0x5eed10;
        for (const [key, over, safe, near] of checks)
            for (const [, v] of acceptedOf(key, samples(seed++, 300, 24, near), over))
                assert.match(v, safe, `${key} accepted ${JSON.stringify(v)}`);
    });
});

describe("security: validated names arrive unchanged in the graph (one real run)", () => {
    // Unusual but valid values: a nested prefix with - and _, a name with digits and _, a column led by _.
    const PREFIX = "lake-2/exports_v1";
    const NAME = "T_2024_ORDERS";
    const columns = [
        { name: "_ID9", type: "NUMBER(38,0)", nullable: false },
        { name: "EVENT_AT", type: "TIMESTAMP_NTZ" },
    ];
    let resources: CapturedResource[];
    before(async () => {
        resources = (
            await runProgram({
                stack: "dev",
                config: {
                    [k("exportPrefix")]: PREFIX,
                    [k("tables")]: [{ name: NAME, columns, partitionBy: "EVENT_AT", partitionGranularity: "hour" }],
                },
            })
        ).resources;
    });
    const one = (type: string) => {
        const rs = resources.filter((r) => r.type === type);
        assert.equal(rs.length, 1, type);
        return rs[0];
    };

    it("puts the prefix and the folder exactly into the IAM policies, the notification, the crawler target and the stage", () => {
        const bucketArn: string = one("aws:s3/bucket:Bucket").outputs.arn;
        const bucket: string = one("aws:s3/bucket:Bucket").outputs.bucket;
        const folder = NAME.toLowerCase();
        const crawler = JSON.parse(
            resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("-catalog-") && r.name.endsWith("-access"))!
                .inputs.policy,
        );
        assert.equal(crawler.Statement.find((s: any) => s.Sid === "ReadOwnTableObjects").Resource, `${bucketArn}/${PREFIX}/${folder}/*`);
        assert.deepEqual(crawler.Statement.find((s: any) => s.Sid === "ListOwnTableFolder").Condition.StringLike["s3:prefix"], [
            `${PREFIX}/${folder}/`,
            `${PREFIX}/${folder}/*`,
        ]);
        const unload = JSON.parse(
            resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-snowflake-access"))!.inputs.policy,
        );
        assert.equal(unload.Statement[0].Resource, `${bucketArn}/${PREFIX}/*`);
        assert.equal(one("aws:s3/bucketNotification:BucketNotification").inputs.topics[0].filterPrefix, `${PREFIX}/`);
        assert.match(
            one("aws:glue/catalogTable:CatalogTable").inputs.storageDescriptor.location,
            new RegExp(`^s3://${bucket}/${PREFIX}/${folder}/g1-[0-9a-f]{8}/$`),
        );
        assert.deepEqual(one("aws:glue/crawler:Crawler").inputs.catalogTargets[0].tables, [folder]);
        const arrival = resources.find((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name.endsWith("-arrival-rule"))!;
        assert.deepEqual(JSON.parse(arrival.inputs.eventPattern).detail, {
            bucket: { name: [bucket] },
            object: { key: [{ prefix: `${PREFIX}/${folder}/` }] },
        });
        assert.equal(one("snowflake:index/stage:Stage").inputs.url, `s3://${bucket}/${PREFIX}/`);
        assert.deepEqual(one("snowflake:index/storageIntegration:StorageIntegration").inputs.storageAllowedLocations, [
            `s3://${bucket}/${PREFIX}/`,
        ]);
    });

    it("writes the SQL of the backfill and the task with exactly the validated identifiers", () => {
        const command = one("command:local:Command");
        const task = one("snowflake:index/task:Task");
        const stream = one("snowflake:index/streamOnTable:StreamOnTable");
        const settings = parseSettings(configOf({}), ctx);
        const copy = command.inputs.environment.BACKFILL_COPY_SQL as string;
        const env = command.inputs.environment as Record<string, string>;
        const cleanup = env.BACKFILL_CLEANUP_SQL;
        assert.equal(task.inputs.sqlStatement, taskOf(env), "the task runs the same statements, in the fixed block");
        for (const text of [copy, cleanup.replace("{queryId}", "QID"), command.inputs.environment.BACKFILL_LIST_SQL as string]) {
            const { identifiers, rest } = sqlParts(text);
            const allowed = new Set([
                settings.snowflakeDatabase,
                settings.snowflakeSchema,
                "LAKE_STAGE",
                "LAKE_PARQUET",
                stream.inputs.name,
                ...columns.map((c) => c.name),
            ]);
            assert.deepEqual(
                identifiers.filter((x) => !allowed.has(x)),
                [],
                text,
            );
            assert.match(text, new RegExp(`/${NAME.toLowerCase()}/g1-[0-9a-f]{8}/(\n| |$)`), text);
            assert.doesNotMatch(rest, /;|--|\/\*/);
        }
        assert.match(stream.inputs.name, new RegExp(`^${NAME}_LAKE_[0-9A-F]{8}$`));
        assert.equal(command.inputs.environment.BACKFILL_TABLE, NAME);
    });

    it("puts no wildcard, policy variable or .. of configuration into any policy document", () => {
        // Only strings that carry configuration (the export prefix or the table's folder) are checked:
        // wildcards the program writes itself (e.g. the alerts topic's alarm:* condition) are its own.
        const fromConfig = (v: string) => v.includes(PREFIX) || v.includes(NAME.toLowerCase());
        let checked = 0;
        const docs = resources.flatMap((r) =>
            ["policy", "assumeRolePolicy"]
                .filter((p) => typeof r.inputs[p] === "string" && r.inputs[p].startsWith("{"))
                .map((p) => ({ r, doc: JSON.parse(r.inputs[p]) })),
        );
        assert.ok(docs.length >= 5);
        for (const { r, doc } of docs) {
            for (const s of doc.Statement) {
                for (const res of ([] as string[]).concat(s.Resource ?? [])) {
                    if (!fromConfig(res)) continue;
                    checked++;
                    const body = res.endsWith("/*") ? res.slice(0, -2) : res;
                    assert.doesNotMatch(body, /[*?]|\$\{|\.\./, `${r.name}: ${res}`);
                }
                for (const values of Object.values<Record<string, unknown>>(s.Condition ?? {})) {
                    for (const v of Object.values(values).flat()) {
                        if (typeof v !== "string" || !fromConfig(v)) continue;
                        checked++;
                        const body = v.endsWith("/*") ? v.slice(0, -2) : v;
                        assert.doesNotMatch(body, /[*?]|\$\{|\.\./, `${r.name}: condition ${v}`);
                    }
                }
            }
        }
        assert.ok(checked >= 4, `only ${checked} policy strings carry configuration`);
    });
});
