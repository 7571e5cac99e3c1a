/**
 * The pack as a whole: every policy is described for a reviewer, has a level and valid config
 * defaults, and no rule crashes on what preview hands it (absent values, values not known yet).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allPolicies, PACK_NAME } from "../../policies/rules";
import { gluePolicies } from "../../policies/rules/glue";
import { governancePolicies } from "../../policies/rules/governance";
import { iamPolicies } from "../../policies/rules/iam";
import { kmsPolicies } from "../../policies/rules/kms";
import { s3Policies } from "../../policies/rules/s3";
import { snowflakePolicies } from "../../policies/rules/snowflake";
import { snsSqsPolicies } from "../../policies/rules/sns-sqs";
import { stackPolicies } from "../../policies/rules/stack";
import { T } from "../../policies/lib/types";
import { isUnknownValueError } from "../../policies/lib/values";
import { ROOT } from "../../offline";
import { defaults, Fake, isResourcePolicy, isStackPolicy, resourceViolations, stackViolations, unknown } from "./support";

/** Every resource type the rules look at, and a few they do not. */
const TYPES = [
    ...new Set([
        ...Object.values(T)
            .flat()
            .map((cls) => (cls as unknown as { __pulumiType: string }).__pulumiType),
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:athena/workgroup:Workgroup",
        "aws:iam/policy:Policy",
        "snowflake:index/table:Table",
        "snowflake:index/fileFormat:FileFormat",
        "snowflake:index/task:Task",
        "pulumi:providers:aws",
        "incremental-crawl:index:EventLake",
    ]),
];

/** Every input a rule reads, anywhere in the pack. */
const KEYS = [
    "acl",
    "grants",
    "accessControlPolicy",
    "bucket",
    "rules",
    "rule",
    "lifecycleRules",
    "policy",
    "assumeRolePolicy",
    "inlinePolicies",
    "managedPolicyArns",
    "policyArn",
    "kmsMasterKeyId",
    "messageRetentionSeconds",
    "redrivePolicy",
    "fifoQueue",
    "protocol",
    "endpoint",
    "rawMessageDelivery",
    "filterPolicy",
    "filterPolicyScope",
    "recrawlPolicy",
    "s3Targets",
    "catalogTargets",
    "jdbcTargets",
    "configuration",
    "enableKeyRotation",
    "customerMasterKeySpec",
    "keyUsage",
    "url",
    "storageIntegration",
    "credentials",
    "fileFormat",
    "formatType",
    "storageAllowedLocations",
    "environment",
    "create",
    "update",
    "delete",
    "region",
    "tags",
    "versioningConfiguration",
    "serverSideEncryptionConfiguration",
    "versioning",
    "forceDestroy",
    "topics",
    "queues",
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
    "arn",
    "name",
    "id",
    "queueUrl",
    "role",
    "roles",
    "keyId",
    "targetKeyId",
    "schedule",
    "type",
    "actions",
];
const allUnknown = () => Object.fromEntries(KEYS.map((k) => [k, unknown()]));
const provider = (props: Record<string, any>): Fake => ({ type: "pulumi:providers:aws", name: "p", props });

/** Runs `f`; passes if it returns, or throws the error preview turns into "can't run policy during preview". */
async function onlyUnknownErrors(what: string, f: () => Promise<unknown>): Promise<void> {
    try {
        await f();
    } catch (e) {
        assert.ok(isUnknownValueError(e), `${what} threw ${(e as Error).stack}`);
    }
}

