/**
 * The offline preview: runs a Pulumi program under the test harness's mocks (no cloud account, no
 * Pulumi CLI), hands every resource to every resource policy of the pack and the whole graph to
 * every stack policy, in the shapes @pulumi/policy passes them during `pulumi preview --policy-pack`,
 * and renders what `pulumi up` would create with the verdicts under each resource. An imitation of
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
    EnforcementLevel, Policies, PolicyPackConfig, PolicyProviderResource, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationArgs, StackValidationPolicy,
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
import { fitLines } from "./text-table";

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

export interface PlanResult {
    stack: string;
    program: string;
    preview: boolean;
    resources: PlannedResource[];
    /** Per policy: the configuration it ran with. */
    policyConfig: Record<string, Record<string, unknown>>;
    /** Policies that ran (not disabled). */
    policies: { name: string; level: EnforcementLevel }[];
    violations: Violation[];
    notApplicable: { policy: string; reason?: string; urn?: string }[];
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
    const place = { exportPrefix: lake.settings.exportPrefix, database: lake.settings.snowflakeDatabase, schema: lake.settings.snowflakeSchema };
    // The tables' declared retentions, by their folders' key prefix: the exceptions
    // s3-retention-in-production allows.
    settings.declaredRetention = Object.fromEntries(tables.filter((t) => t.retentionDays !== undefined).map((t) => [exportLayout(t, place).tablePrefix, t.retentionDays]));
    // The accounts the stack shares with: its readers, and the owners of queues and functions that subscribe themselves.
    settings.readerAccounts = [...new Set(readers.map((r) => r.account))].sort();
    settings.endpointOwnerAccounts = [...new Set(tables.flatMap((t) => t.subscribers ?? []).filter((s) => s.subscribedBy === "endpoint-owner").map((s) => s.account!))].sort();
    // Crawls start on arrival (a batch window plus a crawl), and at least once a day with the
    // safety net: the longest interval between crawls an event may wait through.
    settings.crawlerIntervalMinutes = crawl.longestIntervalMinutes;
    return settings;
}

