/**
 * Walking the resource graph a StackValidationPolicy receives: which resource refers to which.
 *
 * A reference is recognised two ways. Structurally, through `propertyDependencies` (the engine
 * records which resources an input was computed from); that works during preview, when ARNs and
 * names of new resources are still unknown. By value, when an input holds the other resource's
 * ARN, name or id as plain text (a resource declared elsewhere, or a hand-written ARN).
 */
import { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import { isRecord, known } from "./values";

/** Resource options as the plan runner passes them; `retainOnDelete` is reported only by it. */
export type NodeOptions = PolicyResourceOptions & { retainOnDelete?: boolean };

/** Every string inside a value (strings of nested objects and lists too); unknown parts are skipped. */
export function stringsIn(read: () => unknown): string[] {
    const out: string[] = [];
    const walk = (get: () => unknown, depth: number) => {
        const v = known(get);
        if (typeof v === "string") out.push(v);
        else if (depth < 6 && Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(() => v[i], depth + 1);
        else if (depth < 6 && isRecord(v)) for (const k of Object.keys(v)) walk(() => v[k], depth + 1);
    };
    walk(read, 0);
    return out;
}

/** The identifying values of a resource: the given output properties that are known strings. */
export function identities(target: PolicyResource, keys: readonly string[]): string[] {
    return keys.map((k) => known(() => target.props[k])).filter((v): v is string => typeof v === "string" && v !== "");
}

/**
 * Whether input `prop` of `from` refers to `target`: it was computed from `target`, or it holds one
 * of `target`'s identifying values (`keys` of its properties, e.g. `arn`, `name`).
 */
export function refersTo(from: PolicyResource, prop: string, target: PolicyResource, keys: readonly string[]): boolean {
    if ((from.propertyDependencies[prop] ?? []).some((d) => d.urn === target.urn)) return true;
    const ids = identities(target, keys);
    if (ids.length === 0) return false;
    return stringsIn(() => from.props[prop]).some((s) => ids.includes(s));
}

/** Identifying properties per kind of resource, for `refersTo`. */
export const IDS = {
    bucket: ["bucket", "id", "arn"],
    topic: ["arn", "id"],
    queue: ["arn", "url", "id"],
    role: ["name", "arn", "id"],
    key: ["arn", "keyId", "id"],
    alias: ["name", "arn", "id"],
} as const;
