/**
 * The offline engine: runs the real program (`index.ts`, or a fixture) under
 * `pulumi.runtime.setMocks` with a stack's own settings and returns the whole resource graph as the
 * engine would have received it. `npm run plan`, `bench`, `diagram` and `check:iam` run on it, and
 * so do the tests (`npm test`); it needs no cloud account and no Pulumi CLI. Kept beside the real
 * engine because it runs in seconds everywhere; test/engine/stacks.engine.ts checks the graph it
 * captures against the one the real engine records.
 *
 * `MockResourceArgs` carries no dependencies or resource options, so the harness wraps the mock
 * monitor's `registerResource` and reads them from the register request itself.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { SqlConnection } from "@incremental-crawl/components/runtime";
import { createMocks } from "./mocks";
import { engineConfig, projectDefaults, readStackFileAt } from "./stack-file";
import { ROOT, stackDir, stackFilePath } from "./stacks";

export { ROOT };
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface CapturedResource {
    type: string;
    /** Logical name. */
    name: string;
    urn: string;
    parent?: string;
    custom: boolean;
    /** Inputs as the provider would receive them (secrets unwrapped). */
    inputs: Record<string, any>;
    /** Outputs the mock provider returned. */
    outputs: Record<string, any>;
    /** URNs of every resource this one depends on (explicit `dependsOn` and through inputs). */
    dependencies: string[];
    /** Per input property, the URNs its value came from. */
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    retainOnDelete: boolean;
    deletedWith?: string;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    /** The `deleteBeforeReplace` option when the program set it (true or false); undefined otherwise. */
    deleteBeforeReplace?: boolean;
    /** URNs this resource was known by before (the `aliases` option, specs resolved to URNs). */
    aliases?: string[];
    /** Provider reference (`urn::id`) when explicit. */
    provider?: string;
    /** Paths of inputs that arrived as Pulumi secrets, e.g. `environment.SNOWFLAKE_PASSWORD`. */
    secretInputPaths: string[];
}

export interface ProgramRun {
    stack: string;
    config: Record<string, string>;
    resources: CapturedResource[];
    outputs: Record<string, unknown>;
}

/** What the command mock knows about the command it is asked to print for. */
export interface CommandContext {
    type: string;
    name: string;
    urn: string;
    /** The same resource (by URN) in `RunOptions.prior`, when given: its old inputs and outputs (stdout...). */
    prior?: CapturedResource;
}

export interface RunOptions {
    /**
     * Project root: the directory whose `Pulumi.yaml`, `Pulumi.<stack>.yaml` and program are used
     * (another checkout of the project, e.g. a git worktree of an older commit). Default: this one.
     */
    root?: string;
    /** Stack whose `Pulumi.<stack>.yaml` supplies settings. Default `dev`. */
    stack?: string;
    /**
     * The folder of the stack files. Default: `root`'s (beside its Pulumi.yaml; the test suite's
     * example stacks under `npm test`, see offline/stacks.ts).
     */
    stackDir?: string;
    /** The stack's name as the program sees it (`pulumi.getStack()`), when it differs from `stack`'s file. */
    stackName?: string;
    /** Keys (full, e.g. `incremental-crawl:tables`) to set over the stack's settings; `undefined` removes one. */
    config?: Record<string, unknown>;
    /** The program module to run, relative to the project root. Default `index.ts`. */
    program?: string;
    /**
     * Builds the command resource's mocked stdout. Default: the backfill program's own summary
     * (below). `context.prior` is the resource in `prior` with the same URN, so a caller can hand the
     * program what the state would hold after an update instead of a fresh `create`.
     */
    commandStdout?: (inputs: Record<string, unknown>, context: CommandContext) => string | Promise<string>;
    /** An earlier run of the stack (the "old state"), given to `commandStdout` as `context.prior`. */
    prior?: ProgramRun;
    /**
     * A first `pulumi preview` (a dry run): providers return only the checked inputs (mocks.ts), so
     * values computed from other resources' outputs are unknown, captured as the engine's unknown
     * sentinel. Default: an update, every output known.
     */
    preview?: boolean;
}

