/**
 * The offline preview: runs a Pulumi program under the test harness's mocks (no cloud account, no
 * Pulumi CLI), hands every resource to every resource policy of the pack and the whole graph to
 * every stack policy, in the shapes @pulumi/policy passes them during `pulumi preview --policy-pack`,
 * (plan-format.ts renders what `pulumi up` would create with the verdicts under each resource). An imitation of
 * the engine's analyzer kept for `npm run plan` (no CLI, no account); test/engine/ compares its
 * verdicts with the real analyzer's, of a preview and of an update.
 *
 * What matches @pulumi/policy's server (node_modules/@pulumi/policy/server.js):
 * - resource policies get the resource's inputs, stack policies its outputs, both wrapped in the
 *   same unknown-checking proxy; `opts` has protect, ignoreChanges, aliases, customTimeouts,
 *   additionalSecretOutputs and parent; `provider` is the provider resource with its inputs (a
 *   default provider when the program names none, with the stack's `<package>:` config);
 *   stack resources have `parent`, `dependencies` and `propertyDependencies` as resource objects;
 * - enforcement levels come from the policy config, then the policy, then the pack ("advisory");
 *   `remediate` is reported as mandatory, `disabled` skips the policy;
 * - a rule that reads a value unknown during preview yields an advisory "can't run policy" entry;
 *   `notApplicable()` is recorded, not reported.
 * What it adds: `opts.retainOnDelete`, which the Analyzer protocol does not carry (see
 * policies/rules/stack.ts).
 */
import * as fs from "fs";
import * as path from "path";
import {
    EnforcementLevel,
    Policies,
    PolicyPackConfig,
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { validateLakeArgs } from "@incremental-crawl/components";
import { exportLayout } from "@incremental-crawl/components/runtime";
import { readArgs } from "../../config";
import { allPolicies, PACK_NAME } from "../../policies/rules";
import { defaultsOf } from "../../policies/lib/rule";
import { NodeOptions } from "../../policies/lib/graph";
import { isUnknownValueError, unknownCheckingProxy } from "../../policies/lib/values";
import { CapturedResource, ROOT, runProgram } from "../../offline";
import { MOCK_ACCOUNT } from "../../offline/mocks";
import { REPLACE_RULES } from "./replace-rules";

export type ReportedLevel = "mandatory" | "advisory";

/** The pack's version, as the server reports it (from policies/package.json). */
export const PACK_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")).version;

export interface Violation {
    policy: string;
    level: ReportedLevel;
    message: string;
    /** The resource in violation; undefined for the stack as a whole. */
    urn?: string;
}

/** A resource as the engine would analyze it: captured by the harness, or a default provider it would create. */
export interface PlannedResource extends CapturedResource {
    /** A default provider the engine creates because a resource names no provider. */
    defaultProvider?: boolean;
}

export interface PlanOptions {
    /** Stack whose settings the program (and the policy config) uses. Default `dev`. */
    stack?: string;
    /** Program to run, relative to the project root. Default `index.ts`. */
    program?: string;
    /** Stack config keys to set over the stack file (`incremental-crawl:production`, ...). */
    config?: Record<string, unknown>;
    /** Policy config entries to set over the derived ones, as in a `--policy-pack-config` file. */
    policyConfig?: PolicyPackConfig;
    /** Policies to run. Default: the whole pack. */
    policies?: Policies;
    /** Simulate the first `pulumi preview` of the stack: values computed from other resources are unknown. */
    preview?: boolean;
}

export interface PlanResult extends Evaluation {
    stack: string;
    program: string;
    preview: boolean;
    resources: PlannedResource[];
    /** Per policy: the configuration it ran with. */
    policyConfig: Record<string, Record<string, unknown>>;
}

// -------------------------------------------------------------------------------------------------
// Policy configuration
// -------------------------------------------------------------------------------------------------

/**
 * The policy settings a stack implies, from its configuration (engine form: full key → string):
 * whether it keeps data, its export prefix, its longest interval between crawls (arrival batches
 * and the safety net), and the account the mocks deploy into. Each policy takes the keys its
 * config schema declares.
 */
export function stackPolicySettings(config: Record<string, string>): Record<string, unknown> {
    const exportPrefix = (config["incremental-crawl:exportPrefix"] ?? "exports").replace(/^\/+|\/+$/g, "");
    const settings: Record<string, unknown> = {
        production: config["incremental-crawl:production"] === "true",
        exportPrefix,
        protectedPrefix: `${exportPrefix}/`,
        accountIds: [MOCK_ACCOUNT],
        // A stack that names a CloudTrail trail with S3 data events has its audit trail there.
        cloudTrailDataEvents: (config["incremental-crawl:auditTrail"] ?? "").startsWith("cloudtrail:"),
        declaredRetention: {},
        readerAccounts: [],
        endpointOwnerAccounts: [],
    };
    // The rest as the program reads it; a configuration the program refuses fails the program
    // itself, and the policy defaults stand.
    const lake = validateLakeArgs(readArgs(config), { skipUnknown: true });
    if (!lake.ok) return settings;
    const { tables, readers, crawl } = lake.settings;
    const place = {
        exportPrefix: lake.settings.exportPrefix,
        database: lake.settings.snowflakeDatabase,
        schema: lake.settings.snowflakeSchema,
    };
    // The tables' declared retentions, by their folders' key prefix: the exceptions
    // s3-retention-in-production allows.
    settings.declaredRetention = Object.fromEntries(
        tables.filter((t) => t.retentionDays !== undefined).map((t) => [exportLayout(t, place).tablePrefix, t.retentionDays]),
    );
    // The accounts the stack shares with: its readers, and the owners of queues and functions that subscribe themselves.
    settings.readerAccounts = [...new Set(readers.map((r) => r.account))].sort();
    settings.endpointOwnerAccounts = [
        ...new Set(
            tables
                .flatMap((t) => t.subscribers ?? [])
                .filter((s) => s.subscribedBy === "endpoint-owner")
                .map((s) => s.account!),
        ),
    ].sort();
    // Crawls start on arrival (a batch window plus a crawl), and at least once a day with the
    // safety net: the longest interval between crawls an event may wait through.
    settings.crawlerIntervalMinutes = crawl.longestIntervalMinutes;
    return settings;
}

/** Per policy: its schema defaults, the stack's settings for the keys it declares, then explicit overrides. */
export function policyConfigFor(
    policies: Policies,
    settings: Record<string, unknown>,
    overrides: PolicyPackConfig = {},
): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const p of policies) {
        const cfg: Record<string, unknown> = defaultsOf(p.configSchema);
        for (const k of Object.keys(p.configSchema?.properties ?? {})) {
            if (k in settings) cfg[k] = settings[k];
        }
        const o = overrides[p.name];
        if (typeof o === "string") cfg.enforcementLevel = o;
        else if (o !== undefined) Object.assign(cfg, o);
        out[p.name] = cfg;
    }
    return out;
}

