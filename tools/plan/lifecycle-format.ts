/**
 * A lifecycle plan as text, in the tree of `npm run plan` (tools/plan/policy-run.ts `formatPlan`):
 * one line per resource under its parent, the step's mark in front (`+` create, `~` update,
 * `+-` replace, `-` delete), the verdicts under the resources they concern, and the summary line
 * `N to create, M to update, R to replace, D to delete` last. Unchanged resources are left out
 * unless they hold changed ones.
 */
import { detailsOf, walkTree } from "./plan-format";
import { stackAndProject } from "./policy-run";
import { LifecyclePlan, lifecycleSummaryLine, Step, Verdict } from "./lifecycle";

const MARK: Record<Step["op"], string> = { create: "+ ", update: "~ ", replace: "+-", delete: "- ", same: "  " };
const LEVEL: Record<Verdict["level"], string> = { error: "✖ error   ", advisory: "⚠ advisory" };

/** Tags after a step's details: how it happens. */
function tags(s: Step): string[] {
    const out: string[] = [];
    if (s.op === "replace") out.push(`[${s.mode}]`);
    if (s.dependentOf) out.push("[dependent of a delete-before-replace]");
    if (s.abandons) out.push("[retainOnDelete: old one abandoned]");
    if (s.recreates) out.push("[recreated in place]");
    if (s.renames) out.push(`[rename ${s.renames.from} → ${s.renames.to}]`);
    if (s.refused) out.push("[refused: protected]");
    if (s.command && s.command.runs !== "none") out.push(`[runs ${s.command.runs}]`);
    return out;
}

function commandNote(s: Step): string | undefined {
    const c = s.command;
    if (!c || s.op !== "update") return undefined;
    if (!c.stdoutKnown)
        return `stdout after the update: unknown (the ${c.runs} script ${JSON.stringify(c.script)} cannot be simulated offline)`;
    const shown =
        c.storedStdout === undefined
            ? "(a fresh create's)"
            : JSON.stringify(c.storedStdout.length > 60 ? `${c.storedStdout.slice(0, 57)}...` : c.storedStdout);
    return `stdout after the update: ${shown} (pulumi-command stores what ${JSON.stringify(c.script)} prints)`;
}

export interface FormatOptions {
    /** The first line: what is compared with what. */
    title: string;
    /** Show unchanged resources too. */
    all?: boolean;
}

export function formatLifecyclePlan(plan: LifecyclePlan, opts: FormatOptions): string {
    const lines: string[] = [opts.title];
    const byUrn = new Map(plan.steps.map((s) => [s.urn, s]));
    const keep = new Set<string>();
    for (const s of plan.steps) {
        const concerned = s.op !== "same" || plan.verdicts.some((v) => v.urn === s.urn);
        if (!concerned && !opts.all) continue;
        for (let cur: Step | undefined = s; cur && !keep.has(cur.urn); cur = cur.parent ? byUrn.get(cur.parent) : undefined)
            keep.add(cur.urn);
    }
    const { stack, project } = stackAndProject(plan.steps[0]?.urn ?? "");
    lines.push(`  pulumi:pulumi:Stack  ${plan.steps.length > 0 ? `${project}-${stack}` : "stack"}`);
    walkTree(
        plan.steps.filter((s) => keep.has(s.urn)),
        (s, indent) => {
            const details = s.custom ? detailsOf(s.new ?? s.old!) : "";
            // Changed inputs, two levels deep (`environment.BACKFILL_COPY_SQL`), at most six.
            const all =
                s.op === "update" || s.op === "replace"
                    ? [...new Set(s.changed.map((p) => p.split(/[[]/)[0].split(".").slice(0, 2).join(".")))]
                    : [];
            const changed = all.length > 6 ? [...all.slice(0, 6), `+${all.length - 6}`] : all;
            const parts = [details, changed.length ? `changed: ${changed.join(",")}` : "", ...tags(s)].filter(Boolean);
            lines.push(`${indent}${MARK[s.op]}${s.type}  ${s.name}${parts.length ? `  ${parts.join("  ")}` : ""}`);
            const sub = `${indent}      `;
            // The reasons, but not the plain "x changed in place" the changed list already says.
            const reasons = s.reasons.filter((why) => !/^[\w, ]+ changed in place$/.test(why));
            if (s.op !== "same" && s.op !== "create" && s.custom) for (const why of reasons) lines.push(`${sub}· ${why}`);
            const note = commandNote(s);
            if (note) lines.push(`${sub}· ${note}`);
            for (const v of plan.verdicts.filter((x) => x.urn === s.urn)) lines.push(`${sub}${LEVEL[v.level]}  ${v.kind}: ${v.message}`);
        },
    );
    const orphans = plan.verdicts.filter((v) => !keep.has(v.urn));
    if (orphans.length > 0) {
        lines.push("Stack-level:");
        for (const v of orphans) lines.push(`      ${LEVEL[v.level]}  ${v.kind}: ${v.message}`);
    }
    const errors = plan.verdicts.filter((v) => v.level === "error").length;
    lines.push(
        `${errors} error${errors === 1 ? "" : "s"} and ${plan.verdicts.length - errors} advisor${plan.verdicts.length - errors === 1 ? "y" : "ies"}`,
    );
    lines.push(lifecycleSummaryLine(plan));
    return lines.join("\n");
}
