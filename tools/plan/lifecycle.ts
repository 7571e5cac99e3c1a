/**
 * The lifecycle engine: given two captured runs of the same stack (the old state and the new
 * program), the step `pulumi up` would take for every resource, and what those steps do to the
 * lake's data. Pure: no Pulumi runtime, no file system; the per-type knowledge is in
 * replace-rules.ts.
 *
 * Why an imitation of the engine: users ask it before a `pulumi up` without a cloud account or a
 * CLI, and it adds what the engine does not say (data-safety verdicts). The real engine judges it:
 * test/engine/change-matrix.engine.ts runs the change matrix on Pulumi 3.248 and compares steps.
 *
 * Modelled, per resource (matched by URN, or by one of the new resource's `aliases`):
 * - `create` / `delete` for resources only in the new / old run; deletes of removed resources run
 *   at the end of an update, after every create;
 * - `same` / `update` / `replace` from the changed input paths (minus `ignoreChanges`): a change of
 *   a ForceNew input (rule table) or of a `replaceOnChanges` path replaces;
 * - inputs computed from a replaced resource whose outputs are new (an auto-named or generated
 *   identity) count as changed, as the engine sees them as unknown until that replacement is done;
 * - create-before-delete by default, delete-before-replace when the program's `deleteBeforeReplace`
 *   says so, else when the bridge asks for it (ResourceInfo.DeleteBeforeReplace, or an auto-named
 *   field set by the program: `nameRequiresDeleteBeforeReplace`);
 * - a delete-before-replace first deletes the dependents whose replace-causing inputs come from it
 *   (the engine's `calculateDependentReplacements`), transitively;
 * - `protect` (old and new) on a replaced or deleted resource: the engine refuses (an error step);
 *   `retainOnDelete` (old state): the delete leaves the object in place, abandoned;
 * - inputs the program leaves unset whose schema default the provider diffs against its state
 *   (`stateDefaults`: a Glue trigger's `enabled`), unless `ignoreChanges` names them;
 * - provider updates that recreate (`CREATE OR REPLACE` on a stream's table/mode change), in-place
 *   renames (Snowflake `ALTER ... RENAME`, which move every object inside a renamed database);
 * - pulumi-command: `triggers` replace; other input changes run `update` (or `create` when `update`
 *   is unset), whose printout REPLACES the stored stdout; `simulateCommandUpdate` says what it prints.
 *
 * Verdicts: fixed-name collisions, data replaced or deleted (retained → abandoned, else lost),
 * rows exported again (and whether the earlier export stays catalogued: duplicated rows), gaps in
 * the event path, protected resources the engine refuses to touch.
 *
 * Not modelled: provider-side diff suppression and other defaults (inputs are compared as the
 * program gives them), replacements of the providers themselves, refresh drift, partial failures,
 * `deletedWith`, ordering within one level of the dependency graph.
 */
import { CapturedResource, ProgramRun } from "../../offline";
import { REPLACE_RULES, ReplaceRule } from "./replace-rules";
import { isObject } from "../cli/command";

export type Op = "same" | "create" | "update" | "replace" | "delete";
export type ReplaceMode = "create-before-delete" | "delete-before-replace";

export interface CommandStep {
    /** What the provider runs: `create` (create, replace), `update`, or nothing. */
    runs: "create" | "update" | "none";
    /** The script it runs. */
    script?: string;
    /**
     * The stdout the state holds after the step: the old one (same), what the update prints
     * (update), undefined when the step runs `create` (the program's fresh value) or when the update
     * could not be simulated (`stdoutKnown` false).
     */
    storedStdout?: string;
    stdoutKnown: boolean;
}

export interface Step {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    custom: boolean;
    op: Op;
    mode?: ReplaceMode;
    /** Changed input paths (`a.b[0].c`). */
    changed: string[];
    /** Inputs that made the provider or the program ask for a replacement. */
    replaceKeys: string[];
    /** Why, one sentence each. */
    reasons: string[];
    old?: CapturedResource;
    new?: CapturedResource;
    /** The engine refuses the step (a protected resource). */
    refused?: string;
    /** The old object stays in the cloud (retainOnDelete): the delete or replacement abandons it. */
    abandons?: boolean;
    /** An in-place update that recreates the object (`CREATE OR REPLACE`). */
    recreates?: boolean;
    /** An in-place rename. */
    renames?: { from: string; to: string };
    /** Deleted and re-created first because it depends on this delete-before-replaced resource. */
    dependentOf?: string;
    /** Outputs of the new object differ from the old one's (new name, generated id). */
    outputsChange?: boolean;
    command?: CommandStep;
}

export type VerdictKind =
    "rows-exported-again" | "data-replaced-or-deleted" | "fixed-name-collision" | "event-gap" | "refused" | "program-fails";
export type VerdictLevel = "error" | "advisory";

export interface Verdict {
    kind: VerdictKind;
    level: VerdictLevel;
    /** The resource it concerns. */
    urn: string;
    message: string;
    /** rows-exported-again: the earlier export stays catalogued with the new one (rows counted twice). */
    duplicates?: boolean;
}

const verdict = (kind: VerdictKind, level: VerdictLevel, urn: string, message: string): Verdict => ({ kind, level, urn, message });

export interface LifecyclePlan {
    steps: Step[];
    verdicts: Verdict[];
    summary: Record<Exclude<Op, "same">, number>;
}

/** What a command's update is asked to simulate. */
export interface CommandUpdate {
    urn: string;
    script: string;
    environment: Record<string, string>;
    /** `PULUMI_COMMAND_STDOUT` as the provider sets it: the stored stdout when non-empty, unless `addPreviousOutputInEnv` is false. */
    previousStdout?: string;
    old: CapturedResource;
    new: CapturedResource;
}

