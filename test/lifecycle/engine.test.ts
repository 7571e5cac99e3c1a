/**
 * The lifecycle engine on its own, over small hand-made graphs: steps from the rule table,
 * delete-before-replace (program option, bridge flag, explicit auto-named field, dependents),
 * protect, retainOnDelete, aliases, in-place recreates and renames, command update semantics, and
 * the data-safety verdicts.
 */
import * as assert from "node:assert/strict";
import { ProgramRun } from "../../offline";
import { captured, Fake, urnOf } from "../harness/captured";
import {
    diffPaths,
    exportLocation,
    lifecycleSummaryLine,
    parseCopy,
    pathMatches,
    planLifecycle,
    staticCommandUpdate,
    Step,
    typeLabel,
    Verdict,
} from "../../tools/plan/lifecycle";

/** A resource's description: its inputs, and outputs over them (as a provider echoes inputs back). */
type Spec = Omit<Fake, "type" | "name" | "props"> & { inputs?: Record<string, any> };

/** A graph from `[type, name, spec]` triples; `from` names resolve within the graph. */
function graph(entries: [string, string, Spec?][]): ProgramRun {
    const fakes = entries.map(([type, name, { inputs = {}, outputs, ...spec } = {}]) => ({
        type,
        name,
        ...spec,
        props: inputs,
        outputs: { ...inputs, ...outputs },
    }));
    return { stack: "test", config: {}, resources: captured(fakes), outputs: {} };
}

const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const BUCKET = "aws:s3/bucket:Bucket";
const GLUE_DB = "aws:glue/catalogDatabase:CatalogDatabase";
const GLUE_TABLE = "aws:glue/catalogTable:CatalogTable";
const CRAWLER = "aws:glue/crawler:Crawler";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const SF_DB = "snowflake:index/database:Database";
const SF_SCHEMA = "snowflake:index/schema:Schema";
const SF_TABLE = "snowflake:index/table:Table";
const STAGE = "snowflake:index/stage:Stage";
const STREAM = "snowflake:index/streamOnTable:StreamOnTable";
const TASK = "snowflake:index/task:Task";
const COMMAND = "command:local:Command";

const stepOf = (steps: Step[], name: string) => {
    const s = steps.find((x) => x.name === name);
    if (!s) throw new Error(`no step for ${name}: ${steps.map((x) => x.name).join(", ")}`);
    return s;
};
const kinds = (verdicts: Verdict[]) => verdicts.map((v) => `${v.level} ${v.kind} ${v.urn.split("::").pop()}`).sort();

describe("lifecycle engine: paths", () => {
    it("lists the leaf paths that differ", () => {
        assert.deepEqual(diffPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] }, d: "x" }), ["b.c[1]", "d"]);
        assert.deepEqual(diffPaths({ a: undefined }, {}), []);
        assert.deepEqual(diffPaths({ a: { x: 1 } }, { a: undefined }), ["a"]);
    });

    it("matches replaceOnChanges/ignoreChanges patterns to changed paths and their ancestors", () => {
        assert.ok(pathMatches("storageDescriptor.location", "storageDescriptor.location"));
        assert.ok(pathMatches("storageDescriptor", "storageDescriptor.location"));
        assert.ok(pathMatches("storageDescriptor.location", "storageDescriptor"), "the whole object replaced");
        assert.ok(pathMatches("s3Targets[*].path", "s3Targets[0].path"));
        assert.ok(!pathMatches("storageDescriptor.location", "storageDescriptor.columns[0].name"));
        assert.ok(pathMatches("*", "anything.at.all"));
    });

    it("labels types like the CLI's short names", () => {
        assert.equal(typeLabel(QUEUE), "sqs.Queue");
        assert.equal(typeLabel(SF_DB), "snowflake.Database");
        assert.equal(typeLabel(COMMAND), "command.local.Command");
        assert.equal(typeLabel("pulumi:providers:aws"), "providers.aws");
    });
});

