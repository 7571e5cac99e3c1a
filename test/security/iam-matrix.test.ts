/**
 * The IAM access matrix of each stack (tools/check-iam/iam-matrix.ts), evaluated with
 * @cloud-copilot/iam-simulate over the policy documents of the program's graph: every cell must
 * match, the matrix must cover every queue and crawler, docs/security.md must show this matrix, and
 * the matrix must notice a broken policy (mutation controls).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, ROOT, runProgram } from "../../offline";
import { overlaySettings } from "../../offline/stack-file";
import { MOCK_ACCOUNT } from "../../offline/mocks";
import { buildMatrix, Cell, CELL_GROUPS, CellGroup, CellResult } from "../../tools/check-iam/cells";
import { GraphResource, LakeFacts, lakeFacts } from "../../tools/check-iam/facts";
import {
    describeResult as show,
    DOC_PATH,
    DocTarget,
    docSection,
    ENCRYPTION_CONTEXT_STAND_IN,
    evaluateCell,
    evaluateMatrix,
    forEngine,
    formatMarkdown,
} from "../../tools/check-iam/iam-matrix";

const clone = (rs: GraphResource[]): GraphResource[] => JSON.parse(JSON.stringify(rs));
const sid = (doc: any, name: string) => doc.Statement.find((s: any) => s.Sid === name);
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const KEY = "aws:kms/key:Key";

/**
 * A graph with the policy document (JSON string input `key`) of the resources of `type` whose name
 * ends with `suffix` rewritten by `edit`.
 */
const mutate =
    (type: string, suffix: string, edit: (doc: any) => void, key: "policy" | "assumeRolePolicy" = "policy") =>
    (rs: GraphResource[]): GraphResource[] => {
        const out = clone(rs);
        const targets = out.filter((r) => r.type === type && r.name.endsWith(suffix));
        assert.ok(targets.length > 0, "mutation control selected no resource");
        for (const r of targets) {
            const doc = JSON.parse(r.inputs[key]);
            edit(doc);
            r.inputs[key] = JSON.stringify(doc);
        }
        return out;
    };

/** A broken graph, and the cells that must then mismatch. */
interface Mutation {
    name: string;
    graph: (rs: GraphResource[]) => GraphResource[];
    flagged: string[];
}

/** One test per mutation: each of its cells mismatches on the broken graph. */
function itFlags(mutations: Mutation[], graph: () => { resources: GraphResource[]; sharing?: unknown }): void {
    for (const m of mutations) {
        it(m.name, async () => {
            const { resources, sharing } = graph();
            const ids = (await evaluateMatrix(m.graph(resources), sharing)).results.filter((r) => !r.ok).map((r) => r.id);
            for (const id of m.flagged) assert.ok(ids.includes(id), `${id} not flagged: ${ids.join(", ")}`);
        });
    }
}

/** docs/security.md's generated table of `target` is the matrix evaluated here. */
function itIsTheDocTable(target: DocTarget, results: () => CellResult[]): void {
    const command = `npm run check:iam -- --stack ${target.stack}${target.with ? ` --with ${target.with}` : ""} --update-doc`;
    it(`is the table of ${DOC_PATH} (run ${command} after a change)`, () => {
        const section = docSection(fs.readFileSync(path.join(ROOT, DOC_PATH), "utf8"), target);
        assert.ok(
            section !== undefined,
            `${DOC_PATH} has no generated table of ${target.stack}${target.with ? ` with ${target.with}` : ""}`,
        );
        assert.equal(section, formatMarkdown(results()));
    });
}