export interface LifecycleOptions {
    /** What a command's update script prints; undefined when it cannot be told. Default `staticCommandUpdate`. */
    simulateCommandUpdate?: (update: CommandUpdate) => string | undefined;
    /** What only the live stack knows (URNs or logical names). */
    facts?: {
        /** Streams Snowflake reports stale: the provider recreates them on the next update. */
        staleStreams?: string[];
        /** Queues holding messages. */
        queuesWithMessages?: string[];
    };
    rules?: Record<string, ReplaceRule>;
}

// -------------------------------------------------------------------------------------------------
// Values and paths
// -------------------------------------------------------------------------------------------------

/** Every leaf path where `a` and `b` differ (`key`, `key.sub`, `list[1].x`). */
export function diffPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (a === b) return [];
    if (Array.isArray(a) && Array.isArray(b)) {
        const out: string[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffPaths(a[i], b[i], `${prefix}[${i}]`));
        return out;
    }
    if (isObject(a) && isObject(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    if (a === undefined && b === undefined) return [];
    return [prefix || "(root)"];
}

/** `pattern` (`a.b`, `a[*].b`, `*`) covers `path` or one of its ancestors. */
export function pathMatches(pattern: string, path: string): boolean {
    if (pattern === "*" || pattern === "**") return true;
    const norm = (p: string) =>
        p
            .replace(/\[(\d+|\*)\]/g, ".$1")
            .split(".")
            .filter((s) => s !== "");
    const pat = norm(pattern);
    const parts = norm(path);
    if (parts.length < pat.length) {
        // A change of a whole object/list (added or removed) covers the paths under it.
        return parts.every((p, i) => pat[i] === "*" || pat[i] === p);
    }
    return pat.every((p, i) => p === "*" || p === parts[i]);
}

const topKey = (path: string) => path.split(/[.[]/)[0];

// -------------------------------------------------------------------------------------------------
// Matching and order
// -------------------------------------------------------------------------------------------------

/**
 * New URN → matched old resource (same URN first, then an alias). As the engine does, a child
 * whose parent was matched through an alias also answers to its name under the parent's old
 * type: a component renamed with an alias keeps its whole subtree.
 * https://github.com/pulumi/pulumi/blob/master/pkg/resource/deploy/step_generator.go (generateAliases, inheritedChildAlias)
 */
function matchResources(olds: CapturedResource[], news: CapturedResource[]): Map<string, CapturedResource> {
    const byUrn = new Map(olds.map((r) => [r.urn, r]));
    const newUrns = new Set(news.map((n) => n.urn));
    const taken = new Set<string>();
    const out = new Map<string, CapturedResource>();
    for (const n of news) {
        if (byUrn.has(n.urn)) {
            out.set(n.urn, byUrn.get(n.urn)!);
            taken.add(n.urn);
        }
    }
    // Parents register before their children, so a parent's match is known when its child's is sought.
    for (const n of news) {
        if (out.has(n.urn)) continue;
        const parentOld = n.parent !== undefined ? out.get(n.parent) : undefined;
        const inherited = parentOld && parentOld.urn !== n.parent ? inheritedAliases(n, parentOld.urn) : [];
        const alias = [...(n.aliases ?? []), ...inherited].find((a) => byUrn.has(a) && !taken.has(a) && !newUrns.has(a));
        if (alias) {
            out.set(n.urn, byUrn.get(alias)!);
            taken.add(alias);
        }
    }
    return out;
}

/**
 * The URNs a child answers to under its parent's old URN: its own type, and each of its aliases'
 * types. URNs here are the mocks' (a parent's own type before the child's, where the engine puts
 * the parent's whole chain), so the parent's old type is the last of its chain.
 */
function inheritedAliases(n: CapturedResource, parentOldUrn: string): string[] {
    const prefix = parentOldUrn.split("::").slice(0, 2).join("::");
    const ownType = (urn: string) => urn.split("::")[2].split("$").pop()!;
    const nameOf = (urn: string) => urn.split("::").slice(3).join("::");
    return [n.urn, ...(n.aliases ?? [])].map((u) => `${prefix}::${ownType(parentOldUrn)}$${ownType(u)}::${nameOf(u)}`);
}

/** Resources in dependency order (dependencies and parents first), stable otherwise. */
function dependencyOrder(resources: CapturedResource[]): CapturedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const out: CapturedResource[] = [];
    const visit = (r: CapturedResource, stack: Set<string>) => {
        if (seen.has(r.urn) || stack.has(r.urn)) return;
        stack.add(r.urn);
        for (const d of [...(r.parent ? [r.parent] : []), ...r.dependencies]) {
            const dep = byUrn.get(d);
            if (dep) visit(dep, stack);
        }
        stack.delete(r.urn);
        seen.add(r.urn);
        out.push(r);
    };
    for (const r of resources) visit(r, new Set());
    return out;
}

// -------------------------------------------------------------------------------------------------
// Commands
// -------------------------------------------------------------------------------------------------

const NO_OP = /^(?:node\s+(?:-e|--eval)\s+(?:0|"0"|'0'|""|'')|true|:|exit(?:\s+0)?|)$/;
const REPRINT = /^(?:printf\s+(?:'%s'|"%s")\s+|echo\s+(?:-n\s+)?|cat\s+<<<\s*)"?\$\{?PULUMI_COMMAND_STDOUT\}?"?$/;
/** `node -e "process.stdout.write(process.env.PULUMI_COMMAND_STDOUT || '')"` and its spellings. */
const NODE_REPRINT =
    /^node\s+(?:-e|--eval)\s+(["'])\s*(?:process\.stdout\.write|console\.log)\(\s*process\.env\.PULUMI_COMMAND_STDOUT(\s*(?:\|\||\?\?)\s*(?:''|""|\\"\\"|``))?\s*\)\s*;?\s*\1$/;

/**
 * What an update script prints, for the scripts that can be told without running them: known
 * no-ops (`node -e 0`, `true`, `:`) print nothing; `printf '%s' "$PULUMI_COMMAND_STDOUT"`,
 * `echo "$PULUMI_COMMAND_STDOUT"` and `node -e "process.stdout.write(process.env.PULUMI_COMMAND_STDOUT || '')"`
 * print the previous stdout (the provider trims one trailing newline). Undefined otherwise.
 */
export function staticCommandUpdate(update: Pick<CommandUpdate, "script" | "previousStdout">): string | undefined {
    const script = update.script.trim();
    if (NO_OP.test(script)) return "";
    if (REPRINT.test(script)) return update.previousStdout ?? "";
    const node = NODE_REPRINT.exec(script);
    // Without a fallback an unset variable is written as "undefined" or throws: not told here.
    if (node) return update.previousStdout ?? (node[2] ? "" : undefined);
    return undefined;
}

function commandStep(op: Op, old: CapturedResource | undefined, neu: CapturedResource | undefined, opts: LifecycleOptions): CommandStep {
    if (op === "create" || op === "replace")
        return { runs: neu!.inputs.create ? "create" : "none", script: neu!.inputs.create, stdoutKnown: true };
    // update: `update` when set, else `create` (commandController.go Update).
    const script: string | undefined = op === "update" ? (neu!.inputs.update ?? neu!.inputs.create) : undefined;
    if (script === undefined) return { runs: "none", storedStdout: old?.outputs.stdout, stdoutKnown: true };
    const [o, n] = [old!, neu!];
    const oldStdout: string = o.outputs.stdout ?? "";
    const previousStdout = n.inputs.addPreviousOutputInEnv === false || oldStdout === "" ? undefined : oldStdout;
    const simulate = opts.simulateCommandUpdate ?? staticCommandUpdate;
    const printed = simulate({ urn: n.urn, script, environment: { ...(n.inputs.environment ?? {}) }, previousStdout, old: o, new: n });
    return { runs: n.inputs.update !== undefined ? "update" : "create", script, storedStdout: printed, stdoutKnown: printed !== undefined };
}

// -------------------------------------------------------------------------------------------------
// Steps
// -------------------------------------------------------------------------------------------------

const isProvider = (r: CapturedResource) => r.type.startsWith("pulumi:providers:");
const STREAM = "snowflake:index/streamOnTable:StreamOnTable";
const COMMAND = "command:local:Command";

/** A type's display name: `aws:sqs/queue:Queue` → `sqs.Queue`. */
export function typeLabel(type: string): string {
    const m = /^([^:]+):([^:]+):(.+)$/.exec(type);
    if (!m) return type;
    const [, pkg, mod, name] = m;
    if (pkg === "command") return `command.${mod}.${name}`;
    const module = mod.split("/")[0];
    return module === "index" ? `${pkg}.${name}` : `${module}.${name}`;
}

interface Ctx {
    rules: Record<string, ReplaceRule>;
    opts: LifecycleOptions;
    matched: Map<string, CapturedResource>;
    facts: { stale: Set<string>; withMessages: Set<string> };
}

const factHas = (set: Set<string>, r: CapturedResource) => set.has(r.urn) || set.has(r.name);

/** The replace-causing keys of a changed path set for a resource. */
function replaceKeysOf(rule: ReplaceRule | undefined, replaceOnChanges: string[], changed: string[]): string[] {
    const keys = new Set<string>();
    for (const path of changed) {
        for (const k of rule?.forceNew ?? []) if (pathMatches(k, path)) keys.add(k);
        for (const k of replaceOnChanges) if (pathMatches(k, path)) keys.add(k);
    }
    return [...keys];
}

/** Whether a replacement keeps the outputs (the identity is fixed by the inputs and nothing is generated). */
function keepsOutputs(rule: ReplaceRule | undefined, inputs: Record<string, any>): boolean {
    if (!rule || rule.generatedId) return false;
    if (rule.autoName && inputs[rule.autoName] === undefined) return false;
    return rule.identity !== undefined && rule.identity(inputs, {}) !== undefined;
}

/**
 * How a replacement runs, and why: a dependent of a delete-before-replace goes first; else the
 * program's `deleteBeforeReplace`, else the bridge's choice (step_generator.go, tfbridge `Diff`).
 */
function replaceMode(neu: CapturedResource, rule: ReplaceRule | undefined, keys: string[], dependentOf?: string): [ReplaceMode, string] {
    if (dependentOf) {
        const root = dependentOf.split("::").pop();
        return [
            "delete-before-replace",
            `deleted first: it depends on ${root}, replaced delete-before-replace, through an input that replaces it`,
        ];
    }
    const changed = keys.join(", ");
    const via = keys.some((k) => (neu.replaceOnChanges ?? []).includes(k)) ? "replaceOnChanges" : "ForceNew";
    if (neu.deleteBeforeReplace !== undefined) {
        const mode = neu.deleteBeforeReplace ? "delete-before-replace" : "create-before-delete";
        return [mode, `${changed} changed (${via}); the program sets deleteBeforeReplace: ${neu.deleteBeforeReplace}`];
    }
    if (rule?.deleteBeforeReplace)
        return ["delete-before-replace", `${changed} changed (ForceNew); the bridge always deletes this type first`];
    if (rule?.autoName && neu.inputs[rule.autoName] !== undefined) {
        const why = `${rule.autoName} is set by the program, so the bridge deletes first (nameRequiresDeleteBeforeReplace)`;
        return ["delete-before-replace", `${changed} changed (ForceNew); ${why}`];
    }
    return ["create-before-delete", `${changed} changed (${via})`];
}

/** A step's resource: who it is, from the new program's or the old state's record. */
const resourceOf = (r: CapturedResource) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom });
const refusal = (verb: string, r: CapturedResource) =>
    `unable to ${verb} ${r.type} ${r.name}: it is protected (the engine stops the update)`;

/** The step of a resource in both runs, as the engine's diff decides it. */
function changeStep(old: CapturedResource, neu: CapturedResource, ctx: Ctx, forced: Map<string, string>, byUrn: Map<string, Step>): Step {
    const base = { ...resourceOf(neu), new: neu, old, replaceKeys: [] };
    if (!neu.custom) return { ...base, op: "same", changed: [], reasons: [] };
    const rule = ctx.rules[neu.type];
    const ignore = neu.ignoreChanges ?? [];
    const ignored = (path: string) => ignore.some((i) => pathMatches(i, path));
    const changed = diffPaths(old.inputs, neu.inputs).filter((p) => !ignored(p));
    const reasons: string[] = [];
    // An input the program leaves unset: the provider plans its schema default against the state.
    for (const [key, dflt] of Object.entries(rule?.stateDefaults ?? {})) {
        const stored = old.outputs[key];
        if (neu.inputs[key] !== undefined || stored === undefined || stored === dflt || ignored(key)) continue;
        if (!changed.includes(key)) changed.push(key);
        reasons.push(`${key} is unset: the provider plans its default ${JSON.stringify(dflt)} against ${JSON.stringify(stored)} in state`);
    }
    // Inputs computed from a replaced resource whose outputs are new: unknown to the engine.
    for (const [key, deps] of Object.entries(neu.propertyDependencies)) {
        if (ignored(key)) continue;
        const from = deps.map((d) => byUrn.get(d)).find((d) => d && d.op === "replace" && d.outputsChange);
        if (from && !changed.some((p) => topKey(p) === key)) {
            changed.push(key);
            reasons.push(`${key} comes from ${from.name}, whose replacement has new outputs`);
        }
    }
    if (old.urn !== neu.urn) reasons.unshift(`known before as ${old.urn} (alias)`);
    const stale = neu.type === STREAM && factHas(ctx.facts.stale, neu);
    const dependentOf = forced.get(neu.urn);
    if (changed.length === 0 && !dependentOf && !stale) return { ...base, op: "same", changed, reasons };
    const replaceKeys = isProvider(neu) ? [] : replaceKeysOf(rule, neu.replaceOnChanges ?? [], changed);
    if (replaceKeys.length > 0 || dependentOf) {
        const [mode, why] = replaceMode(neu, rule, replaceKeys, dependentOf);
        return {
            ...base,
            op: "replace",
            mode,
            changed,
            replaceKeys,
            reasons: [...reasons, why],
            dependentOf,
            // Outputs the mocks cannot know: a fresh auto-name, a generated id. (Outputs derived
            // from the inputs are already in the new run's values.)
            outputsChange: !keepsOutputs(rule, neu.inputs),
            ...(old.protect && neu.protect ? { refused: refusal("replace", neu) } : {}),
            ...(old.retainOnDelete ? { abandons: true } : {}),
        };
    }
    const step: Step = { ...base, op: "update", changed, reasons };
    if (changed.length) reasons.push(`${[...new Set(changed.map(topKey))].join(", ")} changed in place`);
    const recreate = (rule?.recreateOnUpdate ?? []).filter((k) => changed.some((p) => pathMatches(k, p)));
    if (recreate.length > 0 || stale) {
        step.recreates = true;
        reasons.push(
            stale && recreate.length === 0
                ? "the stream is stale: the provider recreates it (CREATE OR REPLACE, RecreateWhenStreamIsStale)"
                : `the provider recreates it on a change of ${recreate.join(", ")} (CREATE OR REPLACE)`,
        );
    }
    const renamed = (rule?.renames ?? []).find((k) => changed.some((p) => pathMatches(k, p)));
    if (renamed && rule?.identity) {
        step.renames = { from: rule.identity(old.inputs, old.outputs) ?? "", to: rule.identity(neu.inputs, neu.outputs) ?? "" };
        reasons.push(`renamed in place: ${step.renames.from} → ${step.renames.to} (ALTER ... RENAME TO)`);
    }
    return step;
}

function buildSteps(oldRun: ProgramRun, newRun: ProgramRun, ctx: Ctx, forced: Map<string, string>): Step[] {
    const steps: Step[] = [];
    const byUrn = new Map<string, Step>();
    for (const neu of dependencyOrder(newRun.resources)) {
        const old = ctx.matched.get(neu.urn);
        const step: Step = old
            ? changeStep(old, neu, ctx, forced, byUrn)
            : { ...resourceOf(neu), new: neu, op: "create", changed: [], replaceKeys: [], reasons: ["not in the old state"] };
        if (neu.type === COMMAND) step.command = commandStep(step.op, old, neu, ctx.opts);
        steps.push(step);
        byUrn.set(neu.urn, step);
    }
    // Removed resources, deleted at the end in reverse dependency order.
    const matchedOld = new Set([...ctx.matched.values()].map((o) => o.urn));
    for (const old of dependencyOrder(oldRun.resources.filter((r) => !matchedOld.has(r.urn))).reverse()) {
        const step: Step = { ...resourceOf(old), old, op: "delete", changed: [], replaceKeys: [], reasons: ["not in the new program"] };
        if (old.protect) step.refused = refusal("delete", old);
        if (old.retainOnDelete) step.abandons = true;
        if (old.type === COMMAND) step.command = commandStep("delete", old, undefined, ctx.opts);
        steps.push(step);
    }
    return steps;
}

/**
 * The dependents a delete-before-replace deletes first: resources (old state) one of whose inputs
 * comes from a resource in the replace set and would replace them when unknown.
 */
function dependentReplacements(oldRun: ProgramRun, steps: Step[], rules: Record<string, ReplaceRule>): Map<string, string> {
    const forced = new Map<string, string>();
    const oldToStep = new Map(steps.filter((s) => s.old).map((s) => [s.old!.urn, s]));
    const olds = dependencyOrder(oldRun.resources);
    for (const root of steps.filter((s) => s.op === "replace" && s.mode === "delete-before-replace" && !s.dependentOf)) {
        const replaceSet = new Set([root.old!.urn]);
        for (const r of olds) {
            if (!r.custom || replaceSet.has(r.urn)) continue;
            const providerUrn = r.provider?.slice(0, r.provider.lastIndexOf("::"));
            let hit = providerUrn !== undefined && replaceSet.has(providerUrn);
            if (!hit) {
                const unknownKeys = Object.entries(r.propertyDependencies)
                    .filter(([, deps]) => deps.some((d) => replaceSet.has(d)))
                    .map(([k]) => k);
                hit = replaceKeysOf(rules[r.type], r.replaceOnChanges ?? [], unknownKeys).length > 0;
            }
            if (hit) {
                replaceSet.add(r.urn);
                const step = oldToStep.get(r.urn);
                if (step && step.op !== "delete" && !forced.has(step.urn)) forced.set(step.urn, root.urn);
            }
        }
    }
    return forced;
}

// -------------------------------------------------------------------------------------------------
// Collisions
// -------------------------------------------------------------------------------------------------

interface Holder {
    urn: string;
    name: string;
    /** Why it is there. */
    how: "existing" | "abandoned" | "moved" | "new" | "crawler-made";
}

/**
 * Where each old object is once the containers renamed in place (a Snowflake database or schema
 * `ALTER ... RENAME`) have taken what they hold with them: old URN → identity after the moves, for
 * the objects that moved.
 */
/** The name an old object has (its rule's identity), when the rule fixes one. */
const oldIdentity = (s: Step, rules: Record<string, ReplaceRule>): string | undefined =>
    s.old?.custom ? rules[s.type]?.identity?.(s.old.inputs, s.old.outputs) : undefined;

function containerMoves(steps: Step[], rules: Record<string, ReplaceRule>): Map<string, string> {
    const moves = steps.filter((s) => s.renames && s.old).map((s) => s.renames!);
    const out = new Map<string, string>();
    for (const s of steps) {
        const id = rules[s.type]?.container ? oldIdentity(s, rules) : undefined;
        const m = id === undefined ? undefined : moves.find((m) => id.startsWith(`${m.from}.`));
        if (m) out.set(s.old!.urn, `${m.to}${id!.slice(m.from.length)}`);
    }
    return out;
}

/** Why a name's holder is still there when another object takes the name (an "existing" one: whose it is says). */
const STILL_THERE: Partial<Record<Holder["how"], string>> = {
    "crawler-made": " (not the stack's: delete it first, `aws glue delete-table`, the S3 data stays)",
    moved: ", moved there by the rename of its database or schema (the old one's delete targets its old name, which no longer exists)",
    abandoned: ", left in place by retainOnDelete",
    new: ", created earlier in this update",
};
/** Types whose create returns the existing object of that name instead of failing (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html). */
const SNS_IDEMPOTENT = new Set(["aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription"]);

function collisions(steps: Step[], rules: Record<string, ReplaceRule>, moved: Map<string, string>): Verdict[] {
    const verdicts: Verdict[] = [];
    const present = new Map<string, Holder[]>();
    const key = (type: string, id: string) => `${type}|${id}`;
    const add = (k: string, h: Holder) => present.set(k, [...(present.get(k) ?? []), h]);
    const order = new Map(steps.map((s, i) => [s.urn, i]));

    for (const s of steps) {
        const id = oldIdentity(s, rules);
        if (id === undefined) continue;
        const how = moved.has(s.old!.urn) ? "moved" : s.abandons ? "abandoned" : "existing";
        add(key(s.type, moved.get(s.old!.urn) ?? id), { urn: s.old!.urn, name: s.old!.name, how });
    }
    // Glue tables a crawler with S3 targets made (outside the stack): one per target folder, named
    // after it (with the crawler's tablePrefix), in its database. Deleting the crawler leaves them.
    for (const s of steps) {
        if (s.old?.type !== "aws:glue/crawler:Crawler" || typeof s.old.inputs.databaseName !== "string") continue;
        for (const t of targets(s.old)) {
            const folder = folderOf(t).toLowerCase();
            if (!folder) continue;
            add(key("aws:glue/catalogTable:CatalogTable", `${s.old.inputs.databaseName}.${s.old.inputs.tablePrefix ?? ""}${folder}`), {
                urn: s.old.urn,
                name: s.old.name,
                how: "crawler-made",
            });
        }
    }

    const gone = (h: Holder, creating: Step): boolean => {
        if (h.how !== "existing") return false;
        const s = steps.find((x) => x.old?.urn === h.urn);
        if (!s || s.op !== "replace" || s.mode !== "delete-before-replace" || s.abandons) return false;
        return s.urn === creating.urn || (order.get(s.urn) ?? 0) < (order.get(creating.urn) ?? 0);
    };

    for (const s of steps) {
        const rule = rules[s.type];
        if (!rule?.identity || !s.new || !s.custom) continue;
        let id: string | undefined;
        let what: string;
        if (s.op === "create") {
            id = rule.identity(s.new.inputs, s.new.outputs);
            what = "creates";
        } else if (s.op === "replace") {
            // An auto-named replacement gets a fresh name: it cannot collide.
            id = rule.identity(s.new.inputs, {});
            what =
                s.mode === "delete-before-replace"
                    ? "re-creates (after deleting the old one)"
                    : "creates its replacement (before deleting the old one)";
        } else if (s.renames) {
            id = s.renames.to;
            what = "renames its object to";
        } else {
            continue;
        }
        if (id === undefined) continue;
        const k = key(s.type, id);
        const holders = (present.get(k) ?? []).filter((h) => !(s.renames && h.urn === s.old?.urn) && !gone(h, s));
        for (const h of holders) {
            const own = h.urn === s.old?.urn;
            const whose = h.how === "crawler-made" ? `the table crawler ${h.name} made` : own ? "its own old object" : h.name;
            const state =
                STILL_THERE[h.how] ??
                (own ? ", still there until the replacement's delete at the end" : ", which this update does not delete first");
            const idempotent = SNS_IDEMPOTENT.has(s.type)
                ? " SNS returns the existing one instead of failing, and the delete of the old one then removes it."
                : ' The provider fails with "already exists".';
            const message = `${typeLabel(s.type)} ${s.name} ${what} ${id} while ${whose} has that name${state}.${idempotent}`;
            verdicts.push(verdict("fixed-name-collision", "error", s.urn, message));
        }
        if (s.renames) {
            const from = key(s.type, s.renames.from);
            present.set(
                from,
                (present.get(from) ?? []).filter((h) => h.urn !== s.old?.urn),
            );
        }
        add(k, { urn: s.urn, name: s.name, how: "new" });
    }
    return verdicts;
}

// -------------------------------------------------------------------------------------------------
// Exports: where each stream's rows land and what is catalogued
// -------------------------------------------------------------------------------------------------

const unquote = (s: string) => s.replace(/^"|"$/g, "").replace(/""/g, '"');
const withSlash = (s: string) => (s.endsWith("/") ? s : `${s}/`);

/** `COPY INTO @"DB"."S"."STAGE"/path FROM (... FROM "DB"."S"."STREAM")`: stage, path and source. */
export function parseCopy(sql: string): { stage: string[]; path: string; source?: string[] } | undefined {
    const ident = `"(?:[^"]|"")+"`;
    const m = new RegExp(`COPY\\s+INTO\\s+@(${ident})\\.(${ident})\\.(${ident})(/[^\\s]*)?`, "i").exec(sql);
    if (!m) return undefined;
    const froms = [...sql.matchAll(new RegExp(`FROM\\s+(${ident})\\.(${ident})\\.(${ident})`, "gi"))];
    const last = froms[froms.length - 1];
    return {
        stage: [m[1], m[2], m[3]].map(unquote),
        path: (m[4] ?? "/").replace(/^\//, ""),
        source: last ? [last[1], last[2], last[3]].map(unquote) : undefined,
    };
}

/** `DB.SCHEMA.NAME` of a Snowflake schema object, unquoted. */
const schemaObject = (r: CapturedResource) =>
    [r.inputs.database, r.inputs.schema, r.inputs.name].map((v) => String(v).replace(/"/g, "")).join(".");
/** A crawler's S3 target paths. */
const targets = (r: CapturedResource): string[] =>
    (r.inputs.s3Targets ?? []).map((t: any) => t?.path).filter((p: unknown): p is string => typeof p === "string");
/** The last folder of an S3 path, which a crawler names its table after. */
const folderOf = (s3Path: string) => s3Path.replace(/\/+$/, "").split("/").pop() ?? "";

const sqlOf = (r: CapturedResource): string | undefined =>
    r.type === COMMAND
        ? r.inputs.environment?.BACKFILL_COPY_SQL
        : r.type === "snowflake:index/task:Task"
          ? r.inputs.sqlStatement
          : undefined;

/** The S3 location the unloads of a stream write to, from its backfill's or task's COPY and the stage's URL. */
export function exportLocation(run: ProgramRun, stream: CapturedResource): string | undefined {
    for (const r of run.resources) {
        const sql = sqlOf(r);
        const copy = sql ? parseCopy(sql) : undefined;
        if (!copy?.source || copy.source.join(".") !== schemaObject(stream)) continue;
        const stage = run.resources.find((s) => s.type === "snowflake:index/stage:Stage" && schemaObject(s) === copy.stage.join("."));
        if (stage?.inputs.url) return withSlash(`${withSlash(stage.inputs.url)}${copy.path}`);
    }
    return undefined;
}

/**
 * The S3 locations a query of the lake reads after the update:
 * - each Glue table the program manages: its location, and, when the location changed in place
 *   (an update, not a replacement), the old one too: its partitions still point there;
 * - each crawler's S3 targets: the crawler creates and updates the table of the folder. Its
 *   earlier targets stay catalogued as long as it writes into the same database: the table it
 *   made keeps the partitions it added (a crawler in event mode never re-reads the old folder,
 *   and no schema-change policy drops partitions whose objects still exist).
 */
function cataloguedTables(oldRun: ProgramRun, newRun: ProgramRun, steps: Step[]): string[][] {
    const out: string[][] = [];
    for (const r of newRun.resources) {
        const s = steps.find((x) => x.urn === r.urn);
        if (r.type === "aws:glue/catalogTable:CatalogTable" && r.inputs.storageDescriptor?.location) {
            const locations = [withSlash(r.inputs.storageDescriptor.location)];
            const before = s?.op === "update" ? s.old?.inputs.storageDescriptor?.location : undefined;
            if (before && before !== r.inputs.storageDescriptor.location) locations.push(withSlash(before));
            out.push(locations);
        }
        if (r.type === "aws:glue/crawler:Crawler") {
            const old = s?.old ?? oldRun.resources.find((o) => o.type === r.type && o.inputs.name === r.inputs.name);
            const kept = old && old.inputs.databaseName === r.inputs.databaseName ? targets(old) : [];
            // One table per target folder: each new target with the old targets of the same folder name.
            for (const t of targets(r)) out.push([withSlash(t), ...kept.filter((k) => folderOf(k) === folderOf(t)).map(withSlash)]);
        }
    }
    return out;
}

// -------------------------------------------------------------------------------------------------
// Verdicts
// -------------------------------------------------------------------------------------------------

/**
 * For an object the provider can rename in place, deleted while another of its type is created in
 * the same container (a table renamed in the stack file): how to rename it and keep its data. The
 * program names its resources after the object, so the new name is a new resource to the engine;
 * renaming the old resource in the state first (`pulumi state rename`, which changes the URN's name
 * only: https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_rename/) makes the update an
 * in-place rename (ALTER ... RENAME TO) instead of a delete and a create.
 */
function renameHint(s: Step, steps: Step[], rule: ReplaceRule | undefined): string {
    if (s.op !== "delete" || !s.old || !rule?.renames?.length || !rule.identity) return "";
    const where = rule.container?.(s.old.inputs);
    const created = steps.filter((c) => c.op === "create" && c.type === s.type && c.new && rule.container?.(c.new.inputs) === where);
    if (created.length === 0) return "";
    const to = created.length === 1 ? created[0].name : "<the new one's resource name>";
    const kind = typeLabel(s.type).split(".").pop()!.toLowerCase();
    return (
        `. To rename it and keep its data, rename its resource in the stack's state before pulumi up ` +
        `(pulumi state rename '<URN of ${s.name}, from pulumi stack --show-urns>' ${to}; plan --since ... --state-rename ${s.name}=${to} shows the outcome): ` +
        `the provider then renames the ${kind} in place (ALTER ... RENAME TO). See docs/changing-a-stack.md, "Rename a table"`
    );
}

/** What the delete of an object that holds data takes with it, by type; any other: its rows. */
const DELETED_WITH: Record<string, (inputs: Record<string, any>) => string> = {
    "aws:s3/bucket:Bucket": (i) =>
        i.forceDestroy ? "with every object in it (forceDestroy)" : "which fails while it holds objects (forceDestroy is false)",
    "aws:kms/key:Key": () => "(scheduled deletion): what it encrypted becomes unreadable",
    "snowflake:index/database:Database": () => "with every schema, table and row in it",
    "snowflake:index/schema:Schema": () => "with every table and row in it",
};

function dataVerdicts(steps: Step[], rules: Record<string, ReplaceRule>, ctx: Ctx, moved: Map<string, string>): Verdict[] {
    const out: Verdict[] = [];
    for (const s of steps) {
        // Moved by its container's rename: the delete looks for it under its old name and finds nothing.
        if ((s.op !== "delete" && s.op !== "replace") || !s.old || !s.custom || moved.has(s.old.urn)) continue;
        const rule = rules[s.type];
        const label = `${typeLabel(s.type)} ${oldIdentity(s, rules) ?? s.name} is ${s.op === "delete" ? "deleted" : "replaced"}`;
        const say = (level: VerdictLevel, what: string) => out.push(verdict("data-replaced-or-deleted", level, s.urn, `${label}${what}`));
        if (s.abandons) {
            const what =
                " but retainOnDelete keeps the old one, with its data, outside the stack: adopt it (pulumi import) or remove it by hand";
            say("advisory", `${what}${renameHint(s, steps, rule)}`);
        } else if (rule?.holds === "data") {
            const what = DELETED_WITH[s.type]?.(s.old.inputs) ?? "with its rows";
            say("error", `: the old one is deleted ${what}${renameHint(s, steps, rule)}`);
        } else if (rule?.holds === "catalog") {
            const tables = s.type.endsWith("CatalogDatabase") ? "tables and " : "";
            say(
                "advisory",
                `: the old one is deleted with its ${tables}partitions (the S3 data stays; the catalogue is rebuilt by crawling)`,
            );
        } else if (rule?.holds === "messages") {
            const held = factHas(ctx.facts.withMessages, s.old);
            say(
                held ? "error" : "advisory",
                `: ${held ? "the messages it holds are lost" : "events still in it (not yet crawled) are lost with it"}`,
            );
        }
    }
    return out;
}

function eventGapVerdicts(steps: Step[], rules: Record<string, ReplaceRule>): Verdict[] {
    const out: Verdict[] = [];
    for (const s of steps) {
        if (s.op !== "replace" || !rules[s.type]?.eventPath) continue;
        const label = `${typeLabel(s.type)} ${s.name}`;
        const why =
            s.mode === "delete-before-replace"
                ? `deleted before its replacement exists: S3 events of that window are not delivered${s.type === "aws:sqs/queue:Queue" ? " (and SQS refuses a queue of the same name for 60 s after a delete)" : ""}`
                : "replaced: events published to the old one until it is deleted are not seen by the new one";
        out.push(verdict("event-gap", "advisory", s.urn, `${label} is ${why}`));
    }
    return out;
}

function exportVerdicts(oldRun: ProgramRun, newRun: ProgramRun, steps: Step[]): Verdict[] {
    const out: Verdict[] = [];
    const catalogued = cataloguedTables(oldRun, newRun, steps);
    const flaggedParents = new Set<string>();
    const oldStreams = oldRun.resources.filter((r) => r.type === STREAM);
    for (const s of steps.filter((x) => x.type === STREAM && x.new)) {
        const previous = s.old ?? oldStreams.find((o) => o.inputs.table === s.new!.inputs.table);
        const reexports = s.op === "create" || s.op === "replace" || s.recreates;
        if (!previous || !reexports || s.new!.inputs.showInitialRows === "false") continue;
        const newLoc = exportLocation(newRun, s.new!);
        const oldLoc = exportLocation(oldRun, previous);
        const covers = (locations: string[], loc: string) => locations.some((c) => loc.startsWith(c));
        const duplicates = newLoc !== undefined && oldLoc !== undefined && catalogued.some((t) => covers(t, newLoc) && covers(t, oldLoc));
        const how = s.recreates ? "recreated in place (CREATE OR REPLACE)" : s.op === "create" ? "created" : "replaced";
        const table = String(s.new!.inputs.table).replace(/"/g, "");
        const where = duplicates
            ? `into ${newLoc}, and the earlier export (${oldLoc}) is still catalogued in the same table: Athena counts those rows twice`
            : newLoc && oldLoc && newLoc !== oldLoc
              ? `into ${newLoc}, a new location (the earlier export at ${oldLoc} is not catalogued any more)`
              : newLoc
                ? `into ${newLoc}`
                : "";
        const message = `every row of ${table} is exported again: stream ${s.new!.inputs.name} is ${how} with SHOW_INITIAL_ROWS ${where}`;
        out.push({ ...verdict("rows-exported-again", "advisory", s.urn, message.trim()), duplicates });
        if (s.parent) flaggedParents.add(s.parent);
    }
    // A backfill that runs its create again on a stream that was not re-created exports the rows
    // the stream holds, beside the task.
    for (const s of steps.filter((x) => x.type === COMMAND && x.old && x.command?.runs === "create" && x.op !== "create")) {
        if (s.parent && flaggedParents.has(s.parent)) continue;
        const why = s.op === "replace" ? "replaced" : "an update without an update script";
        const message = `backfill ${s.name} runs its create script again (${why}): it unloads what the stream holds, beside the task`;
        out.push(verdict("rows-exported-again", "advisory", s.urn, message));
    }
    return out;
}

// -------------------------------------------------------------------------------------------------
// The plan
// -------------------------------------------------------------------------------------------------

/** The steps `pulumi up` would take from `oldRun` (the state) to `newRun` (the program), with verdicts. */
export function planLifecycle(oldRun: ProgramRun, newRun: ProgramRun, opts: LifecycleOptions = {}): LifecyclePlan {
    const rules = opts.rules ?? REPLACE_RULES;
    const ctx: Ctx = {
        rules,
        opts,
        matched: matchResources(oldRun.resources, newRun.resources),
        facts: { stale: new Set(opts.facts?.staleStreams ?? []), withMessages: new Set(opts.facts?.queuesWithMessages ?? []) },
    };
    let forced = new Map<string, string>();
    let steps = buildSteps(oldRun, newRun, ctx, forced);
    for (let i = 0; i < 10; i++) {
        const next = dependentReplacements(oldRun, steps, rules);
        if ([...next.keys()].every((k) => forced.has(k)) && next.size === forced.size) break;
        forced = new Map([...forced, ...next]);
        steps = buildSteps(oldRun, newRun, ctx, forced);
    }
    const moved = containerMoves(steps, rules);
    const verdicts: Verdict[] = [
        ...steps.filter((s) => s.refused).map((s) => verdict("refused", "error", s.urn, s.refused!)),
        ...collisions(steps, rules, moved),
        ...dataVerdicts(steps, rules, ctx, moved),
        ...exportVerdicts(oldRun, newRun, steps),
        ...eventGapVerdicts(steps, rules),
    ];
    const summary = { create: 0, update: 0, replace: 0, delete: 0 };
    for (const s of steps) if (s.op !== "same") summary[s.op]++;
    return { steps, verdicts, summary };
}

/**
 * The stdout each command holds in the state after the plan's steps, where it is not a fresh
 * create's: pulumi-command keeps it, or stores what `update` prints. `changed`: the first command
 * whose stored stdout is not what the new run printed, so that the new program must run again over
 * them (a program that reads that stdout and throws breaks every later `pulumi up`).
 */
export function stdoutsAfterUpdate(plan: LifecyclePlan, newRun: ProgramRun): { stored: Record<string, string>; changed?: string } {
    const stored: Record<string, string> = {};
    for (const s of plan.steps)
        if (s.new && s.command && s.command.runs !== "create" && s.command.storedStdout !== undefined)
            stored[s.urn] = s.command.storedStdout;
    const printed = new Map(newRun.resources.map((r) => [r.urn, r.outputs.stdout]));
    return { stored, changed: Object.keys(stored).find((urn) => stored[urn] !== printed.get(urn)) };
}

/** `N to create, M to update, R to replace, D to delete`. */
export function lifecycleSummaryLine(plan: Pick<LifecyclePlan, "summary">): string {
    const { create, update, replace, delete: del } = plan.summary;
    return `${create} to create, ${update} to update, ${replace} to replace, ${del} to delete`;
}

/** The verdict of a program that throws when it runs over the state an update leaves. */
export function programFailsVerdict(urn: string, error: unknown): Verdict {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return verdict(
        "program-fails",
        "error",
        urn,
        `the program fails over the state this update leaves (every later pulumi up fails the same way): ${message}`,
    );
}

/** Whether a plan must stop a deployment: any error verdict. */
export const hasErrors = (plan: Pick<LifecyclePlan, "verdicts">) => plan.verdicts.some((v) => v.level === "error");
