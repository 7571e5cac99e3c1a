/**
 * The pack folder on its own, as `pulumi preview --policy-pack policies` runs it: a child process
 * started the way the Pulumi CLI starts a Node.js policy pack (@pulumi/pulumi's run-policy-pack, in
 * policies/, with ts-node type-checking against policies/tsconfig.json) serves the Analyzer gRPC
 * API; the test calls it as the engine would. The mocha process itself never constructs the pack.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { allPolicies } from "../../policies/rules";
import { s3PublicAccessBlocked } from "../../policies/rules/s3";
import { snowflakeStageUsesIntegration } from "../../policies/rules/snowflake";
import { servedPort } from "../harness/served-port";
import { ROOT } from "../../offline";

const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface Diagnostic {
    policy: string;
    level: number;
    message: string;
    urn: string;
}

const call = <T>(client: any, method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));

const diagnostics = (resp: any): Diagnostic[] => resp.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage(), urn: d.getUrn(),
}));

function resource(kind: "AnalyzeRequest" | "AnalyzerResource", type: string, name: string, props: Record<string, unknown>) {
    const r = new analyzerproto[kind]();
    r.setType(type);
    r.setName(name);
    r.setUrn(`urn:pulumi:test::lake::${type}::${name}`);
    r.setProperties(structproto.Struct.fromJavaScript(props));
    r.setOptions(new analyzerproto.AnalyzerResourceOptions());
    return r;
}

describe("policies: the pack served as `pulumi preview --policy-pack policies` serves it", function () {
    this.timeout(120_000);
    let child: ChildProcess;
    let client: any;

    before(async () => {
        child = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], {
            cwd: path.join(ROOT, "policies"),
            stdio: ["ignore", "pipe", "pipe"],
        });
        const port = await servedPort(child, "the pack");
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    it("describes every policy of the pack, with its level and config schema", async () => {
        const info: any = await call(client, "getAnalyzerInfo", new emptyproto.Empty());
        assert.equal(info.getName(), "incremental-crawl");
        const policies = info.getPoliciesList();
        assert.deepEqual(policies.map((p: any) => p.getName()), allPolicies.map((p) => p.name));
        const regions = policies.find((p: any) => p.getName() === "aws-allowed-regions");
        assert.deepEqual(regions.getConfigschema().getProperties().toJavaScript().allowedRegions.default, ["eu-west-1", "eu-central-1"]);
    });

    it("reports a resource violation with the same message as the rule's unit test (the server puts the description first)", async () => {
        const stage = resource("AnalyzeRequest", "snowflake:index/stage:Stage", "with-keys", { url: "s3://lake-bucket/exports/", credentials: "AWS_KEY_ID='x'" });
        const found = diagnostics(await call(client, "analyze", stage)).filter((d) => d.policy === "snowflake-stage-uses-integration");
        const prefix = `${snowflakeStageUsesIntegration.description}\n`;
        assert.ok(found.every((d) => d.level === 1 && d.message.startsWith(prefix)), JSON.stringify(found));
        assert.deepEqual(found.map((d) => d.message.slice(prefix.length)), [
            "external stage on s3://lake-bucket/exports/ has no storageIntegration: reach S3 through a storage integration (an IAM role Snowflake assumes with an external id)",
            "stage carries credentials: keys would be stored in the stack state and in Snowflake; remove credentials and use a storage integration",
        ]);
    });

    it("turns a value unknown during preview into an advisory, not a failure", async () => {
        const policy = resource("AnalyzeRequest", "aws:iam/rolePolicy:RolePolicy", "access", { role: "crawler", policy: UNKNOWN_STRING });
        const found = diagnostics(await call(client, "analyze", policy));
        assert.deepEqual(found.map((d) => [d.policy, d.level]), [["iam-no-wildcard-action", 0], ["iam-no-wildcard-data-resource", 0]]);
        assert.match(found[0].message, /^can't run policy 'iam-no-wildcard-action' from policy pack 'incremental-crawl@v0\.1\.0' during preview: string value at \.policy can't be known during preview$/);
    });

    it("reports stack violations on the resource they concern", async () => {
        const bucket = resource("AnalyzerResource", "aws:s3/bucket:Bucket", "bucket", { bucket: "lake-bucket" });
        const block = resource("AnalyzerResource", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
            bucket: "lake-bucket", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false,
        });
        block.setDependenciesList([bucket.getUrn()]);
        const request = new analyzerproto.AnalyzeStackRequest();
        request.setResourcesList([bucket, block]);
        const found = diagnostics(await call(client, "analyzeStack", request)).filter((d) => d.policy === "s3-public-access-blocked");
        assert.deepEqual(found.map((d) => [d.urn, d.message]), [
            [block.getUrn(), `${s3PublicAccessBlocked.description}\npublic access is not fully blocked: restrictPublicBuckets must be true (all four settings must be true)`],
        ]);
    });
});
