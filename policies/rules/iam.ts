/**
 * IAM: least privilege on the lake's data, and third parties (Snowflake) confined by an external id.
 *
 * The data rules read identity policies (role, user, group and managed policies, a role's inline
 * policies) and the resource policies of the bucket, topics and queues. KMS key policies are left
 * out on purpose: in a key policy `Resource: "*"` means "this key" and the account-root `kms:*`
 * grant is the documented default (kms.ts has the key-policy rules).
 */
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import {
    accountOfPrincipal,
    actionMatches,
    actionsOf,
    allowsAction,
    checkAllows,
    conditionValues,
    confinedToSource,
    isAllow,
    parsePolicy,
    principalsOf,
    resourcesOf,
    Statement,
    statementLabel,
} from "../lib/iam";
import { checkEach, configOf } from "../lib/rule";
import { ResourceClass, T } from "../lib/types";
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
    "s3:listallmybuckets",
    "s3:getaccountpublicaccessblock",
    "s3:putaccountpublicaccessblock",
    "s3:listaccesspoints",
    "s3:listjobs",
    "s3:createjob",
    "sqs:listqueues",
    "sns:listtopics",
    "sns:listsubscriptions",
    "sns:listplatformapplications",
    "sns:listphonenumbersoptedout",
    "sns:checkifphonenumberisoptedout",
    "sns:getsmsattributes",
    "sns:setsmsattributes",
    "sns:optinphonenumber",
    "kms:createkey",
    "kms:listkeys",
    "kms:listaliases",
    "kms:generaterandom",
    "kms:listretirablegrants",
    "kms:createcustomkeystore",
    "kms:describecustomkeystores",
    "kms:connectcustomkeystore",
    "kms:disconnectcustomkeystore",
    "kms:deletecustomkeystore",
    "kms:updatecustomkeystore",
];

/** Whether an action pattern can grant access to data of s3/sqs/sns/kms. */
export function isDataAction(pattern: string): boolean {
    const p = pattern.toLowerCase();
    if (p === "*") return true;
    const service = p.split(":")[0];
    return DATA_SERVICES.includes(service) && !RESOURCELESS_ACTIONS.includes(p);
}

/**
 * Whether a resource pattern covers every resource of a service: `*`, `arn:aws:s3:::*`,
 * `arn:aws:sqs:*:*:*`... A `*` that ends an ARN field "can expand to match beyond the colon
 * boundaries" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html),
 * so `arn:aws:sqs:*` and `arn:aws:sqs:eu-west-1:*` cover every queue too.
 */
export function isWildcardResource(r: string): boolean {
    if (r === "*") return true;
    const m = /^arn:[^:]*:(?:s3|sqs|sns|kms|\*):(.*)$/.exec(r);
    if (!m) return false;
    const fields = m[1].split(":");
    if (fields.length < 3) return /^[*?]*\*$/.test(fields[fields.length - 1]);
    return /^(?:(?:key|alias)\/)?[*?/]*\*[*?/]*$/.test(fields.slice(2).join(":"));
}

export interface PolicyDocumentInput {
    /** How the document is named in messages. */
    label: string;
    policy: unknown;
}