/** Per policy: its schema defaults, the stack's settings for the keys it declares, then explicit overrides. */
export function policyConfigFor(policies: Policies, settings: Record<string, unknown>, overrides: PolicyPackConfig = {}): Record<string, Record<string, unknown>> {
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

const isResourcePolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is ResourceValidationPolicy => "validateResource" in p || "remediateResource" in p;
const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

// -------------------------------------------------------------------------------------------------
// The shapes @pulumi/policy passes
// -------------------------------------------------------------------------------------------------

/** `urn:pulumi:<stack>::<project>::...` → stack and project. */
function stackAndProject(urn: string): { stack: string; project: string } {
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
                const inputs = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(`${pkg}:`)).map(([k, v]) => [k.slice(pkg.length + 1), v]));
                const urn = `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default`;
                defaults.set(pkg, {
                    type: `pulumi:providers:${pkg}`, name: "default", urn, custom: true, inputs, outputs: inputs, dependencies: [], propertyDependencies: {},
                    protect: false, retainOnDelete: false, ignoreChanges: [], replaceOnChanges: [], secretInputPaths: [], defaultProvider: true,
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

const isTypeOf = (type: string) => (cls: unknown): boolean => (cls as { __pulumiType?: string }).__pulumiType === type;

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** The `ResourceValidationArgs` @pulumi/policy builds for a resource (inputs as props). */
export function resourceArgsOf(r: CapturedResource, byUrn: Map<string, CapturedResource>, config: Record<string, unknown>, stackTags: ReadonlyMap<string, string>): ResourceValidationArgs {
    const props = unknownCheckingProxy({ ...r.inputs });
    const provider = providerOf(r, byUrn);
    const args: ResourceValidationArgs = {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        stackTags,
        isType: isTypeOf(r.type),
        asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable,
    };
    if (provider) args.provider = provider;
    return args;
}

/** The `PolicyResource` graph @pulumi/policy builds for stack policies (outputs as props). */
export function stackResourcesOf(resources: CapturedResource[]): PolicyResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const nodes = new Map<string, PolicyResource>();
    for (const r of resources) {
        const props = unknownCheckingProxy({ ...r.outputs });
        const node: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: isTypeOf(r.type),
            asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as PolicyResource["asType"],
        };
        const provider = providerOf(r, byUrn);
        if (provider) node.provider = provider;
        nodes.set(r.urn, node);
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
const sentinels = require("@pulumi/policy/proxy") as Record<"unknownStringValue" | "unknownNumberValue" | "unknownBooleanValue" | "unknownArrayValue" | "unknownObjectValue", string>;

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
            const report = (message: string, at?: string) => result.violations.push({ policy: p.name, level: reported, message, urn: at ?? urn });
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
            const validations = p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const r of resources) {
                for (const validate of validations) {
                    await run(r.urn, (report) => validate(resourceArgsOf(r, byUrn, settings, stackTags), (message) => report(message, r.urn)));
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
        ? previewOf(plannedResources((await runProgram({ stack, program, config: opts.config, preview: true })).resources, run.config), planned)
        : planned;
    const policyConfig = policyConfigFor(policies, stackPolicySettings(run.config), opts.policyConfig);
    const project = resources.length > 0 ? stackAndProject(resources[0].urn).project : "project";
    const stackTags = new Map([["pulumi:project", project], ["pulumi:runtime", "nodejs"]]);
    const evaluation = await evaluatePolicies(resources, policies, policyConfig, stackTags);
    return { stack, program, preview: opts.preview === true, resources, policyConfig, ...evaluation };
}

// -------------------------------------------------------------------------------------------------
// Rendering
// -------------------------------------------------------------------------------------------------

const parseJson = (v: unknown): any => {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
};

/** `Sid1,Sid2` or `2 statements` for a JSON policy document. */
function statements(policy: unknown): string | undefined {
    const doc = parseJson(policy);
    if (!doc || doc.Statement === undefined) return undefined;
    const list: any[] = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const sids = list.map((s) => s?.Sid).filter((s) => typeof s === "string");
    return sids.length === list.length ? sids.join(",") : `${list.length} statement${list.length === 1 ? "" : "s"}`;
}

const days = (seconds: unknown) => (typeof seconds === "number" ? `${+(seconds / 86_400).toFixed(2)}d` : undefined);
const lastSegment = (v: unknown) => (typeof v === "string" ? v.slice(Math.max(v.lastIndexOf("/"), v.lastIndexOf(":")) + 1) : undefined);

/** The few inputs worth reading in a plan, per resource type. */
const DETAILS: Record<string, (i: Record<string, any>) => Record<string, unknown>> = {
    "pulumi:providers:aws": (i) => ({ region: i.region }),
    "pulumi:providers:snowflake": (i) => ({ account: i.accountName, previewFeatures: (parseJson(i.previewFeaturesEnabled) ?? []).length }),
    "aws:s3/bucket:Bucket": (i) => ({ bucket: i.bucket, forceDestroy: i.forceDestroy, acl: i.acl }),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i) => ({
        blocked: `${["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((k) => i[k] === true).length}/4`,
    }),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i) => ({ sse: (i.rules ?? []).map((r: any) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm).join(",") }),
    "aws:s3/bucketVersioning:BucketVersioning": (i) => ({ status: i.versioningConfiguration?.status }),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i) => ({ rules: (i.rules ?? []).map((r: any) => r?.id).join(",") }),
    "aws:s3/bucketPolicy:BucketPolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (i) => ({ objectOwnership: i.rule?.objectOwnership }),
    "aws:s3/bucketAcl:BucketAcl": (i) => ({ acl: i.acl }),
    "aws:s3/bucketNotification:BucketNotification": (i) => ({
        topics: (i.topics ?? []).map((t: any) => `${lastSegment(t?.topicArn)}${t?.filterPrefix ? ` prefix ${t.filterPrefix}` : ""}`).join(","),
        queues: (i.queues ?? []).map((q: any) => lastSegment(q?.queueArn)).join(",") || undefined,
    }),
    "aws:sns/topic:Topic": (i) => ({ kms: i.kmsMasterKeyId ? lastSegment(i.kmsMasterKeyId) : "none" }),
    "aws:sns/topicPolicy:TopicPolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:sns/topicSubscription:TopicSubscription": (i) => ({
        protocol: i.protocol,
        raw: i.rawMessageDelivery,
        filter: parseJson(i.filterPolicy)?.Records?.s3?.object?.key?.[0]?.prefix,
    }),
    "aws:sqs/queue:Queue": (i) => ({
        retention: days(i.messageRetentionSeconds ?? 345_600),
        dlq: parseJson(i.redrivePolicy) ? `${lastSegment(parseJson(i.redrivePolicy).deadLetterTargetArn)} after ${parseJson(i.redrivePolicy).maxReceiveCount}` : undefined,
        sse: i.kmsMasterKeyId ? `kms:${lastSegment(i.kmsMasterKeyId)}` : i.sqsManagedSseEnabled ? "sqs" : undefined,
    }),
    "aws:sqs/queuePolicy:QueuePolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:kms/key:Key": (i) => ({ rotation: i.enableKeyRotation, deletionWindowInDays: i.deletionWindowInDays, statements: statements(i.policy) }),
    "aws:kms/alias:Alias": (i) => ({ name: i.name }),
    "aws:iam/role:Role": (i) => ({
        name: i.name,
        trusts: (() => {
            const doc = parseJson(i.assumeRolePolicy);
            const list: any[] = doc ? (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) : [];
            return list.map((s) => (s?.Principal === "*" ? "*" : Object.values(s?.Principal ?? {}).flat().join("+"))).join(",");
        })(),
    }),
    "aws:iam/rolePolicy:RolePolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) => ({ policy: lastSegment(i.policyArn) }),
    "aws:glue/catalogDatabase:CatalogDatabase": (i) => ({ name: i.name }),
    "aws:glue/crawler:Crawler": (i) => ({
        name: i.name,
        mode: i.recrawlPolicy?.recrawlBehavior,
        targets: (i.s3Targets ?? []).map((t: any) => t?.path).join(","),
        schedule: i.schedule,
    }),
    "aws:athena/workgroup:Workgroup": (i) => ({ name: i.name, output: i.configuration?.resultConfiguration?.outputLocation }),
    "aws:athena/namedQuery:NamedQuery": (i) => ({ name: i.name }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => ({ metric: i.metricName, threshold: i.threshold }),
    "aws:cloudwatch/eventRule:EventRule": (i) => ({ name: i.name }),
    "snowflake:index/storageIntegration:StorageIntegration": (i) => ({ name: i.name, allowed: (i.storageAllowedLocations ?? []).join(",") }),
    "snowflake:index/stage:Stage": (i) => ({ name: i.name, url: i.url, integration: i.storageIntegration, credentials: i.credentials ? "set" : undefined }),
    "snowflake:index/fileFormat:FileFormat": (i) => ({ name: i.name, formatType: i.formatType }),
    "snowflake:index/database:Database": (i) => ({ name: i.name }),
    "snowflake:index/schema:Schema": (i) => ({ name: i.name }),
    "snowflake:index/table:Table": (i) => ({ name: i.name }),
    "snowflake:index/streamOnTable:StreamOnTable": (i) => ({ name: i.name, table: i.table }),
    "snowflake:index/task:Task": (i) => ({ name: i.name, schedule: i.schedule?.minutes !== undefined ? `${i.schedule.minutes}m` : undefined }),
    "command:local:Command": (i) => ({ create: i.create, env: Object.keys(i.environment ?? {}).join(",") }),
};