describe("lifecycle engine: steps", () => {
    it("creates, deletes, updates in place, and replaces on a ForceNew input", () => {
        const old = graph([
            [QUEUE, "q", { inputs: { name: "q", messageRetentionSeconds: 60 } }],
            [TOPIC, "gone", { inputs: { name: "gone" } }],
            [QUEUE, "fifo", { inputs: { name: "f" } }],
        ]);
        const neu = graph([
            [QUEUE, "q", { inputs: { name: "q", messageRetentionSeconds: 120 } }],
            [TOPIC, "added", {}],
            [QUEUE, "fifo", { inputs: { name: "f", fifoQueue: true } }],
        ]);
        const plan = planLifecycle(old, neu);
        assert.equal(stepOf(plan.steps, "q").op, "update");
        assert.deepEqual(stepOf(plan.steps, "q").changed, ["messageRetentionSeconds"]);
        assert.equal(stepOf(plan.steps, "added").op, "create");
        assert.equal(stepOf(plan.steps, "gone").op, "delete");
        const fifo = stepOf(plan.steps, "fifo");
        assert.deepEqual([fifo.op, fifo.mode, fifo.replaceKeys], ["replace", "delete-before-replace", ["fifoQueue"]]);
        assert.match(fifo.reasons.join(" "), /name is set by the program, so the bridge deletes first/);
        assert.equal(lifecycleSummaryLine(plan), "1 to create, 1 to update, 1 to replace, 1 to delete");
        // A replaced queue is a gap in the event path.
        assert.deepEqual(
            kinds(plan.verdicts).filter((k) => k.includes("event-gap")),
            ["advisory event-gap fifo"],
        );
    });

    it("replaces an auto-named resource create-before-delete, and lets the program's deleteBeforeReplace decide", () => {
        const old = graph([
            [QUEUE, "auto", { inputs: {}, outputs: { name: "auto-1234567" } }],
            [QUEUE, "forced", { inputs: {} }],
            [QUEUE, "kept", { inputs: { name: "kept" } }],
        ]);
        const neu = graph([
            [QUEUE, "auto", { inputs: { fifoQueue: true } }],
            [QUEUE, "forced", { inputs: { fifoQueue: true }, deleteBeforeReplace: true }],
            [QUEUE, "kept", { inputs: { name: "kept", fifoQueue: true }, deleteBeforeReplace: false }],
        ]);
        const plan = planLifecycle(old, neu);
        assert.equal(stepOf(plan.steps, "auto").mode, "create-before-delete");
        assert.equal(stepOf(plan.steps, "forced").mode, "delete-before-replace");
        assert.equal(stepOf(plan.steps, "kept").mode, "create-before-delete");
        // Create-before-delete of a fixed name: the new queue is created while the old one has its name.
        const collision = plan.verdicts.filter((v) => v.kind === "fixed-name-collision");
        assert.equal(collision.length, 1);
        assert.match(
            collision[0].message,
            /sqs\.Queue kept creates its replacement \(before deleting the old one\) kept while its own old object has that name/,
        );
        assert.equal(collision[0].level, "error");
    });

    it("deletes first for a type the bridge always replaces delete-before-replace", () => {
        const old = graph([[ATTACHMENT, "a", { inputs: { role: "r", policyArn: "arn:1" } }]]);
        const neu = graph([[ATTACHMENT, "a", { inputs: { role: "r", policyArn: "arn:2" } }]]);
        const s = stepOf(planLifecycle(old, neu).steps, "a");
        assert.deepEqual([s.op, s.mode], ["replace", "delete-before-replace"]);
        assert.match(s.reasons[0], /the bridge always deletes this type first/);
    });

    it("honours ignoreChanges and replaceOnChanges", () => {
        const table = (location: string, description: string, extra: Spec = {}) =>
            graph([
                [
                    GLUE_TABLE,
                    "t",
                    { inputs: { name: "orders", databaseName: "lake", description, storageDescriptor: { location } }, ...extra },
                ],
            ]);
        const inPlace = planLifecycle(table("s3://b/a/", "x"), table("s3://b/b/", "x"));
        assert.equal(stepOf(inPlace.steps, "t").op, "update", "storage_descriptor.location is not ForceNew");
        const replaced = planLifecycle(
            table("s3://b/a/", "x"),
            table("s3://b/b/", "x", { replaceOnChanges: ["storageDescriptor.location"], deleteBeforeReplace: true }),
        );
        assert.deepEqual([stepOf(replaced.steps, "t").op, stepOf(replaced.steps, "t").mode], ["replace", "delete-before-replace"]);
        assert.match(stepOf(replaced.steps, "t").reasons[0], /replaceOnChanges/);
        const ignored = planLifecycle(table("s3://b/a/", "x"), table("s3://b/a/", "y", { ignoreChanges: ["description"] }));
        assert.equal(stepOf(ignored.steps, "t").op, "same");
    });

    it("diffs an input the program leaves unset as the provider's default against the state's value, unless ignored", () => {
        const TRIGGER = "aws:glue/trigger:Trigger";
        const trigger = (stored: boolean, extra: Spec = {}) =>
            graph([
                [
                    TRIGGER,
                    "t",
                    { inputs: { name: "t-on-arrival", type: "EVENT", workflowName: "w" }, outputs: { enabled: stored }, ...extra },
                ],
            ]);
        assert.equal(stepOf(planLifecycle(trigger(true), trigger(true)).steps, "t").op, "same", "the default is what the state holds");
        const stuck = stepOf(planLifecycle(trigger(false), trigger(true)).steps, "t");
        assert.deepEqual([stuck.op, stuck.changed], ["update", ["enabled"]]);
        assert.match(stuck.reasons[0], /enabled is unset: the provider plans its default true against false in state/);
        assert.equal(stepOf(planLifecycle(trigger(false), trigger(true, { ignoreChanges: ["enabled"] })).steps, "t").op, "same");
    });

    it("matches a renamed resource by its alias", () => {
        const old = graph([[QUEUE, "old-name", { inputs: { name: "q" } }]]);
        const neu = graph([[QUEUE, "new-name", { inputs: { name: "q" }, aliases: [urnOf({ type: QUEUE, name: "old-name" })] }]]);
        const plan = planLifecycle(old, neu);
        assert.deepEqual(
            plan.steps.map((s) => `${s.op} ${s.name}`),
            ["same new-name"],
        );
        assert.match(plan.steps[0].reasons[0], /known before as .*::old-name \(alias\)/);
        // Without the alias: a create and a delete of the same queue name, the delete at the end.
        const unaliased = planLifecycle(old, graph([[QUEUE, "new-name", { inputs: { name: "q" } }]]));
        assert.deepEqual(
            unaliased.steps.map((s) => `${s.op} ${s.name}`),
            ["create new-name", "delete old-name"],
        );
        assert.match(
            unaliased.verdicts.find((v) => v.kind === "fixed-name-collision")!.message,
            /creates q while old-name has that name, which this update does not delete first/,
        );
    });

    it("replaces dependents whose outputs-fed inputs become unknown: a new auto-named topic replaces its subscriptions", () => {
        const entries = (topicInputs: Record<string, unknown>): [string, string, Spec?][] => [
            [TOPIC, "topic", { inputs: topicInputs, outputs: { arn: "arn:aws:sns:r:1:topic-1234567" } }],
            [
                SUBSCRIPTION,
                "sub",
                { inputs: { topic: "arn:aws:sns:r:1:topic-1234567", protocol: "sqs", endpoint: "arn:q" }, from: { topic: ["topic"] } },
            ],
        ];
        const plan = planLifecycle(graph(entries({})), graph(entries({ fifoTopic: true })));
        assert.equal(stepOf(plan.steps, "topic").op, "replace");
        assert.equal(stepOf(plan.steps, "topic").outputsChange, true);
        const sub = stepOf(plan.steps, "sub");
        assert.deepEqual([sub.op, sub.mode, sub.replaceKeys], ["replace", "create-before-delete", ["topic"]]);
        assert.match(sub.reasons.join(" "), /topic comes from topic, whose replacement has new outputs/);
    });

    it("deletes first the dependents of a delete-before-replace whose replacing inputs come from it", () => {
        const entries = (fifo: boolean): [string, string, Spec?][] => [
            [QUEUE, "queue", { inputs: { name: "q", ...(fifo ? { fifoQueue: true } : {}) }, outputs: { url: "https://sqs/1/q" } }],
            [QUEUE_POLICY, "policy", { inputs: { queueUrl: "https://sqs/1/q", policy: "{}" }, from: { queueUrl: ["queue"] } }],
        ];
        const plan = planLifecycle(graph(entries(false)), graph(entries(true)));
        assert.equal(stepOf(plan.steps, "queue").mode, "delete-before-replace");
        const policy = stepOf(plan.steps, "policy");
        assert.deepEqual(
            [policy.op, policy.mode, policy.dependentOf],
            ["replace", "delete-before-replace", urnOf({ type: QUEUE, name: "queue" })],
        );
        assert.deepEqual(policy.changed, [], "its own inputs are the same: the engine replaces it anyway");
    });

    it("refuses to replace or delete a protected resource, unless the program unprotects it", () => {
        const old = graph([
            [QUEUE, "q", { inputs: { name: "q" }, protect: true }],
            [TOPIC, "t", { inputs: { name: "t" }, protect: true }],
        ]);
        const plan = planLifecycle(old, graph([[QUEUE, "q", { inputs: { name: "q2" }, protect: true }]]));
        assert.deepEqual(
            kinds(plan.verdicts).filter((k) => k.includes("refused")),
            ["error refused q", "error refused t"],
        );
        assert.match(
            plan.verdicts.find((v) => v.kind === "refused" && v.urn.endsWith("::q"))!.message,
            /unable to replace aws:sqs\/queue:Queue q: it is protected/,
        );
        const unprotected = planLifecycle(
            old,
            graph([
                [QUEUE, "q", { inputs: { name: "q2" } }],
                [TOPIC, "t", { inputs: { name: "t" } }],
            ]),
        );
        assert.ok(!unprotected.verdicts.some((v) => v.kind === "refused"));
    });

    it("abandons a retained resource it deletes or replaces, and a same-name re-create then collides with it", () => {
        const old = graph([
            [BUCKET, "kept", { inputs: { bucket: "lake" }, retainOnDelete: true }],
            [BUCKET, "data", { inputs: { bucket: "data", forceDestroy: true } }],
        ]);
        const plan = planLifecycle(old, graph([]));
        assert.ok(stepOf(plan.steps, "kept").abandons);
        assert.deepEqual(kinds(plan.verdicts), ["advisory data-replaced-or-deleted kept", "error data-replaced-or-deleted data"]);
        assert.match(
            plan.verdicts.find((v) => v.urn.endsWith("::data"))!.message,
            /s3\.Bucket data is deleted: the old one is deleted with every object in it \(forceDestroy\)/,
        );
        // Same fixed name, replaced delete-before-replace: the delete is skipped, the create collides.
        const sfOld = graph([[SF_TABLE, "t", { inputs: { database: "D", schema: "S", name: "T" }, retainOnDelete: true }]]);
        const sfNew = graph([[SF_TABLE, "t", { inputs: { database: "D2", schema: "S", name: "T" }, retainOnDelete: true }]]);
        const replaced = planLifecycle(sfOld, sfNew);
        assert.equal(stepOf(replaced.steps, "t").mode, "delete-before-replace");
        assert.ok(stepOf(replaced.steps, "t").abandons);
        assert.deepEqual(kinds(replaced.verdicts), ["advisory data-replaced-or-deleted t"], "a new name (D2.S.T): no collision");
        const again = planLifecycle(
            sfOld,
            graph([
                [
                    SF_TABLE,
                    "t",
                    {
                        inputs: { database: "D", schema: "S", name: "T", comment: "x" },
                        replaceOnChanges: ["comment"],
                        retainOnDelete: true,
                    },
                ],
            ]),
        );
        assert.match(
            again.verdicts.find((v) => v.kind === "fixed-name-collision")!.message,
            /re-creates \(after deleting the old one\) D\.S\.T while its own old object has that name, left in place by retainOnDelete/,
        );
    });

    it("renames a Snowflake database in place; the re-created schema then collides with the one the rename moved", () => {
        const entries = (db: string): [string, string, Spec?][] => [
            [SF_DB, "db", { inputs: { name: db } }],
            [SF_SCHEMA, "schema", { inputs: { database: db, name: "EXPORT" }, from: { database: ["db"] } }],
            [
                STAGE,
                "stage",
                {
                    inputs: { database: db, schema: "EXPORT", name: "STAGE", url: "s3://b/exports/" },
                    from: { database: ["db"], schema: ["schema"] },
                },
            ],
        ];
        const plan = planLifecycle(graph(entries("OLD")), graph(entries("NEW")));
        assert.deepEqual(stepOf(plan.steps, "db").renames, { from: "OLD", to: "NEW" });
        assert.equal(stepOf(plan.steps, "db").op, "update");
        assert.equal(stepOf(plan.steps, "schema").mode, "delete-before-replace");
        const collisions = plan.verdicts.filter((v) => v.kind === "fixed-name-collision").map((v) => v.message);
        assert.equal(collisions.length, 2);
        assert.match(
            collisions[0],
            /snowflake\.Schema schema re-creates \(after deleting the old one\) NEW\.EXPORT while its own old object has that name, moved there by the rename/,
        );
        // The deletes find nothing under the old names: no data verdict for the moved objects.
        assert.ok(!plan.verdicts.some((v) => v.kind === "data-replaced-or-deleted"));
    });

    it("recreates a stream whose table or mode changes, and a stale one, with its rows exported again", () => {
        const stream = (table: string): [string, string, Spec?] => [
            STREAM,
            "stream",
            { inputs: { database: "D", schema: "S", name: "ORDERS_LAKE", table, appendOnly: "true", showInitialRows: "true" } },
        ];
        const plan = planLifecycle(graph([stream("D.S.ORDERS")]), graph([stream("D.S.ORDERS2")]));
        const s = stepOf(plan.steps, "stream");
        assert.deepEqual([s.op, s.recreates], ["update", true]);
        assert.match(s.reasons.join(" "), /recreates it on a change of table \(CREATE OR REPLACE\)/);
        assert.deepEqual(kinds(plan.verdicts), ["advisory rows-exported-again stream"]);
        const stale = planLifecycle(graph([stream("D.S.ORDERS")]), graph([stream("D.S.ORDERS")]), { facts: { staleStreams: ["stream"] } });
        assert.deepEqual([stepOf(stale.steps, "stream").op, stepOf(stale.steps, "stream").recreates], ["update", true]);
        assert.match(stepOf(stale.steps, "stream").reasons.join(" "), /stale.*RecreateWhenStreamIsStale/);
        assert.equal(planLifecycle(graph([stream("D.S.ORDERS")]), graph([stream("D.S.ORDERS")])).steps[0].op, "same");
    });
});

