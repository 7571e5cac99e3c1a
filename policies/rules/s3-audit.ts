/**
 * S3, audit and recovery: in production every bucket of the lake's data records who read or
 * deleted its objects (server access logs, or a named CloudTrail trail), the buckets that receive
 * those logs can receive them, and the bucket holding the exports is replicated where deletes do not
 * reach.
 */
import { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";
import {
    accessLogTargets,
    encryptionAlgorithmsOf,
    loggingEdges,
    replicaDestinations,
    ruleFiltersByTag,
    rulePrefixOf,
} from "../lib/buckets";
import { IDS, refersTo } from "../lib/graph";
import { actionMatches, bindsKey, isAllow, principalsOf, resourcesOf, Statement, statementsOf } from "../lib/iam";
import { PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, T } from "../lib/types";
import { isRecord, known, listOf, truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

export interface AccessLoggingConfig extends ProductionConfig {
    /** The stack names a CloudTrail trail that records S3 data events for its buckets (config auditTrail "cloudtrail:<ARN>"). */
    cloudTrailDataEvents: boolean;
}

/**
 * In production every bucket but the log buckets has server access logging (a BucketLogging or the
 * bucket's inline `logging`), so reads and deletes of the lake's objects leave a record
 * (CKV_AWS_18, FSBP S3.9), unless the stack names a CloudTrail trail with S3 data events. A log
 * bucket is exempt: it should not log itself ("Your target bucket should not have server access
 * logging enabled", https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export function checkAccessLogging(resources: PolicyResource[], config: AccessLoggingConfig): StackViolation[] {
    if (!config.production || config.cloudTrailDataEvents) return [];
    const targets = accessLogTargets(resources);
    const edges = loggingEdges(resources);
    return ofType(resources, T.bucket)
        .filter((b) => !targets.some((t) => t.urn === b.urn) && !edges.some((e) => e.source.urn === b.urn))
        .map((b) => ({
            urn: b.urn,
            message:
                "production stack: the bucket has no server access logging, so nothing records who read or deleted its objects; " +
                'add a BucketLogging into a log bucket of the stack (auditTrail "access-logs"), or name a CloudTrail trail with S3 data events for it (auditTrail "cloudtrail:<ARN>", policy config cloudTrailDataEvents)',
        }));
}

const LOGGING_PRINCIPAL = "logging.s3.amazonaws.com";

/** A statement that lets S3 log delivery write, confined to a source bucket and account. */
function admitsLogDelivery(s: Statement): boolean {
    if (!isAllow(s) || !principalsOf(s).service.includes(LOGGING_PRINCIPAL)) return false;
    if (!listOf<string>(s.Action).some((a) => actionMatches(String(a), "s3:PutObject"))) return false;
    return bindsKey(s, "aws:SourceArn") && bindsKey(s, "aws:SourceAccount") && resourcesOf(s).length > 0;
}

/**
 * A bucket that receives server access logs can receive them (S3 user guide, enable-server-access-logging):
 * - its default encryption is SSE-S3: "Default server-side encryption with AWS Key Management
 *   Service (AWS KMS) keys (SSE-KMS) is not supported" (logs are then not delivered);
 * - it has no Object Lock ("You can't enable S3 Object Lock on the target bucket");
 * - its bucket policy admits `logging.s3.amazonaws.com` for `s3:PutObject` under conditions on
 *   `aws:SourceArn` and `aws:SourceAccount` (the only way with ACLs disabled, and the confused-deputy guard);
 * - and no bucket logs into itself ("an infinite loop of logs").
 */
export function checkAccessLogTargets(resources: PolicyResource[]): StackViolation[] {
    const out: StackViolation[] = [];
    const policies = ofType(resources, T.bucketPolicy);
    const locks = ofType(resources, T.objectLock);
    for (const e of loggingEdges(resources)) {
        if (e.target?.urn === e.source.urn) {
            out.push({
                urn: e.via.urn,
                message:
                    "the bucket logs its requests into itself: every log object is a request that is logged again (an endless loop, S3 user guide); log into a separate bucket",
            });
        }
    }
    for (const t of accessLogTargets(resources)) {
        const kms = encryptionAlgorithmsOf(resources, t).filter((a) => a.startsWith("aws:kms"));
        if (kms.length > 0) {
            out.push({
                urn: t.urn,
                message: `receives server access logs but its default encryption is ${kms.join(", ")}: S3 supports only SSE-S3 (AES256) on a log target, so no log is delivered; use AES256`,
            });
        }
        if (truthy(known(() => t.props.objectLockEnabled)) || locks.some((l) => refersTo(l, "bucket", t, IDS.bucket))) {
            out.push({
                urn: t.urn,
                message: "receives server access logs but has Object Lock: S3 cannot use a bucket with Object Lock as a log target",
            });
        }
        const own = policies.filter((p) => refersTo(p, "bucket", t, IDS.bucket));
        const admits = own.some((p) => statementsOf(p.props.policy)?.some(admitsLogDelivery));
        if (!admits) {
            out.push({
                urn: t.urn,
                message: `receives server access logs but no bucket policy lets ${LOGGING_PRINCIPAL} s3:PutObject under conditions on aws:SourceArn (the logged bucket) and aws:SourceAccount: with ACLs disabled S3 refuses the logs`,
            });
        }
    }
    return out;
}

export interface RecoveryConfig extends ProductionConfig {
    protectedPrefix: string;
}

/**
 * In production the bucket holding the exports (every bucket but log buckets and replica buckets)
 * replicates them (CKV_AWS_144, FSBP S3.7) in a way that keeps deletes recoverable: an enabled rule
 * covering the whole export prefix, delete markers not replicated (so a delete in the lake leaves
 * the replica's object current: https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html),
 * and SSE-KMS objects included when the bucket uses KMS ("To replicate objects encrypted with KMS
 * key ... you must explicitly enable the option",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
 */
export function checkRecovery(resources: PolicyResource[], config: RecoveryConfig): StackViolation[] {
    if (!config.production) return [];
    const out: StackViolation[] = [];
    const exempt = [...accessLogTargets(resources), ...replicaDestinations(resources)];
    const configs = ofType(resources, T.replication);
    for (const b of ofType(resources, T.bucket).filter((x) => !exempt.some((e) => e.urn === x.urn))) {
        const own = configs.filter((c) => refersTo(c, "bucket", b, IDS.bucket));
        const inline = known(() => b.props.replicationConfiguration);
        const rules: { rule: Record<string, any>; urn: string }[] = [
            ...own.flatMap((c) =>
                listOf(c.props.rules)
                    .filter(isRecord)
                    .map((rule) => ({ rule, urn: c.urn })),
            ),
            ...(isRecord(inline)
                ? listOf(inline.rules)
                      .filter(isRecord)
                      .map((rule) => ({ rule, urn: b.urn }))
                : []),
        ];
        if (rules.length === 0) {
            out.push({
                urn: b.urn,
                message:
                    `production stack: the bucket is not replicated, so an object deleted under ${config.protectedPrefix} is recoverable only while its noncurrent version lasts; ` +
                    "replicate the exports to a versioned bucket in another allowed region (BucketReplicationConfig, delete markers not replicated)",
            });
            continue;
        }
        const covering = rules.filter(
            ({ rule }) => rule.status === "Enabled" && config.protectedPrefix.startsWith(rulePrefixOf(rule)) && !ruleFiltersByTag(rule),
        );
        if (covering.length === 0) {
            out.push({
                urn: own[0]?.urn ?? b.urn,
                message: `production stack: no enabled replication rule covers all of ${config.protectedPrefix}: exports outside the rules' prefixes (or without the tags a rule filters on) have no recovery copy`,
            });
        }
        const kms = encryptionAlgorithmsOf(resources, b).some((a) => a.startsWith("aws:kms"));
        for (const { rule, urn } of covering) {
            const id = typeof rule.id === "string" ? `"${rule.id}"` : "of the bucket";
            if (isRecord(rule.deleteMarkerReplication) && rule.deleteMarkerReplication.status === "Enabled") {
                out.push({
                    urn,
                    message: `production stack: replication rule ${id} replicates delete markers, so a delete in the lake hides the object in the replica too; set deleteMarkerReplication Disabled so every delete stays recoverable`,
                });
            }
            const sse =
                isRecord(rule.sourceSelectionCriteria) && isRecord(rule.sourceSelectionCriteria.sseKmsEncryptedObjects)
                    ? rule.sourceSelectionCriteria.sseKmsEncryptedObjects.status
                    : undefined;
            if (kms && sse !== "Enabled") {
                out.push({
                    urn,
                    message: `production stack: replication rule ${id} leaves out SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects is not Enabled), and every export is SSE-KMS: nothing would be replicated`,
                });
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

const ACCESS_LOGGING_SCHEMA: PolicyConfigSchema = {
    properties: {
        ...PRODUCTION_SCHEMA.properties,
        cloudTrailDataEvents: {
            type: "boolean",
            default: false,
            description:
                'The stack names an existing CloudTrail trail that records S3 data events for its buckets (auditTrail "cloudtrail:<ARN>"), in place of access logs.',
        },
    },
};

export const s3AccessLoggingInProduction = stackPolicy<AccessLoggingConfig>({
    name: "s3-access-logging-in-production",
    description:
        "In a production stack every bucket but the log buckets has server access logging into a separate bucket, so reads and deletes of lake objects are recorded, unless the stack names a CloudTrail trail with S3 data events.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: ACCESS_LOGGING_SCHEMA,
    check: (resources, config) => checkAccessLogging(resources, config),
});

export const s3AccessLogTargetDeliverable = stackPolicy({
    name: "s3-access-log-target-deliverable",
    description:
        "A bucket receiving server access logs can receive them: SSE-S3 default encryption (SSE-KMS is not supported), no Object Lock, a policy admitting logging.s3.amazonaws.com with aws:SourceArn/aws:SourceAccount; no bucket logs into itself.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkAccessLogTargets(resources),
});

export const s3ReplicatedInProduction = stackPolicy<RecoveryConfig>({
    name: "s3-replicated-in-production",
    description:
        "In a production stack the bucket holding the exports has an enabled replication rule covering the export prefix, with delete markers not replicated and SSE-KMS objects included, so every delete stays recoverable.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            ...PRODUCTION_SCHEMA.properties,
            protectedPrefix: {
                type: "string",
                default: "exports/",
                description: "Key prefix whose objects must be replicated (the project's `exportPrefix` and a slash).",
            },
        },
    },
    check: (resources, config) => checkRecovery(resources, config),
});

export const s3AuditPolicies = [s3AccessLoggingInProduction, s3AccessLogTargetDeliverable, s3ReplicatedInProduction];
