/**
 * The report of `npm run verify`: one table of checks (table, check, result, detail), then the
 * likely cause of each failure (a warning-level failure marked as such), and the exit code. Pure.
 */
import { EXIT } from "../cli/command";
import { Check } from "./core";

export interface Report {
    text: string;
    exitCode: number;
}

const HEADERS = ["TABLE", "CHECK", "RESULT", "DETAIL"] as const;

export function formatReport(checks: Check[]): Report {
    const rows = checks.map((c) => [c.table, c.check, c.result.toUpperCase(), c.detail.replace(/\s*\n\s*/g, " ")]);
    const widths = [0, 1, 2].map((i) => Math.max(HEADERS[i].length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) =>
        cells
            .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell))
            .join("  ")
            .trimEnd();

    const out: string[] = [line(HEADERS), line(widths.map((w) => "-".repeat(w)).concat("-".repeat(6))), ...rows.map(line)];
    const failed = checks.filter((c) => c.result === "fail");
    const skipped = checks.filter((c) => c.result === "skip").length;
    const passed = checks.length - failed.length - skipped;
    out.push("");
    const warnings = failed.filter((c) => c.severity === "warning").length;
    out.push(
        `${passed} passed, ${failed.length} failed${warnings ? ` (${warnings} of them ${warnings === 1 ? "a warning" : "warnings"})` : ""}, ${skipped} skipped (${checks.length} checks)`,
    );
    if (failed.length > 0) {
        out.push("");
        out.push("Likely causes:");
        for (const c of failed)
            out.push(`  ${c.table} / ${c.check}${c.severity === "warning" ? " (warning)" : ""}: ${c.cause ?? "see the detail above"}`);
    }
    if (checks.length === 0) out.push("no checks ran");
    return { text: `${out.join("\n")}\n`, exitCode: failed.length > 0 || checks.length === 0 ? EXIT.failed : EXIT.ok };
}
