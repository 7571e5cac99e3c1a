/**
 * Stand-in resource plugins for the real Pulumi engine (`npm run engine:test`), served from Node
 * with `@pulumi/pulumi/provider`: `pulumi-resource-aws` (aws 7.x) and `pulumi-resource-command`
 * (command 1.x), one process per plugin, started by the engine from ./bin on its PATH.
 *
 * Why they exist: pulumi-aws cannot be built here (its provider module replaces
 * terraform-provider-aws with a patched git submodule no registry serves), and the module proxy
 * refuses pulumi-command's untagged `provider` module at its release commit.
 *
 * What they do, and nothing more:
 * - Check fills the auto-named input of a type (replace-rules.ts `autoName`: a `name`, a bucket's
 *   `bucket`) with `<logical name>-<7 random characters>` as the bridge does, keeps the old one
 *   while the resource is not replaced (the engine calls Check without old inputs on a
 *   replacement), records it in `__defaults` (the bridge's marker), and refuses a name over the
 *   service's limit (offline/mocks.ts NAME_LIMITS);
 * - Diff compares the inputs as the program gives them (replace-rules.ts: no provider defaults, no
 *   diff suppression) and asks for a replacement on a ForceNew input, delete-before-replace where
 *   the bridge would (replace-rules.ts `deleteBeforeReplace`, or an auto-named input the program
 *   set: pulumi-terraform-bridge pkg/tfbridge/provider.go `nameRequiresDeleteBeforeReplace`);
 *   an unknown input counts as changed;
 * - Create and Update return the outputs offline/mocks.ts gives (ARNs, queue URLs, ids); Invoke
 *   answers getCallerIdentity, getRegion and getPartition as the mocks do; Delete forgets;
 * - as a bridged provider does, they support previews (a preview's Create plans the checked inputs
 *   with every computed output unknown, its Update the old state with the new inputs) and Diff
 *   returns the changed keys and a detailed diff (`addBridgeFeatures`): without them the engine
 *   makes every output of an updated resource unknown and matches no nested `replaceOnChanges`
 *   path, which the first change-matrix run on the real engine showed;
 * - command:local:Command: `triggers` replace (pulumi-command provider/pkg/provider/common/inputs.go,
 *   replaceOnChanges); Update runs the `update` script (else `create`) for real with `sh -c`, the
 *   inputs' `environment`, and PULUMI_COMMAND_STDOUT/_STDERR = the stored ones when non-empty and
 *   `addPreviousOutputInEnv` (local/commandController.go, commandOutputs.go), and stores what it
 *   prints as `stdout` (one trailing newline trimmed); Create does NOT run `create` (the backfill
 *   would reach Snowflake and AWS): it stores what the backfill program prints over an empty table
 *   (offline/index.ts backfillStdout, as the mocks do).
 *
 * What they do not: no AWS API, no read-back or drift (Read returns the state), no provider
 * defaults, no CheckConfig/DiffConfig (the engine's defaults apply), no default tags in `tagsAll`,
 * no timeouts, no partial failures. So the engine proves here what it decides itself (ordering,
 * dependents, aliases, protect, retainOnDelete, deleteBeforeReplace options, the policy analyzer),
 * never an AWS or command replace decision: those are the project's own rules in both runs.
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import { backfillStdout, ROOT } from "../../../offline";
import { createMocks, NAME_LIMITS } from "../../../offline/mocks";
import { diffPaths, pathMatches } from "../../../tools/plan/lifecycle";
import { REPLACE_RULES } from "../../../tools/plan/replace-rules";

/** The engine's placeholder for a value a preview cannot know (sdk/go/common/resource/plugin/rpc.go UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DEFAULTS = "__defaults";
/** The inputs a resource was created or updated with, kept in its outputs as the bridge keeps `__meta`. */
const INPUTS = "__inputs";

const typeOf = (urn: string) => urn.split("::")[2].split("$").pop()!;
const nameOf = (urn: string) => urn.split("::").slice(3).join("::");
const hasUnknown = (v: unknown): boolean =>
    v === UNKNOWN || (Array.isArray(v) ? v.some(hasUnknown) : v !== null && typeof v === "object" && Object.values(v).some(hasUnknown));

function randomSuffix(): string {
    const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    return Array.from(crypto.randomBytes(7), (b) => chars[b % chars.length]).join("");
}

/** The program's inputs, without the stand-in's bookkeeping. */
const programInputs = (inputs: Record<string, any>) => {
    const { [DEFAULTS]: _d, [INPUTS]: _i, ...rest } = inputs;
    return rest;
};

