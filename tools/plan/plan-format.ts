/**
 * `npm run plan`'s report: the resource tree with each resource's salient settings, then the
 * violations by rule with how to configure each. Pure.
 */
import type { CapturedResource } from "../../offline";
import { PACK_NAME } from "../../policies/rules";
import { fitLines } from "../cli/text-table";
import {
    PACK_VERSION,
    PlannedResource,
    PlanResult,
    ReportedLevel,
    sentinels,
    stackAndProject,
    stackPolicySettings,
    Violation,
} from "./policy-run";

const parseJson = (v: unknown): any => {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
};

/** A JSON policy document's statements (one, or a list) as a list. */
const statementList = (policy: unknown): any[] | undefined => {
    const doc = parseJson(policy);
    return doc?.Statement === undefined ? undefined : [doc.Statement].flat();
};

/** `Sid1,Sid2` or `2 statements` for a JSON policy document. */
function statements(policy: unknown): string | undefined {
    const list = statementList(policy);
    if (!list) return undefined;
    const sids = list.map((s) => s?.Sid).filter((s) => typeof s === "string");
    return sids.length === list.length ? sids.join(",") : `${list.length} statement${list.length === 1 ? "" : "s"}`;
}

const days = (seconds: unknown) => (typeof seconds === "number" ? `${+(seconds / 86_400).toFixed(2)}d` : undefined);
const lastSegment = (v: unknown) => (typeof v === "string" ? v.slice(Math.max(v.lastIndexOf("/"), v.lastIndexOf(":")) + 1) : undefined);

/** The few inputs worth reading in a plan, per resource type; any other type shows its name. */
const DETAILS: Record<string, (i: Record<string, any>) => Record<string, unknown>> = {
    "pulumi:providers:aws": (i) => ({ region: i.region }),
    "pulumi:providers:snowflake": (i) => ({ account: i.accountName, previewFeatures: (parseJson(i.previewFeaturesEnabled) ?? []).length }),
    "aws:s3/bucket:Bucket": (i) => ({ bucket: i.bucket, forceDestroy: i.forceDestroy, acl: i.acl }),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i) => ({
        blocked: `${["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((k) => i[k] === true).length}/4`,
    }),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i) => ({
        sse: (i.rules ?? []).map((r: any) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm).join(","),
    }),
    "aws:s3/bucketVersioning:BucketVersioning": (i) => ({ status: i.versioningConfiguration?.status }),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i) => ({
        rules: (i.rules ?? []).map((r: any) => r?.id).join(","),
    }),
    "aws:s3/bucketPolicy:BucketPolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (i) => ({ objectOwnership: i.rule?.objectOwnership }),
    "aws:s3/bucketAcl:BucketAcl": (i) => ({ acl: i.acl }),
    "aws:s3/bucketNotification:BucketNotification": (i) => ({
        topics: (i.topics ?? [])
            .map((t: any) => `${lastSegment(t?.topicArn)}${t?.filterPrefix ? ` prefix ${t.filterPrefix}` : ""}`)
            .join(","),
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
        dlq: parseJson(i.redrivePolicy)
            ? `${lastSegment(parseJson(i.redrivePolicy).deadLetterTargetArn)} after ${parseJson(i.redrivePolicy).maxReceiveCount}`
            : undefined,
        sse: i.kmsMasterKeyId ? `kms:${lastSegment(i.kmsMasterKeyId)}` : i.sqsManagedSseEnabled ? "sqs" : undefined,
    }),
    "aws:sqs/queuePolicy:QueuePolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:kms/key:Key": (i) => ({
        rotation: i.enableKeyRotation,
        deletionWindowInDays: i.deletionWindowInDays,
        statements: statements(i.policy),
    }),
    "aws:iam/role:Role": (i) => ({
        name: i.name,
        trusts: (statementList(i.assumeRolePolicy) ?? [])
            .map((s) =>
                s?.Principal === "*"
                    ? "*"
                    : Object.values(s?.Principal ?? {})
                          .flat()
                          .join("+"),
            )
            .join(","),
    }),
    "aws:iam/rolePolicy:RolePolicy": (i) => ({ statements: statements(i.policy) }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) => ({ policy: lastSegment(i.policyArn) }),
    "aws:glue/crawler:Crawler": (i) => ({
        name: i.name,
        mode: i.recrawlPolicy?.recrawlBehavior,
        targets: (i.s3Targets ?? []).map((t: any) => t?.path).join(","),
        schedule: i.schedule,
    }),
    "aws:athena/workgroup:Workgroup": (i) => ({ name: i.name, output: i.configuration?.resultConfiguration?.outputLocation }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => ({ metric: i.metricName, threshold: i.threshold }),
    "snowflake:index/storageIntegration:StorageIntegration": (i) => ({
        name: i.name,
        allowed: (i.storageAllowedLocations ?? []).join(","),
    }),
    "snowflake:index/stage:Stage": (i) => ({
        name: i.name,
        url: i.url,
        integration: i.storageIntegration,
        credentials: i.credentials ? "set" : undefined,
    }),
    "snowflake:index/fileFormat:FileFormat": (i) => ({ name: i.name, formatType: i.formatType }),
    "snowflake:index/streamOnTable:StreamOnTable": (i) => ({ name: i.name, table: i.table }),
    "snowflake:index/task:Task": (i) => ({
        name: i.name,
        schedule: i.schedule?.minutes !== undefined ? `${i.schedule.minutes}m` : undefined,
    }),
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
    const pairs = Object.entries(details)
        .filter(([, v]) => v !== undefined && v !== "" && v !== null)
        .map(([k, v]) => `${k}=${formatValue(v)}`);
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

/** Visits each item, then its children, with the indent of its depth (four spaces a level, from one); an item whose parent is not in `items` is at the top. */
export function walkTree<T extends { urn: string; parent?: string }>(items: T[], visit: (item: T, indent: string) => void): void {
    const known = new Set(items.map((r) => r.urn));
    const children = new Map<string | undefined, T[]>();
    for (const r of items) {
        const parent = r.parent && known.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            visit(r, "    ".repeat(depth));
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 1);
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
    const mode = result.preview ? "first preview: values computed from other resources are unknown" : "offline, under mocks";
    lines.push(`Plan: stack ${result.stack}, program ${result.program} (${mode}); policy pack ${PACK_NAME}@v${PACK_VERSION}`);
    lines.push(`+ pulumi:pulumi:Stack  ${resources.length > 0 ? stackAndProject(resources[0].urn).project : "project"}-${result.stack}`);
    walkTree(resources, (r: PlannedResource, indent) => {
        const details = detailsOf(r);
        lines.push(`${indent}+ ${r.type}  ${r.name}${r.defaultProvider ? " (default provider)" : ""}${details ? `  ${details}` : ""}`);
        for (const v of inTree.filter((x) => x.urn === r.urn)) lines.push(`${indent}      ${MARK[v.level]}  ${v.policy}: ${v.message}`);
    });
    const orphaned = inTree.filter((v) => v.urn === undefined || !known.has(v.urn));
    if (orphaned.length > 0) {
        lines.push("Stack-level:");
        lines.push(...orphaned.map((v) => `      ${MARK[v.level]}  ${v.policy}: ${v.message}${v.urn ? ` (${v.urn})` : ""}`));
    }
    if (rules.length > 0) {
        lines.push(
            "Violations by rule. To configure a rule, put its entry, changed, in a JSON file and pass it with --policy-config " +
                "(pulumi preview --policy-pack-config takes the same file; policies/README.md lists each rule's settings):",
        );
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
