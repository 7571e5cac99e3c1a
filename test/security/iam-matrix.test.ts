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
    DOC_PATH,
    docSection,
    ENCRYPTION_CONTEXT_STAND_IN,
    evaluateCell,
    evaluateMatrix,
    forEngine,
    formatMarkdown,
} from "../../tools/check-iam/iam-matrix";

const show = (r: CellResult) =>
    `${r.id}: ${r.principal.label} ${r.action} ${r.resource.label} [${r.contextLabel}] → ${r.decision}, expected ${r.expected}${r.problem ? ` (${r.problem})` : ""}`;

const clone = (rs: GraphResource[]): GraphResource[] => JSON.parse(JSON.stringify(rs));

/** Rewrites the policy document (JSON string input `key`) of the resources that `pick` selects. */
function mutatePolicy(
    rs: GraphResource[],
    pick: (r: GraphResource) => boolean,
    key: "policy" | "assumeRolePolicy",
    edit: (doc: any) => void,
): GraphResource[] {
    const out = clone(rs);
    const targets = out.filter(pick);
    assert.ok(targets.length > 0, "mutation control selected no resource");
    for (const r of targets) {
        const doc = JSON.parse(r.inputs[key]);
        edit(doc);
        r.inputs[key] = JSON.stringify(doc);
    }
    return out;
}

