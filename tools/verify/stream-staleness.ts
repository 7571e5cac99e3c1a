/**
 * Whether a table's stream is stale, or about to be, from its row of SHOW STREAMS. Pure.
 *
 * A stream not consumed within its table's data retention goes stale and can no longer be read
 * (https://docs.snowflake.com/en/user-guide/streams-intro#data-retention-period-and-staleness).
 * SHOW STREAMS reports `stale` ("true"/"false") and `stale_after`, when it will be
 * (https://docs.snowflake.com/en/sql-reference/sql/show-streams).
 */
import { cell } from "./drift";

/** How close `stale_after` may come before verify warns: the task has stopped consuming the stream. */
export const STALE_WARNING_MS = 2 * 24 * 60 * 60 * 1000;

export type Staleness =
    | { state: "missing" }
    | { state: "stale"; staleAfter?: number }
    | { state: "soon"; staleAfter: number; leftMs: number }
    | { state: "fresh"; staleAfter?: number; leftMs?: number };

/**
 * Milliseconds since the epoch of a timestamp as snowflake-sdk returns it: a Date (its TIMESTAMP_*
 * values are Dates), epoch milliseconds, or text such as `2024-01-15 10:00:00.000 -0800`
 * (read as UTC without an offset). Undefined when it is none of these.
 */
export function toEpochMs(value: unknown): number | undefined {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
    if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
    if (typeof value !== "string" || value.trim() === "") return undefined;
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
    if (m) {
        const zone = m[4] === undefined || m[4].toUpperCase() === "Z" ? "Z" : `${m[4].slice(0, 3)}:${m[4].slice(-2)}`;
        const t = Date.parse(`${m[1]}T${m[2]}${m[3] ? `.${m[3].slice(0, 3).padEnd(3, "0")}` : ""}${zone}`);
        return Number.isNaN(t) ? undefined : t;
    }
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
}

/**
 * The state of stream `name` among SHOW STREAMS' rows at `now`: stale when SHOW says so or its
 * `stale_after` has passed, soon when that is less than `warnMs` away.
 */
export function streamStaleness(rows: Record<string, unknown>[], name: string, now: number, warnMs = STALE_WARNING_MS): Staleness {
    // LIKE is case-insensitive and `_` matches any character: take the row of this very name.
    const row = rows.find((r) => String(cell(r, "name") ?? "").toUpperCase() === name.toUpperCase());
    if (row === undefined) return { state: "missing" };
    const stale = cell(row, "stale");
    const staleAfter = toEpochMs(cell(row, "stale_after"));
    if (stale === true || String(stale).toLowerCase() === "true") return { state: "stale", staleAfter };
    if (staleAfter === undefined) return { state: "fresh" };
    const leftMs = staleAfter - now;
    if (leftMs <= 0) return { state: "stale", staleAfter };
    if (leftMs < warnMs) return { state: "soon", staleAfter, leftMs };
    return { state: "fresh", staleAfter, leftMs };
}

/** `3d 4h`, `5h 20m`, `12m`: a span of time to the minute. */
export function fmtSpan(ms: number): string {
    const minutes = Math.floor(Math.abs(ms) / 60_000);
    const d = Math.floor(minutes / 1440);
    const h = Math.floor((minutes % 1440) / 60);
    const m = minutes % 60;
    if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
    if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
    return `${m}m`;
}
