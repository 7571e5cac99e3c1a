/**
 * IAM: least privilege on the lake's data, and third parties (Snowflake) confined by an external id.
 *
 * The data rules read identity policies (role, user, group and managed policies, a role's inline
 * policies) and the resource policies of the bucket, topics and queues. KMS key policies are left
 * out on purpose: in a key policy `Resource: "*"` means "this key" and the account-root `kms:*`
 * grant is the documented default (kms.ts has the key-policy rules).
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import {
    accountOfPrincipal, actionMatches, actionsOf, allowsAction, conditionValues, confinedToSource, isAllow, parsePolicy, principalsOf, resourcesOf, Statement, statementLabel,
} from "../lib/iam";
import { resourcePolicy } from "../lib/rule";
import { is, shortType, T } from "../lib/types";
import { isRecord, joinNames, listOf } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** The services whose actions read or write the lake's data (objects, events, keys). */
export const DATA_SERVICES = ["s3", "sqs", "sns", "kms"];

/**
 * Actions of those services that support no resource-level permission (IAM requires
 * `Resource: "*"` for them), from the Service Authorization Reference.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html (and sqs, sns, kms)
 */
export const RESOURCELESS_ACTIONS = [
    "s3:listallmybuckets", "s3:getaccountpublicaccessblock", "s3:putaccountpublicaccessblock", "s3:listaccesspoints", "s3:listjobs", "s3:createjob",
    "sqs:listqueues",
    "sns:listtopics", "sns:listsubscriptions", "sns:listplatformapplications", "sns:listphonenumbersoptedout", "sns:checkifphonenumberisoptedout",
    "sns:getsmsattributes", "sns:setsmsattributes", "sns:optinphonenumber",
    "kms:createkey", "kms:listkeys", "kms:listaliases", "kms:generaterandom", "kms:listretirablegrants", "kms:createcustomkeystore",
    "kms:describecustomkeystores", "kms:connectcustomkeystore", "kms:disconnectcustomkeystore", "kms:deletecustomkeystore", "kms:updatecustomkeystore",
];

/** Whether an action pattern can grant access to data of s3/sqs/sns/kms. */
export function isDataAction(pattern: string): boolean {
    const p = pattern.toLowerCase();
    if (p === "*") return true;
    const service = p.split(":")[0];
    return DATA_SERVICES.includes(service) && !RESOURCELESS_ACTIONS.includes(p);
}

/** Whether a resource pattern covers every resource of a service: `*`, `arn:aws:s3:::*`, `arn:aws:sqs:*:*:*`... */
export const isWildcardResource = (r: string): boolean =>
    r === "*" || /^arn:[^:]*:(s3|sqs|sns|kms):[^:]*:[^:]*:(\*|\*\/\*|key\/\*|alias\/\*)$/.test(r);

export interface PolicyDocumentInput {
    /** How the document is named in messages. */
    label: string;
    policy: unknown;
}