function formatValue(v: unknown): string {
    if (typeof v === "string" && Object.values(sentinels).includes(v)) return "(unknown)";
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s.length > 90 ? `${s.slice(0, 87)}...` : s;
}

/** The inputs worth showing for a resource, as `key=value` pairs. */
export function detailsOf(r: CapturedResource): string {
    const pick = DETAILS[r.type];
    let details: Record<string, unknown>;
    try {
        details = pick ? pick(r.inputs) : { name: r.inputs.name };
    } catch {
        details = {};
    }
    const flags = [r.protect ? "[protect]" : "", r.retainOnDelete ? "[retainOnDelete]" : ""].filter(Boolean);
    const pairs = Object.entries(details).filter(([, v]) => v !== undefined && v !== "" && v !== null).map(([k, v]) => `${k}=${formatValue(v)}`);
    return [...pairs, ...flags].join("  ");
}

const MARK: Record<ReportedLevel, string> = { mandatory: "✖ mandatory", advisory: "⚠ advisory " };

/** The policy settings a stack implies (stackPolicySettings): a --policy-config file need not set them. */
const DERIVED_SETTINGS = new Set(Object.keys(stackPolicySettings({})));

/** A rule's violations, in the order they were reported. */
interface RuleViolations {
    policy: string;
    level: ReportedLevel;
    violations: Violation[];
    /** Its one message when every violation of the rule says the same, on more than one resource. */
    repeated?: string;
}

function byRule(violations: Violation[]): RuleViolations[] {
    const rules = new Map<string, RuleViolations>();
    for (const v of violations) {
        const key = `${v.policy}\0${v.level}`;
        if (!rules.has(key)) rules.set(key, { policy: v.policy, level: v.level, violations: [] });
        rules.get(key)!.violations.push(v);
    }
    for (const r of rules.values()) {
        const messages = new Set(r.violations.map((v) => v.message));
        if (r.violations.length > 1 && messages.size === 1) r.repeated = r.violations[0].message;
    }
    return [...rules.values()];
}

