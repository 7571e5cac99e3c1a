/**
 * The change matrix: realistic changes of each stack's settings, from the stack as it is (old) to
 * the stack with the change (new, through config overrides), through the lifecycle engine. Per
 * change and stack it asserts:
 * - steps: which resources update, are replaced (and how), created, deleted, nothing else;
 * - verdicts: exactly the expected data-safety verdicts;
 * - evaluates: the new program still runs over the state the update leaves (each command's stdout
 *   as pulumi-command stores it after the step: what its `update` prints);
 * - safety: no fixed-name collision, no refused step, no duplicated rows (a re-export goes to a
 *   new location unless the case flags it), nothing retained deleted;
 * or, for a change the configuration refuses for that stack, that it is refused.
 *
 * The expectations describe the target design (see the issue): the backfill's `update` re-prints
 * PULUMI_COMMAND_STDOUT, the stream digest leaves the columns out, each export generation has its
 * own location with a Glue table (replaced, delete-before-replace) pointing at it and the crawler on
 * a catalog target, prod refuses weaker encryption and versioning off, and a new Snowflake database
 * or schema name replaces the database rather than renaming it (the provider's in-place rename moves
 * everything inside, whose delete-first re-creates then fail on "already exists"). Checks that wait
 * for a change on main are `waitsFor` (run as it.skip; LIFECYCLE_MATRIX_ALL=1 runs them too).
 *
 * Patterns: `<type label> <logical name without "incremental-crawl-<stack>-">`, `*` any text, a
 * leading `?` for "may be absent" (a resource of the target design whose exact shape is the
 * lead's), a trailing ` dbr` / ` cbd` for the replacement mode.
 */
import * as assert from "node:assert/strict";
import { ChangeResult, planChange } from "../../scripts/lib/lifecycle-run";
import { Step, typeLabel, Verdict } from "../../scripts/lib/lifecycle";
import { ProgramRun, runProgram, stackConfig } from "../../offline";

type Stack = "dev" | "prod";
type Check = "steps" | "verdicts" | "evaluates" | "safety" | "refused";

interface Expectation {
    /** The configuration refuses the change for this stack (message pattern). */
    refused?: RegExp;
    create?: string[];
    update?: string[];
    replace?: string[];
    delete?: string[];
    verdicts?: string[];
    /** Re-exports into the location the earlier export is catalogued from are expected (and flagged). */
    duplicatesFlagged?: boolean;
    /** Checks that wait for the lead's changes on main, with why. */
    waitsFor?: Partial<Record<Check, string>>;
}

interface Case {
    name: string;
    /** Settings of the stack before the change, over its stack file (default: the stack as it is). */
    from?: (stack: Stack) => Record<string, unknown>;
    change: (stack: Stack) => Record<string, unknown>;
    expect: Record<Stack, Expectation>;
}

const K = (key: string) => `incremental-crawl:${key}`;
const tablesOf = (stack: Stack): any[] => JSON.parse(stackConfig(stack)[K("tables")]);
const withOrders = (stack: Stack, edit: (t: any) => any) => ({ [K("tables")]: tablesOf(stack).map((t) => (t.name === "ORDERS" ? edit(t) : t)) });
/** An organisation trail: the valid way for a production stack to go without a log bucket of its own. */
const TRAIL = "cloudtrail:arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";

// Why checks wait (shared wording, so the report can list them).

