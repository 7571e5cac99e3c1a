/**
 * The incremental-crawl policy pack: `pulumi preview --policy-pack policies`.
 * This file only assembles the pack; the rules live in rules/, one module per service.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./rules";

new PolicyPack(PACK_NAME, {
    description:
        "Guards the Snowflake → S3 → SNS → SQS → Glue (event mode) → Athena lake: private encrypted bucket, confined topic and queue policies, deliverable encryption, dead-letter queues, least-privilege IAM, Snowflake via storage integration, production retention and recovery.",
    policies: allPolicies,
});
