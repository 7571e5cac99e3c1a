/**
 * The component provider, as Pulumi runs it for a program in Python, Go, .NET or YAML: its schema
 * (derived from the sources, checked in as components/schema.json by `npm run generate`), `construct` under mocks, and
 * the plugin booted the way the Node.js language host boots a source-based plugin.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as YAML from "yaml";
import { IncrementalLake, LakeArgsError } from "../../components/index";
import { servedPort } from "../harness/served-port";
import { ROOT, runProgram } from "../../offline";
import { derivedSchema } from "../../tools/generate/schema";

const providerrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const providerproto = require("@pulumi/pulumi/proto/provider_pb");

const LAKE = "incremental-crawl:index:IncrementalLake";
const checkedIn = () => JSON.parse(fs.readFileSync(path.join(ROOT, "components", "schema.json"), "utf8"));

describe("package: the component provider's schema", function () {
    this.timeout(120_000);
    let derived: string;
    before(async () => {
        derived = await derivedSchema();
    });

    it("serves IncrementalLake under the index module, and only it", () => {
        const schema = JSON.parse(derived);
        assert.equal(schema.name, "incremental-crawl");
        assert.deepEqual(Object.keys(schema.resources), [LAKE]);
        assert.equal(schema.resources[LAKE].isComponent, true);
        for (const t of Object.keys(schema.types)) assert.match(t, /^incremental-crawl:index:/);
    });

    it("keeps names and counts plain, takes the key as an input, and requires only tables", () => {
        const inputs = checkedIn().resources[LAKE].inputProperties;
        assert.deepEqual(checkedIn().resources[LAKE].requiredInputs, ["tables"]);
        for (const k of ["tables", "exportPrefix", "glueDatabase", "snowflakeDatabase", "production"])
            assert.equal(inputs[k].plain, true, k);
        assert.equal(inputs.kmsKeyArn.plain, undefined, "kmsKeyArn may come from another resource");
        assert.equal(inputs.encryption.$ref, "#/types/incremental-crawl:index:Encryption");
        const enumValues = (t: string) => checkedIn().types[`incremental-crawl:index:${t}`].enum.map((e: { value: string }) => e.value);
        assert.deepEqual(enumValues("Encryption"), ["sse-s3", "kms"]);
        assert.deepEqual(enumValues("PartitionGranularity"), ["day", "month", "hour", "value"]);
    });

    it("outputs what a program needs, per table too", () => {
        const r = checkedIn().resources[LAKE];
        for (const k of ["bucketName", "topicArn", "glueDatabaseName", "alertsTopicArn", "snowflakeStageName", "tables"])
            assert.ok(r.required.includes(k), k);
        assert.ok(!r.required.includes("kmsKeyArn"), "unset with sse-s3");
        assert.equal(r.properties.tables.additionalProperties.$ref, "#/types/incremental-crawl:index:LakeTableOutputs");
        const perTable = Object.keys(checkedIn().types["incremental-crawl:index:LakeTableOutputs"].properties);
        for (const k of ["queueUrl", "crawlerName", "streamName", "taskName", "s3Prefix"]) assert.ok(perTable.includes(k), k);
    });
});

describe("package: construct, as a program in another language declares the lake", function () {
    this.timeout(120_000);

    it("declares the same graph as the TypeScript program, and returns every output the schema names", async () => {
        const ts = await runProgram({ stack: "prod" });
        const constructed = await runProgram({ stack: "prod", program: "test/package/construct-program.ts" });
        const names = (run: typeof ts) =>
            run.resources
                .filter((r) => !r.type.startsWith("pulumi:providers:"))
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        assert.ok(names(ts).length > 50, `${names(ts).length} resources`);
        assert.deepEqual(names(constructed), names(ts));
        assert.match(String(constructed.outputs.urn), /::incremental-crawl:index:IncrementalLake::incremental-crawl-prod$/);
        const state = constructed.outputs.state as Record<string, unknown>;
        const outputs = Object.keys(checkedIn().resources[LAKE].properties);
        assert.deepEqual(Object.keys(state).sort(), [...outputs].sort());
        assert.equal(state.bucketName, ts.outputs.bucketName);
        assert.deepEqual(state.tables, ts.outputs.tables);
        assert.match(String(state.kmsKeyArn), /^arn:aws:kms:/);
    });

    it("refuses bad arguments before declaring anything, listing every problem", async () => {
        const base = { tables: [{ name: "ORDERS", columns: [{ name: "ORDER_DATE", type: "DATE" }], partitionBy: "ORDER_DATE" }] };
        assert.throws(
            () => new IncrementalLake("lake", { ...base, tables: [{ ...base.tables[0], name: "orders; DROP" }], queueRetentionDays: 99 }),
            (e: unknown) => {
                assert.ok(e instanceof LakeArgsError);
                assert.equal(e.problems.length, 2, e.message);
                assert.match(e.problems[0], /^queueRetentionDays: expected an integer from 1 to 13/);
                assert.match(e.problems[1], /^tables\[0\]\.name: expected an upper-case Snowflake identifier/);
                return true;
            },
        );
        assert.throws(
            () => new IncrementalLake("Lake_1", { ...base, tabels: [] } as never),
            (e: unknown) =>
                e instanceof LakeArgsError &&
                e.problems.some((p) => /^name: expected a name of lower-case letters/.test(p)) &&
                e.problems.some((p) => /^tabels: expected one of the IncrementalLake arguments \(did you mean tables\?\)/.test(p)),
        );
        for (const reserved of ["xn--lake", "sthree-lake", "amzn-s3-demo-lake"])
            assert.throws(
                () => new IncrementalLake(reserved, base),
                /name: expected a name that does not start with "xn--", "sthree-" or "amzn-s3-demo-"/,
            );
        assert.throws(
            () => new IncrementalLake("lake", { ...base, kmsKeyArn: "alias/lake" }),
            /kmsKeyArn: expected no key unless encryption is "kms"/,
        );
        assert.throws(
            () => new IncrementalLake("lake", { ...base, encryption: "kms", kmsKeyArn: "alias/lake" }),
            /kmsKeyArn: expected the ARN of a KMS key/,
        );
    });

    it("uses a key the program brings (an Output of another resource) instead of creating one", async () => {
        const run = await runProgram({ stack: "prod", program: "test/package/own-key-program.ts" });
        // The replica's key stays the lake's own: it lives in the replica's region.
        const keys = run.resources.filter((r) => r.type === "aws:kms/key:Key" && !r.name.endsWith("-replica-key"));
        assert.deepEqual(
            keys.map((k) => k.name),
            ["organisation-key"],
        );
        assert.equal(run.outputs.lakeKeyArn, run.outputs.keyArn);
        const sse = run.resources.find(
            (r) =>
                r.type === "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration" && /lake/.test(r.name),
        )!;
        assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, run.outputs.keyArn);
        const queues = run.resources.filter((r) => r.type === "aws:sqs/queue:Queue" && r.inputs.kmsMasterKeyId !== undefined);
        assert.ok(queues.length > 0 && queues.every((q) => q.inputs.kmsMasterKeyId === run.outputs.keyArn));
    });
});

describe("package: the plugin boots as the Node.js language host runs a source-based plugin", function () {
    this.timeout(180_000);
    let child: ChildProcess;
    let client: any;

    before(async () => {
        const dir = path.join(ROOT, "components");
        assert.equal(YAML.parse(fs.readFileSync(path.join(dir, "PulumiPlugin.yaml"), "utf8")).runtime, "nodejs");
        // run-plugin loads package.json `main` from the unbuilt sources, with ts-node (PULUMI_NODEJS_TYPESCRIPT),
        // and is handed the engine's address. pulumi-language-nodejs main.go RunPlugin.
        const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" };
        delete env.NODE_OPTIONS;
        child = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-plugin"), ".", "127.0.0.1:1"], {
            cwd: dir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const port = await servedPort(child, "the plugin");
        client = new providerrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    it("answers GetSchema with the checked-in schema", async () => {
        const resp: any = await new Promise((resolve, reject) =>
            client.getSchema(new providerproto.GetSchemaRequest(), (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
        );
        assert.deepEqual(JSON.parse(resp.getSchema()), checkedIn());
    });
});
