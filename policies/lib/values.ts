/**
 * Reading resource properties safely.
 *
 * During `pulumi preview`, @pulumi/policy hands rules the properties wrapped in a proxy that throws
 * `UnknownValueError` when a rule reads a value that is not known yet (an ARN of a resource still
 * to be created, a JSON policy built from one). The server turns that error into an advisory
 * "can't run policy ... during preview" diagnostic, which is the right outcome when a rule needs
 * the value to decide (awsguard relies on the same behaviour). Rules let it propagate in that case.
 * Only where a rule has another way to decide (matching resources through their dependencies
 * rather than their values) does it read through `known`, which turns "unknown" into `undefined`.
 */
import * as policy from "@pulumi/policy";

/** What @pulumi/policy exports at runtime (its typings declare the proxy module empty). */
const proxyApi = policy as unknown as {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: any[]) => Error;
};

/** Whether `e` is the error the preview proxy throws for a value not known yet. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof proxyApi.UnknownValueError;
}

/** Wraps properties exactly as @pulumi/policy does before it calls a rule. */
export function unknownCheckingProxy<T extends object>(value: T): T {
    return proxyApi.unknownCheckingProxy(value);
}

/** The value `read` returns, or `undefined` when it touches a value unknown during preview. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) return undefined;
        throw e;
    }
}

/** A value as read during preview: known (possibly undefined), or not known yet. */
export type Read<T> = { known: true; value: T } | { known: false };

/** Reads a value, telling "not known yet" apart from "absent". */
export function read<T>(get: () => T): Read<T> {
    try {
        return { known: true, value: get() };
    } catch (e) {
        if (isUnknownValueError(e)) return { known: false };
        throw e;
    }
}

export const isRecord = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A list from a value that may be one item, a list, or nothing. */
export function listOf<T = any>(v: unknown): T[] {
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]) as T[];
}

/** A non-empty string, or undefined. */
export const nonEmpty = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);

/**
 * A JSON document given as a string (what a Pulumi program usually passes) or as an object (what
 * the AWS SDK also accepts). `undefined` when absent; `{ error }` when the string is not JSON.
 */
export function parseJsonInput(v: unknown): { value: any } | { error: string } | undefined {
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return { value: v };
    try {
        return { value: JSON.parse(v) };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

/** `true`/`"true"` as a boolean; provider inputs arrive as strings. */
export const truthy = (v: unknown): boolean => v === true || v === "true";

/** A number from a number or a numeric string; undefined otherwise. */
export function numberOf(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    return undefined;
}

/** Joins names for a message: `a`, `a and b`, `a, b and c`. */
export function joinNames(items: string[]): string {
    if (items.length <= 1) return items.join("");
    return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