/** The policy documents a resource carries, for the data rules: identity and resource policies, not trust or key policies. */
export function documentsOf(type: string, props: Record<string, any>): PolicyDocumentInput[] {
    if (is(type, T.role)) {
        return listOf(props.inlinePolicies).filter(isRecord).map((p, i) => ({ label: `inline policy ${p.name ?? `#${i + 1}`}`, policy: p.policy }));
    }
    const kind: Record<string, string> = {
        RolePolicy: "policy", Policy: "policy", UserPolicy: "policy", GroupPolicy: "policy",
        BucketPolicy: "bucket policy", TopicPolicy: "topic policy", QueuePolicy: "queue policy",
        Bucket: "bucket policy", BucketV2: "bucket policy", Topic: "topic policy", Queue: "queue policy",
    };
    return props.policy === undefined || props.policy === null || props.policy === "" ? [] : [{ label: kind[shortType(type)] ?? "policy", policy: props.policy }];
}

function eachAllow(docs: PolicyDocumentInput[], visit: (s: Statement, where: string) => string[]): string[] {
    return docs.flatMap((d) => {
        const doc = parsePolicy(d.policy);
        if (doc === undefined) return [];
        if ("error" in doc) return [`${d.label} ${doc.error}`];
        return doc.statements.flatMap((s, i) => (isAllow(s) ? visit(s, `${d.label} ${statementLabel(s, i)}`) : []));
    });
}

/** No Allow grants every action (`*`, `NotAction`) or every action of a data service (`s3:*`, `sqs:*`, `sns:*`, `kms:*`). */
export function checkNoWildcardAction(docs: PolicyDocumentInput[]): string[] {
    return eachAllow(docs, (s, where) => {
        if (s.NotAction !== undefined) return [`${where} allows NotAction, which grants every other action: list the actions needed`];
        const broad = listOf<string>(s.Action).map(String).filter((a) => a === "*" || DATA_SERVICES.some((svc) => a.toLowerCase() === `${svc}:*`));
        return broad.map((a) => `${where} allows "${a}": grant only the actions needed`);
    });
}

/** No Allow grants a data action on every resource (`Resource: "*"`, `arn:aws:s3:::*`, `NotResource`). */
export function checkNoWildcardDataResource(docs: PolicyDocumentInput[]): string[] {
    return eachAllow(docs, (s, where) => {
        const data = listOf<string>(s.Action).map(String).filter(isDataAction);
        if (s.NotAction !== undefined && s.NotAction !== null) data.push("(NotAction)");
        if (data.length === 0) return [];
        if (s.NotResource !== undefined) return [`${where} allows ${data.join(", ")} with NotResource, which covers every other resource: name the resources`];
        const wild = resourcesOf(s).filter(isWildcardResource);
        return wild.length === 0 ? [] : [`${where} allows ${data.join(", ")} on Resource "${wild[0]}": name the bucket and prefix, queue, topic or key`];
    });
}

export interface TrustConfig {
    accountIds: string[];
}

/** Whether a statement requires a specific `sts:ExternalId` (StringEquals, no wildcard). */
export function requiresExternalId(s: Statement): boolean {
    return conditionValues(s, "sts:ExternalId").some((c) =>
        c.operator === "StringEquals" && c.values.length > 0 && c.values.every((v) => typeof v === "string" && v !== "" && !/[*?]/.test(v)));
}

/**
 * A role that a principal outside the stack's accounts may assume (Snowflake's IAM user) requires
 * that principal to present an external id: `Condition {"StringEquals": {"sts:ExternalId": ...}}`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
 * https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration
 */
export function checkThirdPartyExternalId(assumeRolePolicy: unknown, config: TrustConfig): string[] {
    const doc = parsePolicy(assumeRolePolicy);
    if (doc === undefined) return [];
    if ("error" in doc) return [`trust policy ${doc.error}`];
    const out: string[] = [];
    const home = config.accountIds.length > 0 ? `accounts ${config.accountIds.join(", ")}` : "the stack's accounts (policy config accountIds is empty)";
    doc.statements.forEach((s, i) => {
        if (!isAllow(s) || !(allowsAction(s, "sts:AssumeRole") || allowsAction(s, "sts:AssumeRoleWithWebIdentity"))) return;
        const label = `trust policy ${statementLabel(s, i)}`;
        const p = principalsOf(s);
        if (p.anyone) {
            out.push(`${label} lets Principal "*" assume the role: name the third party's principal and require its sts:ExternalId`);
            return;
        }
        const third = p.aws.filter((a) => {
            const account = accountOfPrincipal(a);
            return account === undefined || !config.accountIds.includes(account);
        });
        if (third.length > 0 && !requiresExternalId(s)) {
            out.push(`${label} lets ${joinNames(third)} (outside ${home}) assume the role without an sts:ExternalId condition: add Condition {"StringEquals": {"sts:ExternalId": "<the external id the third party gives>"}}`);
        }
    });
    return out;
}

export interface ManagedPolicyConfig {
    deniedPolicies: string[];
}

/** The name of an AWS managed policy from its ARN (`arn:aws:iam::aws:policy/service-role/X` → `X`). */
export function awsManagedPolicyName(arn: unknown): string | undefined {
    const m = typeof arn === "string" ? /^arn:[^:]+:iam::aws:policy\/(?:.+\/)?([^/]+)$/.exec(arn) : null;
    return m ? m[1] : undefined;
}

/** No broad AWS managed policy (administrator, power user, service full access) is attached. */
export function checkNoBroadManagedPolicy(arns: unknown[], config: ManagedPolicyConfig): string[] {
    return arns.map(awsManagedPolicyName).filter((n): n is string => n !== undefined && config.deniedPolicies.includes(n))
        .map((n) => `attaches the AWS managed policy ${n}, which grants far more than the lake needs: grant the actions and resources in the role's own policy`);
}

export interface SharingConfig {
    accountIds: string[];
    readerAccounts: string[];
    endpointOwnerAccounts: string[];
}

/** The resource policies that may name other accounts, by what the configuration lets them be given. */
export type SharedDocumentKind = "bucket policy" | "key policy" | "catalog policy" | "topic policy" | "queue policy" | "function permission";

/** What each kind of document may grant another account: readers read, endpoint owners subscribe. */
const SHARED_WITH: Record<SharedDocumentKind, { config: "readerAccounts" | "endpointOwnerAccounts" | undefined; actions?: string[] }> = {
    "bucket policy": { config: "readerAccounts", actions: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"] },
    "key policy": { config: "readerAccounts", actions: ["kms:Decrypt"] },
    "catalog policy": { config: "readerAccounts", actions: ["glue:Get*", "glue:BatchGetPartition"] },
    "topic policy": { config: "endpointOwnerAccounts", actions: ["sns:Subscribe"] },
    "queue policy": { config: undefined },
    "function permission": { config: undefined },
};

/**
 * No Allow statement of a resource policy (bucket, key, Data Catalog, topic, queue, function
 * permission) grants a principal outside the stack's own accounts unless the configuration names
 * it: a reader (`readerAccounts`: bucket, key and catalog policies, read actions only) or the owner
 * of an endpoint that subscribes itself (`endpointOwnerAccounts`: topic policies, sns:Subscribe
 * only). `Principal "*"` counts as everyone, unless confined to a source (the service-principal
 * rules check those). A principal whose account cannot be read from it is refused too. With
 * `accountIds` empty the stack's own account is unknown and nothing is checked.
 */
export function checkCrossAccountPrincipals(kind: SharedDocumentKind, statements: Statement[], config: SharingConfig): string[] {
    if (config.accountIds.length === 0) return [];
    const allowed = SHARED_WITH[kind];
    const configured = allowed.config === undefined ? [] : config[allowed.config];
    const configKey = allowed.config ?? "no configuration key";
    const out: string[] = [];
    statements.forEach((s, i) => {
        if (!isAllow(s)) return;
        const label = `${kind} ${statementLabel(s, i)}`;
        const p = principalsOf(s);
        if (p.anyone && !confinedToSource(s)) out.push(`${label} allows Principal "*": name the accounts that may (the configured readers or endpoint owners)`);
        for (const principal of p.aws) {
            const account = accountOfPrincipal(principal);
            if (account !== undefined && config.accountIds.includes(account)) {
                // The stack's own account reads through its IAM policies; a reader is another account.
                if ((kind === "bucket policy" || kind === "catalog policy") && config.readerAccounts.includes(account)) {
                    out.push(`${label} allows account ${account}, the stack's own, as a reader: its IAM policies decide who reads; readerAccounts names other accounts only`);
                }
                continue;
            }
            if (account === undefined) {
                out.push(`${label} allows ${principal}, whose account cannot be read from it: name an account principal (arn:aws:iam::<account id>:root)`);
            } else if (!configured.includes(account)) {
                out.push(`${label} allows account ${account}, which the configuration does not name (${allowed.config === undefined ? `a ${kind} grants no other account` : `${configKey}: ${configured.join(", ") || "none"}`})`);
            } else {
                const extra = actionsOf(s).filter((a) => !(allowed.actions ?? []).some((ok) => actionMatches(ok, a)));
                if (extra.length > 0) out.push(`${label} allows ${account} ${extra.join(", ")}: a ${allowed.config === "readerAccounts" ? "reader" : "subscribing endpoint owner"} gets ${(allowed.actions ?? []).join(", ")} only`);
            }
        }
    });
    return out;
}

/** The documents of a resource the sharing rule reads, as statements; an unparsable one as a message. */
function sharedStatements(type: string, props: Record<string, any>): { kind: SharedDocumentKind; statements: Statement[] } | { error: string } | undefined {
    if (is(type, T.lambdaPermission)) {
        return typeof props.principal === "string" && !props.principal.endsWith(".amazonaws.com")
            ? { kind: "function permission", statements: [{ Effect: "Allow", Principal: props.principal === "*" ? "*" : { AWS: props.principal }, Action: props.action }] }
            : undefined;
    }
    const kind: SharedDocumentKind | undefined = is(type, [...T.bucketPolicy, ...T.bucket]) ? "bucket policy"
        : is(type, [...T.key, ...T.keyPolicy]) ? "key policy"
            : is(type, T.glueResourcePolicy) ? "catalog policy"
                : is(type, [...T.topicPolicy, ...T.topic]) ? "topic policy"
                    : is(type, [...T.queuePolicy, ...T.queue]) ? "queue policy" : undefined;
    if (kind === undefined) return undefined;
    const doc = parsePolicy(props.policy);
    if (doc === undefined) return undefined;
    return "error" in doc ? { error: `${kind} ${doc.error}` } : { kind, statements: doc.statements };
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

const POLICY_TYPES = [...T.identityPolicy, ...T.role, ...T.bucketPolicy, ...T.topicPolicy, ...T.queuePolicy, ...T.bucket, ...T.topic, ...T.queue];

export const iamNoWildcardAction = resourcePolicy({
    name: "iam-no-wildcard-action",
    description: "Identity and resource policies (not KMS key policies) never Allow Action \"*\", NotAction, or a whole data service (s3:*, sqs:*, sns:*, kms:*).",
    enforcementLevel: "mandatory",
    severity: "high",
    types: POLICY_TYPES,
    check: (props, { args }) => checkNoWildcardAction(documentsOf(args.type, props)),
});

export const iamNoWildcardDataResource = resourcePolicy({
    name: "iam-no-wildcard-data-resource",
    description: "Identity and resource policies (not KMS key policies) never Allow an S3, SQS, SNS or KMS data action on Resource \"*\" (or arn:aws:s3:::*, NotResource): they name the bucket prefix, queue, topic or key.",
    enforcementLevel: "mandatory",
    severity: "high",
    types: POLICY_TYPES,
    check: (props, { args }) => checkNoWildcardDataResource(documentsOf(args.type, props)),
});

const TRUST_SCHEMA: PolicyConfigSchema = {
    properties: {
        accountIds: {
            type: "array",
            items: { type: "string", pattern: "^\\d{12}$" },
            default: [],
            description: "The AWS accounts of this stack; a principal of any other account is a third party. Empty: every AWS principal is treated as a third party.",
        },
    },
};

export const iamThirdPartyExternalId = resourcePolicy<TrustConfig>({
    name: "iam-third-party-external-id",
    description: "A role whose trust policy admits an AWS principal outside the stack's accounts (Snowflake's IAM user) requires sts:ExternalId with StringEquals; no role trusts Principal \"*\".",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: TRUST_SCHEMA,
    types: T.role,
    check: (props, { config }) => checkThirdPartyExternalId(props.assumeRolePolicy, config),
});

export const iamNoBroadManagedPolicy = resourcePolicy<ManagedPolicyConfig>({
    name: "iam-no-broad-managed-policy",
    description: "No role, user or group gets a broad AWS managed policy (AdministratorAccess, PowerUserAccess, *FullAccess of the lake's services); AWSGlueServiceRole stays allowed for crawlers.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            deniedPolicies: {
                type: "array",
                items: { type: "string" },
                default: [
                    "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonS3FullAccess", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
                    "AWSGlueConsoleFullAccess", "AmazonAthenaFullAccess", "AWSKeyManagementServicePowerUser",
                ],
                description: "Names of AWS managed policies that must not be attached.",
            },
        },
    },
    types: [...T.managedPolicyAttachment, ...T.role],
    check: (props, { args, config }) => checkNoBroadManagedPolicy(is(args.type, T.role) ? listOf(props.managedPolicyArns) : [props.policyArn], config),
});

const ACCOUNT_LIST = { type: "array", items: { type: "string", pattern: "^\\d{12}$" }, default: [] } as const;

export const iamCrossAccountPrincipalsConfigured = resourcePolicy<SharingConfig>({
    name: "iam-cross-account-principals-configured",
    description: "No resource policy (bucket, key, Data Catalog, topic, queue, function permission) allows another account unless configured: readers (readerAccounts) only read through bucket, key and catalog policies; endpoint owners (endpointOwnerAccounts) only subscribe through the topic policy.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            accountIds: TRUST_SCHEMA.properties!.accountIds,
            readerAccounts: { ...ACCOUNT_LIST, description: "Accounts the stack's readers setting names (incremental-crawl:readers): they may read through the bucket, key and catalog policies." },
            endpointOwnerAccounts: { ...ACCOUNT_LIST, description: "Accounts whose queues or functions subscribe themselves to the lake topic (tables' subscribers with subscribedBy endpoint-owner)." },
        },
    },
    types: [...T.bucketPolicy, ...T.bucket, ...T.key, ...T.keyPolicy, ...T.glueResourcePolicy, ...T.topicPolicy, ...T.topic, ...T.queuePolicy, ...T.queue, ...T.lambdaPermission],
    check: (props, { args, config }) => {
        const found = sharedStatements(args.type, props);
        if (found === undefined) return [];
        return "error" in found ? [found.error] : checkCrossAccountPrincipals(found.kind, found.statements, config);
    },
});

export const iamPolicies = [iamNoWildcardAction, iamNoWildcardDataResource, iamThirdPartyExternalId, iamNoBroadManagedPolicy, iamCrossAccountPrincipalsConfigured];