/** How to configure a rule in a --policy-config file: its own settings as it ran, or its level. */
export function configureHint(policy: string, config: Record<string, unknown> | undefined): string {
    const own = Object.fromEntries(Object.entries(config ?? {}).filter(([k]) => k !== "enforcementLevel" && !DERIVED_SETTINGS.has(k)));
    const entry = Object.keys(own).length > 0 ? own : { enforcementLevel: "advisory" };
    return JSON.stringify({ [policy]: entry }).replace(/([:,])(?=["{[\d])/g, "$1 ");
}

export interface PlanFormat {
    /** Columns to fit the lines in (default: no limit). */
    width?: number;
}

/**
 * The plan as text: the resource tree with each violation under its resource (a rule that says the
 * same on several resources is said once, below), then one line per rule violated, with the count
 * of resources and the settings to put in a --policy-config file, then the summary line.
 */
export function formatPlan(result: PlanResult, format: PlanFormat = {}): string {
    const lines: string[] = [];
    const { resources, violations } = result;
    const rules = byRule(violations);
    const repeated = new Set(rules.filter((r) => r.repeated !== undefined).map((r) => `${r.policy}\0${r.level}`));
    const inTree = violations.filter((v) => !repeated.has(`${v.policy}\0${v.level}`));
    const known = new Set(resources.map((r) => r.urn));
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of resources) {
        const parent = r.parent && known.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const violationLines = (urn: string | undefined, indent: string) =>
        inTree.filter((v) => v.urn === urn).map((v) => `${indent}${MARK[v.level]}  ${v.policy}: ${v.message}`);
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const indent = "    ".repeat(depth);
            const details = detailsOf(r);
            lines.push(`${indent}+ ${r.type}  ${r.name}${r.defaultProvider ? " (default provider)" : ""}${details ? `  ${details}` : ""}`);
            lines.push(...violationLines(r.urn, `${indent}      `));
            walk(r.urn, depth + 1);
        }
    };
    const mode = result.preview ? "first preview: values computed from other resources are unknown" : "offline, under mocks";
    lines.push(`Plan: stack ${result.stack}, program ${result.program} (${mode}); policy pack ${PACK_NAME}@v${PACK_VERSION}`);
    lines.push(`+ pulumi:pulumi:Stack  ${resources.length > 0 ? stackAndProject(resources[0].urn).project : "project"}-${result.stack}`);
    walk(undefined, 1);
    const orphaned = inTree.filter((v) => v.urn === undefined || !known.has(v.urn));
    if (orphaned.length > 0) {
        lines.push("Stack-level:");
        lines.push(...orphaned.map((v) => `      ${MARK[v.level]}  ${v.policy}: ${v.message}${v.urn ? ` (${v.urn})` : ""}`));
    }
    if (rules.length > 0) {
        lines.push("Violations by rule. To configure a rule, put its entry, changed, in a JSON file and pass it with --policy-config " +
            "(pulumi preview --policy-pack-config takes the same file; policies/README.md lists each rule's settings):");
        for (const r of rules) {
            const targets = new Set(r.violations.map((v) => v.urn ?? "stack")).size;
            const what = `${targets} resource${targets === 1 ? "" : "s"}${r.repeated !== undefined ? `: ${r.repeated}` : " (under each above)"}`;
            lines.push(`  ${MARK[r.level]}  ${r.policy}: ${what}`);
            lines.push(`      ${configureHint(r.policy, result.policyConfig[r.policy])}`);
        }
    }
    lines.push(summaryLine(result));
    return fitLines(lines.join("\n"), format.width ?? Infinity);
}

/** `N policies, M resources, K mandatory and A advisory violations`. */
export function summaryLine(result: Pick<PlanResult, "policies" | "resources" | "violations">): string {
    const mandatory = result.violations.filter((v) => v.level === "mandatory").length;
    const advisory = result.violations.length - mandatory;
    return `${result.policies.length} policies, ${result.resources.length} resources, ${mandatory} mandatory and ${advisory} advisory violations`;
}

/**
 * Writes the policy config the plan used as a `pulumi preview --policy-pack-config` file, without
 * `accountIds` (the plan's is the mocks' account; a real preview needs the stack's own).
 */
export function writePolicyConfig(result: PlanResult, file: string): void {
    const config = Object.fromEntries(Object.entries(result.policyConfig).map(([name, c]) => {
        const { accountIds: _mockAccount, ...rest } = c;
        return [name, rest];
    }));
    fs.writeFileSync(path.resolve(ROOT, file), `${JSON.stringify(config, null, 2)}\n`);
}