/** The level a policy reports at, as the server decides it. */
export function levelOf(p: { enforcementLevel?: EnforcementLevel }, config: Record<string, unknown> | undefined): EnforcementLevel {
    return (config?.enforcementLevel as EnforcementLevel | undefined) ?? p.enforcementLevel ?? "advisory";
}

const isResourcePolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is ResourceValidationPolicy =>
    "validateResource" in p || "remediateResource" in p;
const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

// -------------------------------------------------------------------------------------------------
// The shapes @pulumi/policy passes
// -------------------------------------------------------------------------------------------------

/** `urn:pulumi:<stack>::<project>::...` → stack and project. */
export function stackAndProject(urn: string): { stack: string; project: string } {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
    return m ? { stack: m[1], project: m[2] } : { stack: "stack", project: "project" };
}

/**
 * A resource's inputs as its provider's Check returns them, which is what the engine analyzes: with
 * the auto-name the provider fills in (the bridge does it in Check; replace-rules.ts `autoName`).
 * The real engine showed it: a resource policy reads an auto-named bucket's `bucket`.
 */
function withCheckedName(r: CapturedResource): CapturedResource {
    const field = r.custom ? REPLACE_RULES[r.type]?.autoName : undefined;
    if (!field || r.inputs[field] !== undefined || r.outputs[field] === undefined) return r;
    return { ...r, inputs: { ...r.inputs, [field]: r.outputs[field] } };
}

/**
 * The resources the engine would analyze: the captured ones plus, for each package whose resources
 * name no provider, the default provider the engine creates (its inputs are the stack's
 * `<package>:` configuration).
 */