for (const stack of ["dev", "prod"]) {
    describe(`security: IAM access matrix of ${stack}`, () => {
        let run: ProgramRun;
        let results: CellResult[];
        let facts: LakeFacts;

        before(async () => {
            run = await runProgram({ stack });
            const evaluated = await evaluateMatrix(run.resources);
            results = evaluated.results;
            facts = evaluated.facts;
        });

        /** Groups a stack has no resources for (no customer-managed key, no access logs, no replica), with the type that would bring them. */
        const absent = (): Partial<Record<CellGroup, string>> => ({
            ...(facts.key === undefined ? { kms: "aws:kms/key:Key" } : {}),
            ...(facts.logs.length === 0 ? { "access-logs": "aws:s3/bucketLogging:BucketLogging" } : {}),
            ...(facts.replication === undefined ? { replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig" } : {}),
        });

        for (const [group, description] of Object.entries(CELL_GROUPS) as Array<[CellGroup, string]>) {
            it(`${group}: ${description}`, function () {
                const cells = results.filter((r) => r.group === group);
                const missingType = absent()[group];
                if (missingType !== undefined) {
                    assert.equal(cells.length, 0, `no ${group} cells without a ${missingType}`);
                    assert.equal(
                        run.resources.filter((r) => r.type === missingType).length,
                        0,
                        `${stack} has a ${missingType} the matrix did not find`,
                    );
                    return;
                }
                assert.ok(cells.length > 0, `no cell in group ${group}`);
                assert.deepEqual(cells.filter((r) => !r.ok).map(show), []);
            });
        }

        it("evaluates every cell without an engine error or an ignored context key", () => {
            assert.deepEqual(results.filter((r) => r.decision === "Error" || r.problem !== undefined).map(show), []);
            assert.deepEqual(results.filter((r) => !r.ok).map(show), []);
        });

        /** Asserts that some cell satisfies `pick`. */
        const has = (message: string, pick: (r: CellResult) => boolean) => assert.ok(results.some(pick), message);

        it("covers every consumer queue, DLQ, crawler role and the unload role of the graph", () => {
            const count = (type: string, pick: (r: GraphResource) => boolean = () => true) =>
                run.resources.filter((r) => r.type === type && pick(r)).length;
            const crawlers = count("aws:glue/crawler:Crawler");
            assert.equal(facts.tables.length, crawlers);
            assert.equal(
                facts.tables.length,
                count("aws:sns/topicSubscription:TopicSubscription", (r) => r.inputs.protocol === "sqs"),
            );
            // Every crawler has an arrival path, and the matrix proves its role both ways.
            assert.equal(count("aws:glue/trigger:Trigger"), crawlers);
            const arns = new Set(results.map((r) => r.resource.arn));
            const kms = facts.key !== undefined;
            for (const t of facts.tables) {
                assert.ok(arns.has(t.queue.arn), `no cell on queue ${t.folder}`);
                assert.ok(arns.has(t.dlq.arn), `no cell on DLQ ${t.folder}`);
                assert.ok(arns.has(t.crawler.roleArn), `no trust cell on crawler role ${t.folder}`);
                has(`no cell for crawler role ${t.folder}`, (r) => r.principal.arn.includes(`assumed-role/${t.crawler.roleName}/`));
                has(`no unload cell for ${t.folder}`, (r) => r.id === `unload:put-under-prefix:${t.folder}`);
                const a = t.arrival;
                assert.ok(a, `no arrival path found for ${t.folder}`);
                const notify = (r: CellResult) => r.id.startsWith(`arrival:${t.folder}:`) && r.action === "glue:NotifyEvent";
                has(`${t.folder}: own workflow`, (r) => notify(r) && r.resource.arn === a.workflowArn && r.expected === "Allowed");
                has(`${t.folder}: another workflow`, (r) => notify(r) && r.resource.arn !== a.workflowArn && r.expected === "Denied");
                has(
                    `${t.folder}: trust`,
                    (r) => r.id.startsWith(`arrival:${t.folder}:`) && r.resource.arn === a.roleArn && r.expected === "Allowed",
                );
                // Its log: its own stream allowed; in a KMS stack, its own encrypted log group, whose key
                // association it may make and CloudWatch Logs may encrypt for.
                assert.equal(t.logs.encrypted, kms, `${t.folder}: crawler logs encrypted exactly when the stack has the lake key`);
                const allowed = (id: string, r: CellResult) => r.id === id && r.expected === "Allowed";
                has(
                    `${t.folder}: own log stream`,
                    (r) => allowed(`crawler:${t.folder}:write-own-log`, r) && r.resource.arn.startsWith(t.logs.arn),
                );
                if (kms) {
                    assert.ok(
                        run.resources.some((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.inputs.name === t.logs.group),
                        `${t.folder}: the graph declares the crawler's log group ${t.logs.group}`,
                    );
                    has(
                        `${t.folder}: own log group`,
                        (r) => allowed(`crawler:${t.folder}:associate-own-log-group`, r) && r.resource.arn === t.logs.arn,
                    );
                    has(`${t.folder}: CloudWatch Logs encrypts for it`, (r) => allowed(`kms:logs-crawler-log-group-${t.folder}`, r));
                }
            }
            has("the unload role's trust", (r) => r.resource.arn === facts.unload.roleArn && r.expected === "Allowed");
            // The matrix took the documents from the graph: the trust cell uses the integration's outputs.
            const integration = run.resources.find((r) => r.type === "snowflake:index/storageIntegration:StorageIntegration")!;
            const trust = results.find((r) => r.id === "unload:trust:snowflake-right-external-id")!;
            assert.equal(trust.principal.arn, integration.outputs.storageAwsIamUserArn);
            assert.equal(trust.context["sts:ExternalId"], integration.outputs.storageAwsExternalId);
        });

        if (stack === "prod") {
            it("covers every log bucket, the replica and the replication role of the graph", () => {
                const loggings = run.resources.filter((r) => r.type === "aws:s3/bucketLogging:BucketLogging");
                assert.equal(facts.logs.length, loggings.length);
                assert.deepEqual(
                    facts.logs.map((l) => l.label),
                    ["lake bucket", "replica bucket"],
                );
                for (const l of facts.logs) {
                    has(
                        `log delivery into ${l.label}'s logs`,
                        (r) =>
                            r.resource.arn.startsWith(`${l.bucket.arn}/${l.prefix}`) &&
                            r.principal.arn === "logging.s3.amazonaws.com" &&
                            r.expected === "Allowed",
                    );
                    // The stack's roles that touch S3 or run its data path are each shown unable to read the logs.
                    const denied = new Set(
                        results
                            .filter(
                                (r) =>
                                    r.group === "access-logs" &&
                                    r.action === "s3:GetObject" &&
                                    r.resource.arn.startsWith(l.bucket.arn) &&
                                    r.decision !== "Allowed",
                            )
                            .map((r) => r.principal.label),
                    );
                    for (const who of [
                        "unload role",
                        "crawler role customers",
                        "arrival role customers",
                        "replication role",
                        "task-error role",
                        "anonymous",
                        "administrator of another account",
                    ]) {
                        assert.ok(denied.has(who), `no cell shows ${who} cannot read the ${l.label}'s logs`);
                    }
                }
                const replicationRole = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-replica-role"))!;
                assert.equal(facts.replication?.roleArn, replicationRole.outputs.arn);
                has("the replication role's trust", (r) => r.id === "replication:trust-s3" && r.ok);
            });
        }
        itIsTheDocTable({ stack }, () => results);
    });
}

describe("security: IAM access matrix of prod with readers and endpoint owners (docs/examples/sharing.yaml)", () => {
    const EXAMPLE = "docs/examples/sharing.yaml";
    let run: ProgramRun;
    let results: CellResult[];
    before(async () => {
        run = await runProgram({ stack: "prod", config: overlaySettings(path.join(ROOT, EXAMPLE)) });
        results = (await evaluateMatrix(run.resources, run.outputs.sharing)).results;
    });

    it("matches every cell, without an engine error or an ignored context key", () => {
        assert.deepEqual(results.filter((r) => !r.ok || r.problem !== undefined).map(show), []);
    });

    it("proves each reader both ways: its tables' current exports allowed, through S3 only; another table, writes and deletes denied", () => {
        const readers = (run.outputs.sharing as any).readers as Record<string, string[]>;
        assert.deepEqual(Object.keys(readers).sort(), ["444455556666", "777788889999"]);
        for (const [account, tables] of Object.entries(readers)) {
            const cells = results.filter((r) => r.id.startsWith(`reader:${account}:`));
            const t = tables.find((x) => cells.some((r) => r.id === `reader:${account}:get-${x}`))!;
            const decided = (id: string) => cells.find((r) => r.id === `reader:${account}:${id}`)?.decision;
            assert.equal(decided(`get-${t}`), "Allowed");
            assert.equal(decided(`list-${t}`), "Allowed");
            assert.equal(decided("decrypt-via-s3"), "Allowed");
            assert.equal(decided(`glue-get-${t}`), "Allowed");
            for (const id of [
                `get-${t}-earlier-export`,
                `put-${t}`,
                `delete-${t}`,
                "decrypt-directly",
                "decrypt-via-glue",
                "generate-data-key-via-s3",
                `glue-update-${t}`,
            ]) {
                assert.equal(decided(id), "ImplicitlyDenied", `${account} ${id}`);
            }
        }
        assert.ok(
            results.some((r) => r.id === "reader:777788889999:get-customers" && r.decision === "ImplicitlyDenied"),
            "a reader of ORDERS cannot read CUSTOMERS",
        );
        assert.ok(results.some((r) => r.id === "reader:777788889999:glue-get-customers" && r.decision === "ImplicitlyDenied"));
        assert.ok(results.filter((r) => r.id.startsWith("reader:other-account:")).every((r) => r.decision !== "Allowed"));
    });

    it("proves the endpoint owner subscribes its endpoint and nothing else", () => {
        const cells = results.filter((r) => r.group === "endpoint-owners");
        assert.deepEqual(
            cells.filter((r) => r.decision === "Allowed").map((r) => r.id),
            ["topic:owner:444455556666:orders-events:subscribe"],
        );
        assert.ok(cells.length >= 7);
    });
    itIsTheDocTable({ stack: "prod", with: EXAMPLE }, () => results);

    describe("notices a broken sharing policy (mutation controls)", () => {
        itFlags(
            [
                {
                    name: "reads granted under the table's folder instead of its current export",
                    graph: mutate(BUCKET_POLICY, "-lake-tls-only", (d) => {
                        for (const s of d.Statement.filter((x: any) => x.Action === "s3:GetObject"))
                            s.Resource = s.Resource.map((r: string) => r.replace(/\/g\d+-[0-9a-f]{8}\/\*$/, "/*"));
                    }),
                    flagged: ["reader:777788889999:get-orders-earlier-export"],
                },
                {
                    name: "a reader's grants missing from the bucket policy",
                    graph: mutate(BUCKET_POLICY, "-lake-tls-only", (d) => {
                        d.Statement = d.Statement.filter((x: any) => !JSON.stringify(x.Principal).includes("777788889999"));
                    }),
                    flagged: ["reader:777788889999:get-orders", "reader:777788889999:list-orders"],
                },
                {
                    name: "the readers' key grant without kms:ViaService",
                    graph: mutate(KEY, "-kms-key", (d) => delete sid(d, "AllowReadersToDecryptExportsThroughS3").Condition),
                    flagged: ["reader:444455556666:decrypt-directly", "reader:444455556666:decrypt-via-glue"],
                },
                {
                    name: "a catalog policy open on every table of the database",
                    graph: mutate("aws:glue/resourcePolicy:ResourcePolicy", "", (d) => {
                        for (const s of d.Statement)
                            s.Resource = s.Resource.map((r: string) => r.replace(/table\/lake\/[a-z_]+$/, "table/lake/*"));
                    }),
                    flagged: ["reader:777788889999:glue-get-customers"],
                },
                {
                    name: "an endpoint owner admitted without the endpoint condition",
                    graph: mutate(
                        TOPIC_POLICY,
                        "-lake-events-policy",
                        (d) => delete sid(d, "EndpointOwnerSubscribes1").Condition.StringEquals["sns:Endpoint"],
                    ),
                    flagged: ["topic:owner:444455556666:orders-events:subscribe-other-endpoint"],
                },
            ],
            () => ({ resources: run.resources, sharing: run.outputs.sharing }),
        );
        it("refuses a sharing output that names a table the stack does not have", () => {
            assert.throws(
                () =>
                    buildMatrix(
                        lakeFacts(run.resources, {
                            readers: { "444455556666": ["orders", "nope"] },
                            catalogShared: true,
                            endpointOwners: [],
                        }),
                    ),
                /reader 444455556666 is given tables orders, nope, not all of which are the stack's/,
            );
            assert.throws(
                () => lakeFacts(run.resources, { readers: { "111122223333": ["orders"] }, catalogShared: false, endpointOwners: [] }),
                /the account the matrix uses for "another account"/,
            );
        });
    });
});

describe("security: the IAM matrix notices a broken policy (mutation controls on prod)", () => {
    let rs: GraphResource[];
    before(async () => {
        rs = (await runProgram({ stack: "prod" })).resources;
    });

    /** The graph with a managed policy attached to the orders crawler's role. */
    const withAttachment = (graph: GraphResource[], policyArn: string): GraphResource[] => {
        const bad = clone(graph);
        const role = bad.find((r) => r.type === ROLE && r.name.endsWith("-orders-role"))!;
        const template = bad.find((r) => r.type === ROLE_POLICY && r.name.endsWith("-orders-access"))!;
        bad.push({
            ...clone([template])[0],
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "orders-glue-service",
            inputs: { role: role.outputs.name, policyArn },
        });
        return bad;
    };
    const noCondition = (d: any) => delete d.Statement[0].Condition;
    const widen = (st: any, from: RegExp | string, to = "/*") => {
        st.Resource = st.Resource.replace(from, to);
    };

    itFlags(
        [
            {
                name: "a topic policy without its aws:SourceArn/aws:SourceAccount conditions",
                graph: mutate(TOPIC_POLICY, "", noCondition),
                flagged: ["topic:s3-other-bucket", "topic:s3-other-account"],
            },
            {
                name: "a queue policy that admits any topic",
                graph: mutate("aws:sqs/queuePolicy:QueuePolicy", "", noCondition),
                flagged: ["queue:orders:sns-other-topic", "queue:customers:sns-other-topic"],
            },
            {
                name: "a trust policy without sts:ExternalId",
                graph: mutate(ROLE, "-snowflake-role", noCondition, "assumeRolePolicy"),
                flagged: ["unload:trust:snowflake-no-external-id"],
            },
            {
                name: "a trust policy trusting Snowflake's whole account",
                graph: mutate(
                    ROLE,
                    "-snowflake-role",
                    (d) => {
                        const p = d.Statement[0].Principal;
                        p.AWS = p.AWS.replace(/:user\/.*$/, ":root");
                    },
                    "assumeRolePolicy",
                ),
                flagged: ["unload:trust:other-snowflake-user"],
            },
            {
                name: "a crawler policy on the whole export prefix, or on all queues",
                graph: mutate(ROLE_POLICY, "-orders-access", (d) => {
                    widen(sid(d, "ReadOwnTableObjects"), "/orders/*");
                    sid(d, "ConsumeOwnEventQueue").Resource = "*";
                }),
                flagged: ["crawler:orders:read-prefix-customers", "crawler:orders:receive-queue-customers"],
            },
            {
                name: "an unload policy on the whole bucket",
                graph: mutate(ROLE_POLICY, "-snowflake-access", (d) => widen(d.Statement[0], /\/exports\/\*$/)),
                flagged: ["unload:put-athena-results", "unload:put-bucket-root"],
            },
            {
                name: "a bucket without its TLS-only policy",
                graph: (graph) => clone(graph).filter((r) => r.type !== BUCKET_POLICY),
                flagged: ["unload:put-no-tls", "bucket:admin-no-tls", "crawler:orders:read-own-prefix-no-tls"],
            },
            {
                name: "an arrival role allowed every workflow",
                graph: mutate(ROLE_POLICY, "-orders-arrival-notify", (d) => widen(d.Statement[0], /workflow\/.*$/, "workflow/*")),
                flagged: ["arrival:orders:notify-workflow-customers"],
            },
            {
                name: "an arrival role trusting EventBridge for any rule",
                graph: mutate(ROLE, "-orders-arrival-role", noCondition, "assumeRolePolicy"),
                flagged: ["arrival:orders:trust-other-rule", "arrival:orders:trust-no-source"],
            },
            {
                name: "a key policy letting CloudWatch Logs use the key for any log group",
                graph: mutate(KEY, "-kms-key", (d) => delete sid(d, "AllowCloudWatchLogsForCrawlerLogGroups").Condition),
                flagged: [
                    "kms:logs-other-log-group",
                    "kms:logs-no-context",
                    "kms:logs-default-crawler-log-group",
                    "kms:logs-other-role-log-group",
                ],
            },
            {
                name: "a crawler role that may re-key any log group, or encrypt under any encryption context",
                graph: mutate(ROLE_POLICY, "-orders-access", (d) => {
                    sid(d, "AssociateLakeKeyWithOwnLogGroup").Resource = "*";
                    delete sid(d, "EncryptOwnCrawlerLogs").Condition;
                }),
                flagged: [
                    "crawler:orders:associate-log-group-customers",
                    "crawler:orders:associate-other-log-group",
                    "crawler:orders:encrypt-log-customers",
                    "crawler:orders:encrypt-lake-key",
                ],
            },
            {
                name: "a log bucket policy that admits log delivery from any bucket",
                graph: mutate(BUCKET_POLICY, "-access-logs-policy", (d) => delete sid(d, "AllowS3ServerAccessLogDelivery").Condition),
                flagged: ["logs:lake:deliver-other-bucket", "logs:lake:deliver-other-account", "logs:lake:deliver-no-source"],
            },
            {
                name: "a log bucket policy that admits log delivery under the whole bucket",
                graph: mutate(BUCKET_POLICY, "-access-logs-policy", (d) =>
                    widen(sid(d, "AllowS3ServerAccessLogDelivery"), /\/access-logs\/\*$/),
                ),
                flagged: ["logs:lake:deliver-outside-prefix"],
            },
            {
                name: "a replication role allowed to replicate deletes",
                graph: mutate(ROLE_POLICY, "-replica-access", (d) => sid(d, "WriteReplicas").Action.push("s3:ReplicateDelete")),
                flagged: ["replication:replicate-delete"],
            },
            {
                name: "a replication role allowed to read the whole lake",
                graph: mutate(ROLE_POLICY, "-replica-access", (d) => widen(sid(d, "ReadExportVersions"), /\/exports\/\*$/)),
                flagged: ["replication:read-athena-results"],
            },
            {
                name: "an unload role that may delete anywhere under the export prefix again",
                graph: mutate(ROLE_POLICY, "-snowflake-access", (d) => {
                    sid(d, "RemoveFilesOfFailedUnloads").Resource = d.Statement[0].Resource;
                }),
                flagged: ["unload:delete-earlier-export"],
            },
            {
                name: "a key policy that confines S3 by a condition S3 is not documented to send",
                graph: mutate(KEY, "-kms-key", (d) => {
                    sid(d, "AllowS3ToPublishEncryptedEvents").Condition = { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } };
                }),
                flagged: ["kms:s3-encrypt", "kms:s3-decrypt"],
            },
            {
                name: "a crawler role given AWSGlueServiceRole again (as before the scoped policy)",
                graph: (graph) => withAttachment(graph, "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"),
                flagged: [
                    "crawler:orders:read-aws-glue-key",
                    "crawler:orders:list-bucket-any-prefix",
                    "crawler:orders:create-table",
                    "crawler:orders:update-table-customers",
                ],
            },
        ],
        () => ({ resources: rs }),
    );

    it("refuses a graph whose crawler's encrypted log group is not declared", () => {
        const bad = clone(rs).filter((r) => !(r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name.endsWith("-orders-logs")));
        assert.throws(() => lakeFacts(bad), /expected exactly one log group \/aws-glue\/crawlers-role\/.*orders.* in the graph, found 0/);
    });

    it("refuses a role with a managed policy it holds no copy of", () => {
        assert.throws(
            () => lakeFacts(withAttachment(rs, "arn:aws:iam::aws:policy/AmazonS3FullAccess")),
            /AmazonS3FullAccess, which tools\/check-iam\/managed-policies\.ts has no copy of/,
        );
    });
});

describe("security: the IAM matrix and KMS encryption context", () => {
    const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/r-c";
    const keyPolicy = (condition: Record<string, unknown>) => ({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "logs.eu-west-1.amazonaws.com" },
                Action: "kms:GenerateDataKey*",
                Resource: "*",
                Condition: condition,
            },
        ],
    });
    const cell = (
        context: Record<string, string>,
        condition: Record<string, unknown> = { ArnLike: { "kms:EncryptionContext:aws:logs:arn": GROUP } },
    ): Cell => ({
        id: "t",
        group: "crawler-logs",
        principal: { label: "logs", arn: "logs.eu-west-1.amazonaws.com" },
        action: "kms:GenerateDataKey",
        resource: { label: "key", arn: KEY, accountId: "123456789012" },
        context,
        contextLabel: "-",
        identityPolicies: [],
        resourcePolicy: keyPolicy(condition),
        expected: "Allowed",
        why: "",
    });

    it("renames the encryption context key, in the context and every condition, to the stand-in", () => {
        const e = forEngine(cell({ "kms:EncryptionContext:aws:logs:arn": GROUP }));
        assert.deepEqual(e.context, { [ENCRYPTION_CONTEXT_STAND_IN]: GROUP });
        assert.deepEqual(e.resourcePolicy!.Statement[0].Condition, { ArnLike: { [ENCRYPTION_CONTEXT_STAND_IN]: GROUP } });
        const plain = cell({});
        assert.equal(forEngine(plain), plain, "a cell without an encryption context is evaluated as it is");
    });

    it("lets the engine decide: the right log group is allowed, another one or none is not", async () => {
        assert.equal(
            (await evaluateCell(cell({ "kms:EncryptionContext:aws:logs:arn": GROUP }), { blockPublicAccess: true })).decision,
            "Allowed",
        );
        const other = await evaluateCell(cell({ "kms:EncryptionContext:aws:logs:arn": `${GROUP}-other` }), { blockPublicAccess: true });
        assert.equal(other.decision, "ImplicitlyDenied");
        assert.equal(other.problem, undefined, "no context key ignored by the engine");
        assert.equal((await evaluateCell(cell({}), { blockPublicAccess: true })).decision, "ImplicitlyDenied");
    });

    it("refuses a cell whose policies already use the stand-in key", () => {
        assert.throws(
            () => forEngine(cell({ "kms:EncryptionContext:aws:logs:arn": GROUP }, { ArnLike: { "aws:SourceArn": GROUP } })),
            /already used/,
        );
    });
});
