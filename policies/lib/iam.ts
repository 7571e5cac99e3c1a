/**
 * Reading IAM policy documents (identity, resource, trust and key policies) the way IAM evaluates
 * them: `Statement` may be one object or a list; `Action`, `Resource`, principals and condition
 * values may be one string or a list; action names and condition keys are case-insensitive.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */
import { isRecord, listOf, parseJsonInput } from "./values";

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    Resource?: unknown;
    NotResource?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

export type ParsedDocument = { statements: Statement[] } | { error: string } | undefined;

/** The statements of a policy given as a JSON string or an object; undefined when absent. */
export function parsePolicy(input: unknown): ParsedDocument {
    const parsed = parseJsonInput(input);
    if (parsed === undefined) return undefined;
    if ("error" in parsed) return { error: `is not valid JSON (${parsed.error})` };
    const doc = parsed.value;
    if (!isRecord(doc) || doc.Statement === undefined) return { error: "has no Statement" };
    const statements = listOf(doc.Statement);
    if (!statements.every(isRecord)) return { error: "has a Statement that is not an object" };
    return { statements: statements as Statement[] };
}

/** The statements of a policy that can be read; undefined when it is absent or cannot be read. */
export function statementsOf(input: unknown): Statement[] | undefined {
    const doc = parsePolicy(input);
    return doc !== undefined && !("error" in doc) ? doc.statements : undefined;
}

/** How a statement is named in messages: its Sid, or its position. */
export const statementLabel = (s: Statement, i: number): string => (s.Sid ? `statement "${s.Sid}"` : `statement #${i + 1}`);

export const isAllow = (s: Statement): boolean => s.Effect === "Allow";

/**
 * What `check` reports of each Allow statement of a policy, each statement labelled
 * `<what> statement "Sid"` (or `#n`): nothing for an absent policy, one message for one that cannot be read.
 */
export function checkAllows(input: unknown, what: string, check: (s: Statement, label: string) => string[]): string[] {
    const doc = parsePolicy(input);
    if (doc === undefined) return [];
    if ("error" in doc) return [`${what} ${doc.error}`];
    return doc.statements.flatMap((s, i) => (isAllow(s) ? check(s, `${what} ${statementLabel(s, i)}`) : []));
}

export interface Principals {
    /**
     * `"*"` or `{ AWS: "*" }`: anyone; so is an Allow with `NotPrincipal`, which admits every
     * principal it does not name, anonymous users included
     * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
     */
    anyone: boolean;
    aws: string[];
    service: string[];
    federated: string[];
    /** Principals of any other form (`CanonicalUser: <id>`, an S3 form that names no account), as `Key: value`. */
    other: string[];
}

export function principalsOf(s: Statement): Principals {
    const p = s.Principal;
    const out: Principals = { anyone: isAllow(s) && s.NotPrincipal !== undefined, aws: [], service: [], federated: [], other: [] };
    if (p === "*") {
        out.anyone = true;
        return out;
    }
    if (!isRecord(p)) return out;
    for (const [k, v] of Object.entries(p)) {
        const values = listOf<string>(v).map(String);
        if (k === "AWS") {
            for (const a of values) {
                if (a === "*") out.anyone = true;
                else out.aws.push(a);
            }
        } else if (k === "Service") out.service.push(...values);
        else if (k === "Federated") out.federated.push(...values);
        else out.other.push(...values.map((v) => `${k}: ${v}`));
    }
    return out;
}

/** Lower-cased actions of a statement. */
export const actionsOf = (s: Statement): string[] => listOf<string>(s.Action).map((a) => String(a).toLowerCase());

export const resourcesOf = (s: Statement): string[] => listOf<string>(s.Resource).map(String);

/** Whether an IAM action pattern (with `*` and `?` wildcards) matches an action; case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .toLowerCase()
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );
    return re.test(action.toLowerCase());
}

/**
 * Whether a statement's actions include `action`: an Action pattern matches it, or the statement has
 * NotAction, which covers every action none of its patterns match.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
 */
export const allowsAction = (s: Statement, action: string): boolean =>
    s.NotAction !== undefined && s.NotAction !== null
        ? !listOf<string>(s.NotAction).some((p) => actionMatches(String(p), action))
        : actionsOf(s).some((p) => actionMatches(p, action));

/** The values a condition key takes in a statement, under any operator; key matched case-insensitively. */
export function conditionValues(s: Statement, key: string): { operator: string; values: unknown[] }[] {
    const out: { operator: string; values: unknown[] }[] = [];
    if (!isRecord(s.Condition)) return out;
    for (const [operator, block] of Object.entries(s.Condition)) {
        if (!isRecord(block)) continue;
        for (const [k, v] of Object.entries(block)) {
            if (k.toLowerCase() === key.toLowerCase()) out.push({ operator, values: listOf(v) });
        }
    }
    return out;
}

/**
 * The operators that confine a request to the values they name: they are false when the key is
 * absent from the request. A negated operator (StringNotEquals...) and `...IfExists` are true then,
 * and so is `ForAllValues:` ("also returns true if there are no context keys in the request"); AWS
 * advises against set operators on single-valued keys such as aws:SourceArn, so `ForAnyValue:` is
 * not counted either.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
const CONFINING = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

/**
 * Whether a condition value names its sources rather than a pattern of any: an exact value; or,
 * with wildcards, an ARN whose account field is a literal account id (`arn:aws:events:<region>:<account>:rule/*`).
 * ARN operators match wildcards in every field ("ArnEquals, ArnLike ... behave identically"), so
 * `arn:aws:s3:::*` is every bucket of every account, and an account-id pattern is other accounts too.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
function namesSources(key: string, v: unknown): boolean {
    if (typeof v !== "string" || v === "") return false;
    if (!/[*?]/.test(v)) return true;
    if (/account$/i.test(key)) return false;
    const fields = v.split(":");
    return fields.length >= 6 && /^\d{12}$/.test(fields[4]);
}

/** Whether a statement binds `key` to named values: a confining operator, each value naming its sources. */
export function bindsKey(s: Statement, key: string): boolean {
    return conditionValues(s, key).some(
        (c) => CONFINING.has(c.operator.toLowerCase()) && c.values.length > 0 && c.values.every((v) => namesSources(key, v)),
    );
}

/**
 * Whether a statement is confined to a source by `aws:SourceArn` or `aws:SourceAccount` (the
 * confused-deputy guard for service principals).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 */
export const confinedToSource = (s: Statement): boolean => bindsKey(s, "aws:SourceArn") || bindsKey(s, "aws:SourceAccount");

/** The account id of an AWS principal (`123456789012` or an IAM ARN); undefined when not recognisable. */
export function accountOfPrincipal(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const m = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal);
    return m ? m[1] : undefined;
}
