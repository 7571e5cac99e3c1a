import * as assert from "node:assert/strict";
import { kmsKeyAdmitsDeliveringServices, kmsKeyPolicyNoPublicPrincipal, kmsKeyRotation } from "../../policies/rules/kms";
import { doc, Fake, stackViolations, unknown, violationsOf } from "./support";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";
const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const QUEUE = "aws:sqs/queue:Queue";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const ACCOUNT = "123456789012";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1111`;
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-queue`;

const ROOT = {
    Sid: "EnableIamPoliciesOfThisAccount",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: "kms:*",
    Resource: "*",
};
const DELIVERY = {
    Sid: "AllowS3AndSnsToDeliverEncryptedEvents",
    Effect: "Allow",
    Principal: { Service: ["s3.amazonaws.com", "sns.amazonaws.com"] },
    Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
};
const ALARMS = {
    Sid: "Alarms",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: "sns:Publish",
    Resource: TOPIC_ARN,
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
};

/** An alerts topic CloudWatch publishes to and a queue SNS sends to, both on the lake key. */
function encrypted(keyPolicy: string): Fake[] {
    return [
        {
            type: KEY,
            name: "key",
            props: { policy: keyPolicy, enableKeyRotation: true },
            outputs: { policy: keyPolicy, arn: KEY_ARN, keyId: "1111" },
        },
        {
            type: TOPIC,
            name: "alerts",
            props: { kmsMasterKeyId: KEY_ARN },
            outputs: { kmsMasterKeyId: KEY_ARN, arn: TOPIC_ARN },
            from: { kmsMasterKeyId: ["key"] },
        },
        { type: TOPIC_POLICY, name: "alerts-policy", props: { arn: TOPIC_ARN, policy: doc(ALARMS) }, from: { arn: ["alerts"] } },
        {
            type: QUEUE,
            name: "queue",
            props: { kmsMasterKeyId: KEY_ARN },
            outputs: { kmsMasterKeyId: KEY_ARN, arn: QUEUE_ARN },
            from: { kmsMasterKeyId: ["key"] },
        },
        {
            type: SUBSCRIPTION,
            name: "subscription",
            props: { protocol: "sqs", endpoint: QUEUE_ARN, topic: TOPIC_ARN },
            from: { endpoint: ["queue"] },
        },
    ];
}

describe("policies/kms", () => {
    describe("kms-key-rotation", () => {
        it("passes a rotating key and leaves asymmetric keys alone", async () => {
            assert.deepEqual(await violationsOf(kmsKeyRotation, KEY, { enableKeyRotation: true }), []);
            assert.deepEqual(await violationsOf(kmsKeyRotation, KEY, { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }), []);
        });
        it("reports a symmetric key without rotation", async () => {
            assert.deepEqual(await violationsOf(kmsKeyRotation, KEY, { enableKeyRotation: false }), [
                "key rotation is not enabled: set enableKeyRotation to true",
            ]);
            assert.deepEqual(await violationsOf(kmsKeyRotation, KEY, {}), ["key rotation is not enabled: set enableKeyRotation to true"]);
        });
    });

    describe("kms-key-policy-no-public-principal", () => {
        it("passes the lake key policy (account root and services with a condition)", async () => {
            assert.deepEqual(await violationsOf(kmsKeyPolicyNoPublicPrincipal, KEY, { policy: doc(ROOT, DELIVERY) }), []);
        });
        it('reports Principal "*" without a condition, on a key or a KeyPolicy', async () => {
            const open = doc(ROOT, { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" });
            const expected = [
                'key policy statement "Anyone" allows Principal "*" without a condition: anyone could use the key; name the principals',
            ];
            assert.deepEqual(await violationsOf(kmsKeyPolicyNoPublicPrincipal, KEY, { policy: open }), expected);
            assert.deepEqual(
                await violationsOf(kmsKeyPolicyNoPublicPrincipal, "aws:kms/keyPolicy:KeyPolicy", { keyId: "1111", policy: open }),
                expected,
            );
        });
    });

    describe("kms-key-admits-delivering-services", () => {
        it("passes a key whose policy admits every delivering service", async () => {
            const alarms = {
                Sid: "AllowAlarms",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                Resource: "*",
            };
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, encrypted(doc(ROOT, DELIVERY, alarms))), []);
        });
        it("reports a topic whose key does not admit the service that publishes to it", async () => {
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, encrypted(doc(ROOT, DELIVERY))), [
                {
                    resource: "alerts",
                    message:
                        "encrypted with KMS key key, whose key policy does not allow cloudwatch.amazonaws.com kms:GenerateDataKey and kms:Decrypt: cloudwatch.amazonaws.com could not deliver here; add a key policy statement for cloudwatch.amazonaws.com with kms:GenerateDataKey* and kms:Decrypt",
                },
            ]);
        });
        it("names the missing action, and follows an alias to its key", async () => {
            const decryptOnly = { ...DELIVERY, Action: "kms:Decrypt" };
            const graph: Fake[] = [
                ...encrypted(doc(ROOT, decryptOnly)).filter((f) => f.type !== TOPIC && f.type !== TOPIC_POLICY),
                { type: ALIAS, name: "alias", props: { name: "alias/lake", targetKeyId: "1111" }, from: { targetKeyId: ["key"] } },
            ].map((f) =>
                f.name === "queue"
                    ? {
                          ...f,
                          props: { kmsMasterKeyId: "alias/lake" },
                          outputs: { kmsMasterKeyId: "alias/lake", arn: QUEUE_ARN },
                          from: { kmsMasterKeyId: ["alias"] },
                      }
                    : f,
            );
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, graph), [
                {
                    resource: "queue",
                    message:
                        "encrypted with KMS key key, whose key policy does not allow sns.amazonaws.com kms:GenerateDataKey: sns.amazonaws.com could not deliver here; add a key policy statement for sns.amazonaws.com with kms:GenerateDataKey* and kms:Decrypt",
                },
            ]);
        });
        it("waits for a key policy that is not known yet", async () => {
            const graph = encrypted(doc(ROOT)).map((f) => (f.name === "key" ? { ...f, outputs: { ...f.outputs, policy: unknown() } } : f));
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, graph), []);
        });
    });
});
