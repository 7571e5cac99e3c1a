/**
 * S3: the lake bucket is private, encrypted, TLS-only, without ACLs, and in production versioned
 * with its exports kept.
 */
import { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import { IDS, refersTo } from "../lib/graph";
import { actionsOf, conditionValues, parsePolicy, principalsOf, resourcesOf, Statement } from "../lib/iam";
import { checkEach, configOf, PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { accessLogTargets, algorithmsOf, everyBucketHas, rulePrefixOf } from "../lib/buckets";
import { ofType, ResourceClass, T } from "../lib/types";
import { s3AuditPolicies } from "./s3-audit";
import { isRecord, joinNames, known, listOf, nonEmpty, numberOf, read, truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

export const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/**
 * All four settings of a BucketPublicAccessBlock must be true: two refuse public ACLs and bucket
 * policies, two neutralise any that exist.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
export function checkPublicAccessBlock(props: Record<string, any>): string[] {
    const open = PUBLIC_ACCESS_FLAGS.filter((f) => props[f] !== true);
    return open.length === 0
        ? []
        : [`public access is not fully blocked: ${joinNames(open)} must be true (all four settings must be true)`];
}

export const checkBucketsPublicAccessBlocked = (resources: PolicyResource[]): StackViolation[] =>
    everyBucketHas(resources, {
        settings: T.publicAccessBlock,
        check: (b) => checkPublicAccessBlock(b.props),
        missing:
            "bucket has no BucketPublicAccessBlock: add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true",
    });

export interface EncryptionConfig {
    allowedAlgorithms: string[];
    /** SSE-KMS must name a customer-managed key (production). */
    customerManagedKey?: boolean;
}

/**
 * SSE-KMS without `kmsMasterKeyId`, or with `alias/aws/s3`, encrypts with the AWS-managed key aws/s3
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html), whose
 * key policy no one can narrow. A key not known yet (preview) is taken as named.
 */
function usesAwsManagedKey(rule: unknown): boolean {
    const byDefault = isRecord(rule) ? rule.applyServerSideEncryptionByDefault : undefined;
    if (!isRecord(byDefault) || typeof byDefault.sseAlgorithm !== "string" || !byDefault.sseAlgorithm.startsWith("aws:kms")) return false;
    const key = read(() => byDefault.kmsMasterKeyId);
    return key.known && (nonEmpty(key.value) === undefined || /(^|[:/])alias\/aws\/s3$/.test(String(key.value)));
}

/** A default-encryption configuration must name an allowed algorithm (and, if asked, a customer-managed key). */
export function checkEncryptionRules(rules: unknown, config: EncryptionConfig): string[] {
    const algorithms = algorithmsOf(rules);
    if (algorithms.length === 0) return ["default encryption has no rule with applyServerSideEncryptionByDefault.sseAlgorithm"];
    const refused = algorithms.filter((a) => !config.allowedAlgorithms.includes(a));
    if (refused.length > 0) return [`default encryption uses ${refused.join(", ")}; allowed: ${config.allowedAlgorithms.join(", ")}`];
    return config.customerManagedKey && listOf(rules).some(usesAwsManagedKey)
        ? [
              "default encryption is SSE-KMS with the AWS-managed key aws/s3 (no kmsMasterKeyId, or alias/aws/s3): name a customer-managed key",
          ]
        : [];
}

export const checkBucketsEncrypted = (resources: PolicyResource[], config: EncryptionConfig): StackViolation[] =>
    everyBucketHas(resources, {
        settings: T.encryption,
        check: (c) => checkEncryptionRules(c.props.rules, config),
        inline: (bucket) => {
            // Inline settings of a bucket are computed outputs too: unknown during preview means "not set here".
            const inline = known(() => bucket.props.serverSideEncryptionConfiguration);
            return isRecord(inline) ? checkEncryptionRules(inline.rule, config) : undefined;
        },
        missing: `bucket has no default encryption: add a BucketServerSideEncryptionConfiguration with sseAlgorithm ${config.allowedAlgorithms.join(" or ")}`,
    });

const anyoneOrAll = (s: Statement) => principalsOf(s).anyone;
const BUCKET_ARN = /^arn:[^:]+:s3:::[^/]+$/;
const OBJECTS_ARN = /^arn:[^:]+:s3:::[^/]+\/\*$/;

/**
 * The TLS-only statement: Deny, to everyone, every S3 action, on the bucket and its objects, when
 * `aws:SecureTransport` is false.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
 */
export function isTlsOnlyStatement(s: Statement): boolean {
    if (s.Effect !== "Deny" || !anyoneOrAll(s)) return false;
    // Every action: a list leaves the others (s3:DeleteObject...) to plain HTTP.
    if (!actionsOf(s).some((a) => a === "*" || a === "s3:*")) return false;
    // aws:SecureTransport alone: conditions are ANDed, so another key would narrow the deny to
    // some requests (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
    const keys = Object.values(isRecord(s.Condition) ? s.Condition : {}).flatMap((block) => (isRecord(block) ? Object.keys(block) : ["?"]));
    if (keys.some((k) => k.toLowerCase() !== "aws:securetransport")) return false;
    const resources = resourcesOf(s);
    const coversBucket = resources.some((r) => r === "*" || BUCKET_ARN.test(r));
    const coversObjects = resources.some((r) => r === "*" || OBJECTS_ARN.test(r));
    const insecure = conditionValues(s, "aws:SecureTransport").some(
        (c) => /^Bool(IfExists)?$/.test(c.operator) && c.values.some((v) => v === false || v === "false"),
    );
    return coversBucket && coversObjects && insecure;
}

const TLS_STATEMENT =
    'a statement with Effect "Deny", Principal "*", Action "s3:*", Resource [bucket ARN, bucket ARN/*] and Condition {"Bool": {"aws:SecureTransport": "false"}}';

export function checkTlsOnlyPolicy(policy: unknown): string[] {
    const doc = parsePolicy(policy);
    if (doc === undefined) return [`bucket policy is empty: add ${TLS_STATEMENT}`];
    if ("error" in doc) return [`bucket policy ${doc.error}`];
    return doc.statements.some(isTlsOnlyStatement) ? [] : [`bucket policy does not deny requests without TLS: add ${TLS_STATEMENT}`];
}

export const checkBucketsTlsOnly = (resources: PolicyResource[]): StackViolation[] =>
    everyBucketHas(resources, {
        settings: T.bucketPolicy,
        check: (p) => checkTlsOnlyPolicy(p.props.policy),
        inline: (bucket) => {
            const inline = known(() => bucket.props.policy);
            return nonEmpty(inline) !== undefined || isRecord(inline) ? checkTlsOnlyPolicy(inline) : undefined;
        },
        missing: `bucket has no bucket policy denying requests without TLS: add a BucketPolicy with ${TLS_STATEMENT}`,
    });

/** Canned ACLs that open a bucket or object to everyone (or to every AWS account). */
export const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GROUPS: Record<string, string> = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
};

/**
 * No public canned ACL and no grant to the AllUsers/AuthenticatedUsers groups, on a bucket
 * (inline `acl`/`grants`), a BucketAcl or an object.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups
 */
export function checkNoPublicAcl(props: Record<string, any>, grants: { uri?: unknown; permissions: string[] }[]): string[] {
    const out: string[] = [];
    const acl = props.acl;
    if (typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl)) {
        out.push(
            `canned ACL "${acl}" opens it to ${acl === "authenticated-read" ? "every AWS account" : "everyone"}: use "private" and disable ACLs (BucketOwnershipControls BucketOwnerEnforced)`,
        );
    }
    for (const g of grants) {
        const group = typeof g.uri === "string" ? PUBLIC_GROUPS[g.uri] : undefined;
        if (group) out.push(`ACL grants ${g.permissions.join(", ") || "access"} to the ${group} group: remove the grant`);
    }
    return out;
}