async function mismatches(rs: GraphResource[], sharing?: unknown): Promise<string[]> {
    const { results } = await evaluateMatrix(rs, sharing);
    return results.filter((r) => !r.ok).map((r) => r.id);
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

        it("covers every consumer queue, DLQ, crawler role and the unload role of the graph", () => {
            const crawlers = run.resources.filter((r) => r.type === "aws:glue/crawler:Crawler");
            const subscriptions = run.resources.filter(
                (r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.protocol === "sqs",
            );
            const facts = lakeFacts(run.resources);
            assert.equal(facts.tables.length, crawlers.length);
            assert.equal(facts.tables.length, subscriptions.length);
            for (const t of facts.tables) {
                const arns = new Set(results.map((r) => r.resource.arn));
                assert.ok(arns.has(t.queue.arn), `no cell on queue ${t.folder}`);
                assert.ok(arns.has(t.dlq.arn), `no cell on DLQ ${t.folder}`);
                assert.ok(arns.has(t.crawler.roleArn), `no trust cell on crawler role ${t.folder}`);
                assert.ok(
                    results.some((r) => r.principal.arn.includes(`assumed-role/${t.crawler.roleName}/`)),
                    `no cell for crawler role ${t.folder}`,
                );
                assert.ok(
                    results.some((r) => r.id === `unload:put-under-prefix:${t.folder}`),
                    `no unload cell for ${t.folder}`,
                );
            }
            assert.ok(results.some((r) => r.resource.arn === facts.unload.roleArn && r.expected === "Allowed"));
            // Every crawler has an arrival path, and the matrix proves its role both ways.
            const triggers = run.resources.filter((r) => r.type === "aws:glue/trigger:Trigger");
            assert.equal(triggers.length, crawlers.length);
            for (const t of facts.tables) {
                assert.ok(t.arrival, `no arrival path found for ${t.folder}`);
                const cells = results.filter((r) => r.id.startsWith(`arrival:${t.folder}:`));
                assert.ok(
                    cells.some(
                        (r) => r.action === "glue:NotifyEvent" && r.resource.arn === t.arrival!.workflowArn && r.expected === "Allowed",
                    ),
                    `${t.folder}: own workflow`,
                );
                assert.ok(
                    cells.some(
                        (r) => r.action === "glue:NotifyEvent" && r.resource.arn !== t.arrival!.workflowArn && r.expected === "Denied",
                    ),
                    `${t.folder}: another workflow`,
                );
                assert.ok(
                    cells.some((r) => r.resource.arn === t.arrival!.roleArn && r.expected === "Allowed"),
                    `${t.folder}: trust`,
                );
            }
            // Every crawler's log: its own stream allowed; in a KMS stack, its own encrypted log group,
            // whose key association it may make and CloudWatch Logs may encrypt for.
            for (const t of facts.tables) {
                const kms = facts.key !== undefined;
                assert.equal(t.logs.encrypted, kms, `${t.folder}: crawler logs encrypted exactly when the stack has the lake key`);
                assert.ok(
                    results.some(
                        (r) =>
                            r.id === `crawler:${t.folder}:write-own-log` &&
                            r.expected === "Allowed" &&
                            r.resource.arn.startsWith(t.logs.arn),
                    ),
                    `${t.folder}: own log stream`,
                );
                if (kms) {
                    const group = run.resources.find(
                        (r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.inputs.name === t.logs.group,
                    );
                    assert.ok(group, `${t.folder}: the graph declares the crawler's log group ${t.logs.group}`);
                    assert.ok(
                        results.some(
                            (r) =>
                                r.id === `crawler:${t.folder}:associate-own-log-group` &&
                                r.expected === "Allowed" &&
                                r.resource.arn === t.logs.arn,
                        ),
                    );
                    assert.ok(results.some((r) => r.id === `kms:logs-crawler-log-group-${t.folder}` && r.expected === "Allowed"));
                }
            }
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
                    assert.ok(
                        results.some(
                            (r) =>
                                r.resource.arn.startsWith(`${l.bucket.arn}/${l.prefix}`) &&
                                r.principal.arn === "logging.s3.amazonaws.com" &&
                                r.expected === "Allowed",
                        ),
                        `log delivery into ${l.label}'s logs`,
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
                assert.ok(results.some((r) => r.id === "replication:trust-s3" && r.ok));
            });
        }

        it(`is the table of ${DOC_PATH} (run npm run check:iam -- --stack ${stack} --update-doc after a change)`, () => {
            const text = fs.readFileSync(path.join(ROOT, DOC_PATH), "utf8");
            const section = docSection(text, stack);
            assert.ok(section !== undefined, `${DOC_PATH} has no generated ${stack} table`);
            assert.equal(section, formatMarkdown(results));
        });
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

    it(`is the table of ${DOC_PATH} (run npm run check:iam -- --stack prod --with ${EXAMPLE} --update-doc after a change)`, () => {
        const section = docSection(fs.readFileSync(path.join(ROOT, DOC_PATH), "utf8"), { stack: "prod", with: EXAMPLE });
        assert.ok(section !== undefined, `${DOC_PATH} has no generated table of prod with ${EXAMPLE}`);
        assert.equal(section, formatMarkdown(results));
    });

    describe("notices a broken sharing policy (mutation controls)", () => {
        const bucketPolicy = (r: GraphResource) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name.endsWith("-lake-tls-only");
        it("reads granted under the table's folder instead of its current export", async () => {
            const bad = mutatePolicy(run.resources, bucketPolicy, "policy", (d) => {
                for (const s of d.Statement.filter((x: any) => x.Action === "s3:GetObject"))
                    s.Resource = s.Resource.map((r: string) => r.replace(/\/g\d+-[0-9a-f]{8}\/\*$/, "/*"));
            });
            const ids = await mismatches(bad, run.outputs.sharing);
            assert.ok(ids.includes("reader:777788889999:get-orders-earlier-export"), ids.join(", "));
        });
        it("a reader's grants missing from the bucket policy", async () => {
            const bad = mutatePolicy(run.resources, bucketPolicy, "policy", (d) => {
                d.Statement = d.Statement.filter((x: any) => !JSON.stringify(x.Principal).includes("777788889999"));
            });
            const ids = await mismatches(bad, run.outputs.sharing);
            assert.ok(ids.includes("reader:777788889999:get-orders") && ids.includes("reader:777788889999:list-orders"), ids.join(", "));
        });
        it("the readers' key grant without kms:ViaService", async () => {
            const bad = mutatePolicy(
                run.resources,
                (r) => r.type === "aws:kms/key:Key" && r.name.endsWith("-kms-key"),
                "policy",
                (d) => {
                    delete d.Statement.find((x: any) => x.Sid === "AllowReadersToDecryptExportsThroughS3").Condition;
                },
            );
            const ids = await mismatches(bad, run.outputs.sharing);
            assert.ok(
                ids.includes("reader:444455556666:decrypt-directly") && ids.includes("reader:444455556666:decrypt-via-glue"),
                ids.join(", "),
            );
        });
        it("a catalog policy open on every table of the database", async () => {
            const bad = mutatePolicy(
                run.resources,
                (r) => r.type === "aws:glue/resourcePolicy:ResourcePolicy",
                "policy",
                (d) => {
                    for (const s of d.Statement)
                        s.Resource = s.Resource.map((r: string) => r.replace(/table\/lake\/[a-z_]+$/, "table/lake/*"));
                },
            );
            const ids = await mismatches(bad, run.outputs.sharing);
            assert.ok(ids.includes("reader:777788889999:glue-get-customers"), ids.join(", "));
        });
        it("an endpoint owner admitted without the endpoint condition", async () => {
            const bad = mutatePolicy(
                run.resources,
                (r) => r.type === "aws:sns/topicPolicy:TopicPolicy" && r.name.endsWith("-lake-events-policy"),
                "policy",
                (d) => {
                    delete d.Statement.find((x: any) => x.Sid === "EndpointOwnerSubscribes1").Condition.StringEquals["sns:Endpoint"];
                },
            );
            const ids = await mismatches(bad, run.outputs.sharing);
            assert.ok(ids.includes("topic:owner:444455556666:orders-events:subscribe-other-endpoint"), ids.join(", "));
        });
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

    it("a topic policy without its aws:SourceArn/aws:SourceAccount conditions", async () => {
        const bad = mutatePolicy(
            rs,
            (r) => r.type === "aws:sns/topicPolicy:TopicPolicy",
            "policy",
            (d) => {
                delete d.Statement[0].Condition;
            },
        );
        const ids = await mismatches(bad);
        assert.ok(ids.includes("topic:s3-other-bucket") && ids.includes("topic:s3-other-account"), ids.join(", "));
    });

    it("a queue policy that admits any topic", async () => {
        const bad = mutatePolicy(
            rs,
            (r) => r.type === "aws:sqs/queuePolicy:QueuePolicy",
            "policy",
            (d) => {
                delete d.Statement[0].Condition;
            },
        );
        const ids = await mismatches(bad);
        assert.ok(ids.includes("queue:orders:sns-other-topic") && ids.includes("queue:customers:sns-other-topic"), ids.join(", "));
    });

    it("a trust policy without sts:ExternalId, or trusting Snowflake's whole account", async () => {
        const noExternalId = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-snowflake-role"),
            "assumeRolePolicy",
            (d) => {
                delete d.Statement[0].Condition;
            },
        );
        assert.ok((await mismatches(noExternalId)).includes("unload:trust:snowflake-no-external-id"));
        const wholeAccount = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-snowflake-role"),
            "assumeRolePolicy",
            (d) => {
                d.Statement[0].Principal.AWS = d.Statement[0].Principal.AWS.replace(/:user\/.*$/, ":root");
            },
        );
        assert.ok((await mismatches(wholeAccount)).includes("unload:trust:other-snowflake-user"));
    });

    it("a crawler policy on the whole export prefix, or on all queues", async () => {
        const wide = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-orders-access"),
            "policy",
            (d) => {
                d.Statement.find((s: any) => s.Sid === "ReadOwnTableObjects").Resource = d.Statement.find(
                    (s: any) => s.Sid === "ReadOwnTableObjects",
                ).Resource.replace("/orders/*", "/*");
                d.Statement.find((s: any) => s.Sid === "ConsumeOwnEventQueue").Resource = "*";
            },
        );
        const ids = await mismatches(wide);
        assert.ok(
            ids.includes("crawler:orders:read-prefix-customers") && ids.includes("crawler:orders:receive-queue-customers"),
            ids.join(", "),
        );
    });

    it("an unload policy on the whole bucket", async () => {
        const wide = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-snowflake-access"),
            "policy",
            (d) => {
                d.Statement[0].Resource = d.Statement[0].Resource.replace(/\/exports\/\*$/, "/*");
            },
        );
        const ids = await mismatches(wide);
        assert.ok(ids.includes("unload:put-athena-results") && ids.includes("unload:put-bucket-root"), ids.join(", "));
    });

    it("a bucket without its TLS-only policy", async () => {
        const bad = clone(rs).filter((r) => r.type !== "aws:s3/bucketPolicy:BucketPolicy");
        const ids = await mismatches(bad);
        for (const id of ["unload:put-no-tls", "bucket:admin-no-tls", "crawler:orders:read-own-prefix-no-tls"])
            assert.ok(ids.includes(id), `${id} not flagged: ${ids.join(", ")}`);
    });

    it("an arrival role allowed every workflow, or trusting EventBridge for any rule", async () => {
        const wide = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-orders-arrival-notify"),
            "policy",
            (d) => {
                d.Statement[0].Resource = d.Statement[0].Resource.replace(/workflow\/.*$/, "workflow/*");
            },
        );
        assert.ok((await mismatches(wide)).includes("arrival:orders:notify-workflow-customers"));
        const anyRule = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-orders-arrival-role"),
            "assumeRolePolicy",
            (d) => {
                delete d.Statement[0].Condition;
            },
        );
        const ids = await mismatches(anyRule);
        assert.ok(ids.includes("arrival:orders:trust-other-rule") && ids.includes("arrival:orders:trust-no-source"), ids.join(", "));
    });

    it("a key policy letting CloudWatch Logs use the key for any log group", async () => {
        const bad = mutatePolicy(
            rs,
            (r) => r.type === "aws:kms/key:Key" && r.name.endsWith("-kms-key"),
            "policy",
            (d) => {
                delete d.Statement.find((st: any) => st.Sid === "AllowCloudWatchLogsForCrawlerLogGroups").Condition;
            },
        );
        const ids = await mismatches(bad);
        for (const id of [
            "kms:logs-other-log-group",
            "kms:logs-no-context",
            "kms:logs-default-crawler-log-group",
            "kms:logs-other-role-log-group",
        ])
            assert.ok(ids.includes(id), `${id} not flagged: ${ids.join(", ")}`);
    });

    it("a crawler role that may re-key any log group, or encrypt under any encryption context", async () => {
        const wide = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-orders-access"),
            "policy",
            (d) => {
                d.Statement.find((st: any) => st.Sid === "AssociateLakeKeyWithOwnLogGroup").Resource = "*";
                delete d.Statement.find((st: any) => st.Sid === "EncryptOwnCrawlerLogs").Condition;
            },
        );
        const ids = await mismatches(wide);
        for (const id of [
            "crawler:orders:associate-log-group-customers",
            "crawler:orders:associate-other-log-group",
            "crawler:orders:encrypt-log-customers",
            "crawler:orders:encrypt-lake-key",
        ]) {
            assert.ok(ids.includes(id), `${id} not flagged: ${ids.join(", ")}`);
        }
    });

    it("refuses a graph whose crawler's encrypted log group is not declared", () => {
        const bad = clone(rs).filter((r) => !(r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name.endsWith("-orders-logs")));
        assert.throws(() => lakeFacts(bad), /expected exactly one log group \/aws-glue\/crawlers-role\/.*orders.* in the graph, found 0/);
    });

    it("a log bucket policy that admits log delivery from any bucket, or under the whole bucket", async () => {
        const isLogPolicy = (r: GraphResource) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name.endsWith("-access-logs-policy");
        const anySource = mutatePolicy(rs, isLogPolicy, "policy", (d) => {
            delete d.Statement.find((s: any) => s.Sid === "AllowS3ServerAccessLogDelivery").Condition;
        });
        const ids = await mismatches(anySource);
        assert.ok(
            ids.includes("logs:lake:deliver-other-bucket") &&
                ids.includes("logs:lake:deliver-other-account") &&
                ids.includes("logs:lake:deliver-no-source"),
            ids.join(", "),
        );
        const whole = mutatePolicy(rs, isLogPolicy, "policy", (d) => {
            const st = d.Statement.find((s: any) => s.Sid === "AllowS3ServerAccessLogDelivery");
            st.Resource = st.Resource.replace(/\/access-logs\/\*$/, "/*");
        });
        assert.ok((await mismatches(whole)).includes("logs:lake:deliver-outside-prefix"));
    });

    it("a replication role allowed to replicate deletes, or to read the whole lake", async () => {
        const isReplicationPolicy = (r: GraphResource) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-replica-access");
        const deletes = mutatePolicy(rs, isReplicationPolicy, "policy", (d) => {
            d.Statement.find((s: any) => s.Sid === "WriteReplicas").Action.push("s3:ReplicateDelete");
        });
        assert.ok((await mismatches(deletes)).includes("replication:replicate-delete"));
        const wide = mutatePolicy(rs, isReplicationPolicy, "policy", (d) => {
            const st = d.Statement.find((s: any) => s.Sid === "ReadExportVersions");
            st.Resource = st.Resource.replace(/\/exports\/\*$/, "/*");
        });
        assert.ok((await mismatches(wide)).includes("replication:read-athena-results"));
    });

    it("an unload role that may delete anywhere under the export prefix again", async () => {
        const wide = mutatePolicy(
            rs,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-snowflake-access"),
            "policy",
            (d) => {
                d.Statement.find((s: any) => s.Sid === "RemoveFilesOfFailedUnloads").Resource = d.Statement[0].Resource;
            },
        );
        assert.ok((await mismatches(wide)).includes("unload:delete-earlier-export"));
    });

    it("a key policy that confines S3 by a condition S3 is not documented to send", async () => {
        const bad = mutatePolicy(
            rs,
            (r) => r.type === "aws:kms/key:Key" && r.name.endsWith("-kms-key"),
            "policy",
            (d) => {
                d.Statement.find((s: any) => s.Sid === "AllowS3ToPublishEncryptedEvents").Condition = {
                    StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
                };
            },
        );
        const flagged = await mismatches(bad);
        for (const id of ["kms:s3-encrypt", "kms:s3-decrypt"]) assert.ok(flagged.includes(id), `${id} not flagged: ${flagged.join(", ")}`);
    });

    /** The graph with a managed policy attached to the orders crawler's role. */
    const withAttachment = (policyArn: string): GraphResource[] => {
        const bad = clone(rs);
        const role = bad.find((r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-orders-role"))!;
        const template = bad.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.endsWith("-orders-access"))!;
        bad.push({
            ...clone([template])[0],
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "orders-glue-service",
            inputs: { role: role.outputs.name, policyArn },
        });
        return bad;
    };

    it("a crawler role given AWSGlueServiceRole again (as before the scoped policy)", async () => {
        const ids = await mismatches(withAttachment("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"));
        for (const id of [
            "crawler:orders:read-aws-glue-key",
            "crawler:orders:list-bucket-any-prefix",
            "crawler:orders:create-table",
            "crawler:orders:update-table-customers",
        ]) {
            assert.ok(ids.includes(id), `${id} not flagged: ${ids.join(", ")}`);
        }
    });

    it("refuses a role with a managed policy it holds no copy of", () => {
        assert.throws(
            () => lakeFacts(withAttachment("arn:aws:iam::aws:policy/AmazonS3FullAccess")),
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