export function plannedResources(captured: CapturedResource[], config: Record<string, string>): PlannedResource[] {
    const out: PlannedResource[] = [];
    const defaults = new Map<string, PlannedResource>();
    for (const resource of captured) {
        let r: PlannedResource = withCheckedName(resource);
        if (r.custom && !r.provider && !r.type.startsWith("pulumi:providers:")) {
            const pkg = r.type.split(":")[0];
            if (!defaults.has(pkg)) {
                const { stack, project } = stackAndProject(r.urn);
                const inputs = Object.fromEntries(
                    Object.entries(config)
                        .filter(([k]) => k.startsWith(`${pkg}:`))
                        .map(([k, v]) => [k.slice(pkg.length + 1), v]),
                );
                const urn = `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default`;
                defaults.set(pkg, {
                    type: `pulumi:providers:${pkg}`,
                    name: "default",
                    urn,
                    custom: true,
                    inputs,
                    outputs: inputs,
                    dependencies: [],
                    propertyDependencies: {},
                    protect: false,
                    retainOnDelete: false,
                    ignoreChanges: [],
                    replaceOnChanges: [],
                    secretInputPaths: [],
                    defaultProvider: true,
                });
            }
            r = { ...r, provider: `${defaults.get(pkg)!.urn}::default-id` };
        }
        out.push(r);
    }
    return [...defaults.values(), ...out];
}

/** `PolicyResourceOptions` of a resource, plus the `retainOnDelete` the engine does not pass. */
export function optionsOf(r: CapturedResource): NodeOptions {
    return {
        protect: r.protect,
        ignoreChanges: [...r.ignoreChanges],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
        retainOnDelete: r.retainOnDelete,
    };
}

/** The provider reference `urn::id` of a resource, resolved to the provider resource (inputs as props). */
function providerOf(r: CapturedResource, byUrn: Map<string, CapturedResource>): PolicyProviderResource | undefined {
    if (!r.provider) return undefined;
    const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
    const p = byUrn.get(urn);
    return p ? { type: p.type, props: unknownCheckingProxy({ ...p.inputs }), urn: p.urn, name: p.name } : undefined;
}

/** What a resource policy and a stack policy both see of a resource: `props` (its inputs or its outputs), options, provider, type tests. */
function policyResource(r: CapturedResource, props: Record<string, any>, byUrn: Map<string, CapturedResource>) {
    const isType = (cls: unknown): boolean => (cls as { __pulumiType?: string }).__pulumiType === r.type;
    const provider = providerOf(r, byUrn);
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        isType,
        asType: ((cls: unknown) => (isType(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        ...(provider ? { provider } : {}),
    };
}

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** The `ResourceValidationArgs` @pulumi/policy builds for a resource (inputs as props). */
export function resourceArgsOf(
    r: CapturedResource,
    byUrn: Map<string, CapturedResource>,
    config: Record<string, unknown>,
    stackTags: ReadonlyMap<string, string>,
): ResourceValidationArgs {
    return {
        ...policyResource(r, unknownCheckingProxy({ ...r.inputs }), byUrn),
        stackTags,
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable,
    };
}

/** The `PolicyResource` graph @pulumi/policy builds for stack policies (outputs as props). */
export function stackResourcesOf(resources: CapturedResource[]): PolicyResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const nodes = new Map<string, PolicyResource>();
    for (const r of resources) {
        nodes.set(r.urn, {
            ...policyResource(r, unknownCheckingProxy({ ...r.outputs }), byUrn),
            dependencies: [],
            propertyDependencies: {},
        });
    }
    for (const r of resources) {
        const node = nodes.get(r.urn)!;
        if (r.parent && nodes.has(r.parent)) node.parent = nodes.get(r.parent);
        node.dependencies = r.dependencies.map((u) => nodes.get(u)).filter((d): d is PolicyResource => d !== undefined);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
            node.propertyDependencies[k] = urns.map((u) => nodes.get(u)).filter((d): d is PolicyResource => d !== undefined);
        }
    }
    return [...nodes.values()];
}

/** The sentinels @pulumi/policy's deserializer puts where a value is unknown during preview. */
export const sentinels = require("@pulumi/policy/proxy") as Record<
    "unknownStringValue" | "unknownNumberValue" | "unknownBooleanValue" | "unknownArrayValue" | "unknownObjectValue",
    string
>;

/** The unknown sentinel of the same kind as `v`. */
export function unknownLike(v: unknown): string {
    if (Array.isArray(v)) return sentinels.unknownArrayValue;
    if (typeof v === "number") return sentinels.unknownNumberValue;
    if (typeof v === "boolean") return sentinels.unknownBooleanValue;
    if (typeof v === "object" && v !== null) return sentinels.unknownObjectValue;
    return sentinels.unknownStringValue;
}

/**
 * The graph as the first `pulumi preview` of a stack sees it: inputs as the program registered
 * them in a dry run (`preview`, where providers return only the checked inputs and every value
 * computed from another resource's outputs is unknown, as on the real engine), and as outputs those
 * inputs with every output the provider computes (one of `update`'s that is not an input) unknown,
 * as a bridged provider's planned state has them.
 */
