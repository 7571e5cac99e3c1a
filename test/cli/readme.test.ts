import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandSpec, ROOT, usageLine } from "../../scripts/lib/cli";
import { spec as plan } from "../../scripts/plan";
import { spec as checkIam } from "../../scripts/check-iam";
import { spec as diagram } from "../../scripts/diagram";
import { spec as bench } from "../../scripts/bench";
import { spec as verify } from "../../scripts/lib/verify-cli";
import { spec as crawl } from "../../scripts/lib/crawl-cli";
import { spec as addTable } from "../../scripts/lib/add-table";
import { spec as generate } from "../../scripts/generate";

const SPECS: CommandSpec[] = [plan, checkIam, verify, crawl, addTable, diagram, bench, generate] as CommandSpec[];

describe("README: the commands", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Commands"), readme.indexOf("## Architecture"));
    const flat = section.replace(/\s+/g, " ");

    it("lists every command with its usage line and the sentence --help prints first", () => {
        for (const s of SPECS) {
            assert.ok(flat.includes(`- \`${usageLine(s).replace(/^Usage: /, "")}\` ${s.summary}`), `README.md lists ${usageLine(s)} with: ${s.summary}`);
        }
    });

    it("lists nothing that is not a command, and every command is an npm script", () => {
        const listed = [...section.matchAll(/^- `npm run ([\w:-]+) --/gm)].map((m) => m[1]);
        assert.deepEqual(listed, SPECS.map((s) => s.script));
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
        for (const s of SPECS) assert.ok(scripts[s.script], `npm script ${s.script}`);
    });
});
