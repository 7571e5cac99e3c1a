import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { currentBlock, readmeBlock, renderMermaid } from "../scripts/lib/diagram";
import { COLUMN_KEYS, TABLE_KEYS } from "../config";
import { stackGraph } from "../offline";

const ROOT = path.join(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README", () => {
    it("embeds the diagram that the dev stack's graph renders today (npm run diagram -- --write)", async () => {
        const expected = readmeBlock(renderMermaid(await stackGraph("dev"), "incremental-crawl-dev"), "dev");
        assert.equal(currentBlock(readme), expected);
    });

    it("documents every Pulumi.yaml setting with its type, default and description", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        const rows = new Map<string, string[]>();
        for (const line of readme.split("\n")) {
            const m = /^\| `([A-Za-z]+)` \| (.+?) \| `(.+?)` \| (.+) \|$/.exec(line);
            if (m) rows.set(m[1], [m[2], m[3], m[4]]);
        }
        for (const [key, decl] of Object.entries<any>(project.config)) {
            const type = decl.type === "array" ? `array of ${decl.items.type}` : decl.type;
            assert.deepEqual(rows.get(key), [type, JSON.stringify(decl.default), decl.description.replace(/\|/g, "\\|")], key);
        }
    });

    it("starts no crawler by hand: dev and prod catalogue on arrival, and Operating it says when crawls happen", () => {
        assert.doesNotMatch(readme, /start-crawler/);
        const section = readme.slice(readme.indexOf("### When crawls happen"), readme.indexOf("## Semantics"));
        assert.ok(readme.indexOf("### When crawls happen") > readme.indexOf("## Operating it"), "under Operating it");
        for (const word of ["crawlBatchWindowSeconds", "crawlBatchSize", "safetyNetCrawl", "safetyNetSchedule", "none-events-may-expire", "stack-alerts-have-subscribers", "CrawlerRunningException", "MaxConcurrentRuns", "FailedInvocations"]) {
            assert.ok(section.includes(word), `When crawls happen mentions ${word}`);
        }
    });

    it("names the test command CI runs", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        assert.match(readme, /npm ci[\s\S]*npm test/);
        assert.match(ci, /^npm ci$/m);
        assert.match(ci, /^npm run build$/m);
        assert.match(ci, /^npm test$/m);
    });
});

describe("README: the tables reference", () => {
    it("documents every table and column setting config.ts accepts", () => {
        const section = readme.slice(readme.indexOf("`tables` (required"), readme.indexOf("Provider settings in the stack files"));
        const documented = [...section.matchAll(/^\| `([a-zA-Z]+)` \|/gm)].map((m) => m[1]).sort();
        assert.deepEqual(documented, [...TABLE_KEYS].sort());
        for (const k of COLUMN_KEYS) assert.match(section, new RegExp(`\\b${k}\\b`), `column setting ${k}`);
    });
});
