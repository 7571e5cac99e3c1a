/**
 * Both stacks on the real Pulumi engine (`npm run engine:test`): the real CLI and Node.js language
 * host run index.ts with the fixture stack files; Snowflake resources go through the real
 * terraform-provider-snowflake (its Check, against the fake endpoint it logs in to); AWS and
 * command resources through the stand-ins (test/engine/standins/provider.ts).
 *
 * `pulumi up` leaves the Snowflake side out (`--exclude` of every snowflake resource and
 * `--exclude-dependents`): the real provider would run CREATE statements and read the objects
 * back, which the fake endpoint does not answer. What that leaves out is listed in `SNOWFLAKE_SIDE`.
 */
import * as assert from "node:assert/strict";
import { CapturedResource, Graph, graphOf } from "../../offline";
import { planStack } from "../../tools/plan/policy-run";
import { startSnowflakeEndpoint, FakeSnowflakeEndpoint } from "./standins/snowflake-endpoint";
import {
    assertSameItems,
    EngineEvent,
    policyArgs,
    stepsOf,
    typeAndName,
    violationsOf,
    violationsOfPlan,
    Workspace,
    workspace,
} from "./harness";

const STACKS = ["dev", "prod"] as const;
const isSnowflakeSide = (type: string) => type.startsWith("snowflake:") || type === "pulumi:providers:snowflake";
/** Resources the engine adds that no program registers: the stack and default providers. */
const engineOwn = (type: string, name: string) =>
    type === "pulumi:pulumi:Stack" || (type.startsWith("pulumi:providers:") && name.startsWith("default"));
const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