/**
 * Reads `Pulumi.yaml` defaults and `Pulumi.<stack>.yaml` values (from `dir`, default the root's
 * stack files; a stack without a file has the defaults) into engine form (full key → string).
 */
export function stackConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
    root: string = ROOT,
    dir: string = stackDir(root),
): Record<string, string> {
    const file = stackFilePath(dir, stack);
    const doc = fs.existsSync(file) ? readStackFileAt(file, stack).doc : undefined;
    return engineConfig(doc, root, overrides, file);
}

function secretPaths(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object") return [];
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return [prefix || "(root)"];
    return Object.entries(obj).flatMap(([k, v]) => secretPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** The plain value of a deserialized property tree, secrets unwrapped. */
function unwrapSecrets(value: unknown): any {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/**
 * What the backfill command prints when its table is empty: the real program's plan reader and
 * runner, over the environment the program gave the command, against a connection that unloads
 * nothing. A command whose environment the program could not run fails here, as it would on `up`.
 */
export function backfillStdout(root: string = ROOT): (inputs: Record<string, unknown>) => Promise<string> {
    // The backfill program of the checkout being run (another commit's may read other variables),
    // else this checkout's (a fixture project has none).
    // Its folder moved with the package's layout by stage (components/warehouse/backfill).
    const places = [root, ROOT].flatMap((r) => [
        path.join(r, "components", "warehouse", "backfill"),
        path.join(r, "components", "backfill"),
    ]);
    const dir = places.find((d) => fs.existsSync(d))!;
    return async (inputs) => {
        const env = (inputs.environment ?? {}) as NodeJS.ProcessEnv;
        if (env.BACKFILL_COPY_SQL === undefined) return ""; // another command (a fixture's)
        const { runBackfill } = require(path.join(dir, "backfill")) as typeof import("../components/warehouse/backfill/backfill");
        const { readPlan } = require(path.join(dir, "main")) as typeof import("../components/warehouse/backfill/main");
        const plan = readPlan(env);
        // The plan's stream and task checks are aggregates: one row even over nothing, their counts 0 in
        // an empty account. Known by the plan's own statement text, up to the SHOW's id.
        const aggregates: Array<[string | undefined, Record<string, unknown>]> = [
            [plan.repeated, { REPEATED: 0 }],
            [plan.since, { FILES: 0, ROW_TOTAL: 0, BYTE_TOTAL: 0, FIRST_QUERY_ID: null }],
            [plan.taskReads, { TASKS: 0 }],
        ];
        const overNothing = (sql: string): Record<string, unknown>[] =>
            aggregates.filter(([check]) => check && sql.startsWith(check.split("'{showId}'")[0])).map(([, row]) => row);
        const empty: SqlConnection = {
            execute: async (sql) => ({ rows: overNothing(sql), queryId: "01b2c3d4-0000-0000-0000-000000000000" }),
        };
        // As main.ts does when the command names a Glue table: register the (no) partitions the LIST finds.
        const catalog = env.BACKFILL_GLUE_TABLE ? { register: async (folders: string[]) => folders.length } : undefined;
        return JSON.stringify(await runBackfill(empty, plan, { sleep: async () => undefined, log: () => undefined, catalog }));
    };
}

/** `type` of a URN with its parents' types: `urn:pulumi:s::p::a$b::name` → `a$b`. */
const qualifiedType = (urn: string) => urn.split("::")[2] ?? "";

/**
 * The URNs of a registration's `aliases`: full URNs as given, alias specs resolved the way the
 * engine resolves them (a spec's unset name, type, stack, project or parent is the resource's own),
 * in the mocks' URN form.
 */
function aliasUrns(req: any, urn: string): string[] {
    const [, stackPart, projectPart] = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn) ?? [];
    return (req.getAliasesList?.() ?? [])
        .map((alias: any): string | undefined => {
            if (alias.getUrn()) return alias.getUrn();
            const spec = alias.getSpec();
            if (!spec) return undefined;
            const type = spec.getType() || req.getType();
            const parentUrn = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent() || "";
            // As the mocks build URNs (runtime/mocks.js newUrn): the parent's own type, not its chain.
            const parentType =
                parentUrn && !qualifiedType(parentUrn).endsWith("pulumi:pulumi:Stack") ? qualifiedType(parentUrn).split("$").pop()! : "";
            return `urn:pulumi:${spec.getStack() || stackPart}::${spec.getProject() || projectPart}::${parentType ? `${parentType}$` : ""}${type}::${spec.getName() || req.getName()}`;
        })
        .filter((u: string | undefined): u is string => u !== undefined);
}

const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { deserializeProperties(s: unknown): Record<string, any>; unknownValue: string };

/** The engine's unknown sentinel, as a provider or a policy sees it (sdk/go/common/resource/plugin/rpc.go UnknownStringValue). */
export const UNKNOWN_VALUE: string = rpc.unknownValue;
const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/**
 * A serialized property value as a provider or a policy receives it: secrets and known output
 * values unwrapped to their value, unknown ones as the engine's sentinel.
 */
function engineValue(value: unknown): any {
    if (Array.isArray(value)) return value.map(engineValue);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return engineValue(obj.value);
    if (obj[SIG_KEY] === OUTPUT_VALUE_SIG) return "value" in obj ? engineValue(obj.value) : UNKNOWN_VALUE;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, engineValue(v)]));
}

