/**
 * Limits a deploy would otherwise meet only in AWS: the size of the policies that name every table
 * (measured by the validator, and equal to what the program declares), and a KMS key or replica
 * that must be in the lake's region or partition. Each refusal names the key a user edits.
 */
import * as assert from "node:assert/strict";
import { IAM_ROLE_POLICY_CHARS, policySizes, S3_BUCKET_POLICY_BYTES, validateLakeArgs } from "../components/validate";
import { parseSettings } from "../config";
import { at, ctx, k, problems, raw } from "./harness/config";
import { graphOf } from "../offline";
import { partitionOf } from "../components/naming";

/** `n` tables of two columns, named TABLE_0000... */
const tables = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
        name: `TABLE_${String(i).padStart(4, "0")}`,
        columns: [
            { name: "ID", type: "NUMBER(38,0)" },
            { name: "TS", type: "TIMESTAMP_NTZ" },
        ],
        partitionBy: "TS",
    }));
const READERS = ["444455556666", "777788889999"];
const parseSettingsFor = (config: Record<string, string>) => parseSettings(config, ctx);

describe("service limits: the policies that name every table", function () {
    this.timeout(120_000);

    for (const [what, over] of [
        ["one table", {}],
        [
            "three tables with KMS, read by two accounts, one of them for one table",
            { [k("tables")]: tables(3), [k("encryption")]: "kms", [k("readers")]: [READERS[0], `${READERS[1]}:TABLE_0001`] },
        ],
    ] as const) {
        it(`measures what the program declares: ${what}`, async () => {
            const config = raw(over);
            const settings = parseSettingsFor(config);
            const g = await graphOf({ stack: "dev", config });
            const declared = (type: string, suffix: string) =>
                g.resources.find((r) => r.type === type && r.name.endsWith(suffix))!.inputs.policy;
            const sizes = policySizes(settings, { name: "incremental-crawl-dev", region: "eu-west-1" });
            assert.equal(sizes.unloadRolePolicy, declared("aws:iam/rolePolicy:RolePolicy", "-snowflake-access").length);
            if (settings.readers.length > 0)
                assert.equal(sizes.bucketPolicy, Buffer.byteLength(declared("aws:s3/bucketPolicy:BucketPolicy", "-lake-tls-only")));
        });
    }

    it("refuses the first table the unload role's policy cannot name, and accepts the one before", () => {
        let n = 1;
        while (n < 200 && problems(raw({ [k("tables")]: tables(n + 1) })).length === 0) n++;
        assert.ok(n < 200, "200 tables of short names fit, so the unload role's policy is not measured");
        const fits = policySizes(parseSettingsFor(raw({ [k("tables")]: tables(n) })), {
            name: "incremental-crawl-dev",
            region: "eu-west-1",
        });
        assert.ok(
            fits.unloadRolePolicy <= IAM_ROLE_POLICY_CHARS && fits.unloadRolePolicy > IAM_ROLE_POLICY_CHARS - 120,
            String(fits.unloadRolePolicy),
        );
        assert.deepEqual(problems(raw({ [k("tables")]: tables(n + 1) })).length, 1);
        assert.match(
            problems(raw({ [k("tables")]: tables(n + 1) }))[0],
            at(
                k("tables"),
                new RegExp(
                    `expected no more tables than the Snowflake unload role's policy can name: .* over IAM's 10240 for a role's inline policies, got "${n + 1} tables"$`,
                ),
            ),
        );
    });

    it("refuses readers whose grants make the bucket policy larger than S3 allows", () => {
        // Three accounts, each reading all tables but one: three groups of grants, each listing almost every table.
        const many = tables(60);
        const readers = many
            .slice(0, 3)
            .map((_, i) => many.filter((_, j) => j !== i).map((t) => `${READERS[0].slice(0, 11)}${i}:${t.name}`))
            .flat();
        const e = problems(raw({ [k("tables")]: many, [k("readers")]: readers }));
        assert.equal(e.length, 1, e.join("\n"));
        assert.match(
            e[0],
            at(
                k("readers"),
                new RegExp(
                    `expected no more tables shared than the lake bucket's policy can name: .* bytes, over S3's ${S3_BUCKET_POLICY_BYTES}`,
                ),
            ),
        );
    });
});

describe("service limits: the region of a key and of the replica", () => {
    it("refuses a KMS key of another region or partition, and takes one of the lake's region", () => {
        // kmsKeyArn is an argument of the component (a program's own key); the stack creates its key.
        const key = (arn: string) => {
            const v = validateLakeArgs({ tables: tables(1), encryption: "kms", kmsKeyArn: arn }, { region: "eu-west-1" });
            return v.ok ? [] : v.problems;
        };
        assert.deepEqual(key("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"), []);
        for (const arn of [
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:eu-west-1:111122223333:key/1",
        ])
            assert.deepEqual(key(arn), [`kmsKeyArn: expected a key of the lake's region (arn:aws:kms:eu-west-1:...), got "${arn}"`]);
    });

    it("refuses a replica in another partition", () => {
        const replica = (region: string) => problems(raw({ [k("replicaRegion")]: region, [k("versioning")]: true }));
        assert.deepEqual(replica("eu-central-1"), []);
        for (const region of ["cn-north-1", "us-gov-west-1"])
            assert.match(
                replica(region)[0],
                at(k("replicaRegion"), /expected a region of the lake's partition \(aws\): S3 replicates only within a partition/),
                region,
            );
    });

    it("knows each region's partition by its prefix", () => {
        assert.deepEqual(
            ["eu-west-1", "cn-northwest-1", "us-gov-east-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "eusc-de-east-1"].map(
                partitionOf,
            ),
            ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-eusc"],
        );
    });
});
