/**
 * The incremental-crawl policy pack: `pulumi preview --policy-pack policies`.
 * This file only assembles the pack; the rules live in rules/, one module per service.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./rules";

new PolicyPack(PACK_NAME, {
    description: "Guards the Snowflake → S3 → SNS → SQS → Glue (event mode) → Athena lake: private encrypted bucket, confined topic and queue policies, deliverable encryption, one event queue per crawler, least-privilege IAM, Snowflake via storage integration, creation order, production retention.",
    policies: allPolicies,
});