describe("policies: the pack", () => {
    it("has at least 20 policies, each in exactly one service module", () => {
        const modules = [
            s3Policies,
            snsSqsPolicies,
            gluePolicies,
            iamPolicies,
            kmsPolicies,
            snowflakePolicies,
            stackPolicies,
            governancePolicies,
        ];
        assert.ok(allPolicies.length >= 20, `${allPolicies.length} policies`);
        assert.deepEqual(
            modules
                .flat()
                .map((p) => p.name)
                .sort(),
            allPolicies.map((p) => p.name).sort(),
        );
    });

    it("gives every policy a unique name, a reviewer's description, a level, a severity and config defaults", () => {
        const names = allPolicies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, "names are unique");
        for (const p of allPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
            assert.ok(
                p.description.length >= 60 && p.description.length <= 300,
                `${p.name}: description of ${p.description.length} characters`,
            );
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", `${p.name}: ${p.enforcementLevel}`);
            assert.ok(p.severity !== undefined, `${p.name}: severity`);
            assert.ok(isResourcePolicy(p) !== isStackPolicy(p), `${p.name}: resource or stack policy`);
            for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                assert.ok(
                    typeof schema === "object" && "default" in schema && typeof schema.description === "string",
                    `${p.name}.${k} has a default and a description`,
                );
            }
        }
    });

    it("is served by policies/index.ts, which only assembles the pack, with a nodejs PulumiPolicy.yaml", () => {
        const index = fs.readFileSync(path.join(ROOT, "policies", "index.ts"), "utf8");
        assert.match(index, /new PolicyPack\(PACK_NAME, \{/);
        assert.equal(PACK_NAME, "incremental-crawl");
        assert.doesNotMatch(index, /validateResource|validateStack|reportViolation/);
        const imports = [...index.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(imports.sort(), ["./rules", "@pulumi/policy"]);
        const yaml = YAML.parse(fs.readFileSync(path.join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8"));
        assert.equal(yaml.runtime, "nodejs");
        assert.ok(typeof yaml.description === "string" && yaml.description.length > 0);
    });

    it("documents every rule in policies/README.md with its level", () => {
        const readme = fs.readFileSync(path.join(ROOT, "policies", "README.md"), "utf8");
        for (const p of allPolicies) assert.match(readme, new RegExp(`^\\| \`${p.name}\` \\| ${p.enforcementLevel} \\|`, "m"), p.name);
    });

    it("imports nothing from outside the pack but packages, so `pulumi preview --policy-pack policies` can load it alone", () => {
        const dir = path.join(ROOT, "policies");
        const dependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).dependencies);
        const files = ["index.ts", ...["lib", "rules"].flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => `${d}/${f}`))];
        let seen = 0;
        for (const f of files) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            const specs = [
                ...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom "([^"]+)";/gm),
                ...text.matchAll(/require\("([^"]+)"\)/g),
            ].map((m) => m[1]);
            seen += specs.length;
            for (const spec of specs) {
                const local = spec.startsWith(".");
                assert.ok(!local || path.resolve(path.dirname(path.join(dir, f)), spec).startsWith(dir), `${f} imports ${spec}`);
                assert.ok(
                    local || dependencies.some((d) => spec === d || spec.startsWith(`${d}/`)),
                    `${f} imports ${spec}, not a dependency of policies/package.json`,
                );
            }
        }
        assert.ok(seen > 30, `${seen} imports read`);
    });

    describe("robustness", () => {
        for (const p of allPolicies.filter(isResourcePolicy)) {
            it(`${p.name}: survives absent values and values unknown during preview, on every type`, async () => {
                for (const type of TYPES) {
                    await resourceViolations(p, { type, name: "r", props: {} });
                    await resourceViolations(p, [{ type, name: "r", props: { tags: {}, environment: {} }, provider: "p" }, provider({})]);
                    await onlyUnknownErrors(`${p.name} on ${type}`, () =>
                        resourceViolations(p, [{ type, name: "r", props: allUnknown(), provider: "p" }, provider(allUnknown())], {
                            production: true,
                        }),
                    );
                    await onlyUnknownErrors(`${p.name} on ${type}`, () =>
                        resourceViolations(p, {
                            type,
                            name: "r",
                            props: { policy: "{}", assumeRolePolicy: "[]", configuration: "{", redrivePolicy: "1" },
                        }),
                    );
                }
            });
        }
        for (const p of allPolicies.filter(isStackPolicy)) {
            it(`${p.name}: survives an empty stack, absent values and values unknown during preview`, async () => {
                assert.deepEqual(await stackViolations(p, []), []);
                const bare = TYPES.map((type, i): Fake => ({ type, name: `r${i}`, props: {} }));
                await stackViolations(p, bare, { ...defaults(p), production: true });
                const unknowns = TYPES.map((type, i): Fake => ({
                    type,
                    name: `r${i}`,
                    props: allUnknown(),
                    from: { bucket: [`r${(i + 1) % TYPES.length}`] },
                }));
                await onlyUnknownErrors(p.name, () => stackViolations(p, unknowns, { production: true }));
            });
        }
    });
});
