import * as assert from "node:assert/strict";
import { kmsKeyAdmitsDeliveringServices, kmsKeyPolicyNoPublicPrincipal, kmsKeyRotation } from "../../policies/rules/kms";
import {
    ACCOUNT,
    doc,
    eventPath,
    Fake,
    KEY,
    replace,
    stackViolations,
    TOPIC,
    TOPIC_POLICY,
    unknown,
    violationsOf,
    withProps,
} from "./support";
import { alarmsPublish } from "../harness/wiring";

const ALERTS_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1111`;

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

const key = (policy: string): Fake => ({
    type: KEY,
    name: "key",
    props: { policy, enableKeyRotation: true },
    outputs: { policy, arn: KEY_ARN, keyId: "1111" },
});
const onKey = (f: Fake, keyId = KEY_ARN, source = "key") => withProps(f, { kmsMasterKeyId: keyId }, { kmsMasterKeyId: [source] });

/** The event path with its topic and queue on the lake key, and an alerts topic CloudWatch publishes to, on the same key. */
function encrypted(keyPolicy: string): Fake[] {
    return [
        key(keyPolicy),
        ...eventPath().map((f) => (f.name === "topic" || f.name === "queue" ? onKey(f) : f)),
        onKey({ type: TOPIC, name: "alerts", props: {}, outputs: { arn: ALERTS_ARN } }),
        {
            type: TOPIC_POLICY,
            name: "alerts-policy",
            props: { arn: ALERTS_ARN, policy: doc(alarmsPublish(ALERTS_ARN)) },
            from: { arn: ["alerts"] },
        },
    ];
}

const ALIAS = "aws:kms/alias:Alias";

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
                'key policy statement "Anyone" allows Principal "*" without a condition naming the callers (kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn): anyone could use the key; name the principals',
            ];
            assert.deepEqual(await violationsOf(kmsKeyPolicyNoPublicPrincipal, KEY, { policy: open }), expected);
            assert.deepEqual(
                await violationsOf(kmsKeyPolicyNoPublicPrincipal, "aws:kms/keyPolicy:KeyPolicy", { keyId: "1111", policy: open }),
                expected,
            );
        });
        it("counts only a condition that names the callers, and reports NotPrincipal as everyone", async () => {
            const anyone = { Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" };
            const report = async (statement: object) =>
                (await violationsOf(kmsKeyPolicyNoPublicPrincipal, KEY, { policy: doc(ROOT, statement) })).length;
            for (const Condition of [
                { Bool: { "aws:SecureTransport": "true" } },
                { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
                { StringEqualsIfExists: { "kms:CallerAccount": ACCOUNT } },
                { StringNotEquals: { "kms:CallerAccount": "999999999999" } },
                { StringLike: { "kms:CallerAccount": "1*" } },
            ])
                assert.equal(await report({ ...anyone, Condition }), 1, JSON.stringify(Condition));
            assert.equal(await report({ ...anyone, Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }), 1);
            for (const Condition of [
                { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
                { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
                { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/lake-*` } },
            ])
                assert.equal(await report({ ...anyone, Condition }), 0, JSON.stringify(Condition));
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
                key(doc(ROOT, decryptOnly)),
                { type: ALIAS, name: "alias", props: { name: "alias/lake", targetKeyId: "1111" }, from: { targetKeyId: ["key"] } },
                // No queue policy: the subscription alone shows that SNS delivers into the queue.
                ...replace(
                    eventPath().filter((f) => f.name !== "queue-policy"),
                    "queue",
                    (q) => onKey(q, "alias/lake", "alias"),
                ).map((f) => (f.name === "subscription" ? { ...f, dependsOn: [] } : f)),
            ];
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, graph), [
                {
                    resource: "queue",
                    message:
                        "encrypted with KMS key key, whose key policy does not allow sns.amazonaws.com kms:GenerateDataKey: sns.amazonaws.com could not deliver here; add a key policy statement for sns.amazonaws.com with kms:GenerateDataKey* and kms:Decrypt",
                },
            ]);
        });
        it("reads a key without a policy as KMS's default policy, which admits no service", async () => {
            const graph = encrypted(doc(ROOT)).map((f) =>
                f.name === "key" ? { ...f, props: {}, outputs: { arn: KEY_ARN, keyId: "1111" } } : f,
            );
            assert.deepEqual(
                (await stackViolations(kmsKeyAdmitsDeliveringServices, graph)).map((v) => v.resource),
                ["topic", "alerts", "queue"],
            );
        });
        it("waits for a key policy that is not known yet", async () => {
            const graph = encrypted(doc(ROOT)).map((f) => (f.name === "key" ? { ...f, outputs: { ...f.outputs, policy: unknown() } } : f));
            assert.deepEqual(await stackViolations(kmsKeyAdmitsDeliveringServices, graph), []);
        });
    });
});
