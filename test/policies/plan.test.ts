/**
 * The offline preview (`npm run plan`): the real stacks pass the pack, the insecure fixture makes
 * every rule fire, and the runner hands rules what @pulumi/policy would. Each program runs once,
 * in `before`.
 */
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { allPolicies } from "../../policies/rules";
import {
    evaluatePolicies,
    PlanResult,
    planStack,
    policyConfigFor,
    resourceArgsOf,
    stackPolicySettings,
    stackResourcesOf,
    writePolicyConfig,
} from "../../tools/plan/policy-run";
import { formatPlan, summaryLine } from "../../tools/plan/plan-format";
import { ROOT, stackConfig } from "../../offline";
import { MOCK_ACCOUNT } from "../../offline/mocks";

const FIXTURE = "test/fixtures/insecure/index.ts";
const mandatory = (r: PlanResult) => r.violations.filter((v) => v.level === "mandatory");
const show = (r: PlanResult) => r.violations.map((v) => `${v.level} ${v.policy} ${v.urn ?? "(stack)"}: ${v.message}`).join("\n");

describe("policies: npm run plan", function () {
    this.timeout(120_000);
    let dev: PlanResult;
    let prod: PlanResult;
    let insecure: PlanResult;

    before(async () => {
        dev = await planStack({ stack: "dev" });
        prod = await planStack({ stack: "prod" });
        // The production-only rules need a stack whose settings say production.
        insecure = await planStack({ stack: "prod", program: FIXTURE });
    });

    it("finds no violation in the dev and prod stacks, but warns that dev's alerts reach no one", () => {
        assert.deepEqual(mandatory(dev), [], show(dev));
        assert.deepEqual(mandatory(prod), [], show(prod));
        assert.deepEqual(prod.violations, [], show(prod));
        // dev has no alertEmails: a warning, not an error.
        assert.deepEqual(
            dev.violations.map((v) => [v.policy, v.level, v.urn?.split("::").pop()]),
            [["stack-alerts-have-subscribers", "advisory", "incremental-crawl-dev-alerts-topic"]],
            show(dev),
        );
        assert.match(
            dev.violations[0].message,
            /nothing subscribes to it: alerts .* reach no one; give the stack an alert address \(IncrementalLake alertEmails, incremental-crawl:alertEmails\)/,
        );
        assert.match(summaryLine(dev), / 0 mandatory and 1 advisory violations$/);
    });

    it("makes every rule of the pack fire on the insecure fixture", () => {
        const fired = new Set(insecure.violations.map((v) => v.policy));
        const silent = allPolicies.map((p) => p.name).filter((n) => !fired.has(n));
        assert.deepEqual(silent, [], `rules that did not fire on ${FIXTURE}`);
        assert.ok(mandatory(insecure).length > 0);
        assert.ok(
            insecure.violations.every((v) => !v.message.startsWith("can't run policy")),
            show(insecure),
        );
    });

    it("configures the policies from the stack: production, export prefix, crawl interval, account", () => {
        assert.equal(dev.policyConfig["s3-versioning-in-production"].production, false);
        assert.equal(prod.policyConfig["s3-versioning-in-production"].production, true);
        assert.equal(prod.policyConfig["stack-production-lake-retained"].production, true);
        assert.equal(prod.policyConfig["s3-retention-in-production"].protectedPrefix, "exports/");
        assert.equal(prod.policyConfig["snowflake-integration-locations-in-lake"].exportPrefix, "exports");
        // Both keep the default daily safety net, so an event may wait a day; a stack that switched it
        // off crawls on arrival only: dev's 60 s batch window plus a crawl.
        assert.equal(prod.policyConfig["sqs-retention-covers-crawl-interval"].crawlerIntervalMinutes, 1440);
        assert.equal(dev.policyConfig["sqs-retention-covers-crawl-interval"].crawlerIntervalMinutes, 1440);
        const off = stackPolicySettings({ ...stackConfig("dev"), "incremental-crawl:safetyNetSchedule": "none-events-may-expire" });
        assert.equal(off.crawlerIntervalMinutes, 1 + 15);
        assert.equal(
            stackPolicySettings({ ...stackConfig("dev"), "incremental-crawl:safetyNetSchedule": "cron(0 */6 * * ? *)" })
                .crawlerIntervalMinutes,
            360,
        );
        assert.deepEqual(prod.policyConfig["iam-third-party-external-id"].accountIds, [MOCK_ACCOUNT]);
        // Keys a policy does not declare stay out of its config; schema defaults fill the rest.
        assert.deepEqual(prod.policyConfig["aws-allowed-regions"], { allowedRegions: ["eu-west-1", "eu-central-1"] });
        // prod declares CUSTOMERS' retention and keeps its own access logs; dev names no audit trail at all.
        assert.deepEqual(prod.policyConfig["s3-retention-in-production"].declaredRetention, { "exports/customers/": 730 });
        assert.deepEqual(dev.policyConfig["s3-retention-in-production"].declaredRetention, {});
        assert.equal(prod.policyConfig["s3-access-logging-in-production"].cloudTrailDataEvents, false);
        const trail = stackPolicySettings({
            "incremental-crawl:auditTrail": "cloudtrail:arn:aws:cloudtrail:eu-west-1:111122223333:trail/org",
        });
        assert.equal(trail.cloudTrailDataEvents, true);
        assert.deepEqual(prod.policyConfig["sqs-dlq-retention-covers-source"], {});
    });

    it("lets policy config override levels and settings, as --policy-pack-config does", async () => {
        const config = policyConfigFor(allPolicies, stackPolicySettings({ "incremental-crawl:production": "true" }), {
            "aws-required-tags": "disabled",
            "aws-allowed-regions": { enforcementLevel: "advisory", allowedRegions: ["us-east-1"] },
        });
        const result = await evaluatePolicies(insecure.resources, allPolicies, config);
        assert.equal(result.policies.length, allPolicies.length - 1);
        assert.ok(!result.violations.some((v) => v.policy === "aws-required-tags"));
        // Now the fixture's eu-west-1 resources are the ones out of region, and only advised against.
        const regions = result.violations.filter((v) => v.policy === "aws-allowed-regions");
        assert.ok(regions.length > 0);
        for (const v of regions) {
            assert.deepEqual(
                [v.level, v.message],
                ["advisory", "region eu-west-1 is not allowed (allowed: us-east-1): the lake's data stays in its regions"],
            );
        }
    });

    it("writes the policy config it used, for --policy-pack-config, without the mocks' account", () => {
        const file = path.join(os.tmpdir(), `policy-config-${process.pid}.json`);
        writePolicyConfig(prod, file);
        const written = JSON.parse(fs.readFileSync(file, "utf8"));
        fs.unlinkSync(file);
        assert.deepEqual(
            Object.keys(written),
            allPolicies.map((p) => p.name),
        );
        assert.deepEqual(written["stack-production-lake-retained"], { production: true });
        assert.deepEqual(written["iam-third-party-external-id"], {});
    });

    it("hands resource rules the args @pulumi/policy builds", () => {
        const byUrn = new Map(prod.resources.map((r) => [r.urn, r]));
        const crawler = prod.resources.find((r) => r.type === "aws:glue/crawler:Crawler")!;
        const args = resourceArgsOf(crawler, byUrn, { x: 1 }, new Map());
        assert.deepEqual(Object.keys(args).sort(), [
            "asType",
            "getConfig",
            "isType",
            "name",
            "notApplicable",
            "opts",
            "props",
            "provider",
            "stackTags",
            "type",
            "urn",
        ]);
        assert.deepEqual(Object.keys(args.opts).sort(), [
            "additionalSecretOutputs",
            "aliases",
            "customTimeouts",
            "ignoreChanges",
            "parent",
            "protect",
            "retainOnDelete",
        ]);
        assert.equal(args.props.recrawlPolicy.recrawlBehavior, "CRAWL_EVENT_MODE");
        assert.equal(args.provider?.type, "pulumi:providers:aws");
        assert.equal(args.provider?.props.region, "eu-west-1");
        assert.deepEqual(args.getConfig(), { x: 1 });
        assert.equal(args.isType({ __pulumiType: "aws:glue/crawler:Crawler" } as never), true);
        assert.throws(() => args.notApplicable("n/a"), /n\/a/);
        // A resource without an explicit provider gets the default provider the engine would create.
        const command = prod.resources.find((r) => r.type === "command:local:Command")!;
        assert.equal(
            resourceArgsOf(command, byUrn, {}, new Map()).provider?.urn,
            "urn:pulumi:prod::incremental-crawl::pulumi:providers:command::default",
        );
    });

    it("hands stack rules the graph @pulumi/policy builds: outputs, parents and dependencies as resources", () => {
        const graph = stackResourcesOf(prod.resources);
        const notification = graph.find((r) => r.type === "aws:s3/bucketNotification:BucketNotification")!;
        assert.ok(notification.dependencies.some((d) => d.type === "aws:sns/topicPolicy:TopicPolicy"));
        assert.deepEqual(
            notification.propertyDependencies.topics.map((d) => d.type),
            ["aws:sns/topic:Topic"],
        );
        assert.equal(notification.parent?.type, "incremental-crawl:index:EventLake");
        const bucket = graph.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name.endsWith("-lake-bucket"))!;
        assert.match(bucket.props.arn, /^arn:aws:s3:::incremental-crawl-prod-lake-bucket-/);
        assert.equal((bucket.opts as { retainOnDelete?: boolean }).retainOnDelete, true);
    });

    it("prints the tree with each violation under its resource and ends with the summary line", () => {
        const text = formatPlan(insecure);
        const lines = text.split("\n");
        assert.equal(lines[lines.length - 1], summaryLine(insecure));
        assert.match(summaryLine(insecure), /^\d+ policies, \d+ resources, [1-9]\d* mandatory and \d+ advisory violations$/);
        const at = lines.findIndex((l) => /\+ aws:s3\/bucketPublicAccessBlock:BucketPublicAccessBlock {2}half-open/.test(l));
        assert.ok(at > 0, text);
        assert.match(
            lines[at + 1],
            /^\s+✖ mandatory {2}s3-public-access-blocked: public access is not fully blocked: ignorePublicAcls and restrictPublicBuckets must be true/,
        );
        const prodText = formatPlan(prod).split("\n");
        assert.equal(
            prodText[prodText.length - 1],
            `${allPolicies.length} policies, ${prod.resources.length} resources, 0 mandatory and 0 advisory violations`,
        );
        assert.ok(
            prodText.some((l) => /^ {8}\+ incremental-crawl:index:EventLake {2}incremental-crawl-prod-lake$/.test(l)),
            "components nest",
        );
        assert.ok(
            prodText.some((l) =>
                /aws:s3\/bucket:Bucket {2}incremental-crawl-prod-lake-bucket .*forceDestroy=false.*\[retainOnDelete\]/.test(l),
            ),
        );
    });

    it("says a rule that fails many resources alike once, with their count and its --policy-config entry, which configures it", async () => {
        const east = await planStack({ stack: "dev", config: { "aws:region": "us-east-1" } });
        const regional = east.violations.filter((v) => v.policy === "aws-allowed-regions");
        const resources = new Set(regional.map((v) => v.urn)).size;
        assert.ok(resources > 20, show(east));
        const lines = formatPlan(east).split("\n");
        const said = lines.filter((l) => l.includes("aws-allowed-regions"));
        assert.deepEqual(said, [
            `  ✖ mandatory  aws-allowed-regions: ${resources} resources: ${regional[0].message}`,
            '      {"aws-allowed-regions": {"allowedRegions": ["eu-west-1", "eu-central-1"]}}',
        ]);
        assert.match(regional[0].message, /region us-east-1 is not allowed/);
        const header = lines.findIndex((l) =>
            /^Violations by rule\. To configure a rule, put its entry, changed, in a JSON file and pass it with --policy-config/.test(l),
        );
        assert.ok(header > 0 && header < lines.indexOf(said[0]), "under the section's header, after the tree");
        assert.equal(lines[lines.length - 1], summaryLine(east), "the summary line stays last");
        // The entry, changed, is the configuration that lets the region pass.
        const entry = JSON.parse(said[1]);
        entry["aws-allowed-regions"].allowedRegions.push("us-east-1");
        const allowed = await planStack({ stack: "dev", config: { "aws:region": "us-east-1" }, policyConfig: entry });
        assert.deepEqual(
            allowed.violations.filter((v) => v.policy === "aws-allowed-regions"),
            [],
        );
        assert.deepEqual(
            allowed.violations,
            east.violations.filter((v) => v.policy !== "aws-allowed-regions"),
            "nothing else changes",
        );
        // A rule without settings of its own is configured by its level; the stack's settings are never offered.
        const insecureText = formatPlan(insecure).split("\n");
        assert.ok(insecureText.includes('      {"s3-tls-only": {"enforcementLevel": "advisory"}}'), insecureText.join("\n"));
        assert.ok(
            insecureText.every((l) => !/^ {6}\{.*"(production|exportPrefix|accountIds)"/.test(l)),
            "derived settings are the stack's, not the user's to set",
        );
    });

    it("fits its lines in the width given (the terminal's, else 100 columns), losing nothing", () => {
        const wide = formatPlan(prod);
        assert.ok(
            wide.split("\n").some((l) => l.length > 100),
            "some lines are longer than 100 unfitted",
        );
        for (const width of [100, 60]) {
            const fitted = formatPlan(prod, { width });
            assert.deepEqual(
                fitted.split("\n").filter((l) => l.length > width),
                [],
                `width ${width}`,
            );
            assert.equal(fitted.replace(/\s+/g, ""), wide.replace(/\s+/g, ""), "the same text, only broken into lines");
        }
        const tree = formatPlan(prod, { width: 100 }).split("\n");
        assert.ok(
            tree.some((l) => /^ {8}\+ incremental-crawl:index:EventLake {2}incremental-crawl-prod-lake$/.test(l)),
            "a line that fits stays as it is",
        );
    });

    it("exits non-zero on a mandatory violation (npm run plan -- --program <fixture>)", async () => {
        const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
        const failure = await promisify(execFile)(
            tsNode,
            ["--transpile-only", "tools/plan/main.ts", "--program", FIXTURE, "--stack", "prod"],
            { cwd: ROOT, maxBuffer: 16 << 20 },
        ).then(
            () => undefined,
            (e: { code: number; stdout: string }) => e,
        );
        assert.ok(failure, "the plan of the insecure fixture exits non-zero");
        assert.equal(failure.code, 1);
        assert.equal(failure.stdout.trim().split("\n").pop(), summaryLine(insecure));
        // Not a terminal: 100 columns.
        assert.deepEqual(
            failure.stdout.split("\n").filter((l) => l.length > 100),
            [],
        );
    });
});
