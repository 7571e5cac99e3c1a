/**
 * Sharing the lake: reader accounts (`readers`, `glueCatalogResourcePolicy`) and further subscribers
 * of the table events (a table's `subscribers`, `maxFilterPolicies`). The validator's errors, named
 * by the stack key a user edits; what only the account decides, checked at deploy time; the graph
 * under mocks; and a stack that sets none of it, unchanged.
 */
import * as assert from "node:assert/strict";
import { parseSettings, PROJECT } from "../config";
import { ctx, k, ORDERS, problems, raw, RETURNS } from "./harness/config";
import { LAKE_DEFAULTS, MAX_TABLES, SNS_FILTER_POLICIES_PER_TOPIC, validateLakeArgs } from "@incremental-crawl/components";
import { bucketTlsOnlyPolicy } from "../components/lake/policy-documents";
import { sharingProblems } from "../components/validate";
import { CapturedResource, Graph, graphOf } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { planStack } from "../tools/plan/policy-run";

const READER = "444455556666";
const OTHER_READER = "777788889999";

const QUEUE_ELSEWHERE = `arn:aws:sqs:eu-west-1:${READER}:orders-events`;
const QUEUE_HERE = `arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT}:orders-audit`;
const FUNCTION_HERE = `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT}:function:index-orders:live`;
const WEBHOOK = "https://hooks.example.com/lake/orders";

const config = (over: Record<string, unknown> = {}) => raw(over, { "aws:region": "eu-west-1", [k("tables")]: [ORDERS, RETURNS] });
const problemsOf = (over: Record<string, unknown> = {}) => problems(config(over));

const withSubscribers = (...subscribers: unknown[]) => ({ [k("tables")]: [{ ...ORDERS, subscribers }, RETURNS] });

