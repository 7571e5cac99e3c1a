/**
 * What the stack graphs cannot show: the lake key policy in another partition, and a crawler policy
 * refused without the lake key (config never asks for one). The documents of the dev and prod graphs
 * are asserted in event-lake, catalog, snowflake-export and crawler-log-encryption tests.
 */
import * as assert from "node:assert/strict";
import { crawlerPolicy } from "../components/catalog/policy-documents";
import { lakeKeyPolicy } from "../components/lake/policy-documents";

describe("iam documents (pure builders)", () => {
    it("lake key policy: IAM of the account, S3 and SNS in the documented unconditioned form", () => {
        const d = lakeKeyPolicy({ accountId: "123456789012", partition: "aws-cn" });
        assert.deepEqual(d.Statement[0].Principal, { AWS: "arn:aws-cn:iam::123456789012:root" });
        assert.deepEqual(
            d.Statement.map((s) => s.Sid),
            [
                "EnableIamPoliciesOfThisAccount",
                "AllowS3ToPublishEncryptedEvents",
                "AllowSnsToDeliverIntoEncryptedQueues",
                "AllowAlarmsAndRulesToUseTheAlertsTopic",
            ],
        );
        assert.deepEqual(d.Statement[1].Principal, { Service: "s3.amazonaws.com" });
        // The S3 user guide's key policy for encrypted destinations has no condition, and no AWS
        // source says S3 sends aws:SourceAccount to KMS: a condition S3 does not meet would fail the
        // notification's validation at create. The topic policy confines who publishes.
        assert.equal(d.Statement[1].Condition, undefined, "no condition S3 is not documented to send");
        assert.deepEqual(d.Statement[2].Principal, { Service: "sns.amazonaws.com" });
        assert.equal(d.Statement[2].Condition, undefined, "no condition SNS is not documented to send");
    });

    it("refuses encrypted crawler logs without the lake key", () => {
        const glue = { partition: "aws", region: "eu-west-1", accountId: "123456789012", database: "lake", table: "orders" };
        const base = { queueArn: "q", dlqArn: "d", bucketArn: "arn:aws:s3:::lake", tablePrefix: "exports/orders", glue, crawlerName: "c" };
        assert.throws(() => crawlerPolicy({ ...base, logs: { roleName: "r", securityConfigurationName: "c" } }), /need the lake key/);
    });
});
