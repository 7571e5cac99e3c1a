/**
 * The roles buckets play in a stack's graph, read from the resources that configure them: a bucket
 * that receives another bucket's server access logs, a bucket that receives replicas, and a bucket's
 * default-encryption algorithms.
 */
import { PolicyResource } from "@pulumi/policy";
import { IDS, refersTo } from "./graph";
import { StackViolation } from "./rule";
import { ofType, ResourceClass, T } from "./types";
import { isRecord, known, listOf, nonEmpty } from "./values";

/** A logging configuration: the bucket it logs and the bucket it logs into. */
export interface LoggingEdge {
    /** The BucketLogging resource, or the bucket itself for an inline `logging` block. */
    via: PolicyResource;
    source: PolicyResource;
    target?: PolicyResource;
}

/** Every logging configuration of the graph, resolved to buckets where it can be. */
export function loggingEdges(resources: PolicyResource[]): LoggingEdge[] {
    const buckets = ofType(resources, T.bucket);
    const out: LoggingEdge[] = [];
    for (const l of ofType(resources, T.bucketLogging)) {
        const source = buckets.find((b) => refersTo(l, "bucket", b, IDS.bucket));
        if (!source) continue;
        out.push({ via: l, source, target: buckets.find((b) => refersTo(l, "targetBucket", b, IDS.bucket)) });
    }
    for (const b of buckets) {
        const inline = known(() => b.props.logging);
        const target = isRecord(inline) ? nonEmpty(inline.targetBucket) : undefined;
        if (target !== undefined)
            out.push({
                via: b,
                source: b,
                target: buckets.find((x) =>
                    [known(() => x.props.bucket), known(() => x.props.id), known(() => x.props.arn)].includes(target),
                ),
            });
    }
    return out;
}

/** Buckets that receive server access logs. */
export function accessLogTargets(resources: PolicyResource[]): PolicyResource[] {
    const targets = loggingEdges(resources)
        .map((e) => e.target)
        .filter((t): t is PolicyResource => t !== undefined);
    return ofType(resources, T.bucket).filter((b) => targets.some((t) => t.urn === b.urn));
}

/** Buckets a replication rule writes replicas into. */
export function replicaDestinations(resources: PolicyResource[]): PolicyResource[] {
    const configs = ofType(resources, T.replication);
    return ofType(resources, T.bucket).filter((b) =>
        configs.some((c) => !refersTo(c, "bucket", b, IDS.bucket) && refersTo(c, "rules", b, IDS.bucket)),
    );
}

/** Default-encryption algorithms of a BucketServerSideEncryptionConfiguration (`rules`) or a bucket's inline `serverSideEncryptionConfiguration` (`rule`). */
export const algorithmsOf = (rules: unknown): string[] =>
    listOf(rules)
        .map((r) =>
            isRecord(r) && isRecord(r.applyServerSideEncryptionByDefault) ? r.applyServerSideEncryptionByDefault.sseAlgorithm : undefined,
        )
        .filter((a): a is string => typeof a === "string");

/** Default-encryption algorithms of a bucket: its BucketServerSideEncryptionConfiguration(s), or its inline block. */
export function encryptionAlgorithmsOf(resources: PolicyResource[], bucket: PolicyResource): string[] {
    const configs = ofType(resources, T.encryption).filter((c) => refersTo(c, "bucket", bucket, IDS.bucket));
    const inline = known(() => bucket.props.serverSideEncryptionConfiguration);
    return [...configs.flatMap((c) => algorithmsOf(known(() => c.props.rules))), ...(isRecord(inline) ? algorithmsOf(inline.rule) : [])];
}

/**
 * "Every bucket has setting X": what `check` says of each resource of `settings`; then, per bucket,
 * what `inline` says of its own inline setting where it has one (`inline` returns undefined when it
 * has none), else `missing` when no resource of `settings` names the bucket.
 */
export function everyBucketHas(
    resources: PolicyResource[],
    spec: {
        settings: readonly ResourceClass[];
        check: (setting: PolicyResource) => string[];
        inline?: (bucket: PolicyResource) => string[] | undefined;
        missing: string;
    },
): StackViolation[] {
    const settings = ofType(resources, spec.settings);
    const out = settings.flatMap((s) => spec.check(s).map((message) => ({ message, urn: s.urn })));
    for (const bucket of ofType(resources, T.bucket)) {
        const inline = spec.inline?.(bucket);
        if (inline !== undefined) out.push(...inline.map((message) => ({ message, urn: bucket.urn })));
        else if (!settings.some((s) => refersTo(s, "bucket", bucket, IDS.bucket))) out.push({ message: spec.missing, urn: bucket.urn });
    }
    return out;
}

/**
 * Whether a lifecycle or replication rule's filter names tags: it then applies only to objects with
 * those tags (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRuleFilter.html), and
 * Snowflake's unloads carry none.
 */
export function ruleFiltersByTag(rule: Record<string, any>): boolean {
    const f = isRecord(rule.filter) ? rule.filter : {};
    return f.tag !== undefined || (isRecord(f.and) && listOf(f.and.tags).length > 0) || (isRecord(f.and) && isRecord(f.and.tags));
}

/** The key prefix a lifecycle or replication rule applies to ("" for the whole bucket). */
export function rulePrefixOf(rule: Record<string, any>): string {
    const f = isRecord(rule.filter) ? rule.filter : {};
    const p = f.prefix ?? (isRecord(f.and) ? f.and.prefix : undefined) ?? rule.prefix;
    return typeof p === "string" ? p : "";
}