describe("sharing: the validator", () => {
    it("takes readers of every table and of one table, and subscribers of each protocol", () => {
        const s = parseSettings(
            config({
                [k("readers")]: [READER, `${OTHER_READER}:ORDERS`],
                ...withSubscribers(
                    { protocol: "sqs", endpoint: QUEUE_ELSEWHERE, subscribedBy: "endpoint-owner" },
                    { protocol: "lambda", endpoint: FUNCTION_HERE },
                    { protocol: "https", endpoint: WEBHOOK },
                ),
            }),
            ctx,
        );
        assert.deepEqual(s.readers, [
            { account: READER, path: "readers[0]" },
            { account: OTHER_READER, table: "ORDERS", path: "readers[1]" },
        ]);
        assert.deepEqual(
            s.tables[0].subscribers?.map((x) => [x.protocol, x.subscribedBy, x.account]),
            [
                ["sqs", "endpoint-owner", READER],
                ["lambda", "lake", MOCK_ACCOUNT],
                ["https", "lake", undefined],
            ],
        );
        assert.equal(s.tables[1].subscribers, undefined, "a table without subscribers has none");
    });

    it("defaults to sharing nothing, with SNS's quota of filter policies", () => {
        const s = parseSettings(config(), ctx);
        assert.deepEqual([s.readers, s.glueCatalogResourcePolicy, s.maxFilterPolicies], [[], false, 200]);
        assert.equal(LAKE_DEFAULTS.maxFilterPolicies, SNS_FILTER_POLICIES_PER_TOPIC);
        assert.equal(MAX_TABLES, SNS_FILTER_POLICIES_PER_TOPIC, "the table limit is the same fact");
    });

    it("refuses an account id of 11 digits, and one YAML turned into a number", () => {
        assert.deepEqual(problemsOf({ [k("readers")]: ["44445555666"] }), [
            `${k("readers")}[0]: expected an AWS account id of 12 digits, alone (every table) or followed by :<TABLE> (one table), e.g. "444455556666" or "444455556666:ORDERS", got "44445555666"`,
        ]);
        assert.deepEqual(problemsOf({ [k("readers")]: [444455556666] }), [
            `${k("readers")}[0]: expected a reader as a string: "<account id>" or "<account id>:<TABLE>" (quote an account id in YAML, or it becomes a number), got 444455556666`,
        ]);
        assert.match(problemsOf({ [k("readers")]: "444455556666" })[0], /^incremental-crawl:readers: expected a list of readers/);
    });

    it("refuses a reader of an unknown table, suggesting the table meant", () => {
        assert.deepEqual(problemsOf({ [k("readers")]: [`${READER}:ORDRES`] }), [
            `${k("readers")}[0]: expected ${READER}:<TABLE> with a table of tables (ORDERS, RETURNS) (did you mean ${READER}:ORDERS?), got "${READER}:ORDRES"`,
        ]);
    });

    it("refuses the same reader twice: the same grant, or a table of an account that reads every table", () => {
        assert.deepEqual(problemsOf({ [k("readers")]: [`${READER}:ORDERS`, `${READER}:RETURNS`, `${READER}:ORDERS`] }), [
            `${k("readers")}[2]: expected each reader once (readers[0] lets ${READER} read ORDERS): an account alone for every table, or with each of its tables once, got "${READER}:ORDERS"`,
        ]);
        assert.match(
            problemsOf({ [k("readers")]: [READER, `${READER}:ORDERS`] })[0],
            /readers\[1\]: expected each reader once \(readers\[0\] lets 444455556666 read every table\)/,
        );
        assert.match(
            problemsOf({ [k("readers")]: [`${READER}:ORDERS`, READER] })[0],
            /readers\[1\]: expected each reader once \(readers\[0\] names 444455556666 for a table\)/,
        );
        assert.deepEqual(problemsOf({ [k("readers")]: [READER, OTHER_READER] }), [], "two accounts are two readers");
    });

    it("refuses a subscriber endpoint of the wrong form for its protocol, naming the key and the form", () => {
        assert.deepEqual(problemsOf(withSubscribers({ protocol: "sqs", endpoint: `https://sqs.eu-west-1.amazonaws.com/${READER}/q` })), [
            `${k("tables")}[0].subscribers[0].endpoint: expected the ARN of an SQS queue, arn:aws:sqs:<region>:<account id>:<queue name>, got "https://sqs.eu-west-1.amazonaws.com/${READER}/q"`,
        ]);
    });
    const badSubscribers: Array<[Record<string, unknown>, RegExp]> = [
        [{ protocol: "sqs", endpoint: FUNCTION_HERE }, /subscribers\[0\]\.endpoint: expected the ARN of an SQS queue/],
        [{ protocol: "lambda", endpoint: QUEUE_HERE }, /subscribers\[0\]\.endpoint: expected the ARN of a Lambda function/],
        [{ protocol: "lambda", endpoint: `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT}:function:bad name` }, /the ARN of a Lambda function/],
        [{ protocol: "https", endpoint: "http://hooks.example.com/lake" }, /subscribers\[0\]\.endpoint: expected an https:\/\/ URL/],
        [{ protocol: "https", endpoint: "https://user:secret@hooks.example.com/lake" }, /without credentials/],
        [{ protocol: "email", endpoint: "a@example.com" }, /subscribers\[0\]\.protocol: expected one of "sqs", "lambda", "https"/],
        [{ protocol: "https", endpoint: WEBHOOK, subscribedBy: "endpoint-owner" }, /subscribedBy: expected "lake" for an HTTPS endpoint/],
        [{ protocol: "sqs", endpoint: QUEUE_HERE, subscribedBy: "them" }, /subscribedBy: expected one of "lake", "endpoint-owner"/],
        [{ protocol: "sqs", endpoint: QUEUE_HERE, filter: "x" }, /subscribers\[0\]\.filter: expected one of the subscriber settings/],
    ];
    for (const [subscriber, expected] of badSubscribers) {
        it(`refuses the subscriber ${JSON.stringify(subscriber)}`, () =>
            assert.match(problemsOf(withSubscribers(subscriber))[0], expected));
    }
    it("refuses subscribers that are not a list", () => {
        assert.match(
            problemsOf({ [k("tables")]: [{ ...ORDERS, subscribers: { protocol: "sqs" } }] })[0],
            /subscribers: expected a list of subscribers/,
        );
    });

    it("refuses an endpoint subscribed twice: SNS keeps one subscription per topic, protocol and endpoint", () => {
        const twice = {
            [k("tables")]: [
                { ...ORDERS, subscribers: [{ protocol: "https", endpoint: WEBHOOK }] },
                { ...RETURNS, subscribers: [{ protocol: "https", endpoint: WEBHOOK }] },
            ],
        };
        assert.deepEqual(problemsOf(twice), [
            `${k("tables")}[1].subscribers[0].endpoint: expected an endpoint no other subscriber has (tables[0].subscribers[0] subscribes it already: SNS keeps one subscription per topic, protocol and endpoint), got "${WEBHOOK}"`,
        ]);
    });

    it("counts tables and subscribers together against maxFilterPolicies", () => {
        const three = withSubscribers({ protocol: "https", endpoint: WEBHOOK }, { protocol: "https", endpoint: `${WEBHOOK}/2` });
        assert.deepEqual(problemsOf({ ...three, [k("maxFilterPolicies")]: 4 }), [], "2 tables + 2 subscribers = 4");
        assert.deepEqual(problemsOf({ ...three, [k("maxFilterPolicies")]: 3 }), [
            `${k("tables")}: expected at most maxFilterPolicies (3) SNS filter policies on the lake topic, one per table and one per subscriber (SNS allows 200 per topic by default, an adjustable quota: after AWS raised it, raise maxFilterPolicies), got "2 tables and 2 subscribers, 4 filter policies"`,
        ]);
        assert.match(problemsOf({ [k("maxFilterPolicies")]: 1 })[0], /^incremental-crawl:tables: expected a list of 1 to 1 tables/);
        assert.match(
            problemsOf({ [k("maxFilterPolicies")]: 0 })[0],
            /^incremental-crawl:maxFilterPolicies: expected an integer from 1 to 10000/,
        );
        const many = Array.from({ length: 201 }, (_, i) => ({ ...ORDERS, name: `T${i}` }));
        assert.match(problemsOf({ [k("tables")]: many })[0], /tables: expected a list of 1 to 200 tables/);
        // A raised quota lifts the filter-policy bound; the unload role's policy (IAM's 10,240 characters) still bounds the tables.
        assert.deepEqual(
            problemsOf({ [k("tables")]: many, [k("maxFilterPolicies")]: 201 }).map((e) => e.replace(/ make it \d+ characters/, "")),
            [
                `${k("tables")}: expected no more tables than the Snowflake unload role's policy can name: it lists each table's export, and 201 tables, over IAM's 10240 for a role's inline policies, got "201 tables"`,
            ],
        );
    });

    it("refuses sharing the catalog while it is encrypted with the lake key", () => {
        const prod = { [k("production")]: true, [k("encryption")]: "kms", [k("replicaRegion")]: "eu-central-1", [k("readers")]: [READER] };
        assert.deepEqual(problemsOf({ ...prod, [k("glueCatalogEncryption")]: true, [k("glueCatalogResourcePolicy")]: true }), [
            `${k("glueCatalogResourcePolicy")}: expected false while glueCatalogEncryption is true (a reader of an encrypted Data Catalog would need the lake key for Glue as any catalog client does: kms:Decrypt, kms:Encrypt and kms:GenerateDataKey, more than decrypting the exports through S3), got true`,
        ]);
        assert.deepEqual(problemsOf({ ...prod, [k("glueCatalogResourcePolicy")]: true }), []);
    });

    it("lets no wildcard, policy variable or quote into a policy through a reader or an endpoint", () => {
        for (const reader of [
            "*",
            "4444*",
            "${aws:PrincipalAccount}",
            `${READER}:*`,
            `${READER}:ORDERS"`,
            `${READER}:ORDERS:X`,
            ` ${READER}`,
        ]) {
            assert.match(problemsOf({ [k("readers")]: [reader] })[0] ?? "", /^incremental-crawl:readers\[0\]: expected/, reader);
        }
        for (const [protocol, endpoint] of [
            ["sqs", "arn:aws:sqs:eu-west-1:444455556666:*"],
            ["sqs", "arn:aws:sqs:*:444455556666:q"],
            ["lambda", "arn:aws:lambda:eu-west-1:444455556666:function:*"],
            ["sqs", "arn:aws:sqs:eu-west-1:${aws:userid}:q"],
            ["https", 'https://hooks.example.com/"}'],
            ["https", "https://"],
        ]) {
            assert.match(problemsOf(withSubscribers({ protocol, endpoint }))[0] ?? "", /subscribers\[0\]\.endpoint: expected/, endpoint);
        }
    });

    it("the component's own arguments get the same checks, named by their path", () => {
        const v = validateLakeArgs({ tables: [ORDERS], readers: ["1234"] });
        assert.ok(!v.ok);
        assert.match(v.problems[0], /^readers\[0\]: expected an AWS account id of 12 digits/);
    });
});

