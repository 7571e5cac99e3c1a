/**
 * Storage classes by access frequency: the validator's rules (S3's limits, what Athena reads, the
 * table's retention), the lifecycle rules they become, and the lake and replica buckets of a stack
 * with tiers under mocks.
 */
import * as assert from "node:assert/strict";
import { validateLakeArgs } from "@incremental-crawl/components";
import * as storageTiers from "../components/lake/storage-tiers";
import { ConfigError, parseSettings, PROJECT } from "../config";
import { graphOf, stackGraph } from "../offline";

const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const K = (key: string) => `incremental-crawl:${key}`;

const orders = (over: Record<string, unknown> = {}) => ({
    name: "ORDERS",
    columns: [
        { name: "ORDER_ID", type: "NUMBER(38,0)" },
        { name: "ORDER_TS", type: "TIMESTAMP_NTZ" },
    ],
    partitionBy: "ORDER_TS",
    ...over,
});

/** The problems of `args` (a one-table lake by default, without versioning unless given). */
function problems(args: Record<string, unknown>): string[] {
    const v = validateLakeArgs({ versioning: false, tables: [orders()], ...args });
    return v.ok ? [] : v.problems;
}
function settings(args: Record<string, unknown>) {
    const v = validateLakeArgs({ versioning: false, tables: [orders()], ...args });
    assert.ok(v.ok, v.ok ? "" : v.problems.join("\n"));
    return v.settings;
}