/**
 * Runs the program and returns its graph. Runs are sequential: the Pulumi runtime is global.
 * A program that throws (for example on bad configuration) rejects with that error after the
 * registrations it started have settled; `registered` on the error lists what it registered.
 */
export async function runProgram(opts: RunOptions = {}): Promise<ProgramRun> {
    const stack = opts.stack ?? "dev";
    const root = path.resolve(opts.root ?? ROOT);
    const config = stackConfig(stack, opts.config, root, opts.stackDir);
    const region = config["aws:region"] ?? "us-east-1";
    const { project } = projectDefaults(root);
    const stdoutOf = opts.commandStdout ?? backfillStdout(root);
    const priorByUrn = new Map((opts.prior?.resources ?? []).map((r) => [r.urn, r]));
    // The URN the mock monitor gives each registration, by type and name, for the command mock's context.
    const pendingUrns = new Map<string, string[]>();
    const stdout = (inputs: Record<string, unknown>, at: { type: string; name: string }) => {
        const urn = pendingUrns.get(`${at.type}::${at.name}`)?.shift() ?? "";
        return stdoutOf(inputs, { ...at, urn, prior: priorByUrn.get(urn) });
    };

    await pulumi.runtime.setMocks(
        createMocks(region, stdout, opts.preview === true),
        project,
        opts.stackName ?? stack,
        opts.preview === true,
    );
    pulumi.runtime.setAllConfig(config);

    const resources: CapturedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        const key = `${req.getType()}::${req.getName()}`;
        const expectedUrn: string = monitor.newUrn(req.getParent(), req.getType(), req.getName());
        pendingUrns.set(key, [...(pendingUrns.get(key) ?? []), expectedUrn]);
        register(req, (err: unknown, resp: any) => {
            if (!err) {
                const propDeps: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                    propDeps[key] = deps.getUrnsList();
                });
                const rawInputs = req.getObject()?.toJavaScript() ?? {};
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    // A dry run sends values computed from other resources as output values (known or not).
                    inputs: opts.preview
                        ? engineValue(req.getObject()?.toJavaScript() ?? {})
                        : unwrapSecrets(rpc.deserializeProperties(req.getObject())),
                    outputs: unwrapSecrets(resp.getObject()?.toJavaScript() ?? {}),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies: propDeps,
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    deletedWith: req.getDeletedwith() || undefined,
                    ignoreChanges: req.getIgnorechangesList(),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() === true : undefined,
                    aliases: aliasUrns(req, resp.getUrn()),
                    provider: req.getProvider() || undefined,
                    secretInputPaths: secretPaths(rawInputs),
                });
            }
            callback(err, resp);
        });
    };

    // A rejection nobody awaits (an `apply` that throws inside registerOutputs, say) fails a real
    // `pulumi up`: the run fails with it too.
    const unhandled: unknown[] = [];
    // It fails the run at once: an output that waits on the failed resource would never settle.
    let failRun: (reason: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
        failRun = reject;
    });
    failed.catch(() => undefined);
    const onUnhandled = (reason: unknown) => {
        unhandled.push(reason);
        failRun(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    // Waits until a failed run has nothing left in flight: its outstanding RPCs and the rejections
    // they raise late, each of which would otherwise land in the next run.
    const settle = async () => {
        for (let quiet = 0, i = 0; quiet < 3 && i < 50; i++) {
            const before = unhandled.length;
            // RPCs that wait on a failed resource never finish: wait a little, not for them.
            await Promise.race([runtimeSettings.waitForRPCs().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 50))]);
            await new Promise((resolve) => setTimeout(resolve, 5));
            quiet = unhandled.length === before ? quiet + 1 : 0;
        }
    };
    const fail = async (e: unknown): Promise<never> => {
        await settle();
        if (e !== null && typeof e === "object") (e as any).registered = resources;
        throw e;
    };
    try {
        const programPath = path.resolve(root, opts.program ?? "index.ts");
        delete require.cache[require.resolve(programPath)];
        let exported: Record<string, unknown>;
        try {
            exported = require(programPath);
        } catch (e) {
            return await fail(e);
        }
        const outputs: Record<string, unknown> = {};
        try {
            for (const [k, v] of Object.entries(exported)) {
                outputs[k] = await Promise.race([(pulumi.output(v) as any).promise(), failed]);
            }
            await runtimeSettings.waitForRPCs();
        } catch (e) {
            return await fail(e);
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (unhandled.length > 0) return await fail(unhandled[0]);
        return { stack, config, resources, outputs };
    } finally {
        process.off("unhandledRejection", onUnhandled);
    }
}

