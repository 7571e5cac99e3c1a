import * as assert from "node:assert/strict";
import { awsAllowedRegions, awsRequiredTags, commandNoCredentials } from "../../policies/rules/governance";
import { Fake, QUEUE, resourceViolations, violationsOf } from "./support";

const AWS = "pulumi:providers:aws";
const COMMAND = "command:local:Command";
const TAGS = JSON.stringify({ tags: { project: "incremental-crawl", stack: "dev", "managed-by": "pulumi" } });

const onProvider = (props: Record<string, any>, provider: Record<string, any>, type = QUEUE): Fake[] => [
    { type, name: "r", props, provider: "aws" },
    { type: AWS, name: "aws", props: provider },
];

describe("policies/governance", () => {
    describe("aws-allowed-regions", () => {
        it("passes a resource whose provider is in an allowed region", async () => {
            assert.deepEqual(await resourceViolations(awsAllowedRegions, onProvider({}, { region: "eu-west-1" })), []);
        });
        it("reports a provider region, or a resource's own region, outside the allowed ones", async () => {
            const message = "region us-east-1 is not allowed (allowed: eu-west-1, eu-central-1): the lake's data stays in its regions";
            assert.deepEqual(await resourceViolations(awsAllowedRegions, onProvider({}, { region: "us-east-1" })), [message]);
            assert.deepEqual(await resourceViolations(awsAllowedRegions, onProvider({ region: "us-east-1" }, { region: "eu-west-1" })), [
                message,
            ]);
        });
        it("follows the configured regions and leaves IAM and other packages alone", async () => {
            assert.deepEqual(
                await resourceViolations(awsAllowedRegions, onProvider({}, { region: "us-east-1" }), { allowedRegions: ["us-east-1"] }),
                [],
            );
            assert.deepEqual(await resourceViolations(awsAllowedRegions, onProvider({}, { region: "us-east-1" }, "aws:iam/role:Role")), []);
            assert.deepEqual(await violationsOf(awsAllowedRegions, "snowflake:index/stage:Stage", { region: "us-east-1" }), []);
        });
    });

    describe("aws-required-tags", () => {
        it("passes tags from the provider's defaultTags (JSON-encoded provider input)", async () => {
            assert.deepEqual(await resourceViolations(awsRequiredTags, onProvider({}, { region: "eu-west-1", defaultTags: TAGS })), []);
        });
        it("reports missing tags, counting the resource's own", async () => {
            assert.deepEqual(await resourceViolations(awsRequiredTags, onProvider({ tags: { project: "p" } }, { region: "eu-west-1" })), [
                "missing required tags stack and managed-by: set them on the resource or in the AWS provider's defaultTags",
            ]);
            assert.deepEqual(await violationsOf(awsRequiredTags, QUEUE, { tags: { project: "p", stack: "s" } }), [
                "missing required tag managed-by: set it on the resource or in the AWS provider's defaultTags",
            ]);
        });
        it("follows the configured keys and skips resources that take no tags", async () => {
            assert.deepEqual(await violationsOf(awsRequiredTags, QUEUE, { tags: { owner: "data" } }, { requiredTags: ["owner"] }), []);
            assert.deepEqual(await violationsOf(awsRequiredTags, "aws:sqs/queuePolicy:QueuePolicy", {}), []);
        });
    });

    describe("command-no-credentials", () => {
        it("passes the backfill (connection settings, SQL, no credential)", async () => {
            const backfill = {
                create: "node --require ts-node/register/transpile-only components/backfill/main.ts",
                environment: {
                    BACKFILL_TABLE: "ORDERS",
                    BACKFILL_COPY_SQL: "COPY INTO @s FROM t",
                    BACKFILL_ACCOUNT_NAME: "ACME",
                    BACKFILL_USER: "LAKE",
                },
            };
            assert.deepEqual(await violationsOf(commandNoCredentials, COMMAND, backfill), []);
        });
        it("reports credentials in the environment or on the command line", async () => {
            const leaky = {
                create: "SNOWSQL_PWD=x PRIVATE_KEY=abc node main.js",
                environment: { SNOWFLAKE_PASSWORD: "example", AWS_SECRET_ACCESS_KEY: "example" },
            };
            assert.deepEqual(await violationsOf(commandNoCredentials, COMMAND, leaky), [
                "environment variable SNOWFLAKE_PASSWORD looks like a credential: a command's environment is kept in the stack state; let the command read it from the environment of pulumi up",
                "environment variable AWS_SECRET_ACCESS_KEY looks like a credential: a command's environment is kept in the stack state; let the command read it from the environment of pulumi up",
                "create command sets SNOWSQL_PWD inline: it is kept in the stack state; read it from the environment of pulumi up",
                "create command sets PRIVATE_KEY inline: it is kept in the stack state; read it from the environment of pulumi up",
            ]);
        });
    });
});