export function previewOf(preview: PlannedResource[], update: PlannedResource[]): PlannedResource[] {
    const updated = new Map(update.map((r) => [r.urn, r]));
    return preview.map((r) => {
        if (r.type.startsWith("pulumi:providers:")) return r;
        const outputs: Record<string, any> = { ...r.outputs };
        const u = updated.get(r.urn);
        for (const [k, v] of Object.entries(u?.outputs ?? {})) if (!(k in u!.inputs) && !(k in outputs)) outputs[k] = unknownLike(v);
        return { ...r, outputs };
    });
}

// -------------------------------------------------------------------------------------------------
// Evaluation
// -------------------------------------------------------------------------------------------------

export interface Evaluation {
    /** Policies that ran (not disabled). */
    policies: { name: string; level: EnforcementLevel }[];
    violations: Violation[];
    notApplicable: { policy: string; reason?: string; urn?: string }[];
}

/** Runs every policy over the resources, as `pulumi preview --policy-pack` would. Pure: no Pulumi runtime. */
export async function evaluatePolicies(
    resources: CapturedResource[],
    policies: Policies,
    policyConfig: Record<string, Record<string, unknown>>,
    stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<Evaluation> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const result: Evaluation = { policies: [], violations: [], notApplicable: [] };
    for (const p of policies) {
        const config = policyConfig[p.name] ?? defaultsOf(p.configSchema);
        const { enforcementLevel: _level, ...settings } = config;
        const level = levelOf(p, config);
        if (level === "disabled") continue;
        result.policies.push({ name: p.name, level });
        const reported: ReportedLevel = level === "advisory" ? "advisory" : "mandatory";
        const run = async (urn: string | undefined, call: (report: (message: string, urn?: string) => void) => Promise<void> | void) => {
            const report = (message: string, at?: string) =>
                result.violations.push({ policy: p.name, level: reported, message, urn: at ?? urn });
            try {
                await call(report);
            } catch (e) {
                if (isUnknownValueError(e)) {
                    // The server's wording (node_modules/@pulumi/policy/server.js).
                    const message = `can't run policy '${p.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${(e as Error).message}`;
                    result.violations.push({ policy: p.name, level: "advisory", message, urn });
                } else if (e instanceof NotApplicable) {
                    result.notApplicable.push({ policy: p.name, reason: e.reason, urn });
                } else {
                    throw new Error(`policy ${p.name} failed${urn ? ` on ${urn}` : ""}: ${(e as Error).stack ?? e}`);
                }
            }
        };
        if (isResourcePolicy(p)) {
            const validations =
                p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const r of resources) {
                for (const validate of validations) {
                    await run(r.urn, (report) =>
                        validate(resourceArgsOf(r, byUrn, settings, stackTags), (message) => report(message, r.urn)),
                    );
                }
            }
        } else if (isStackPolicy(p)) {
            const args: StackValidationArgs = {
                resources: stackResourcesOf(resources),
                stackTags,
                getConfig: <T extends object>() => ({ ...settings }) as T,
                notApplicable,
            };
            await run(undefined, (report) => p.validateStack(args, report));
        }
    }
    return result;
}

/** Runs the program under mocks and evaluates the pack over its graph. */
export async function planStack(opts: PlanOptions = {}): Promise<PlanResult> {
    const stack = opts.stack ?? "dev";
    const program = opts.program ?? "index.ts";
    const policies = opts.policies ?? allPolicies;
    const run = await runProgram({ stack, program, config: opts.config });
    const planned = plannedResources(run.resources, run.config);
    const resources = opts.preview
        ? previewOf(
              plannedResources((await runProgram({ stack, program, config: opts.config, preview: true })).resources, run.config),
              planned,
          )
        : planned;
    const policyConfig = policyConfigFor(policies, stackPolicySettings(run.config), opts.policyConfig);
    const project = resources.length > 0 ? stackAndProject(resources[0].urn).project : "project";
    const stackTags = new Map([
        ["pulumi:project", project],
        ["pulumi:runtime", "nodejs"],
    ]);
    const evaluation = await evaluatePolicies(resources, policies, policyConfig, stackTags);
    return { stack, program, preview: opts.preview === true, resources, policyConfig, ...evaluation };
}

/**
 * Writes the policy config the plan used as a `pulumi preview --policy-pack-config` file, without
 * `accountIds` (the plan's is the mocks' account; a real preview needs the stack's own).
 */
export function writePolicyConfig(result: PlanResult, file: string): void {
    const config = Object.fromEntries(
        Object.entries(result.policyConfig).map(([name, c]) => {
            const { accountIds: _mockAccount, ...rest } = c;
            return [name, rest];
        }),
    );
    fs.writeFileSync(path.resolve(ROOT, file), `${JSON.stringify(config, null, 2)}\n`);
}
