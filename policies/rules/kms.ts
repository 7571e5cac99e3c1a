/**
 * KMS: the lake's customer-managed key rotates, is not open to everyone, and admits the services
 * that must deliver encrypted events (S3 into the topic, SNS into the queues, CloudWatch and
 * EventBridge into the alerts topic).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import { queueSenders, topicPublishers } from "../lib/delivery";
import { IDS, refersTo } from "../lib/graph";
import { allowsAction, bindsKey, checkAllows, isAllow, principalsOf, Statement, statementsOf } from "../lib/iam";
import { checkEach, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, T } from "../lib/types";
import { joinNames, read, truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/**
 * A symmetric encryption key rotates its key material (yearly by default); old material keeps
 * decrypting what it encrypted. Asymmetric and HMAC keys cannot rotate and are not checked.
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
export function checkKeyRotation(props: Record<string, any>): string[] {
    const spec = props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    const usage = props.keyUsage ?? "ENCRYPT_DECRYPT";
    if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return [];
    return truthy(props.enableKeyRotation) ? [] : ["key rotation is not enabled: set enableKeyRotation to true"];
}

/**
 * Condition keys that name who calls: a statement for `Principal "*"` is confined when it binds one
 * of them. Any other condition (aws:SecureTransport, kms:ViaService alone...) leaves the key to
 * every account. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account
 */
const CALLER_KEYS = [
    "kms:CallerAccount",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
];

/** No key policy statement allows everyone (`Principal "*"`, or `NotPrincipal`) unless a condition names the callers. */
export function checkKeyPolicyNoPublicPrincipal(policy: unknown): string[] {
    return checkAllows(policy, "key policy", (s, label) =>
        principalsOf(s).anyone && !CALLER_KEYS.some((k) => bindsKey(s, k))
            ? [
                  `${label} allows Principal "*" without a condition naming the callers (${CALLER_KEYS.join(", ")}): anyone could use the key; name the principals`,
              ]
            : [],
    );
}

/** The KMS actions a service needs to deliver into an encrypted topic or queue. */
export const DELIVERY_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

/** The customer-managed key of the stack a topic or queue is encrypted with (directly or through an alias). */
function keyOf(target: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
    const keys = ofType(resources, T.key);
    const direct = keys.find((k) => refersTo(target, "kmsMasterKeyId", k, IDS.key));
    if (direct) return direct;
    const alias = ofType(resources, T.alias).find((a) => refersTo(target, "kmsMasterKeyId", a, IDS.alias));
    return alias ? keys.find((k) => refersTo(alias, "targetKeyId", k, IDS.key)) : undefined;
}

/**
 * Key policy statements of a key: its `policy` input, or a KeyPolicy resource of it. Without
 * either, KMS gives the key its default policy, which admits the account's IAM policies and no
 * service (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html): no
 * statement for a service. Undefined when not known (preview) or not readable.
 */
function keyStatements(key: PolicyResource, resources: PolicyResource[]): Statement[] | undefined {
    const keyPolicy = ofType(resources, T.keyPolicy).find((p) => refersTo(p, "keyId", key, IDS.key));
    const policy = read(() => (keyPolicy ? keyPolicy.props.policy : key.props.policy));
    if (!policy.known) return undefined;
    return policy.value === undefined || policy.value === null ? [] : statementsOf(policy.value);
}

/**
 * Every service that delivers into a topic or queue encrypted with one of the stack's keys is
 * allowed kms:GenerateDataKey and kms:Decrypt by that key's policy.
 */
export function checkKeysAdmitDeliveringServices(resources: PolicyResource[]): StackViolation[] {
    const out: StackViolation[] = [];
    const targets = [
        ...ofType(resources, T.topic).map((t) => ({ node: t, services: () => topicPublishers(t, resources) })),
        ...ofType(resources, T.queue).map((q) => ({ node: q, services: () => queueSenders(q, resources) })),
    ];
    for (const { node, services } of targets) {
        const key = keyOf(node, resources);
        if (!key) continue;
        const statements = keyStatements(key, resources);
        if (!statements) continue;
        for (const service of services()) {
            const grants = statements.filter((s) => isAllow(s) && (principalsOf(s).anyone || principalsOf(s).service.includes(service)));
            const missing = DELIVERY_KEY_ACTIONS.filter((a) => !grants.some((s) => allowsAction(s, a)));
            if (missing.length > 0) {
                out.push({
                    urn: node.urn,
                    message: `encrypted with KMS key ${key.name}, whose key policy does not allow ${service} ${joinNames(missing)}: ${service} could not deliver here; add a key policy statement for ${service} with kms:GenerateDataKey* and kms:Decrypt`,
                });
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description: "Symmetric customer-managed KMS keys have automatic key rotation enabled (enableKeyRotation).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: checkEach(aws.kms.Key, checkKeyRotation),
};

export const kmsKeyPolicyNoPublicPrincipal: ResourceValidationPolicy = {
    name: "kms-key-policy-no-public-principal",
    description:
        'No KMS key policy allows Principal "*" (or NotPrincipal) without a condition naming the callers (kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID...); the account root and named service principals are how a key is shared.',
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: [
        checkEach(aws.kms.Key, (key) => checkKeyPolicyNoPublicPrincipal(key.policy)),
        checkEach(aws.kms.KeyPolicy, (keyPolicy) => checkKeyPolicyNoPublicPrincipal(keyPolicy.policy)),
    ],
};

export const kmsKeyAdmitsDeliveringServices = stackPolicy({
    name: "kms-key-admits-delivering-services",
    description:
        "A topic or queue encrypted with one of the stack's KMS keys has a key whose policy lets each delivering service (S3, SNS, CloudWatch, EventBridge) use kms:GenerateDataKey and kms:Decrypt; otherwise events are silently dropped.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkKeysAdmitDeliveringServices(resources),
});

export const kmsPolicies = [kmsKeyRotation, kmsKeyPolicyNoPublicPrincipal, kmsKeyAdmitsDeliveringServices];