describe("sharing: what only the account decides, at deploy time", () => {
    const settingsOf = (over: Record<string, unknown>) => parseSettings(config(over), ctx);

    it("refuses the lake's own account as a reader", () => {
        assert.deepEqual(sharingProblems(settingsOf({ [k("readers")]: [READER, `${MOCK_ACCOUNT}:ORDERS`] }), MOCK_ACCOUNT), [
            `readers[1]: expected an AWS account other than the lake's own (${MOCK_ACCOUNT}), whose IAM policies decide who reads; got "${MOCK_ACCOUNT}:ORDERS"`,
        ]);
    });

    it("has a queue or function of another account subscribed by its owner, one of the lake's account by the lake", () => {
        const s = settingsOf(
            withSubscribers(
                { protocol: "sqs", endpoint: QUEUE_ELSEWHERE },
                { protocol: "lambda", endpoint: FUNCTION_HERE, subscribedBy: "endpoint-owner" },
                { protocol: "https", endpoint: WEBHOOK },
            ),
        );
        const found = sharingProblems(s, MOCK_ACCOUNT, (p) => `${PROJECT}:${p}`);
        assert.equal(found.length, 2);
        assert.match(
            found[0],
            /^incremental-crawl:tables\[0\]\.subscribers\[0\]\.subscribedBy: expected "endpoint-owner" for a queue of another account \(444455556666; the lake is in 123456789012\)/,
        );
        assert.match(
            found[1],
            /^incremental-crawl:tables\[0\]\.subscribers\[1\]\.subscribedBy: expected "lake" for a function of the lake's own account/,
        );
    });

    it("fails the deployment with those problems before any policy or subscription names them", async () => {
        // The engine reports the error of the first input it could not serialize, with the problems.
        const failure = await graphOf({ stack: "dev", config: { [k("tables")]: [ORDERS], [k("readers")]: [MOCK_ACCOUNT] } }).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(failure instanceof Error, `expected the run to fail, got ${failure}`);
        assert.match(
            failure.message,
            /invalid IncrementalLake arguments \(1 problem\):\n {2}- readers\[0\]: expected an AWS account other than the lake's own \(123456789012\)/,
        );
        const registered: CapturedResource[] = (failure as any).registered ?? [];
        assert.ok(
            !registered.some((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && String(r.inputs.policy).includes(MOCK_ACCOUNT)),
            "no bucket policy names the lake's account",
        );

        const subscriber = await graphOf({ stack: "dev", config: withSubscribers({ protocol: "sqs", endpoint: QUEUE_ELSEWHERE }) }).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(subscriber instanceof Error);
        assert.match(subscriber.message, /tables\[0\]\.subscribers\[0\]\.subscribedBy: expected "endpoint-owner"/);
        assert.ok(
            !((subscriber as any).registered ?? []).some(
                (r: CapturedResource) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.endpoint === QUEUE_ELSEWHERE,
            ),
        );
    });
});

describe("sharing: the graph under mocks", function () {
    this.timeout(120_000);
    const policyOf = (g: Graph, type: string, nameHas: string) => JSON.parse(g.one(type, nameHas).inputs.policy);
    const tablesWithSubscribers = [
        {
            ...ORDERS,
            subscribers: [
                { protocol: "sqs", endpoint: QUEUE_ELSEWHERE, subscribedBy: "endpoint-owner" },
                { protocol: "sqs", endpoint: QUEUE_HERE },
                { protocol: "lambda", endpoint: FUNCTION_HERE },
                { protocol: "https", endpoint: WEBHOOK },
            ],
        },
        RETURNS,
    ];
    let plain: Graph;
    let shared: Graph;
    let sharedDev: Graph;
    before(async () => {
        const prodShared = {
            [k("tables")]: tablesWithSubscribers,
            [k("readers")]: [READER, `${OTHER_READER}:ORDERS`],
            [k("glueCatalogResourcePolicy")]: true,
        };
        // One program at a time: the Pulumi runtime is global.
        plain = await graphOf({ stack: "prod", config: { [k("tables")]: [ORDERS, RETURNS] } });
        shared = await graphOf({ stack: "prod", config: prodShared });
        sharedDev = await graphOf({ stack: "dev", config: { [k("tables")]: [ORDERS, RETURNS], [k("readers")]: [READER] } });
    });

    it("declares nothing of it for a stack that sets none of it", () => {
        assert.deepEqual(plain.ofType("aws:glue/resourcePolicy:ResourcePolicy"), []);
        assert.deepEqual(plain.ofType("aws:lambda/permission:Permission"), []);
        const bucket = plain.one("aws:s3/bucket:Bucket", "lake-bucket");
        assert.deepEqual(
            policyOf(plain, "aws:s3/bucketPolicy:BucketPolicy", "lake-tls-only"),
            bucketTlsOnlyPolicy({ bucketArn: bucket.outputs.arn }),
        );
        assert.deepEqual(
            policyOf(plain, "aws:sns/topicPolicy:TopicPolicy", "lake-events").Statement.map((s: any) => s.Sid),
            ["AllowS3PublishFromLakeBucket"],
        );
        assert.ok(!policyOf(plain, "aws:kms/key:Key", "kms-key").Statement.some((s: any) => /Reader/.test(s.Sid)));
        const topic = plain.one("aws:sns/topic:Topic", "lake-events");
        assert.equal(topic.inputs.lambdaFailureFeedbackRoleArn, undefined);
        assert.equal(topic.inputs.httpFailureFeedbackRoleArn, undefined);
        assert.equal(plain.run.outputs.sharing, undefined);
    });

    it("grants each reader its tables' current exports in the bucket policy, and keeps the TLS-only deny first", () => {
        const policy = policyOf(shared, "aws:s3/bucketPolicy:BucketPolicy", "lake-tls-only");
        const bucketArn = shared.one("aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        assert.deepEqual(policy.Statement[0], bucketTlsOnlyPolicy({ bucketArn }).Statement[0]);
        const location = (table: string) =>
            shared
                .one("aws:glue/catalogTable:CatalogTable", `${table}-table`)
                .inputs.storageDescriptor.location.replace(`s3://${shared.one("aws:s3/bucket:Bucket", "lake-bucket").outputs.bucket}/`, "")
                .replace(/\/$/, "");
        const gets = policy.Statement.filter((s: any) => s.Action === "s3:GetObject");
        const granted = Object.fromEntries(
            gets.flatMap((s: any) =>
                s.Principal.AWS.map((p: string) => [p.split(":")[4], s.Resource.map((r: string) => r.slice(bucketArn.length + 1))]),
            ),
        );
        assert.deepEqual(granted, {
            [READER]: [`${location("orders")}/*`, `${location("returns")}/*`].sort(),
            [OTHER_READER]: [`${location("orders")}/*`],
        });
        for (const s of policy.Statement.filter((x: any) => x.Action === "s3:ListBucket")) {
            assert.ok(
                s.Condition.StringLike["s3:prefix"].every((p: string) => /\/g\d+-[0-9a-f]{8}\/\*?$/.test(p)),
                "listing only under current exports",
            );
        }
        assert.ok(
            !policy.Statement.some(
                (s: any) =>
                    s.Effect === "Allow" &&
                    [s.Action].flat().some((a: string) => !["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"].includes(a)),
            ),
        );
    });

    it("lets readers decrypt through S3 in the lake's region only, and shares their Glue tables through the catalog policy", () => {
        const key = policyOf(shared, "aws:kms/key:Key", "kms-key").Statement.find(
            (s: any) => s.Sid === "AllowReadersToDecryptExportsThroughS3",
        );
        assert.deepEqual(key, {
            Sid: "AllowReadersToDecryptExportsThroughS3",
            Effect: "Allow",
            Principal: { AWS: [`arn:aws:iam::${READER}:root`, `arn:aws:iam::${OTHER_READER}:root`] },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
        });
        const catalog = policyOf(shared, "aws:glue/resourcePolicy:ResourcePolicy", "sharing");
        assert.deepEqual(
            catalog.Statement.map((s: any) => [s.Principal.AWS, s.Resource.filter((r: string) => r.includes(":table/"))]),
            [
                [
                    [`arn:aws:iam::${READER}:root`],
                    ["arn:aws:glue:eu-west-1:123456789012:table/lake/orders", "arn:aws:glue:eu-west-1:123456789012:table/lake/returns"],
                ],
                [[`arn:aws:iam::${OTHER_READER}:root`], ["arn:aws:glue:eu-west-1:123456789012:table/lake/orders"]],
            ],
        );
        assert.deepEqual(sharedDev.ofType("aws:glue/resourcePolicy:ResourcePolicy"), [], "the catalog policy is opt-in");
        assert.deepEqual(sharedDev.ofType("aws:kms/key:Key"), [], "sse-s3: no key to grant");
        assert.equal(
            policyOf(sharedDev, "aws:s3/bucketPolicy:BucketPolicy", "lake-tls-only").Statement.length,
            4,
            "TLS deny, locate, list, get",
        );
    });

    it("subscribes the lake's further subscribers with the table's filter, raw where the protocol has it, and the lake's redrive", () => {
        const undelivered = shared.one("aws:sqs/queue:Queue", "lake-undelivered").outputs.arn;
        const topic = shared.one("aws:sns/topic:Topic", "lake-events");
        const subs = shared.ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) => /subscriber-/.test(s.name));
        assert.deepEqual(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.rawMessageDelivery === true]).sort(), [
            ["https", WEBHOOK, true],
            ["lambda", FUNCTION_HERE, false],
            ["sqs", QUEUE_HERE, true],
        ]);
        for (const s of subs) {
            assert.equal(s.inputs.topic, topic.outputs.arn);
            assert.equal(s.inputs.filterPolicyScope, "MessageBody");
            assert.deepEqual(JSON.parse(s.inputs.filterPolicy), { Records: { s3: { object: { key: [{ prefix: "exports/orders/" }] } } } });
            assert.deepEqual(JSON.parse(s.inputs.redrivePolicy), { deadLetterTargetArn: undelivered });
        }
        assert.ok(
            !shared.ofType("aws:sns/topicSubscription:TopicSubscription").some((s) => s.inputs.endpoint === QUEUE_ELSEWHERE),
            "an endpoint owner subscribes itself",
        );
        const permission = shared.one("aws:lambda/permission:Permission");
        assert.deepEqual(
            [
                permission.inputs.function,
                permission.inputs.qualifier,
                permission.inputs.principal,
                permission.inputs.sourceArn,
                permission.inputs.action,
                permission.inputs.region,
            ],
            [
                `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT}:function:index-orders`,
                "live",
                "sns.amazonaws.com",
                topic.outputs.arn,
                "lambda:InvokeFunction",
                "eu-west-1",
            ],
        );
        const lambdaSub = subs.find((s) => s.inputs.protocol === "lambda")!;
        assert.ok(lambdaSub.dependencies.includes(permission.urn), "the subscription waits for the function's permission");
        assert.ok(
            topic.inputs.lambdaFailureFeedbackRoleArn && topic.inputs.httpFailureFeedbackRoleArn,
            "failed Lambda and HTTPS deliveries are logged too",
        );
        const backfill = shared.ofType("command:local:Command").find((c) => c.name.includes("orders-backfill"))!;
        for (const s of subs) assert.ok(backfill.dependencies.includes(s.urn), `the backfill waits for ${s.inputs.protocol} subscription`);
        const alarm = shared.one("aws:cloudwatch/metricAlarm:MetricAlarm", "undelivered-events");
        assert.match(alarm.inputs.alarmDescription, /another subscriber of the lake's/);
    });

    it("admits exactly the endpoint owner's endpoint in the topic policy", () => {
        const statements = policyOf(shared, "aws:sns/topicPolicy:TopicPolicy", "lake-events").Statement;
        assert.deepEqual(statements.slice(1), [
            {
                Sid: "EndpointOwnerSubscribes1",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${READER}:root` },
                Action: "sns:Subscribe",
                Resource: shared.one("aws:sns/topic:Topic", "lake-events").outputs.arn,
                Condition: { StringEquals: { "sns:Protocol": "sqs", "sns:Endpoint": [QUEUE_ELSEWHERE] } },
            },
        ]);
    });

    it("tells readers and endpoint owners what they need (the sharing output)", () => {
        const sharing = shared.run.outputs.sharing as any;
        assert.deepEqual(sharing.readers, { [READER]: ["orders", "returns"], [OTHER_READER]: ["orders"] });
        assert.equal(sharing.catalogId, MOCK_ACCOUNT);
        assert.deepEqual(sharing.endpointOwnerSubscriptions, [
            {
                table: "orders",
                protocol: "sqs",
                endpoint: QUEUE_ELSEWHERE,
                topicArn: shared.one("aws:sns/topic:Topic", "lake-events").outputs.arn,
                filterPolicyScope: "MessageBody",
                filterPolicy: JSON.stringify({ Records: { s3: { object: { key: [{ prefix: "exports/orders/" }] } } } }),
                rawMessageDelivery: true,
            },
        ]);
        assert.deepEqual(sharing.subscriptions.map((s: any) => s.protocol).sort(), ["https", "lambda", "sqs"]);
    });

    it("passes every rule of the policy pack", async function () {
        const result = await planStack({
            stack: "prod",
            config: {
                [k("tables")]: tablesWithSubscribers,
                [k("readers")]: [READER, `${OTHER_READER}:ORDERS`],
                [k("glueCatalogResourcePolicy")]: true,
            },
        });
        assert.deepEqual(
            result.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`),
            [],
        );
        assert.deepEqual(result.policyConfig["iam-cross-account-principals-configured"], {
            accountIds: [MOCK_ACCOUNT],
            readerAccounts: [READER, OTHER_READER],
            endpointOwnerAccounts: [READER],
        });
    });
});
