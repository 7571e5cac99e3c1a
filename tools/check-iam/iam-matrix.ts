/**
 * The IAM access matrix: who may do what to which resource of a stack, evaluated with
 * @cloud-copilot/iam-simulate (an IAM policy evaluation engine: identity and resource policies,
 * service principals, cross-account rules, condition keys) over the policy documents found in the
 * program's resource graph, as the engine would receive them (never by calling the builders).
 *
 * Used by `npm run check:iam` and by test/security/iam-matrix.test.ts; docs/security.md holds the
 * generated table of each stack, kept equal to the matrix by a test.
 *
 * What it cannot see, and assumes (also written in docs/security.md):
 * - the context AWS services put in their requests: S3 sends `aws:SourceArn`/`aws:SourceAccount`
 *   when it publishes an event, SNS sends `aws:SourceArn` when it delivers to SQS, STS carries
 *   `sts:ExternalId` from the caller; nothing is assumed of what S3 and SNS send to KMS (the key
 *   policy asks nothing of it). Each cell states the context it evaluates.
 * - Snowflake's own account: its IAM user is given an identity policy allowing `sts:AssumeRole`
 *   on any role (what Snowflake grants itself is outside this stack; the trust policy decides).
 * - SCPs/RCPs of an organisation: none are modelled (they could only deny more).
 * - KMS encryption context: @cloud-copilot/iam-simulate 0.1.173 does not evaluate
 *   `kms:EncryptionContext:<key>` (it matches variable condition keys only after a `/`, and reports
 *   the key as ignored). A cell that sends an encryption context (CloudWatch Logs sends the log
 *   group's ARN as `kms:EncryptionContext:aws:logs:arn`) is evaluated with that key renamed, in its
 *   context and in every condition of its policies, to `aws:SourceArn`, a single-valued key the
 *   engine evaluates for every action, so the engine still decides (operators, a missing key,
 *   IfExists). A cell whose policies already use `aws:SourceArn` is refused.
 *
 * The facts found in the graph are facts.ts, the cells built from them cells.ts; this module
 * evaluates the cells and reports them.
 */