describe("storage tiers: the validator", () => {
    it("accepts a lake-wide default down S3's waterfall, and a table inherits it unless it has its own", () => {
        const s = settings({
            storageTiers: ["STANDARD_IA:30", "INTELLIGENT_TIERING:60", "GLACIER_IR:120"],
            tables: [orders(), orders({ name: "RETURNS", storageTiers: [] }), orders({ name: "CLICKS", storageTiers: ["GLACIER_IR:7"] })],
        });
        assert.deepEqual(s.storageTiers.map(storageTiers.tierText), ["STANDARD_IA:30", "INTELLIGENT_TIERING:60", "GLACIER_IR:120"]);
        assert.deepEqual(
            s.tables.map((t) => t.storageTiers?.map(storageTiers.tierText)),
            [["STANDARD_IA:30", "INTELLIGENT_TIERING:60", "GLACIER_IR:120"], undefined, ["GLACIER_IR:7"]],
        );
    });

    it("leaves a table without tiers as it was: no storageTiers, no archived", () => {
        const [t] = settings({}).tables;
        assert.deepEqual(
            Object.keys(t)
                .filter((k) => (t as unknown as Record<string, unknown>)[k] !== undefined)
                .sort(),
            ["columns", "generation", "name", "partitionBy", "partitionGranularity"],
        );
    });

    it("refuses a class Athena cannot read, unless the table is explicitly archived", () => {
        // One problem per mistake: the refused tier is not also weighed against the retention.
        assert.deepEqual(problems({ tables: [orders({ retentionDays: 100, storageTiers: ["STANDARD_IA:30", "GLACIER:365"] })] }), [
            `tables[0].storageTiers[1]: expected one of STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR: Athena skips objects in GLACIER (S3 Glacier Flexible Retrieval), ` +
                `so its catalogued partitions would silently lose rows; set the table's archived: true to accept that, got "GLACIER:365"`,
        ]);
        const lake = problems({ storageTiers: ["DEEP_ARCHIVE:400"] });
        assert.equal(lake.length, 1);
        assert.match(
            lake[0],
            /^storageTiers\[0\]: expected one of STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR in the lake-wide default: Athena skips objects in DEEP_ARCHIVE/,
        );
        const s = settings({ tables: [orders({ archived: true, storageTiers: ["STANDARD_IA:30", "GLACIER:365", "DEEP_ARCHIVE:455"] })] });
        assert.equal(s.tables[0].archived, true);
    });

    const refused: Array<[string, Record<string, unknown>, string | RegExp]> = [
        [
            "archived without an archive tier of the table's own",
            { tables: [orders({ archived: true, storageTiers: ["STANDARD_IA:30"] })] },
            /^tables\[0\]\.archived: expected a GLACIER or DEEP_ARCHIVE tier when the table is archived/,
        ],
        [
            "archived with the lake's tiers only",
            { storageTiers: ["STANDARD_IA:30"], tables: [orders({ archived: true })] },
            /^tables\[0\]\.archived: expected false unless the table has storageTiers of its own with a GLACIER or DEEP_ARCHIVE tier/,
        ],
        ["archived not a boolean", { tables: [orders({ archived: "yes" })] }, /^tables\[0\]\.archived: expected true or false, got "yes"/],
        [
            "STANDARD_IA before 30 days",
            { storageTiers: ["STANDARD_IA:10"] },
            `storageTiers[0]: expected at least 30 days for STANDARD_IA: S3 keeps an object 30 days in STANDARD before STANDARD_IA, got "STANDARD_IA:10"`,
        ],
        [
            "ONEZONE_IA",
            { storageTiers: ["ONEZONE_IA:30"] },
            /^storageTiers\[0\]: expected one of .*: ONEZONE_IA keeps one copy in one Availability Zone/,
        ],
        [
            "a transition up from INTELLIGENT_TIERING",
            { storageTiers: ["INTELLIGENT_TIERING:0", "STANDARD_IA:60"] },
            /^storageTiers\[1\]: expected a class S3 Lifecycle moves INTELLIGENT_TIERING objects to \(GLACIER_IR, GLACIER, DEEP_ARCHIVE\): transitions only go down/,
        ],
        [
            "a transition up from GLACIER_IR",
            { storageTiers: ["GLACIER_IR:0", "INTELLIGENT_TIERING:200"] },
            /^storageTiers\[1\]: expected a class S3 Lifecycle moves GLACIER_IR objects to \(GLACIER, DEEP_ARCHIVE\)/,
        ],
        [
            "a tier earlier than the one before it",
            { storageTiers: ["GLACIER_IR:90", "STANDARD_IA:60"] },
            /^storageTiers\[1\]: expected a tier later than the one before it \(GLACIER_IR:90\)/,
        ],
        [
            "a move out of STANDARD_IA within its minimum storage duration",
            { storageTiers: ["STANDARD_IA:30", "GLACIER_IR:45"] },
            `storageTiers[1]: expected at least 60 days: objects stay 30 days in STANDARD_IA (its minimum storage duration, billed in full if they move on earlier), got "GLACIER_IR:45"`,
        ],
        [
            "a move out of GLACIER_IR within its minimum storage duration",
            { tables: [orders({ archived: true, storageTiers: ["GLACIER_IR:0", "DEEP_ARCHIVE:60"] })] },
            /^tables\[0\]\.storageTiers\[1\]: expected at least 90 days: objects stay 90 days in GLACIER_IR/,
        ],
    ];
    for (const [what, args, expected] of refused) {
        it(`refuses ${what}`, () => {
            const p = problems(args);
            if (typeof expected === "string") assert.deepEqual(p, [expected]);
            else assert.match(p.join("\n"), expected);
        });
    }

    it("refuses a tier that the table's retention cuts short, naming the key to change", () => {
        // The table's own tier: its objects expire 40 days after the move, before GLACIER_IR's 90.
        assert.deepEqual(problems({ tables: [orders({ retentionDays: 100, storageTiers: ["GLACIER_IR:60"] })] }), [
            "tables[0].storageTiers[0]: expected a tier the table's retentionDays (100) does not cut short: its objects would stay 40 days in GLACIER_IR, " +
                'less than its minimum storage duration of 90 days, which S3 bills in full; move it earlier, drop it, or keep the objects at least 150 days, got "GLACIER_IR:60"',
        ]);
        // An inherited tier: the table's retention is the key to change (or its own tiers).
        assert.deepEqual(problems({ storageTiers: ["STANDARD_IA:30", "GLACIER_IR:180"], tables: [orders({ retentionDays: 120 })] }), [
            "tables[0].retentionDays: expected at least 270 days for the lake's storageTiers[1] (GLACIER_IR:180): its objects expire at 120 days, before they move to GLACIER_IR at 180; " +
                "or give the table storageTiers of its own ([] for none), got 120",
        ]);
        assert.deepEqual(
            problems({
                storageTiers: ["STANDARD_IA:30", "GLACIER_IR:180"],
                tables: [orders({ retentionDays: 120, storageTiers: ["STANDARD_IA:30"] })],
            }),
            [],
        );
    });

    it("counts the days an expired object stays as a noncurrent version towards the minimum", () => {
        const tiers = { tables: [orders({ retentionDays: 100, storageTiers: ["GLACIER_IR:60"] })] };
        assert.equal(problems({ ...tiers, versioning: false }).length, 1, "without versions: 40 days in GLACIER_IR");
        assert.deepEqual(problems({ ...tiers, versioning: true, noncurrentVersionDays: 50 }), [], "40 days current and 50 noncurrent: 90");
        assert.equal(problems({ ...tiers, versioning: true, noncurrentVersionDays: 49 }).length, 1);
    });

    it("names a tier it cannot read, with the form it expects", () => {
        const p = problems({ storageTiers: ["STANDARD_IA", "STANDARD:30", "standard_ia:30", 30] });
        assert.deepEqual(
            p.map((x) => x.split(":")[0]),
            ["storageTiers[0]", "storageTiers[1]", "storageTiers[2]", "storageTiers[3]"],
        );
        assert.match(p[0], /expected CLASS:DAYS such as STANDARD_IA:30/);
        assert.match(p[1], /expected a class S3 Lifecycle transitions objects to .*objects start in STANDARD/);
        assert.match(problems({ storageTiers: "STANDARD_IA:30" }).join("\n"), /^storageTiers: expected a list of storage tiers/);
    });

    it("names the stack file's keys through config.ts", () => {
        const raw = {
            "aws:region": "eu-west-1",
            [`${PROJECT}:versioning`]: "false",
            [`${PROJECT}:storageTiers`]: JSON.stringify(["STANDARD_IA:14"]),
            [`${PROJECT}:tables`]: JSON.stringify([orders({ storageTiers: ["GLACIER:200"] })]),
        };
        assert.throws(
            () => parseSettings(raw, { project: PROJECT, stack: "dev" }),
            (e: ConfigError) => {
                assert.match(e.message, /incremental-crawl:storageTiers\[0\]: expected at least 30 days for STANDARD_IA/);
                assert.match(
                    e.message,
                    /incremental-crawl:tables\[0\]\.storageTiers\[0\]: expected one of .*Athena skips objects in GLACIER/,
                );
                return true;
            },
        );
    });
});