const CASES: Case[] = [
    {
        name: "maxFileSizeMb",
        change: (s) => ({ [K("maxFileSizeMb")]: s === "dev" ? 32 : 256 }),
        expect: {
            dev: { update: ["snowflake.Task snowflake-*-task", "command.local.Command snowflake-*-backfill"] },
            prod: { update: ["snowflake.Task snowflake-*-task", "command.local.Command snowflake-*-backfill"] },
        },
    },
    {
        name: "snowflakeWarehouse",
        change: (s) => ({ [K("snowflakeWarehouse")]: s === "dev" ? "DEV_WH_2" : "EXPORT_WH_L" }),
        expect: {
            dev: { update: ["providers.snowflake snowflake-provider", "snowflake.Task snowflake-*-task", "command.local.Command snowflake-*-backfill"] },
            prod: { update: ["providers.snowflake snowflake-provider", "snowflake.Task snowflake-*-task", "command.local.Command snowflake-*-backfill"] },
        },
    },
    {
        name: "taskScheduleMinutes",
        change: (s) => ({ [K("taskScheduleMinutes")]: s === "dev" ? 15 : 10 }),
        expect: { dev: { update: ["snowflake.Task snowflake-orders-task"] }, prod: { update: ["snowflake.Task snowflake-*-task"] } },
    },
    {
        name: "crawlBatchWindowSeconds",
        change: (s) => ({ [K("crawlBatchWindowSeconds")]: s === "dev" ? 120 : 600 }),
        expect: {
            dev: { update: ["glue.Trigger catalog-orders-arrival-trigger", "cloudwatch.MetricAlarm alerts-orders-events-waiting"] },
            prod: { update: ["glue.Trigger catalog-*-arrival-trigger", "cloudwatch.MetricAlarm alerts-*-events-waiting"] },
        },
    },
    {
        name: "safetyNetSchedule",
        change: () => ({ [K("safetyNetSchedule")]: "cron(45 */6 * * ? *)" }),
        // A crawler's schedule updates in place (UpdateCrawler; crawler.go: schedule is not ForceNew).
        expect: { dev: { update: ["glue.Crawler catalog-orders-crawler"] }, prod: { update: ["glue.Crawler catalog-*-crawler"] } },
    },
    {
        name: "the safety net switched off, acknowledged",
        change: () => ({ [K("safetyNetCrawl")]: false, [K("safetyNetSchedule")]: "none-events-may-expire" }),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            update: ["glue.Crawler catalog-*-crawler"],
            delete: ["cloudwatch.EventRule alerts-safety-net-failed", "cloudwatch.EventTarget alerts-safety-net-failed-target"],
        }])) as Record<Stack, Expectation>,
    },
    {
        name: "a column added",
        change: (s) => withOrders(s, (t) => ({ ...t, columns: [...t.columns, { name: "CHANNEL", type: "VARCHAR(16)" }] })),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            update: ["snowflake.Table snowflake-orders-table", "snowflake.Task snowflake-orders-task", "command.local.Command snowflake-orders-backfill", "?glue.CatalogTable *orders*"],
        }])) as Record<Stack, Expectation>,
    },
    {
        name: "a table added",
        change: (s) => ({ [K("tables")]: [...tablesOf(s), { name: "RETURNS", columns: [{ name: "RETURN_ID", type: "NUMBER(38,0)", nullable: false }, { name: "RETURNED_ON", type: "DATE" }], partitionBy: "RETURNED_ON" }] }),
        // The unload role may delete in the new table's export too; the crawler rules name its crawler.
        expect: {
            dev: { create: ["* *-returns-*"], update: ["iam.RolePolicy snowflake-access", "cloudwatch.EventRule alerts-*-failed"] },
            prod: { create: ["* *-returns-*"], update: ["iam.RolePolicy snowflake-access", "cloudwatch.EventRule alerts-*-failed"] },
        },
    },
    {
        name: "a table removed",
        change: (s) => ({ [K("tables")]: tablesOf(s).filter((t) => t.name !== (s === "dev" ? "ORDERS" : "CUSTOMERS")) }),
        expect: {
            dev: { refused: /incremental-crawl:tables: expected a list of 1 to 200 tables/ },
            // The queues (and the Glue table) go with it; CRM.PUBLIC.CUSTOMERS is not the stack's.
            // CUSTOMERS' retention rule goes with it (its objects then stay: README, Erasing personal
            // data), and the unload role's delete grant on its export.
            prod: {
                delete: ["* *-customers-*"],
                update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle", "iam.RolePolicy snowflake-access",
                    "cloudwatch.EventRule alerts-*-failed"],
                verdicts: ["advisory data-replaced-or-deleted lake-customers-*", "?advisory data-replaced-or-deleted *customers*"],
            },
        },
    },
    {
        name: "glueDatabase",
        change: (s) => ({ [K("glueDatabase")]: s === "dev" ? "lake_dev_v2" : "lake_v2" }),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            replace: ["glue.CatalogDatabase catalog-database cbd", "glue.Crawler catalog-*-crawler dbr", "athena.NamedQuery catalog-*-rows dbr", "glue.CatalogTable * dbr"],
            // The crawler role's access names the Glue database; the backfill registers partitions in it.
            update: ["athena.Workgroup catalog-workgroup", "iam.RolePolicy catalog-*-access", "command.local.Command snowflake-*-backfill"],
            // dev: the old Glue database is deleted (the catalogue; S3 keeps the data); prod: retained, abandoned.
            verdicts: ["advisory data-replaced-or-deleted catalog-database", "?advisory data-replaced-or-deleted *"],
        }])) as Record<Stack, Expectation>,
    },
    {
        name: "snowflakeDatabase",
        change: (s) => ({ [K("snowflakeDatabase")]: s === "dev" ? "LAKE_EXPORT_DEV_V2" : "LAKE_EXPORT_V2" }),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            replace: [
                "snowflake.Database snowflake-database", "snowflake.Schema snowflake-schema", "snowflake.FileFormat snowflake-parquet", "snowflake.Stage snowflake-stage",
                "snowflake.StreamOnTable snowflake-*-stream", "snowflake.Task snowflake-*-task", "?snowflake.Table snowflake-*", "?command.local.Command snowflake-*-backfill",
                "glue.CatalogTable * dbr",
            ],
            // The unload role's delete grant follows the exports to their new folders.
            update: ["?command.local.Command snowflake-*-backfill", "iam.RolePolicy snowflake-access"],
            // The stream's database is part of the export's identity: the re-export gets a new
            // location, and the Glue table switches to it.
            verdicts: [
                "advisory rows-exported-again snowflake-*-stream", "?advisory data-replaced-or-deleted catalog-*",
                ...(s === "dev" ? ["?error data-replaced-or-deleted snowflake-*"] : ["?advisory data-replaced-or-deleted snowflake-*"]),
            ],
        }])) as Record<Stack, Expectation>,
    },
    {
        name: "exportPrefix",
        change: () => ({ [K("exportPrefix")]: "lake-exports" }),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            replace: ["snowflake.StreamOnTable snowflake-*-stream dbr", "command.local.Command snowflake-*-backfill cbd", "glue.CatalogTable * dbr"],
            update: [
                "snowflake.Task snowflake-*-task", "snowflake.Stage snowflake-stage", "snowflake.StorageIntegration snowflake-integration", "s3.BucketNotification lake-notification",
                "sns.TopicSubscription lake-*-subscription", "iam.RolePolicy *-access", "iam.Role catalog-*-role", "?glue.Crawler catalog-*-crawler",
                // The arrival rule's pattern and the workflow's description name the table's folder.
                "glue.Workflow catalog-*-arrival-workflow", "cloudwatch.EventRule catalog-*-arrival-rule",
                // prod: the replication rule's filter and the retention rules follow the prefix.
                ...(s === "prod" ? ["s3.BucketReplicationConfig replica-configuration", "s3.BucketLifecycleConfiguration *-lifecycle"] : []),
            ],
            // The Glue table goes with the old location (its partitions with it): that is the point.
            verdicts: ["advisory rows-exported-again snowflake-*-stream", "advisory data-replaced-or-deleted catalog-*-table"],
        }])) as Record<Stack, Expectation>,
    },
    {
        name: "encryption",
        change: (s) => ({ [K("encryption")]: s === "dev" ? "kms" : "sse-s3" }),
        expect: {
            dev: {
                // With the key, the crawler's logs are encrypted: a security configuration and the log
                // group it writes to are created, and the crawler is updated in place to name the
                // configuration (security_configuration is not ForceNew: crawler.go), keeping its name
                // and its queue; no event is lost.
                create: ["kms.Key kms-key", "kms.Alias kms-alias", "glue.SecurityConfiguration catalog-crawler-logs-configuration", "cloudwatch.LogGroup catalog-orders-logs"],
                update: [
                    "sns.Topic lake-events", "sns.Topic alerts-topic", "sqs.Queue lake-orders-*", "s3.BucketServerSideEncryptionConfiguration lake-encryption",
                    "athena.Workgroup catalog-workgroup", "iam.RolePolicy *", "snowflake.Stage snowflake-stage", "glue.Crawler catalog-orders-crawler",
                ],
            },
            prod: { refused: /incremental-crawl:encryption/ },
        },
    },
    {
        // The account-wide Data Catalog encryption: an explicit opt-in, refused outside production.
        name: "glueCatalogEncryption",
        change: () => ({ [K("glueCatalogEncryption")]: true }),
        expect: {
            dev: { refused: /incremental-crawl:glueCatalogEncryption: expected false unless the stack is production/ },
            prod: { create: ["glue.DataCatalogEncryptionSettings catalog-encryption-settings"], update: ["iam.RolePolicy catalog-*-access"] },
        },
    },
    {
        name: "versioning",
        change: (s) => ({ [K("versioning")]: s === "dev" }),
        expect: {
            dev: { create: ["s3.BucketVersioning lake-versioning"], update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { refused: /incremental-crawl:versioning/ },
        },
    },
    ...(["generation", "partitioning"] as const).map((name): Case => ({
        name: name === "generation" ? "a table's generation" : "a table's partitioning (day → month)",
        change: (s) => withOrders(s, (t) => (name === "generation" ? { ...t, generation: 2 } : { ...t, partitionGranularity: "month" })),
        expect: Object.fromEntries((["dev", "prod"] as const).map((s) => [s, {
            replace: ["snowflake.StreamOnTable snowflake-orders-stream dbr", "command.local.Command snowflake-orders-backfill cbd", "glue.CatalogTable *orders* dbr"],
            // The unload role's delete grant moves to the new export's folder.
            update: ["snowflake.Task snowflake-orders-task", "iam.RolePolicy snowflake-access"],
            verdicts: ["advisory rows-exported-again snowflake-orders-stream", "advisory data-replaced-or-deleted catalog-orders-table"],
        }])) as Record<Stack, Expectation>,
    })),
    {
        name: "alertEmails",
        change: (s) => ({ [K("alertEmails")]: s === "dev" ? ["dev-oncall@example.com"] : ["data-platform-oncall@example.com", "lake-owners@example.com"] }),
        expect: { dev: { create: ["sns.TopicSubscription alerts-email-0"] }, prod: { create: ["sns.TopicSubscription alerts-email-1"] } },
    },
    {
        // An existing stack without a log bucket (dev: none; prod: a named trail) turns access logs
        // on: the log bucket and the logging configuration are created; the lake bucket is untouched.
        name: "access logs turned on",
        from: (s) => ({ [K("auditTrail")]: s === "dev" ? "none" : TRAIL }),
        change: () => ({ [K("auditTrail")]: "access-logs" }),
        expect: {
            dev: { create: ["* access-logs*"] },
            // prod logs the replica's requests too, in the replica's region.
            prod: { create: ["* access-logs*", "* replica-logs*"] },
        },
    },
    {
        name: "auditTrail none",
        change: (s) => ({ [K("auditTrail")]: s === "dev" ? TRAIL : "none" }),
        // dev declares nothing for either (the trail is not the stack's); prod refuses no audit trail.
        expect: { dev: {}, prod: { refused: /incremental-crawl:auditTrail: expected "access-logs" or "cloudtrail:<trail ARN>" in a production stack/ } },
    },
    {
        name: "a table's retention added",
        change: (s) => withOrders(s, (t) => ({ ...t, retentionDays: 365 })),
        // Only the lifecycle rules change (the lake's, and the replica's in prod): no re-export.
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // Storage tiers are lifecycle rules: the lake's configuration (and the replica's in prod) is
        // updated in place; no bucket, object or catalogue entry is touched, nothing is re-exported.
        name: "storage tiers added",
        change: () => ({ [K("storageTiers")]: ["STANDARD_IA:30", "GLACIER_IR:120"] }),
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // ...and removed again: the same two configurations, in place; objects already moved stay in
        // their class (S3 moves nothing back), and none is deleted.
        name: "storage tiers removed",
        from: (s) => ({
            [K("storageTiers")]: ["STANDARD_IA:30", "GLACIER_IR:120"],
            ...withOrders(s, (t) => ({ ...t, archived: true, storageTiers: ["INTELLIGENT_TIERING:0", "GLACIER:365"] })),
        }),
        change: (s) => ({ [K("storageTiers")]: [], [K("tables")]: tablesOf(s) }),
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // A versioned stack without a replica gets one: everything of the replica is created, the
        // lake bucket and its versioning are untouched. prod cannot drop its replica.
        name: "replica turned on",
        from: (s) => (s === "dev" ? { [K("versioning")]: true } : {}),
        change: (s) => ({ [K("replicaRegion")]: s === "dev" ? "eu-central-1" : "" }),
        expect: {
            dev: { create: ["* replica-*", "iam.Role replica-role", "iam.RolePolicy replica-access"] },
            prod: { refused: /incremental-crawl:replicaRegion: expected an AWS region for the recovery replica in a production stack/ },
        },
    },
    {
        name: "maxReceiveCount",
        change: () => ({ [K("maxReceiveCount")]: 10 }),
        expect: { dev: { update: ["sqs.Queue lake-orders-queue"] }, prod: { update: ["sqs.Queue lake-*-queue"] } },
    },
];