for (const stack of STACKS) {
    describe(`engine: the ${stack} stack on the real Pulumi CLI`, function () {
        this.timeout(20 * 60_000);
        let snowflake: FakeSnowflakeEndpoint;
        let ws: Workspace;
        let mocks: Graph;
        let preview: { events: EngineEvent[] };

        before(async () => {
            snowflake = await startSnowflakeEndpoint();
            ws = await workspace({ stack, snowflake });
            mocks = await graphOf({ stack });
        });
        after(async () => {
            ws?.dispose();
            await snowflake?.close();
        });

        it("previews the whole program: the engine plans every resource the mocks capture, the snowflake provider's Check passes", async () => {
            const planned = await graphPlan();
            preview = planned;
            const steps = stepsOf(planned.events);
            const engine = [...steps.entries()].filter(([urn, s]) => !engineOwn(s.type, typeAndName(urn).split("::").pop()!));
            assert.deepEqual(
                engine.map(([, s]) => s.ops.join(",")).filter((o) => o !== "create"),
                [],
                "a first preview only creates",
            );
            assert.deepEqual(
                engine.map(([urn]) => typeAndName(urn)).sort(),
                mocks.resources
                    .filter((r) => !engineOwn(r.type, r.name))
                    .map(key)
                    .sort(),
            );
            // The explicit snowflake provider was configured: it logged in and asked for its session,
            // and its Check of every Snowflake resource ran no SQL.
            assert.ok(snowflake.logins >= 1, "the snowflake provider never logged in");
            assert.ok(snowflake.answered.some((s) => /CURRENT_SESSION/.test(s)));
            assert.deepEqual(snowflake.refused, []);
        });

        async function graphPlan() {
            return ws.withEvents(["preview"]);
        }

        it("runs the policy pack in the real analyzer: a preview's verdicts are `npm run plan -- --preview`'s", async () => {
            const offline = await planStack({ stack, preview: true });
            const real = await ws.withEvents(["preview", ...policyArgs(ws.dir, offline)]);
            assertSameItems(violationsOf(real.events), violationsOfPlan(offline), "the verdicts of the preview");
            // Nothing mandatory fails; besides the update's own advisories, what the preview cannot
            // decide waits for the update.
            const update = violationsOfPlan(await planStack({ stack }));
            for (const e of real.events.filter((x) => x.policyEvent)) {
                assert.equal(e.policyEvent.enforcementLevel, "advisory", e.policyEvent.message);
                if (update.includes(violationsOf([e])[0])) continue;
                assert.match(
                    e.policyEvent.message,
                    /can't run policy '[a-z0-9-]+' from policy pack 'incremental-crawl@v0\.1\.0' during preview: .+ can't be known during preview/,
                );
            }
        });

        it("`pulumi up` records the graph the mocks capture, and a second `pulumi up` changes nothing", async () => {
            const excluded = [...stepsOf(preview.events).entries()].filter(([, s]) => isSnowflakeSide(s.type)).map(([urn]) => urn);
            assert.ok(excluded.length > 0);
            const exclude = excluded.flatMap((u) => ["--exclude", u]);
            // Without the policy pack: the engine analyzes a resource left out of an update with its
            // old inputs (pkg/resource/deploy/step_generator.go: "If not targeted, stub out the
            // provider check and use the old inputs directly"), none for one never created, and the
            // pack refuses an empty file format. The verdicts of the deployed resources are checked next.
            await ws.withEvents(["up", "--yes", "--skip-preview", ...exclude, "--exclude-dependents"]);

            const state = await ws.exportStack();
            const recorded = state.resources.filter((r: any) => !engineOwn(r.type, typeAndName(r.urn).split("::").pop()!));
            const deployed = new Set<string>(recorded.map((r: any) => typeAndName(r.urn)));
            const expected = mocks.resources.filter((r) => !engineOwn(r.type, r.name) && !isExcludedByUp(r, mocks, excluded)).map(key);
            assertSameItems(
                [...deployed],
                expected,
                "the resources `pulumi up --exclude <the Snowflake side> --exclude-dependents` recorded",
            );
            const byKey = new Map(mocks.resources.map((r) => [key(r), r]));
            // The state records no aliases of a resource created under its URN: they are proven below.
            const shape = (r: { parent?: string; dependencies?: string[]; protect?: boolean; retainOnDelete?: boolean }) => ({
                parent: r.parent && !r.parent.includes("pulumi:pulumi:Stack") ? typeAndName(r.parent) : undefined,
                dependencies: [...new Set((r.dependencies ?? []).map(typeAndName))].sort(),
                protect: r.protect === true,
                retainOnDelete: r.retainOnDelete === true,
            });
            for (const r of recorded) assert.deepEqual(shape(r), shape(byKey.get(typeAndName(r.urn))!), typeAndName(r.urn));

            // The deployed resources, analyzed with every value known, have the verdicts of `npm run plan`.
            const offline = await planStack({ stack });
            const after = await ws.withEvents(["preview", ...policyArgs(ws.dir, offline)]);
            const ofDeployed = (verdicts: string[]) => verdicts.filter((v) => deployed.has(v.split(" ")[2]));
            assertSameItems(
                ofDeployed(violationsOf(after.events)),
                ofDeployed(violationsOfPlan(offline)),
                "the verdicts of the deployed resources",
            );
            assert.ok(violationsOf(after.events).every((v) => v.startsWith("advisory ")));

            const second = await ws.withEvents(["up", "--yes", "--skip-preview", ...exclude, "--exclude-dependents"]);
            const changed = [...stepsOf(second.events).entries()].filter(([, s]) => s.ops.some((o) => o !== "same"));
            assert.deepEqual(
                changed.map(([urn, s]) => `${typeAndName(urn)} ${s.ops.join(",")}`),
                [],
                "the second `pulumi up` changes nothing",
            );
        });

        it("matches the components' aliases: the deployment under their 0.1.0 tokens previews with nothing created, replaced or deleted", async () => {
            // new token → the token its alias names (incremental-crawl:index:Alerts → incremental-crawl:ops:Alerts)
            const oldToken = new Map<string, string>();
            for (const r of mocks.resources) {
                for (const a of r.aliases ?? []) {
                    const t = typeAndName(a).split("::")[0];
                    if (t !== r.type) oldToken.set(r.type, t);
                }
            }
            assert.ok(oldToken.size > 0, "the program declares aliases of older tokens");
            const file = await ws.exportFile();
            const deployed = new Set<string>(file.deployment.resources.map((r: any) => typeAndName(r.urn)));
            let text = JSON.stringify(file);
            for (const [neu, old] of oldToken)
                text = text.replace(new RegExp(`${neu.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[$":])`, "g"), old);
            await ws.importFile(JSON.parse(text));
            assert.ok(
                (await ws.exportStack()).resources.some((r: any) => [...oldToken.values()].includes(r.type)),
                "the state holds the old tokens",
            );

            const steps = stepsOf((await ws.withEvents(["preview"])).events);
            const moved = [...steps.entries()].filter(([urn, st]) => deployed.has(typeAndName(urn)) && st.ops.some((o) => o !== "same"));
            assert.deepEqual(
                moved.map(([urn, st]) => `${typeAndName(urn)} ${st.ops.join(",")}`),
                [],
                "every deployed resource is found through its own or its parent's alias",
            );
            const created = [...steps.entries()].filter(([, st]) => st.ops.includes("create")).map(([urn]) => typeAndName(urn));
            assert.deepEqual(
                created.filter((k) => deployed.has(k)),
                [],
            );
            assert.deepEqual(
                [...steps.values()].filter((st) => st.ops.includes("delete")),
                [],
            );
        });
    });
}

/**
 * Whether `pulumi up --exclude <snowflake side> --exclude-dependents` leaves a resource out: it is
 * excluded, or depends on (or is a child of) one that is. Providers are always included
 * (step_generator.go isImplicitlyTargetedResource).
 */
function isExcludedByUp(r: CapturedResource, g: Graph, excludedUrns: string[]): boolean {
    if (r.type.startsWith("pulumi:providers:")) return false;
    const excluded = new Set(excludedUrns.map(typeAndName));
    const seen = new Map<string, boolean>();
    const visit = (x: CapturedResource): boolean => {
        const k = key(x);
        if (seen.has(k)) return seen.get(k)!;
        seen.set(k, false);
        const deps = [
            ...x.dependencies,
            ...(x.parent ? [x.parent] : []),
            ...(x.provider ? [x.provider.split("::").slice(0, 4).join("::")] : []),
        ];
        const out =
            excluded.has(k) ||
            deps.some((d) => {
                const dep = g.resources.find((y) => y.urn === d);
                return dep !== undefined && visit(dep);
            });
        seen.set(k, out);
        return out;
    };
    return visit(r);
}
