import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { currentBlock, readmeBlock, renderMermaid } from "../tools/diagram/diagram";
import { stackGraph } from "../offline";

const ROOT = path.join(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const doc = (name: string) => fs.readFileSync(path.join(ROOT, "docs", `${name}.md`), "utf8");
const [architecture, operating, pkg, deploying] = ["architecture", "operating", "package", "deploying"].map(doc);

describe("README", () => {
    it("embeds the diagram that the dev stack's graph renders today (npm run diagram -- --write)", async () => {
        const expected = readmeBlock(renderMermaid(await stackGraph("dev"), "incremental-crawl-dev"), "dev");
        assert.equal(currentBlock(architecture), expected);
    });

    it("starts no crawler by hand: dev and prod catalogue on arrival, and Operating it says when crawls happen", () => {
        for (const text of [readme, operating, deploying]) assert.doesNotMatch(text, /start-crawler/);
        const section = operating.slice(operating.indexOf("## When crawls happen"), operating.indexOf("## A crawl on demand"));
        assert.ok(section.length > 0, "under Operating it");
        for (const word of [
            "crawlBatchWindowSeconds",
            "crawlBatchSize",
            "safetyNetCrawl",
            "safetyNetSchedule",
            "none-events-may-expire",
            "stack-alerts-have-subscribers",
            "CrawlerRunningException",
            "MaxConcurrentRuns",
            "FailedInvocations",
        ]) {
            assert.ok(section.includes(word), `When crawls happen mentions ${word}`);
        }
    });

    it("shows the Python program the engine suite runs from the generated SDK (test/engine/python-sdk)", () => {
        const m = /<!-- example:python -->\n```python\n([\s\S]*?)\n```/.exec(pkg);
        assert.ok(m, "docs/package.md has no Python example");
        assert.equal(`${m[1]}\n`, fs.readFileSync(path.join(ROOT, "test", "engine", "python-sdk", "__main__.py"), "utf8"));
        assert.match(pkg, /pulumi package gen-sdk \S+\/components --language python --out sdks/);
    });

    it("names the test command CI runs", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        assert.match(readme, /npm ci[\s\S]*npm test/);
        assert.match(ci, /^npm ci$/m);
        assert.match(ci, /^npm run build$/m);
        assert.match(ci, /^npm test$/m);
    });
});

describe("README: what Snowflake must provide, and what happens when it fails", () => {
    const section = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)));
    const prerequisites = section(deploying, "Prerequisites:", "Step by step:");
    const semantics = section(architecture, "## Semantics", "## Design: crawl on arrival");
    const security = fs.readFileSync(path.join(ROOT, "docs", "security.md"), "utf8");

    it("requires a Snowflake account hosted on AWS, with the source that says why", () => {
        assert.match(prerequisites, /a Snowflake account \*\*hosted on AWS\*\*/);
        assert.match(prerequisites, /"cross-cloud\s+support is not available for push notifications"/);
        assert.match(prerequisites, /https:\/\/docs\.snowflake\.com\/en\/user-guide\/tasks-errors/);
    });

    it("says key-pair auth is the only one, that the source table's owner enables change tracking, and the task's role needs its grants on every run", () => {
        assert.match(prerequisites, /`snowflake:authenticator` unset or\s+`SNOWFLAKE_JWT`/);
        assert.match(
            prerequisites,
            /change tracking must be on for the table, and only its\s+owner can turn it on \(`ALTER TABLE <source> SET CHANGE_TRACKING = TRUE`/,
        );
        assert.match(prerequisites, /`SELECT` on it and `USAGE` on its database and schema/);
        assert.match(prerequisites, /The task runs as that role on\s+every run: revoking its `SELECT` or `USAGE` later fails every run/);
    });

    it("says when a stale stream is recreated (after a refresh, in place, without a backfill), citing the provider", () => {
        assert.doesNotMatch(architecture, /the next `pulumi up` recreates it/);
        assert.match(semantics, /on the first `pulumi up` after a refresh \(`pulumi refresh`, or `pulumi up --refresh`\)/);
        assert.match(semantics, /`pkg\/resources\/custom_diffs\.go` `RecreateWhenStreamIsStale`/);
        assert.match(semantics, /That is an in-place update: the stream\s+keeps its name, so the backfill does not run again/);
    });

    it("restores from the replica only what the unload log and its baseline list", () => {
        assert.match(
            semantics,
            /Restore only the files `LAKE_UNLOADS` lists for the export, and those of the query ids\s+`LAKE_UNLOAD_BASELINE` records for it/,
        );
        assert.match(security, /listed in neither table\): do not restore those/);
    });

    it("says what the upgrade to the transactional unload log does to a deployed stack", () => {
        const upgrade = section(
            deploying,
            "**Upgrading a stack deployed before the transactional unload log**",
            "**Upgrading a stack deployed before exports had folders",
        );
        for (const words of [
            "updates each table's task in place",
            "`LAKE_UNLOAD_BASELINE`",
            "runs its `update`",
            "Nothing is replaced and no row is exported again",
        ]) {
            assert.ok(upgrade.includes(words), words);
        }
    });
});