/** A role's inline policies. */
const inlineDocuments = (role: Record<string, any>): PolicyDocumentInput[] =>
    listOf(role.inlinePolicies)
        .filter(isRecord)
        .map((p, i) => ({ label: `inline policy ${p.name ?? `#${i + 1}`}`, policy: p.policy }));

/** The resources whose `policy` input is an identity or resource policy (not a trust or key policy), and how messages name it. */
const POLICY_DOCUMENTS: [ResourceClass, string][] = [
    ...T.identityPolicy.map((c): [ResourceClass, string] => [c, "policy"]),
    ...[...T.bucketPolicy, ...T.bucket].map((c): [ResourceClass, string] => [c, "bucket policy"]),
    ...[...T.topicPolicy, ...T.topic].map((c): [ResourceClass, string] => [c, "topic policy"]),
    ...[...T.queuePolicy, ...T.queue].map((c): [ResourceClass, string] => [c, "queue policy"]),
];

const documentOf = (label: string, props: Record<string, any>): PolicyDocumentInput[] =>
    props.policy === undefined || props.policy === null || props.policy === "" ? [] : [{ label, policy: props.policy }];

/** A resource rule over the policy documents of roles and of the POLICY_DOCUMENTS resources. */
const onDocuments = (check: (docs: PolicyDocumentInput[]) => string[]) => [
    checkEach(aws.iam.Role, (role) => check(inlineDocuments(role))),
    ...POLICY_DOCUMENTS.map(([cls, label]) => checkEach(cls, (props) => check(documentOf(label, props)))),
];

const eachAllow = (docs: PolicyDocumentInput[], visit: (s: Statement, where: string) => string[]): string[] =>
    docs.flatMap((d) => checkAllows(d.policy, d.label, visit));

/** No Allow grants every action (`*`, `NotAction`) or every action of a data service (`s3:*`, `sqs:*`, `sns:*`, `kms:*`). */
export function checkNoWildcardAction(docs: PolicyDocumentInput[]): string[] {
    return eachAllow(docs, (s, where) => {
        if (s.NotAction !== undefined) return [`${where} allows NotAction, which grants every other action: list the actions needed`];
        const broad = listOf<string>(s.Action)
            .map(String)
            .filter((a) => a === "*" || DATA_SERVICES.some((svc) => a.toLowerCase() === `${svc}:*`));
        return broad.map((a) => `${where} allows "${a}": grant only the actions needed`);
    });
}

/** No Allow grants a data action on every resource (`Resource: "*"`, `arn:aws:s3:::*`, `NotResource`). */
export function checkNoWildcardDataResource(docs: PolicyDocumentInput[]): string[] {
    return eachAllow(docs, (s, where) => {
        const data = listOf<string>(s.Action).map(String).filter(isDataAction);
        if (s.NotAction !== undefined && s.NotAction !== null) data.push("(NotAction)");
        if (data.length === 0) return [];
        if (s.NotResource !== undefined)
            return [`${where} allows ${data.join(", ")} with NotResource, which covers every other resource: name the resources`];
        const wild = resourcesOf(s).filter(isWildcardResource);
        return wild.length === 0
            ? []
            : [`${where} allows ${data.join(", ")} on Resource "${wild[0]}": name the bucket and prefix, queue, topic or key`];
    });
}

export interface TrustConfig {
    accountIds: string[];
}

/** Whether a statement requires a specific `sts:ExternalId` (StringEquals, no wildcard). */
export function requiresExternalId(s: Statement): boolean {
    return conditionValues(s, "sts:ExternalId").some(
        (c) =>
            c.operator === "StringEquals" &&
            c.values.length > 0 &&
            c.values.every((v) => typeof v === "string" && v !== "" && !/[*?]/.test(v)),
    );
}

/**
 * A role that a principal outside the stack's accounts may assume (Snowflake's IAM user) requires
 * that principal to present an external id: `Condition {"StringEquals": {"sts:ExternalId": ...}}`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
 * https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration
 */
export function checkThirdPartyExternalId(assumeRolePolicy: unknown, config: TrustConfig): string[] {
    const home =
        config.accountIds.length > 0
            ? `accounts ${config.accountIds.join(", ")}`
            : "the stack's accounts (policy config accountIds is empty)";
    return checkAllows(assumeRolePolicy, "trust policy", (s, label) => {
        if (!(allowsAction(s, "sts:AssumeRole") || allowsAction(s, "sts:AssumeRoleWithWebIdentity"))) return [];
        const p = principalsOf(s);
        if (p.anyone)
            return [`${label} lets Principal "*" assume the role: name the third party's principal and require its sts:ExternalId`];
        const third = p.aws.filter((a) => {
            const account = accountOfPrincipal(a);
            return account === undefined || !config.accountIds.includes(account);
        });
        return third.length > 0 && !requiresExternalId(s)
            ? [
                  `${label} lets ${joinNames(third)} (outside ${home}) assume the role without an sts:ExternalId condition: add Condition {"StringEquals": {"sts:ExternalId": "<the external id the third party gives>"}}`,
              ]
            : [];
    });
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
    return arns
        .map(awsManagedPolicyName)
        .filter((n): n is string => n !== undefined && config.deniedPolicies.includes(n))
        .map(
            (n) =>
                `attaches the AWS managed policy ${n}, which grants far more than the lake needs: grant the actions and resources in the role's own policy`,
        );
}

export interface SharingConfig {
    accountIds: string[];
    readerAccounts: string[];
    endpointOwnerAccounts: string[];
}

/** The resource policies that may name other accounts, by what the configuration lets them be given. */
export type SharedDocumentKind =
    "bucket policy" | "key policy" | "catalog policy" | "topic policy" | "queue policy" | "function permission";

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
        if (p.anyone && !confinedToSource(s))
            out.push(
                `${label} allows ${s.NotPrincipal !== undefined ? "every principal but those NotPrincipal names" : 'Principal "*"'}: name the accounts that may (the configured readers or endpoint owners)`,
            );
        for (const principal of p.other)
            out.push(
                `${label} allows ${principal}, whose account cannot be read from it: name an account principal (arn:aws:iam::<account id>:root)`,
            );
        for (const principal of p.aws) {
            const account = accountOfPrincipal(principal);
            if (account !== undefined && config.accountIds.includes(account)) {
                // The stack's own account reads through its IAM policies; a reader is another account.
                if ((kind === "bucket policy" || kind === "catalog policy") && config.readerAccounts.includes(account)) {
                    out.push(
                        `${label} allows account ${account}, the stack's own, as a reader: its IAM policies decide who reads; readerAccounts names other accounts only`,
                    );
                }
                continue;
            }
            if (account === undefined) {
                out.push(
                    `${label} allows ${principal}, whose account cannot be read from it: name an account principal (arn:aws:iam::<account id>:root)`,
                );
            } else if (!configured.includes(account)) {
                out.push(
                    `${label} allows account ${account}, which the configuration does not name (${allowed.config === undefined ? `a ${kind} grants no other account` : `${configKey}: ${configured.join(", ") || "none"}`})`,
                );
            } else {
                // NotAction allows every action it does not list (reference_policies_elements_notaction.html).
                const extra =
                    s.NotAction !== undefined
                        ? [`every action but ${listOf(s.NotAction).join(", ")} (NotAction)`]
                        : actionsOf(s).filter((a) => !(allowed.actions ?? []).some((ok) => actionMatches(ok, a)));
                if (extra.length > 0)
                    out.push(
                        `${label} allows ${account} ${extra.join(", ")}: a ${allowed.config === "readerAccounts" ? "reader" : "subscribing endpoint owner"} gets ${(allowed.actions ?? []).join(", ")} only`,
                    );
            }
        }
    });
    return out;
}

