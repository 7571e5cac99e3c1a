import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { defaultDeps, USAGE } from "../../tools/verify/cli";
import { EXIT } from "../../tools/cli/command";
import { OutputsError, outputsRegion, parseOutputs, regionOf, splitQualifiedName } from "../../tools/verify/outputs";
import { cli, fakeSnowflake, healthyWorld, install, stackOutputs, stopMocks } from "./world";

describe("verify: command line", () => {
    let dir: string;
    let outputsFile: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
        outputsFile = path.join(dir, "outputs.json");
        fs.writeFileSync(outputsFile, JSON.stringify(stackOutputs()));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        stopMocks();
    });

    it("prints the report and exits 0 when every check passes", async () => {
        const r = await cli(["--outputs", outputsFile]);
        assert.equal(r.code, EXIT.ok, r.stdout + r.stderr);
        assert.match(r.stdout, /^TABLE\s+CHECK\s+RESULT\s+DETAIL\n/);
        assert.match(r.stdout, /12 passed, 0 failed, 0 skipped/);
        assert.match(r.stderr, /^verify: .*outputs\.json, 1 table \(orders\), region eu-west-1, Snowflake account ORG-ACC as VERIFY\n/);
        assert.match(r.stderr, /\[orders\] crawler incremental-crawl-dev-orders started\n/);
        assert.deepEqual(r.regions, ["eu-west-1"]);
        assert.equal(r.closed(), 1);
    });

    it("exits 1 and names the cause when a check fails", async () => {
        const w = healthyWorld();
        w.dlq = { visible: 2, inFlight: 0 };
        const r = await cli(["--outputs", outputsFile, "--timeout-seconds", "120"], w);
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stdout, /\norders\s+dead-letter queue\s+FAIL\s+2 visible, 0 in flight in /);
        assert.match(
            r.stdout,
            /Likely causes:\n {2}orders \/ dead-letter queue: the crawler cannot read the queue \(role\/KMS\) or events are malformed/,
        );
    });

    it("reads the outputs of a stack with pulumi stack output", async () => {
        const asked: string[] = [];
        const r = await cli(["--stack", "dev"], healthyWorld(), {
            stackOutputs: async (stack) => {
                asked.push(stack);
                return JSON.stringify(stackOutputs());
            },
        });
        assert.equal(r.code, EXIT.ok);
        assert.deepEqual(asked, ["dev"]);
        assert.match(r.stderr, /^verify: stack dev, 1 table/);
    });

    it("exits 2 with the pulumi error when the stack's outputs cannot be read", async () => {
        const r = await cli(["--stack", "dev"], healthyWorld(), {
            stackOutputs: async () => {
                throw new Error("`pulumi stack output --json --stack dev` failed: error: no stack named 'dev' found");
            },
        });
        assert.equal(r.code, EXIT.usage);
        assert.match(r.stderr, /no stack named 'dev' found/);
        assert.equal(r.stdout, "");
    });

    it("exits 2 on a stack without a stack file, naming the stacks there are, before asking pulumi", async () => {
        let asked = 0;
        const r = await cli(["--stack", "prdo"], healthyWorld(), { stackOutputs: async () => String(asked++) });
        assert.equal(r.code, EXIT.usage);
        assert.match(r.stderr, /^verify: no stack "prdo": there is no Pulumi\.prdo\.yaml \(did you mean prod\? stacks: dev, prod\)\n/);
        assert.equal(asked, 0);
    });

    it("exits 2 and lists every missing credential, AWS and Snowflake, before any call", async () => {
        const r = await cli(["--outputs", outputsFile], healthyWorld(), {
            env: {},
            checkAwsCredentials: defaultDeps.checkAwsCredentials,
            awsClients: (region) => ({
                ...defaultDeps.awsClients(region),
                glue: new GlueClient({
                    region,
                    credentials: () =>
                        Promise.reject(
                            Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
                        ),
                }),
            }),
            snowflake: defaultDeps.snowflake,
        });
        assert.equal(r.code, EXIT.usage);
        assert.match(
            r.stderr,
            /verify: cannot verify .*outputs\.json:\n {2}- no usable AWS credentials \(CredentialsProviderError: Could not load credentials from any providers\): set AWS_PROFILE/,
        );
        assert.match(
            r.stderr,
            /\n {2}- Snowflake settings: missing environment variables: SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY/,
        );
        assert.equal(r.calls.getCrawler, 0);
        assert.equal(r.stdout, "");
    });

    it("connects as the stack does: its outputs' identity over SNOWFLAKE_*, the key from the environment", async () => {
        const file = path.join(dir, "with-connection.json");
        fs.writeFileSync(
            file,
            JSON.stringify({
                ...stackOutputs(),
                snowflakeConnection: { BACKFILL_ACCOUNT_NAME: "STACK_ACCT", BACKFILL_WAREHOUSE: "STACK_WH", NOT_BACKFILL: "x" },
            }),
        );
        let seen: NodeJS.ProcessEnv = {};
        const w = healthyWorld();
        const r = await cli(["--outputs", file], w, {
            env: { SNOWFLAKE_ACCOUNT_NAME: "ENV_ACCT", SNOWFLAKE_PRIVATE_KEY: "pem" },
            snowflake: (env) => {
                seen = env;
                return { conn: fakeSnowflake(w, install(w)), describe: "fake", close: async () => undefined };
            },
        });
        assert.equal(r.code, EXIT.ok, r.stderr);
        assert.deepEqual(
            [
                seen.BACKFILL_ACCOUNT_NAME,
                seen.BACKFILL_WAREHOUSE,
                seen.SNOWFLAKE_ACCOUNT_NAME,
                seen.SNOWFLAKE_PRIVATE_KEY,
                seen.NOT_BACKFILL,
            ],
            ["STACK_ACCT", "STACK_WH", "ENV_ACCT", "pem", undefined],
        );
    });

    it("prints the usage on --help and exits 0", async () => {
        const r = await cli(["--help"]);
        assert.equal(r.code, EXIT.ok);
        assert.equal(r.stdout, USAGE);
    });

    const usageErrors: Array<[string, string[], RegExp]> = [
        ["no source", [], /give exactly one of --stack <name> and --outputs <file>/],
        ["two sources", ["--stack", "dev", "--outputs", "x.json"], /give exactly one of --stack/],
        ["an unknown option", ["--stack", "dev", "--bogus"], /verify: unknown option --bogus\n/],
        ["a misspelt option", ["--stack", "dev", "--tabel", "orders"], /verify: unknown option --tabel \(did you mean --table\?\)/],
        ["a bad timeout", ["--stack", "dev", "--timeout-seconds", "soon"], /--timeout-seconds must be a whole number of seconds/],
        ["a bad region", ["--stack", "dev", "--region", "Europe"], /--region: not an AWS region/],
    ];
    for (const [what, argv, why] of usageErrors) {
        it(`exits 2 with the usage on ${what}`, async () => {
            const r = await cli(argv);
            assert.equal(r.code, EXIT.usage);
            assert.match(r.stderr, why);
            assert.ok(r.stderr.includes("Usage: npm run verify --"));
        });
    }

    it("exits 2 on an unreadable or invalid outputs file", async () => {
        const missing = await cli(["--outputs", path.join(dir, "missing.json")]);
        assert.equal(missing.code, EXIT.usage);
        assert.match(missing.stderr, /cannot read .*missing\.json: .*ENOENT/);

        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(
            bad,
            JSON.stringify({ bucketName: "b", tables: { orders: { snowflakeTable: "ORDERS", s3Prefix: "exports/orders" } } }),
        );
        const invalid = await cli(["--outputs", bad]);
        assert.equal(invalid.code, EXIT.usage);
        assert.match(invalid.stderr, /glueDatabase: expected a non-empty string, got nothing/);
        assert.match(invalid.stderr, /tables\.orders\.snowflakeTable: expected DATABASE\.SCHEMA\.TABLE, got "ORDERS"/);
        assert.match(invalid.stderr, /tables\.orders\.s3Prefix: expected a key prefix with a trailing slash/);

        const notJson = path.join(dir, "not.json");
        fs.writeFileSync(notJson, "Current stack is dev");
        const garbled = await cli(["--outputs", notJson]);
        assert.equal(garbled.code, EXIT.usage);
        assert.match(garbled.stderr, /are not JSON/);
    });

    it("exits 2 on a --table the stack does not export", async () => {
        const r = await cli(["--outputs", outputsFile, "--table", "customers"]);
        assert.equal(r.code, EXIT.usage);
        assert.match(r.stderr, /no table customers in the outputs of .* \(tables: orders\)/);
    });

    it("uses the region of the stack's resources over AWS_REGION, and --region over both", async () => {
        const r = await cli(["--outputs", outputsFile], healthyWorld(), { env: { AWS_REGION: "us-east-1" } });
        assert.deepEqual(r.regions, ["eu-west-1"]);
        assert.match(r.stderr, /using eu-west-1, the region of the stack's resources, not AWS_REGION us-east-1/);
        const forced = await cli(["--outputs", outputsFile, "--region", "eu-central-1"], healthyWorld(), {
            env: { AWS_REGION: "us-east-1" },
        });
        assert.deepEqual(forced.regions, ["eu-central-1"]);
    });
});

