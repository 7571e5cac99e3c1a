/** Every policy of the pack, grouped by service. The plan runner and the pack both use this list. */
import { Policies } from "@pulumi/policy";
import { governancePolicies } from "./governance";
import { gluePolicies } from "./glue";
import { iamPolicies } from "./iam";
import { kmsPolicies } from "./kms";
import { s3Policies } from "./s3";
import { snowflakePolicies } from "./snowflake";
import { snsSqsPolicies } from "./sns-sqs";
import { stackPolicies } from "./stack";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "incremental-crawl";

export const allPolicies: Policies = [
    ...s3Policies,
    ...snsSqsPolicies,
    ...gluePolicies,
    ...iamPolicies,
    ...kmsPolicies,
    ...snowflakePolicies,
    ...stackPolicies,
    ...governancePolicies,
];