// -------------------------------------------------------------------------------------------------

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, "\\?")}$`);
const shortName = (stack: Stack, name: string) => name.replace(new RegExp(`^incremental-crawl-${stack}-`), "");
const stepLabel = (stack: Stack, s: Step) => `${typeLabel(s.type)} ${shortName(stack, s.name)}`;

interface Pattern { optional: boolean; mode?: "dbr" | "cbd"; re: RegExp; text: string }
function parse(pattern: string): Pattern {
    const optional = pattern.startsWith("?");
    const text = optional ? pattern.slice(1) : pattern;
    const m = / (dbr|cbd)$/.exec(text);
    return { optional, mode: m?.[1] as Pattern["mode"], re: glob(m ? text.slice(0, -4) : text), text };
}

/** Every actual item matches a pattern, every required pattern matches an item; mismatches as text. */
function mismatches<T>(items: T[], label: (x: T) => string, patterns: string[], modeOf?: (x: T) => string | undefined): string[] {
    const parsed = patterns.map(parse);
    const out: string[] = [];
    for (const item of items) {
        const l = label(item);
        const hit = parsed.find((p) => p.re.test(l));
        if (!hit) out.push(`unexpected: ${l}`);
        else if (hit.mode && modeOf && modeOf(item) !== hit.mode) out.push(`${l}: ${modeOf(item)}, expected ${hit.mode}`);
    }
    for (const p of parsed) if (!p.optional && !items.some((x) => p.re.test(label(x)))) out.push(`missing: ${p.text}`);
    return out;
}

const OPS = ["create", "update", "replace", "delete"] as const;
const RUN_ALL = process.env.LIFECYCLE_MATRIX_ALL === "1";

describe("lifecycle: the change matrix", function () {
    this.timeout(120_000);
    const olds = new Map<Stack, Promise<ProgramRun>>();
    const results = new Map<string, Promise<ChangeResult | { refused: Error }>>();
    const oldOf = (stack: Stack) => {
        if (!olds.has(stack)) olds.set(stack, runProgram({ stack }));
        return olds.get(stack)!;
    };
    /** The change's lifecycle, evaluated once per case and stack. */
    const resultOf = (c: Case, stack: Stack) => {
        const key = `${c.name}/${stack}`;
        if (!results.has(key)) {
            const from = c.from?.(stack);
            const old = from ? runProgram({ stack, config: from }) : oldOf(stack);
            results.set(key, old.then((o) => planChange(o, { stack, config: { ...from, ...c.change(stack) } }).catch((e: Error) => ({ refused: e }))));
        }
        return results.get(key)!;
    };
    const planned = async (c: Case, stack: Stack): Promise<ChangeResult> => {
        const r = await resultOf(c, stack);
        if ("refused" in r) throw new Error(`the configuration refused the change: ${r.refused.message}`);
        return r;
    };

    for (const c of CASES) {
        describe(c.name, () => {
            for (const stack of ["dev", "prod"] as const) {
                const exp = c.expect[stack];
                const test = (check: Check, title: string, body: () => Promise<void>) => {
                    const waits = exp.waitsFor?.[check];
                    // Waits for the lead's change on main (see the header): run with LIFECYCLE_MATRIX_ALL=1.
                    (waits && !RUN_ALL ? it.skip : it)(`${stack}: ${title}${waits ? ` [waits for main: ${waits.split(" (")[0]}]` : ""}`, body);
                };
                if (exp.refused) {
                    test("refused", "the configuration refuses it", async () => {
                        const r = await resultOf(c, stack);
                        assert.ok("refused" in r, `expected the configuration to refuse ${c.name} for ${stack}`);
                        assert.match(r.refused.message, exp.refused!);
                    });
                    continue;
                }
                test("steps", "the expected steps, nothing else", async () => {
                    const { plan } = await planned(c, stack);
                    const problems = OPS.flatMap((op) => mismatches(plan.steps.filter((s) => s.op === op && s.custom), (s) => stepLabel(stack, s), exp[op] ?? [],
                        (s) => (s.mode === "delete-before-replace" ? "dbr" : s.mode === "create-before-delete" ? "cbd" : undefined)).map((m) => `${op} ${m}`));
                    assert.deepEqual(problems, [], plan.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.mode ?? ""} ${stepLabel(stack, s)}: ${s.reasons.join("; ")}`).join("\n"));
                });
                test("verdicts", "exactly the expected verdicts", async () => {
                    const { plan } = await planned(c, stack);
                    const urnName = new Map(plan.steps.map((s) => [s.urn, shortName(stack, s.name)]));
                    const verdicts = plan.verdicts.filter((v) => v.kind !== "program-fails");
                    const problems = mismatches(verdicts, (v: Verdict) => `${v.level} ${v.kind} ${urnName.get(v.urn) ?? v.urn}`, exp.verdicts ?? []);
                    assert.deepEqual(problems, [], verdicts.map((v) => `${v.level} ${v.kind}: ${v.message}`).join("\n"));
                });
                test("evaluates", "the program still runs over the state the update leaves", async () => {
                    const { after, plan } = await planned(c, stack);
                    assert.equal(after.error, undefined, `the program fails after the update: ${(after.error as Error)?.message}`);
                    for (const s of plan.steps.filter((x) => x.command && x.op === "update")) {
                        assert.ok(s.command!.stdoutKnown, `${s.name}: the update's stdout could not be simulated`);
                    }
                });
                test("safety", "no collision, no refused step, no duplicated rows, nothing retained deleted", async () => {
                    const { plan } = await planned(c, stack);
                    assert.deepEqual(plan.verdicts.filter((v) => v.kind === "fixed-name-collision" || v.kind === "refused").map((v) => v.message), []);
                    if (!exp.duplicatesFlagged) assert.deepEqual(plan.verdicts.filter((v) => v.duplicates).map((v) => v.message), []);
                    for (const s of plan.steps.filter((x) => x.old?.retainOnDelete && (x.op === "delete" || x.op === "replace"))) {
                        assert.ok(s.abandons, `${s.name} is retained and would be deleted`);
                        assert.ok(!plan.verdicts.some((v) => v.urn === s.urn && v.level === "error"), `${s.name} is retained: no error verdict expected`);
                    }
                });
            }
        });
    }
});