describe("storage tiers: a stack with tiers (under mocks)", function () {
    this.timeout(120_000);

    it("moves prod's ORDERS down the lake's tiers in the lake and the replica, and CUSTOMERS down its own", async () => {
        const tables = [
            orders({
                columns: [
                    { name: "ORDER_ID", type: "NUMBER(38,0)" },
                    { name: "ORDER_TS", type: "TIMESTAMP_TZ" },
                ],
            }),
            {
                name: "CUSTOMERS",
                source: "CRM.PUBLIC.CUSTOMERS",
                partitionBy: "SIGNUP_DATE",
                partitionGranularity: "month",
                retentionDays: 730,
                columns: [
                    { name: "CUSTOMER_ID", type: "NUMBER(38,0)" },
                    { name: "SIGNUP_DATE", type: "DATE" },
                ],
                storageTiers: ["INTELLIGENT_TIERING:0"],
            },
        ];
        const g = await graphOf({
            stack: "prod",
            config: { [K("storageTiers")]: ["STANDARD_IA:30", "GLACIER_IR:180"], [K("tables")]: tables },
        });
        for (const suffix of ["-lake-lifecycle", "-replica-lifecycle"]) {
            const lc = g.one(LIFECYCLE, suffix);
            const tierRules = lc.inputs.rules.filter((r: any) => r.id.startsWith("tier-table-"));
            assert.deepEqual(
                tierRules.map((r: any) => [r.id, r.filter.prefix, r.transitions.map((t: any) => `${t.storageClass}:${t.days}`)]),
                [
                    ["tier-table-customers", "exports/customers/", ["INTELLIGENT_TIERING:0"]],
                    ["tier-table-orders", "exports/orders/", ["STANDARD_IA:30", "GLACIER_IR:180"]],
                ],
                suffix,
            );
            assert.equal(lc.inputs.transitionDefaultMinimumObjectSize, "all_storage_classes_128K", suffix);
            assert.ok(
                lc.inputs.rules.some((r: any) => r.id === "expire-table-customers"),
                `${suffix}: the retention rule stays beside the tiers`,
            );
            assert.ok(
                lc.inputs.rules.every((r: any) => r.noncurrentVersionTransitions === undefined),
                `${suffix}: noncurrent versions are not transitioned`,
            );
        }
        const replication = g.one(REPLICATION, "-replica-configuration");
        assert.equal(
            replication.inputs.rules[0].destination.storageClass,
            "STANDARD",
            "copies start in STANDARD; the replica's own rules move them",
        );
    });

    it("declares no transition for a stack without tiers", async () => {
        for (const stack of ["dev", "prod"] as const) {
            for (const lc of (await stackGraph(stack)).cloud.filter((r) => r.type === LIFECYCLE)) {
                assert.ok(
                    lc.inputs.rules.every((r: any) => r.transitions === undefined),
                    `${stack} ${lc.name}`,
                );
                assert.equal(lc.inputs.transitionDefaultMinimumObjectSize, undefined, `${stack} ${lc.name}`);
            }
        }
    });
});
