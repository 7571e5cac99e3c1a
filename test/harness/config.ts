/** Stack configuration in engine form for tests of `parseSettings`: a small valid one, its variants, and their problems. */
import * as assert from "node:assert/strict";
import { ConfigError, parseSettings, PROJECT } from "../../config";

export const k = (key: string) => `${PROJECT}:${key}`;
export const ctx = { project: PROJECT, stack: "dev" };

export const ORDERS = {
    name: "ORDERS",
    columns: [
        { name: "ORDER_ID", type: "NUMBER(38,0)", nullable: false },
        { name: "ORDER_TS", type: "TIMESTAMP_TZ" },
        { name: "STATUS", type: "VARCHAR(32)" },
        { name: "ORDER_DATE", type: "DATE" },
    ],
    partitionBy: "ORDER_TS",
};
/** A second table, partitioned by a DATE column. */
export const RETURNS = {
    name: "RETURNS",
    columns: [
        { name: "RETURN_ID", type: "NUMBER(38,0)", nullable: false },
        { name: "RETURNED_ON", type: "DATE" },
    ],
    partitionBy: "RETURNED_ON",
};
export const table = (over: Record<string, unknown>) => ({ ...ORDERS, ...over });

/** `base` (by default a one-table lake in eu-west-1) with `over` applied, in engine form: JSON for non-strings; `undefined` removes a key. */
export function raw(
    over: Record<string, unknown> = {},
    base: Record<string, unknown> = { "aws:region": "eu-west-1", [k("tables")]: [ORDERS] },
) {
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries({ ...base, ...over }))
        if (v !== undefined) out[key] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
}

/** The problems `parseSettings` finds in `config`; none when it parses. */
export function problems(config: Record<string, string>, c = ctx): string[] {
    try {
        parseSettings(config, c);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems;
    }
    return [];
}

/** A problem that names `key` and then states `form` (which starts with "expected"). */
export const at = (key: string, form: RegExp) => new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ${form.source}`);