function run(script: string, env: Record<string, string>, cwd: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        execFile("/bin/sh", ["-c", script], { env: { ...process.env, ...env }, cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${err.message}\n${stderr}`));
            // commandOutputs.go: strings.TrimSuffix(output, "\n")
            else resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
        });
    });
}

export interface StandIn extends provider.Provider {
    diff(id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult & { changed: string[] }>;
    planCreate(urn: string, inputs: Record<string, any>): Promise<Record<string, unknown>>;
    planUpdate(urn: string, olds: Record<string, any>, news: Record<string, any>): Promise<Record<string, unknown>>;
}

export function standIn(pkg: string, version: string): StandIn {
    const region = process.env.AWS_REGION ?? "us-east-1";
    const stdoutOf = backfillStdout(process.env.ENGINE_PROJECT_ROOT ?? ROOT);
    const mocks = createMocks(region, (inputs) => stdoutOf(inputs));
    const outputsOf = async (urn: string, inputs: Record<string, any>) => {
        const { id, state } = await mocks.newResource({
            type: typeOf(urn),
            name: nameOf(urn),
            inputs: programInputs(inputs),
            custom: true,
            provider: "",
        });
        return { id: id ?? nameOf(urn), outs: { ...state, [INPUTS]: programInputs(inputs), [DEFAULTS]: inputs[DEFAULTS] ?? [] } };
    };
    return {
        version,
        async check(urn, olds, news) {
            const type = typeOf(urn);
            const field = REPLACE_RULES[type]?.autoName;
            const inputs: Record<string, any> = { ...news, [DEFAULTS]: [] };
            if (field && news[field] === undefined) {
                const kept = (olds?.[DEFAULTS] ?? []).includes(field) ? olds[field] : undefined;
                inputs[field] = kept ?? `${nameOf(urn)}-${randomSuffix()}`;
                inputs[DEFAULTS] = [field];
            }
            const limit = NAME_LIMITS[type];
            const name = field ? inputs[field] : undefined;
            if (limit !== undefined && typeof name === "string" && name !== UNKNOWN && name.length > limit) {
                return {
                    inputs,
                    failures: [{ property: field!, reason: `${name} is ${name.length} characters, over the limit of ${limit}` }],
                };
            }
            return { inputs };
        },
        async diff(_id, urn, olds, news) {
            const rule = REPLACE_RULES[typeOf(urn)];
            const before = olds[INPUTS] ?? {};
            const after = programInputs(news);
            const changed = diffPaths(before, after).concat(hasUnknown(after) ? unknownPaths(after) : []);
            const replaces = [...new Set(changed.flatMap((p) => (rule?.forceNew ?? []).filter((k) => pathMatches(k, p))))];
            const autoSet =
                rule?.autoName !== undefined && after[rule.autoName] !== undefined && !(news[DEFAULTS] ?? []).includes(rule.autoName);
            return {
                changes: changed.length > 0,
                changed,
                replaces,
                deleteBeforeReplace: replaces.length > 0 && (rule?.deleteBeforeReplace === true || autoSet),
            };
        },
        /** A preview's Create: the checked inputs, and every output the provider computes unknown. */
        async planCreate(urn: string, inputs: Record<string, any>) {
            // A command runs only on the update itself.
            if (typeOf(urn) === "command:local:Command")
                return { ...inputs, stdout: UNKNOWN, stderr: UNKNOWN, [INPUTS]: programInputs(inputs) };
            const { outs } = await outputsOf(urn, inputs);
            const program = programInputs(inputs);
            return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, k in program || k.startsWith("__") ? v : UNKNOWN]));
        },
        /**
         * A preview's Update: the old state with the new inputs over it; what the update itself
         * computes is unknown (a command's printout).
         */
        async planUpdate(urn: string, olds: Record<string, any>, news: Record<string, any>) {
            const computed = typeOf(urn) === "command:local:Command" ? { stdout: UNKNOWN, stderr: UNKNOWN } : {};
            return { ...olds, ...programInputs(news), ...computed, [INPUTS]: programInputs(news), [DEFAULTS]: news[DEFAULTS] ?? [] };
        },
        async create(urn, inputs) {
            return outputsOf(urn, inputs);
        },
        async update(id, urn, olds, news) {
            if (typeOf(urn) !== "command:local:Command") return { outs: (await outputsOf(urn, news)).outs };
            const script: string | undefined = news.update ?? news.create;
            const env: Record<string, string> = { ...(news.environment ?? {}) };
            if (news.addPreviousOutputInEnv !== false) {
                if (olds.stdout) env.PULUMI_COMMAND_STDOUT = olds.stdout;
                if (olds.stderr) env.PULUMI_COMMAND_STDERR = olds.stderr;
            }
            const printed =
                script === undefined
                    ? { stdout: olds.stdout ?? "", stderr: olds.stderr ?? "" }
                    : await run(script, env, news.dir ?? process.cwd());
            return { outs: { ...programInputs(news), ...printed, [INPUTS]: programInputs(news), [DEFAULTS]: [] } };
        },
        async read(id, _urn, props) {
            return { id, props };
        },
        async delete() {
            return;
        },
        async invoke(token, inputs) {
            if (pkg !== "aws") throw new Error(`${pkg} stand-in: no function ${token}`);
            return { outputs: await mocks.call({ token, inputs, provider: "" }) };
        },
    };
}

/** Paths of unknown values (a whole unknown input is one path). */
function unknownPaths(v: unknown, prefix = ""): string[] {
    if (v === UNKNOWN) return [prefix || "(root)"];
    if (Array.isArray(v)) return v.flatMap((x, i) => unknownPaths(x, `${prefix}[${i}]`));
    if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, prefix ? `${prefix}.${k}` : k));
    return [];
}

/** A changed path as the engine writes property paths (`a.b[0].c`, as diffPaths gives them). */
const topOf = (p: string) => p.split(/[.[]/)[0];

/**
 * What @pulumi/pulumi/provider's server does not offer and a bridged provider does, added to the
 * server it registers (its class is not exported): `supportsPreview` in Configure, so that the
 * engine asks Create and Update for the planned state during a preview instead of taking the
 * inputs as the state (sdk/go/common/resource/plugin/provider_plugin.go Update: "If the provider
 * does not support previews, return the inputs as the state"), which would make every output of an
 * updated resource unknown to its dependents; and Diff's changed keys and detailed diff, which the
 * engine matches `replaceOnChanges` paths against (pkg/resource/deploy/step_generator.go
 * applyReplaceOnChanges: a nested path such as `storageDescriptor.location` needs the detailed diff).
 */
function addBridgeFeatures(p: StandIn): void {
    const paths = { paths: [path.dirname(require.resolve("@pulumi/pulumi/provider/server"))] };
    const grpc = require(require.resolve("@grpc/grpc-js", paths));
    const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", paths));
    const provproto = require("@pulumi/pulumi/proto/provider_pb");
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, impl: any) {
        if (impl && typeof impl.diff === "function" && typeof impl.configure === "function") {
            const configure = impl.configure.bind(impl);
            impl.configure = (call: any, callback: (err: unknown, resp?: any) => void) =>
                configure(call, (err: unknown, resp: any) => {
                    resp?.setSupportspreview(true);
                    callback(err, resp);
                });
            for (const method of ["create", "update"] as const) {
                const real = impl[method].bind(impl);
                impl[method] = async (call: any, callback: (err: unknown, resp?: any) => void) => {
                    if (!call.request.getPreview()) return real(call, callback);
                    try {
                        const news = call.request.getNews?.()?.toJavaScript() ?? call.request.getProperties().toJavaScript();
                        const outs =
                            method === "create"
                                ? await p.planCreate(call.request.getUrn(), news)
                                : await p.planUpdate(call.request.getUrn(), call.request.getOlds().toJavaScript(), news);
                        const resp = method === "create" ? new provproto.CreateResponse() : new provproto.UpdateResponse();
                        if (method === "create") resp.setId("");
                        resp.setProperties(structproto.Struct.fromJavaScript(outs));
                        callback(undefined, resp);
                    } catch (e) {
                        callback(e);
                    }
                };
            }
            impl.diff = async (call: any, callback: (err: unknown, resp?: any) => void) => {
                try {
                    const req = call.request;
                    const d = await p.diff(req.getId(), req.getUrn(), req.getOlds().toJavaScript(), req.getNews().toJavaScript());
                    const resp = new provproto.DiffResponse();
                    resp.setChanges(
                        d.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE,
                    );
                    resp.setReplacesList(d.replaces ?? []);
                    resp.setDeletebeforereplace(d.deleteBeforeReplace === true);
                    resp.setDiffsList([...new Set(d.changed.map(topOf))]);
                    resp.setHasdetaileddiff(true);
                    const detailed = resp.getDetaileddiffMap();
                    for (const changed of d.changed) {
                        const diff = new provproto.PropertyDiff();
                        const replaces = (d.replaces ?? []).some((k: string) => pathMatches(k, changed));
                        diff.setKind(replaces ? provproto.PropertyDiff.Kind.UPDATE_REPLACE : provproto.PropertyDiff.Kind.UPDATE);
                        diff.setInputdiff(true);
                        detailed.set(changed, diff);
                    }
                    callback(undefined, resp);
                } catch (e) {
                    callback(e);
                }
            };
        }
        return addService.call(this, service, impl);
    };
}

/** Serves the stand-in for `pkg` at the version the program's SDK asks for (package-lock.json). */
export function serve(pkg: "aws" | "command", args: string[]): void {
    const lock = require(path.join(ROOT, "package-lock.json"));
    const version: string = lock.packages[`node_modules/@pulumi/${pkg}`].version;
    const p = standIn(pkg, version);
    addBridgeFeatures(p);
    void provider.main(p, args);
}