describe("lifecycle engine: command resources", () => {
    const cmd = (inputs: Record<string, any>, stdout = '{"rows":3}'): [string, string, Spec?] => [
        COMMAND,
        "backfill",
        { inputs, outputs: { stdout } },
    ];

    it("updates on an input change, and the stored stdout is what the update prints", () => {
        const old = graph([cmd({ create: "run", update: "node -e 0", environment: { A: "1" }, triggers: ["S1"] })]);
        const neu = graph([cmd({ create: "run", update: "node -e 0", environment: { A: "2" }, triggers: ["S1"] })]);
        const s = stepOf(planLifecycle(old, neu).steps, "backfill");
        assert.equal(s.op, "update");
        assert.deepEqual(s.command, { runs: "update", script: "node -e 0", storedStdout: "", stdoutKnown: true });
        const reprint = graph([
            cmd({ create: "run", update: "printf '%s' \"$PULUMI_COMMAND_STDOUT\"", environment: { A: "2" }, triggers: ["S1"] }),
        ]);
        assert.equal(stepOf(planLifecycle(old, reprint).steps, "backfill").command?.storedStdout, '{"rows":3}');
    });

    it("passes the previous stdout to a caller-supplied simulation, and marks an update it cannot tell", () => {
        const old = graph([cmd({ create: "run", update: "node update.js", environment: { A: "1" } })]);
        const neu = graph([cmd({ create: "run", update: "node update.js", environment: { A: "2" } })]);
        assert.equal(stepOf(planLifecycle(old, neu).steps, "backfill").command?.stdoutKnown, false);
        const seen: unknown[] = [];
        const s = stepOf(
            planLifecycle(old, neu, {
                simulateCommandUpdate: (u) => {
                    seen.push([u.script, u.environment, u.previousStdout]);
                    return "again";
                },
            }).steps,
            "backfill",
        );
        assert.deepEqual(seen, [["node update.js", { A: "2" }, '{"rows":3}']]);
        assert.equal(s.command?.storedStdout, "again");
    });

    it("replaces on a trigger change (a fresh create), and runs create again when update is unset", () => {
        const old = graph([cmd({ create: "run", environment: { A: "1" }, triggers: ["S1"] })]);
        const replaced = stepOf(
            planLifecycle(old, graph([cmd({ create: "run", environment: { A: "1" }, triggers: ["S2"] })])).steps,
            "backfill",
        );
        assert.deepEqual([replaced.op, replaced.mode, replaced.command?.runs], ["replace", "create-before-delete", "create"]);
        const plan = planLifecycle(old, graph([cmd({ create: "run", environment: { A: "2" }, triggers: ["S1"] })]));
        assert.deepEqual([stepOf(plan.steps, "backfill").op, stepOf(plan.steps, "backfill").command?.runs], ["update", "create"]);
        assert.match(
            plan.verdicts.find((v) => v.kind === "rows-exported-again")!.message,
            /backfill backfill runs its create script again \(an update without an update script\)/,
        );
    });

    it("reads no-op and re-printing update scripts statically", () => {
        for (const script of ["node -e 0", 'node -e "0"', "true", ":", "", "exit 0"])
            assert.equal(staticCommandUpdate({ script, previousStdout: "x" }), "", script);
        for (const script of [
            "printf '%s' \"$PULUMI_COMMAND_STDOUT\"",
            'echo "$PULUMI_COMMAND_STDOUT"',
            "echo -n ${PULUMI_COMMAND_STDOUT}",
            "node -e \"process.stdout.write(process.env.PULUMI_COMMAND_STDOUT || '')\"",
            "node -e 'process.stdout.write(process.env.PULUMI_COMMAND_STDOUT ?? \"\");'",
        ]) {
            assert.equal(staticCommandUpdate({ script, previousStdout: "x" }), "x", script);
            assert.equal(staticCommandUpdate({ script, previousStdout: undefined }), "", `${script} with an empty previous stdout`);
        }
        const bare = 'node --eval "console.log(process.env.PULUMI_COMMAND_STDOUT)"';
        assert.equal(staticCommandUpdate({ script: bare, previousStdout: "x" }), "x");
        assert.equal(staticCommandUpdate({ script: bare, previousStdout: undefined }), undefined, 'prints "undefined": not told');
        assert.equal(staticCommandUpdate({ script: "node components/backfill/main.ts", previousStdout: "x" }), undefined);
    });
});