export const checkBucketsOwnerEnforced = (resources: PolicyResource[]): StackViolation[] =>
    everyBucketHas(resources, {
        settings: T.ownershipControls,
        check: (c) => {
            const ownership = isRecord(c.props.rule) ? c.props.rule.objectOwnership : undefined;
            return ownership === "BucketOwnerEnforced"
                ? []
                : [
                      `objectOwnership is ${ownership ?? "not set"}: set BucketOwnerEnforced so ACLs are disabled and the bucket owner owns every object`,
                  ];
        },
        missing:
            "bucket has no BucketOwnershipControls: add one with objectOwnership BucketOwnerEnforced (ACLs disabled; objects Snowflake writes belong to the bucket owner)",
    });

/**
 * In production, every bucket keeps object versions: an overwrite or delete (a re-export, a
 * mistaken `aws s3 rm`) leaves the previous version recoverable.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
 */
export function checkBucketsVersioned(resources: PolicyResource[], config: ProductionConfig): StackViolation[] {
    if (!config.production) return [];
    return everyBucketHas(resources, {
        settings: T.versioning,
        check: (v) => {
            const status = isRecord(v.props.versioningConfiguration) ? v.props.versioningConfiguration.status : undefined;
            return status === "Enabled" ? [] : [`production stack: versioning status is ${status ?? "not set"}; set Enabled`];
        },
        inline: (bucket) => {
            const versioning = known(() => bucket.props.versioning);
            return isRecord(versioning) && truthy(versioning.enabled) ? [] : undefined;
        },
        missing: "production stack: bucket versioning is not enabled; add a BucketVersioning with status Enabled",
    });
}