import { anonymousPrincipal, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { formatTable, wrapCell } from "../cli/text-table";
import { buildMatrix, Cell, CELL_GROUPS, CellResult, Decision, Expected } from "./cells";
import { GraphResource, lakeFacts, LakeFacts, PolicyDoc, sharingIntentOf } from "./facts";

const isAllowed = (d: Decision) => d === "Allowed";

/** The key that stands in for an encryption context key, which iam-simulate does not evaluate (see the header). */
export const ENCRYPTION_CONTEXT_STAND_IN = "aws:SourceArn";

const isEncryptionContextKey = (k: string) => /^kms:encryptioncontext:/i.test(k);

/** Every condition key a policy document uses. */
function conditionKeys(d: PolicyDoc): string[] {
    return d.Statement.flatMap((st: any) =>
        Object.values<Record<string, unknown>>(st.Condition ?? {}).flatMap((block) => Object.keys(block)),
    );
}

/** The document with condition key `from` renamed to `to` (any case, in every operator block). */
function renameConditionKey(d: PolicyDoc, from: string, to: string): PolicyDoc {
    return {
        ...d,
        Statement: d.Statement.map((st: any) =>
            st.Condition === undefined
                ? st
                : {
                      ...st,
                      Condition: Object.fromEntries(
                          Object.entries<Record<string, unknown>>(st.Condition).map(([op, block]) => [
                              op,
                              Object.fromEntries(
                                  Object.entries(block).map(([k, v]) => [k.toLowerCase() === from.toLowerCase() ? to : k, v]),
                              ),
                          ]),
                      ),
                  },
        ),
    };
}

/**
 * What the engine evaluates for a cell: as it is, or, when its context carries a KMS encryption
 * context key, with that key renamed to `ENCRYPTION_CONTEXT_STAND_IN` in its context and in its
 * policies' conditions. Throws when the stand-in is already in use (the rename would mix two keys).
 */
export function forEngine(cell: Cell): Pick<Cell, "context" | "identityPolicies" | "resourcePolicy"> {
    const ec = Object.keys(cell.context).filter(isEncryptionContextKey);
    if (ec.length === 0) return cell;
    if (ec.length > 1) throw new Error(`IAM matrix: cell ${cell.id} sends ${ec.length} encryption context keys; the matrix evaluates one`);
    const docs = [...cell.identityPolicies.map((p) => p.policy), ...(cell.resourcePolicy ? [cell.resourcePolicy] : [])];
    const standIn = ENCRYPTION_CONTEXT_STAND_IN.toLowerCase();
    if (
        Object.keys(cell.context).some((k) => k.toLowerCase() === standIn) ||
        docs.some((d) => conditionKeys(d).some((k) => k.toLowerCase() === standIn))
    ) {
        throw new Error(`IAM matrix: cell ${cell.id}: ${ENCRYPTION_CONTEXT_STAND_IN} is already used, so it cannot stand in for ${ec[0]}`);
    }
    const { [ec[0]]: value, ...rest } = cell.context;
    return {
        context: { ...rest, [ENCRYPTION_CONTEXT_STAND_IN]: value },
        identityPolicies: cell.identityPolicies.map((p) => ({
            ...p,
            policy: renameConditionKey(p.policy, ec[0], ENCRYPTION_CONTEXT_STAND_IN),
        })),
        resourcePolicy: cell.resourcePolicy && renameConditionKey(cell.resourcePolicy, ec[0], ENCRYPTION_CONTEXT_STAND_IN),
    };
}

/** Evaluates one cell with iam-simulate. */
export async function evaluateCell(cell: Cell, opts: { blockPublicAccess: boolean }): Promise<CellResult> {
    const engine = forEngine(cell);
    const simulation: Simulation = {
        request: {
            principal: cell.principal.arn === "anonymous" ? anonymousPrincipal : cell.principal.arn,
            action: cell.action,
            resource: { resource: cell.resource.arn, accountId: cell.resource.accountId },
            contextVariables: engine.context,
        },
        identityPolicies: engine.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: engine.resourcePolicy,
        additionalSettings: cell.action.startsWith("s3:") ? { s3: { blockPublicAccess: opts.blockPublicAccess } } : undefined,
    };
    const r = await runSimulation(simulation, {});
    if (r.resultType === "error") {
        return { ...cell, decision: "Error", ok: false, problem: `${r.errors.message}: ${JSON.stringify(r.errors)}` };
    }
    const decision = r.overallResult as Decision;
    const ignored = r.resultType === "single" ? (r.result.ignoredContextKeys ?? []) : r.results.flatMap((x) => x.ignoredContextKeys ?? []);
    const problem = ignored.length ? `context keys ignored by the engine for ${cell.action}: ${ignored.join(", ")}` : undefined;
    const ok =
        problem === undefined &&
        (cell.expected === "Allowed"
            ? isAllowed(decision)
            : cell.expected === "ExplicitlyDenied"
              ? decision === "ExplicitlyDenied"
              : !isAllowed(decision));
    return { ...cell, decision, ok, problem };
}

/**
 * Builds and evaluates the matrix of a stack's resource graph; `sharing` is the program's `sharing`
 * output (who it means to share with), undefined when it shares nothing.
 */
export async function evaluateMatrix(resources: GraphResource[], sharing?: unknown): Promise<{ facts: LakeFacts; results: CellResult[] }> {
    const facts = lakeFacts(resources, sharingIntentOf(sharing));
    const cells = buildMatrix(facts);
    const ids = new Set<string>();
    for (const c of cells) {
        if (ids.has(c.id)) throw new Error(`IAM matrix: duplicate cell id ${c.id}`);
        ids.add(c.id);
    }
    const results: CellResult[] = [];
    for (const c of cells) results.push(await evaluateCell(c, { blockPublicAccess: facts.bucket.restrictPublicBuckets }));
    return { facts, results };
}

// --- Output ------------------------------------------------------------------------------------

/** One evaluated cell on a line: what was tried, the decision and the expected one (mismatch reports, test failures). */
export const describeResult = (r: CellResult): string =>
    `${r.id}: ${r.principal.label} ${r.action} ${r.resource.label} [${r.contextLabel}] → ${r.decision}, expected ${r.expected}${r.problem ? ` (${r.problem})` : ""}`;

const expectedText = (e: Expected) => (e === "Allowed" ? "allowed" : e === "Denied" ? "denied" : "explicitly denied");

const ABBREVIATION: Record<Decision | Expected, string> = {
    Allowed: "A",
    Denied: "D",
    ImplicitlyDenied: "D",
    ExplicitlyDenied: "X",
    Error: "E",
};

/** What the abbreviations of the text table mean. */
export const TEXT_LEGEND =
    "result: A allowed, D denied (implicitly), X explicitly denied, E engine error; " +
    '"ok" when it is the expected decision, else "want" and the expected one. Cells grouped by what they check; ' +
    "the full matrix with the reason of each cell is in docs/security.md (--markdown prints it).";

/**
 * A plain-text table for the terminal, at most `width` (default 100) characters wide: decisions
 * abbreviated (see `TEXT_LEGEND`), cells under their group, and the long labels wrapped.
 */
export function formatText(results: CellResult[], opts: { arns?: boolean; width?: number } = {}): string {
    const width = opts.width ?? 100;
    const head = ["result", "principal", "action", "resource"];
    const rowsOf = (r: CellResult) => [
        [
            `${ABBREVIATION[r.decision]} ${r.ok ? "ok" : `want ${ABBREVIATION[r.expected]}`}`,
            opts.arns ? `${r.principal.label} <${r.principal.arn}>` : r.principal.label,
            r.action,
            opts.arns ? `${r.resource.label} <${r.resource.arn}>` : r.resource.label,
        ],
        ...(r.contextLabel === "-" ? [] : [[`${" ".repeat(8)}when ${r.contextLabel}`]]),
    ];
    const groups = [...new Set(results.map((r) => r.group))];
    const rows = [
        head,
        ...groups.flatMap((g) => [[""], [`${g}: ${CELL_GROUPS[g]}`], ...results.filter((r) => r.group === g).flatMap(rowsOf)]),
    ];
    return [...wrapCell(TEXT_LEGEND, width), "", ...formatTable(rows, { total: width, min: [6, 12, 12, 12] })].join("\n");
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\*/g, "\\*").replace(/_/g, "\\_");

/** The Markdown table written into docs/security.md (no ARNs: labels only, so mock names do not churn it). */
export function formatMarkdown(results: CellResult[]): string {
    const lines = [
        "| Principal | Action | Resource | Context | Expected | Decision | OK | Why |",
        "|---|---|---|---|---|---|---|---|",
        ...results.map(
            (r) =>
                `| ${md(r.principal.label)} | \`${r.action}\` | ${md(r.resource.label)} | ${md(r.contextLabel)} | ${expectedText(r.expected)} | ${r.decision} | ${r.ok ? "✓" : "✗"} | ${md(r.why)} |`,
        ),
    ];
    return lines.join("\n");
}

export const DOC_PATH = "docs/security.md";

/** Which table of the document: a stack's, or a stack's with a file of settings laid over it (`--with`). */
export interface DocTarget {
    stack: string;
    /** Path of the settings file, relative to the project root (`docs/examples/sharing.yaml`). */
    with?: string;
}
const sectionName = (t: DocTarget) => (t.with === undefined ? t.stack : `${t.stack} with ${t.with}`);
const begin = (t: DocTarget) =>
    `<!-- BEGIN iam-matrix ${sectionName(t)}: generated by \`npm run check:iam -- --stack ${t.stack}${t.with === undefined ? "" : ` --with ${t.with}`} --update-doc\`; do not edit by hand -->`;
const end = (t: DocTarget) => `<!-- END iam-matrix ${sectionName(t)} -->`;
const targetOf = (t: string | DocTarget): DocTarget => (typeof t === "string" ? { stack: t } : t);

/** The generated table of a stack in the document, or undefined when the markers are missing. */
export function docSection(text: string, target: string | DocTarget): string | undefined {
    const t = targetOf(target);
    const b = text.indexOf(begin(t));
    const e = text.indexOf(end(t));
    if (b < 0 || e < b) return undefined;
    return text.slice(b + begin(t).length, e).trim();
}

/** The document with the stack's generated table replaced (or appended with its markers). */
export function replaceDocSection(text: string, target: string | DocTarget, table: string): string {
    const t = targetOf(target);
    const block = `${begin(t)}\n${table}\n${end(t)}`;
    const b = text.indexOf(begin(t));
    const e = text.indexOf(end(t));
    if (b < 0 || e < b) return `${text.trimEnd()}\n\n${block}\n`;
    return text.slice(0, b) + block + text.slice(e + end(t).length);
}