describe("lifecycle engine: exports and the catalogue", () => {
    const copy = (stream: string, path = "orders/") =>
        `COPY INTO @"D"."S"."STAGE"/${path}\nFROM (\n  SELECT "A"\n  FROM "D"."S"."${stream}"\n)\nPARTITION BY ('dt=')`;
    const lake = (stream: string, opts: { location?: string; exportPath?: string; replaceTable?: boolean; crawler?: boolean }) => {
        const entries: [string, string, Spec][] = [
            [STAGE, "stage", { inputs: { database: "D", schema: "S", name: "STAGE", url: "s3://bucket/exports/" } }],
            [
                STREAM,
                "stream",
                { inputs: { database: "D", schema: "S", name: stream, table: "D.S.ORDERS", appendOnly: "true", showInitialRows: "true" } },
            ],
            [TASK, "task", { inputs: { database: "D", schema: "S", name: "T", sqlStatement: copy(stream, opts.exportPath) } }],
        ];
        if (opts.location) {
            const inputs = { name: "orders", databaseName: "lake", storageDescriptor: { location: opts.location } };
            const replace = opts.replaceTable ? { replaceOnChanges: ["storageDescriptor.location"], deleteBeforeReplace: true } : {};
            entries.push([GLUE_TABLE, "glue-table", { inputs, ...replace }]);
        }
        if (opts.crawler)
            entries.push([
                CRAWLER,
                "crawler",
                { inputs: { name: "c", databaseName: "lake", s3Targets: [{ path: "s3://bucket/exports/orders/" }] } },
            ]);
        return graph(entries);
    };

    it("parses the unload: stage, path and the stream it reads", () => {
        assert.deepEqual(parseCopy(copy("ORDERS_LAKE_1")), {
            stage: ["D", "S", "STAGE"],
            path: "orders/",
            source: ["D", "S", "ORDERS_LAKE_1"],
        });
        const run = lake("ORDERS_LAKE_1", {});
        assert.equal(
            exportLocation(
                run,
                run.resources.find((r) => r.type === STREAM)!,
            ),
            "s3://bucket/exports/orders/",
        );
    });

    it("flags duplicated rows when a re-export lands where the earlier one is still catalogued", () => {
        const plan = planLifecycle(lake("ORDERS_LAKE_1", { crawler: true }), lake("ORDERS_LAKE_2", { crawler: true }));
        const v = plan.verdicts.find((x) => x.kind === "rows-exported-again")!;
        assert.deepEqual([v.level, v.duplicates], ["advisory", true]);
        assert.match(
            v.message,
            /every row of D\.S\.ORDERS is exported again: stream ORDERS_LAKE_2 is replaced with SHOW_INITIAL_ROWS into s3:\/\/bucket\/exports\/orders\/, and the earlier export .* is still catalogued in the same table: Athena counts those rows twice/,
        );
    });

    it("sees no duplicates when each export has its own location and the Glue table is replaced with it", () => {
        const old = lake("ORDERS_LAKE_1", { exportPath: "orders/e1/", location: "s3://bucket/exports/orders/e1/", replaceTable: true });
        const neu = lake("ORDERS_LAKE_2", { exportPath: "orders/e2/", location: "s3://bucket/exports/orders/e2/", replaceTable: true });
        const plan = planLifecycle(old, neu);
        assert.deepEqual(
            [stepOf(plan.steps, "glue-table").op, stepOf(plan.steps, "glue-table").mode],
            ["replace", "delete-before-replace"],
        );
        const v = plan.verdicts.find((x) => x.kind === "rows-exported-again")!;
        assert.equal(v.duplicates, false);
        assert.match(v.message, /into s3:\/\/bucket\/exports\/orders\/e2\/, a new location/);
        // A Glue table whose location is updated in place keeps the old partitions: duplicates.
        const inPlace = planLifecycle(old, lake("ORDERS_LAKE_2", { exportPath: "orders/e2/", location: "s3://bucket/exports/orders/e2/" }));
        assert.equal(inPlace.verdicts.find((x) => x.kind === "rows-exported-again")!.duplicates, true);
    });

    it("sees the Glue table a crawler made under the name a declared table now takes", () => {
        const old = graph([
            [CRAWLER, "crawler", { inputs: { name: "c", databaseName: "lake", s3Targets: [{ path: "s3://bucket/exports/orders/" }] } }],
        ]);
        const neu = graph([
            [
                CRAWLER,
                "crawler",
                { inputs: { name: "c", databaseName: "lake", catalogTargets: [{ databaseName: "lake", tables: ["orders"] }] } },
            ],
            [
                GLUE_TABLE,
                "glue-table",
                { inputs: { name: "orders", databaseName: "lake", storageDescriptor: { location: "s3://bucket/exports/orders/e1/" } } },
            ],
        ]);
        const v = planLifecycle(old, neu).verdicts.filter((x) => x.kind === "fixed-name-collision");
        assert.equal(v.length, 1);
        assert.match(
            v[0].message,
            /glue\.CatalogTable glue-table creates lake\.orders while the table crawler crawler made has that name \(not the stack's: delete it first/,
        );
    });

    it("rates what a delete loses: Glue catalogue (advisory), queue events (advisory, error with messages)", () => {
        const old = graph([
            [GLUE_DB, "db", { inputs: { name: "lake" } }],
            [QUEUE, "q", { inputs: { name: "q" } }],
        ]);
        const plan = planLifecycle(old, graph([]));
        assert.deepEqual(kinds(plan.verdicts), ["advisory data-replaced-or-deleted db", "advisory data-replaced-or-deleted q"]);
        assert.match(
            plan.verdicts.find((v) => v.urn.endsWith("::db"))!.message,
            /deleted with its tables and partitions \(the S3 data stays/,
        );
        const full = planLifecycle(old, graph([]), { facts: { queuesWithMessages: ["q"] } });
        assert.equal(full.verdicts.find((v) => v.urn.endsWith("::q"))!.level, "error");
    });
});