/** Query helpers over a captured graph. */
export class Graph {
    constructor(readonly run: ProgramRun) {}

    get resources(): CapturedResource[] {
        return this.run.resources;
    }

    /** Cloud resources only (no components, no providers). */
    get cloud(): CapturedResource[] {
        return this.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    }

    ofType(type: string): CapturedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of a type (optionally whose logical name contains `nameHas`); throws otherwise. */
    one(type: string, nameHas?: string): CapturedResource {
        const found = this.ofType(type).filter((r) => nameHas === undefined || r.name.includes(nameHas));
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type}${nameHas ? ` named *${nameHas}*` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }

    byUrn(urn: string): CapturedResource {
        const r = this.resources.find((x) => x.urn === urn);
        if (!r) throw new Error(`no resource ${urn}`);
        return r;
    }

    /** Whether the engine was told `from` depends on `to` (explicit `dependsOn` or an input from it). */
    dependsOn(from: CapturedResource, to: CapturedResource): boolean {
        return from.dependencies.includes(to.urn);
    }

    /** The chain of component parents of a resource, nearest first. */
    ancestors(r: CapturedResource): CapturedResource[] {
        const out: CapturedResource[] = [];
        let cur = r.parent;
        while (cur) {
            const p = this.resources.find((x) => x.urn === cur);
            if (!p) break;
            out.push(p);
            cur = p.parent;
        }
        return out;
    }
}

export async function graphOf(opts: RunOptions = {}): Promise<Graph> {
    return new Graph(await runProgram(opts));
}

const cached = new Map<string, Promise<Graph>>();

/** The graph of a real stack, computed once per test process (stacks are read-only fixtures). */
export function stackGraph(stack: "dev" | "prod"): Promise<Graph> {
    if (!cached.has(stack)) cached.set(stack, graphOf({ stack }));
    return cached.get(stack)!;
}

/** Parses a JSON policy input. */
export const policyOf = (r: CapturedResource, key = "policy"): any => JSON.parse(r.inputs[key]);