/** The resources whose `policy` the sharing rule reads, by kind of document. */
const SHARED_DOCUMENTS: [ResourceClass, SharedDocumentKind][] = [
    ...[...T.bucketPolicy, ...T.bucket].map((c): [ResourceClass, SharedDocumentKind] => [c, "bucket policy"]),
    ...[...T.key, ...T.keyPolicy].map((c): [ResourceClass, SharedDocumentKind] => [c, "key policy"]),
    ...T.glueResourcePolicy.map((c): [ResourceClass, SharedDocumentKind] => [c, "catalog policy"]),
    ...[...T.topicPolicy, ...T.topic].map((c): [ResourceClass, SharedDocumentKind] => [c, "topic policy"]),
    ...[...T.queuePolicy, ...T.queue].map((c): [ResourceClass, SharedDocumentKind] => [c, "queue policy"]),
];

/** A function permission as the statement it stands for, when it admits an account rather than a service. */
function permissionStatements(permission: Record<string, any>): Statement[] {
    const principal = permission.principal;
    return typeof principal === "string" && !principal.endsWith(".amazonaws.com")
        ? [{ Effect: "Allow", Principal: principal === "*" ? "*" : { AWS: principal }, Action: permission.action }]
        : [];
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const iamNoWildcardAction: ResourceValidationPolicy = {
    name: "iam-no-wildcard-action",
    description:
        'Identity and resource policies (not KMS key policies) never Allow Action "*", NotAction, or a whole data service (s3:*, sqs:*, sns:*, kms:*).',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onDocuments(checkNoWildcardAction),
};

export const iamNoWildcardDataResource: ResourceValidationPolicy = {
    name: "iam-no-wildcard-data-resource",
    description:
        'Identity and resource policies (not KMS key policies) never Allow an S3, SQS, SNS or KMS data action on Resource "*" (or arn:aws:s3:::*, NotResource): they name the bucket prefix, queue, topic or key.',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onDocuments(checkNoWildcardDataResource),
};

const TRUST_SCHEMA: PolicyConfigSchema = {
    properties: {
        accountIds: {
            type: "array",
            items: { type: "string", pattern: "^\\d{12}$" },
            default: [],
            description:
                "The AWS accounts of this stack; a principal of any other account is a third party. Empty: every AWS principal is treated as a third party.",
        },
    },
};

export const iamThirdPartyExternalId: ResourceValidationPolicy = {
    name: "iam-third-party-external-id",
    description:
        "A role whose trust policy admits an AWS principal outside the stack's accounts (Snowflake's IAM user) requires sts:ExternalId with StringEquals; no role trusts Principal \"*\".",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: TRUST_SCHEMA,
    validateResource: checkEach(aws.iam.Role, (role, args) =>
        checkThirdPartyExternalId(role.assumeRolePolicy, configOf<TrustConfig>(TRUST_SCHEMA, args)),
    ),
};

const MANAGED_POLICY_SCHEMA: PolicyConfigSchema = {
    properties: {
        deniedPolicies: {
            type: "array",
            items: { type: "string" },
            default: [
                "AdministratorAccess",
                "PowerUserAccess",
                "IAMFullAccess",
                "AmazonS3FullAccess",
                "AmazonSQSFullAccess",
                "AmazonSNSFullAccess",
                "AWSGlueConsoleFullAccess",
                "AmazonAthenaFullAccess",
                "AWSKeyManagementServicePowerUser",
            ],
            description: "Names of AWS managed policies that must not be attached.",
        },
    },
};

export const iamNoBroadManagedPolicy: ResourceValidationPolicy = {
    name: "iam-no-broad-managed-policy",
    description:
        "No role, user or group gets a broad AWS managed policy (AdministratorAccess, PowerUserAccess, *FullAccess of the lake's services); AWSGlueServiceRole stays allowed for crawlers.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: MANAGED_POLICY_SCHEMA,
    validateResource: [
        checkEach(aws.iam.Role, (role, args) =>
            checkNoBroadManagedPolicy(listOf(role.managedPolicyArns), configOf<ManagedPolicyConfig>(MANAGED_POLICY_SCHEMA, args)),
        ),
        ...T.managedPolicyAttachment.map((cls: ResourceClass) =>
            checkEach(cls, (attachment, args) =>
                checkNoBroadManagedPolicy([attachment.policyArn], configOf<ManagedPolicyConfig>(MANAGED_POLICY_SCHEMA, args)),
            ),
        ),
    ],
};

const ACCOUNT_LIST = { type: "array", items: { type: "string", pattern: "^\\d{12}$" }, default: [] } as const;

const SHARING_SCHEMA: PolicyConfigSchema = {
    properties: {
        accountIds: TRUST_SCHEMA.properties!.accountIds,
        readerAccounts: {
            ...ACCOUNT_LIST,
            description:
                "Accounts the stack's readers setting names (incremental-crawl:readers): they may read through the bucket, key and catalog policies.",
        },
        endpointOwnerAccounts: {
            ...ACCOUNT_LIST,
            description:
                "Accounts whose queues or functions subscribe themselves to the lake topic (tables' subscribers with subscribedBy endpoint-owner).",
        },
    },
};

export const iamCrossAccountPrincipalsConfigured: ResourceValidationPolicy = {
    name: "iam-cross-account-principals-configured",
    description:
        "No resource policy (bucket, key, Data Catalog, topic, queue, function permission) allows another account unless configured: readers (readerAccounts) only read through bucket, key and catalog policies; endpoint owners (endpointOwnerAccounts) only subscribe through the topic policy.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: SHARING_SCHEMA,
    validateResource: [
        checkEach(aws.lambda.Permission, (permission, args) =>
            checkCrossAccountPrincipals(
                "function permission",
                permissionStatements(permission),
                configOf<SharingConfig>(SHARING_SCHEMA, args),
            ),
        ),
        ...SHARED_DOCUMENTS.map(([cls, kind]) =>
            checkEach(cls, (props, args) => {
                const doc = parsePolicy(props.policy);
                if (doc === undefined) return [];
                return "error" in doc
                    ? [`${kind} ${doc.error}`]
                    : checkCrossAccountPrincipals(kind, doc.statements, configOf<SharingConfig>(SHARING_SCHEMA, args));
            }),
        ),
    ],
};

export const iamPolicies = [
    iamNoWildcardAction,
    iamNoWildcardDataResource,
    iamThirdPartyExternalId,
    iamNoBroadManagedPolicy,
    iamCrossAccountPrincipalsConfigured,
];