export interface RetentionConfig extends ProductionConfig {
    protectedPrefix: string;
    minNoncurrentVersionDays: number;
    /**
     * Key prefixes (a table's folder, `exports/customers/`) whose objects the stack declares to
     * expire, with the days (the table's `retentionDays`): the allowed exceptions.
     */
    declaredRetention?: Record<string, number>;
}

const rulePrefix = rulePrefixOf;

/**
 * In production, no enabled lifecycle rule deletes current objects under the protected prefix
 * (the exports), and noncurrent versions are kept at least the configured number of days.
 * Works on BucketLifecycleConfiguration `rules` and a bucket's inline `lifecycleRules`.
 */
export function checkLifecycleRetention(rules: unknown, config: RetentionConfig): string[] {
    if (!config.production) return [];
    const out: string[] = [];
    listOf(rules).forEach((rule, i) => {
        if (!isRecord(rule)) return;
        const enabled = rule.status !== undefined ? rule.status === "Enabled" : rule.enabled === undefined || truthy(rule.enabled);
        if (!enabled) return;
        const id = nonEmpty(rule.id) ?? `#${i + 1}`;
        const prefix = rulePrefix(rule);
        if (!(config.protectedPrefix.startsWith(prefix) || prefix.startsWith(config.protectedPrefix))) return;
        const expiration = isRecord(rule.expiration) ? rule.expiration : undefined;
        const days = numberOf(expiration?.days);
        // A table's declared retention (its `retentionDays`) is the one allowed expiry of exports:
        // exactly its folder, exactly its days.
        const declared = (config.declaredRetention ?? {})[prefix];
        const expires = days !== undefined || nonEmpty(expiration?.date) !== undefined;
        const when = days !== undefined ? `after ${days} day${days === 1 ? "" : "s"}` : `on ${expiration?.date}`;
        if (expires && declared === undefined) {
            out.push(
                `production stack: lifecycle rule "${id}" deletes current objects under "${prefix}" ${when}, which covers ${config.protectedPrefix}: keep the exports; limit expiration to other prefixes, or declare it as a table's retentionDays (policy config declaredRetention)`,
            );
        } else if (expires && days !== declared) {
            out.push(
                `production stack: lifecycle rule "${id}" deletes current objects under "${prefix}" ${when}, but the table declares a retention of ${declared} days: expire it after exactly those days`,
            );
        }
        const noncurrent = isRecord(rule.noncurrentVersionExpiration) ? rule.noncurrentVersionExpiration : undefined;
        const noncurrentDays = numberOf(noncurrent?.noncurrentDays ?? noncurrent?.days);
        if (noncurrentDays !== undefined && noncurrentDays < config.minNoncurrentVersionDays) {
            out.push(
                `production stack: lifecycle rule "${id}" deletes noncurrent versions after ${noncurrentDays} day${noncurrentDays === 1 ? "" : "s"}; keep them at least ${config.minNoncurrentVersionDays} days`,
            );
        }
    });
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const s3PublicAccessBlocked = stackPolicy({
    name: "s3-public-access-blocked",
    description:
        "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true, so no ACL or bucket policy can make the lake public.",
    enforcementLevel: "mandatory",
    severity: "critical",
    check: (resources) => checkBucketsPublicAccessBlocked(resources),
});

const ENCRYPTION_SCHEMA: PolicyConfigSchema = {
    properties: {
        allowedAlgorithms: {
            type: "array",
            items: { type: "string", enum: ["AES256", "aws:kms", "aws:kms:dsse"] },
            default: ["AES256", "aws:kms", "aws:kms:dsse"],
            description: "Default-encryption algorithms a bucket may use.",
        },
    },
};

export const s3DefaultEncryption = stackPolicy<EncryptionConfig>({
    name: "s3-default-encryption",
    description:
        "Every S3 bucket has default encryption (a BucketServerSideEncryptionConfiguration) with an allowed algorithm, so every object Snowflake unloads is encrypted at rest.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: ENCRYPTION_SCHEMA,
    check: (resources, config) => checkBucketsEncrypted(resources, config),
});

export const s3TlsOnly = stackPolicy({
    name: "s3-tls-only",
    description:
        'Every S3 bucket has a bucket policy that denies all requests made without TLS (Deny, Principal "*", s3:*, Condition aws:SecureTransport = false).',
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkBucketsTlsOnly(resources),
});

/** The grants of a bucket's or an object's inline `grants`. */
const inlineGrants = (props: Record<string, any>) =>
    listOf(props.grants).map((g) => ({ uri: g?.uri, permissions: listOf<string>(g?.permissions) }));

export const s3NoPublicAcl: ResourceValidationPolicy = {
    name: "s3-no-public-acl",
    description:
        "No bucket, BucketAcl or object uses a public canned ACL (public-read, public-read-write, authenticated-read) or grants to the AllUsers/AuthenticatedUsers groups.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: [
        ...[...T.bucket, ...T.bucketObject].map((cls: ResourceClass) =>
            checkEach(cls, (props) => checkNoPublicAcl(props, inlineGrants(props))),
        ),
        ...T.bucketAcl.map((cls: ResourceClass) =>
            checkEach(cls, (acl) => {
                const grants = listOf(isRecord(acl.accessControlPolicy) ? acl.accessControlPolicy.grants : undefined).map((g) => ({
                    uri: g?.grantee?.uri,
                    permissions: listOf<string>(g?.permission),
                }));
                return checkNoPublicAcl(acl, grants);
            }),
        ),
    ],
};