describe("verify: stack outputs", () => {
    it("accepts the outputs of index.ts", () => {
        const o = parseOutputs(JSON.parse(JSON.stringify(stackOutputs())));
        assert.equal(o.tables.orders.crawlerName, "incremental-crawl-dev-orders");
        assert.equal(outputsRegion(o), "eu-west-1");
    });

    it("takes the export's id and the table's folder, optional for stacks deployed before them", () => {
        const o = parseOutputs(stackOutputs());
        assert.deepEqual(
            [o.tables.orders.s3Prefix, o.tables.orders.exportId, o.tables.orders.tablePrefix],
            ["exports/orders/g1-0a1b2c3d/", "g1-0a1b2c3d", "exports/orders/"],
        );
        const older = stackOutputs();
        older.tables.orders = { ...older.tables.orders, s3Prefix: "exports/orders/", exportId: undefined, tablePrefix: undefined };
        assert.equal(parseOutputs(JSON.parse(JSON.stringify(older))).tables.orders.exportId, undefined);
        const bad = stackOutputs();
        bad.tables.orders = { ...bad.tables.orders, exportId: "gen-1", tablePrefix: "exports/orders" };
        assert.throws(
            () => parseOutputs(bad),
            (e: unknown) => {
                assert.ok(e instanceof OutputsError);
                assert.deepEqual(
                    e.problems.map((p) => p.split(":")[0]),
                    ["tables.orders.exportId", "tables.orders.tablePrefix"],
                );
                return true;
            },
        );
        const elsewhere = stackOutputs();
        elsewhere.tables.orders = { ...elsewhere.tables.orders, exportId: "g2-0a1b2c3d" };
        assert.throws(() => parseOutputs(elsewhere), /tables\.orders\.s3Prefix: expected the folder of export g2-0a1b2c3d/);
    });

    it("lists every problem at once", () => {
        assert.throws(
            () => parseOutputs({ tables: {} }),
            (e: unknown) => {
                assert.ok(e instanceof OutputsError);
                assert.deepEqual(
                    e.problems.map((p) => p.split(":")[0]),
                    ["bucketName", "glueDatabase", "athenaWorkgroup", "tables"],
                );
                return true;
            },
        );
        assert.throws(() => parseOutputs([]), /expected a JSON object of stack outputs/);
    });

    it("splits plain and quoted qualified names", () => {
        assert.deepEqual(splitQualifiedName("LAKE_EXPORT.EXPORT.ORDERS"), ["LAKE_EXPORT", "EXPORT", "ORDERS"]);
        assert.deepEqual(splitQualifiedName('"LAKE_EXPORT"."EXPORT"."LAKE_STAGE"'), ["LAKE_EXPORT", "EXPORT", "LAKE_STAGE"]);
        assert.deepEqual(splitQualifiedName('"a""b".S.T'), ['a"b', "S", "T"]);
        for (const bad of ["ORDERS", "A.B", "A.B.C.D", "A.B.C.", "A..C", ""]) assert.equal(splitQualifiedName(bad), undefined, bad);
    });

    it("reads the region of ARNs and queue URLs", () => {
        assert.equal(regionOf("arn:aws:sns:eu-west-1:123456789012:t"), "eu-west-1");
        assert.equal(regionOf("arn:aws-us-gov:sns:us-gov-west-1:123456789012:t"), "us-gov-west-1");
        assert.equal(regionOf("https://sqs.ap-southeast-2.amazonaws.com/123456789012/q"), "ap-southeast-2");
        assert.equal(regionOf("arn:aws:iam::123456789012:role/r"), undefined);
    });
});