export const s3AclsDisabled = stackPolicy({
    name: "s3-acls-disabled",
    description:
        "Every S3 bucket has BucketOwnershipControls with BucketOwnerEnforced: ACLs are disabled and the bucket owner owns the objects Snowflake writes.",
    enforcementLevel: "advisory",
    severity: "medium",
    check: (resources) => checkBucketsOwnerEnforced(resources),
});

/**
 * In a production stack every bucket's default encryption is SSE-KMS: the lake holds the only copy
 * of rows Snowflake has since deleted, and a customer-managed key confines who can decrypt it
 * (config.ts refuses `encryption: sse-s3` with `production: true` too).
 */
export function checkProductionKms(resources: PolicyResource[], config: ProductionConfig): StackViolation[] {
    if (!config.production) return [];
    // A bucket that receives server access logs holds logs, not exports, and may only use SSE-S3:
    // "Default server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is
    // not supported" on a log target (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    // s3-access-log-target-deliverable checks it is SSE-S3; here it is the one deliberate exception.
    const logTargets = accessLogTargets(resources);
    const isLogTargetSetting = (urn: string | undefined) =>
        logTargets.some(
            (t) => t.urn === urn || ofType(resources, T.encryption).some((c) => c.urn === urn && refersTo(c, "bucket", t, IDS.bucket)),
        );
    return checkBucketsEncrypted(resources, { allowedAlgorithms: ["aws:kms", "aws:kms:dsse"], customerManagedKey: true })
        .filter((v) => !isLogTargetSetting(v.urn))
        .map((v) => ({ ...v, message: `production stack: ${v.message}` }));
}

export const s3KmsInProduction = stackPolicy<ProductionConfig>({
    name: "s3-kms-in-production",
    description:
        "In a production stack (config `production`), every S3 bucket's default encryption is SSE-KMS with a customer-managed key, not SSE-S3.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkProductionKms(resources, config),
});

export const s3VersioningInProduction = stackPolicy<ProductionConfig>({
    name: "s3-versioning-in-production",
    description:
        "In a production stack (config `production`), every S3 bucket has versioning Enabled so overwritten or deleted exports can be recovered.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkBucketsVersioned(resources, config),
});

const RETENTION_SCHEMA: PolicyConfigSchema = {
    properties: {
        ...PRODUCTION_SCHEMA.properties,
        protectedPrefix: {
            type: "string",
            default: "exports/",
            description: "Key prefix whose objects must be kept (the project's `exportPrefix` and a slash).",
        },
        minNoncurrentVersionDays: {
            type: "integer",
            minimum: 1,
            default: 30,
            description: "Fewest days a noncurrent object version is kept.",
        },
        declaredRetention: {
            type: "object",
            additionalProperties: { type: "integer", minimum: 1 },
            default: {},
            description:
                "Key prefix of a table's folder → its declared retentionDays: the only exports a lifecycle rule may expire, after exactly those days.",
        },
    },
};

export const s3RetentionInProduction: ResourceValidationPolicy = {
    name: "s3-retention-in-production",
    description:
        "In a production stack, no lifecycle rule deletes current objects under the export prefix except a table's declared retention (its folder, its days), and noncurrent versions are kept at least `minNoncurrentVersionDays`.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: RETENTION_SCHEMA,
    validateResource: [
        ...T.lifecycle.map((cls: ResourceClass) =>
            checkEach(cls, (lifecycle, args) =>
                checkLifecycleRetention(lifecycle.rules, configOf<RetentionConfig>(RETENTION_SCHEMA, args)),
            ),
        ),
        ...T.bucket.map((cls: ResourceClass) =>
            checkEach(cls, (bucket, args) =>
                checkLifecycleRetention(bucket.lifecycleRules, configOf<RetentionConfig>(RETENTION_SCHEMA, args)),
            ),
        ),
    ],
};

export const s3Policies = [
    s3KmsInProduction,
    s3PublicAccessBlocked,
    s3DefaultEncryption,
    s3TlsOnly,
    s3NoPublicAcl,
    s3AclsDisabled,
    s3VersioningInProduction,
    s3RetentionInProduction,
    ...s3AuditPolicies,
];
