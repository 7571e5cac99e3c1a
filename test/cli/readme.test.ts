import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandSpec, ROOT, usageLine } from "../../tools/cli/command";
import { spec as plan } from "../../tools/plan/main";
import { spec as checkIam } from "../../tools/check-iam/main";
import { spec as diagram } from "../../tools/diagram/main";
import { spec as bench } from "../../tools/bench/main";
import { spec as verify } from "../../tools/verify/cli";
import { spec as crawl } from "../../tools/crawl/cli";
import { spec as addTable } from "../../tools/add-table/add-table";
import { spec as generate } from "../../tools/generate/main";

const SPECS: CommandSpec[] = [plan, checkIam, verify, crawl, addTable, diagram, bench, generate] as CommandSpec[];

describe("docs/commands.md: the commands", () => {
    const section = fs.readFileSync(path.join(ROOT, "docs", "commands.md"), "utf8");
    const flat = section.replace(/\s+/g, " ");

    it("lists every command with its usage line and the sentence --help prints first", () => {
        for (const s of SPECS) {
            assert.ok(
                flat.includes(`- \`${usageLine(s).replace(/^Usage: /, "")}\` ${s.summary}`),
                `docs/commands.md lists ${usageLine(s)} with: ${s.summary}`,
            );
        }
    });

    it("lists nothing that is not a command, and every command is an npm script", () => {
        const listed = [...section.matchAll(/^- `npm run ([\w:-]+) --/gm)].map((m) => m[1]);
        assert.deepEqual(
            listed,
            SPECS.map((s) => s.script),
        );
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
        for (const s of SPECS) assert.ok(scripts[s.script], `npm script ${s.script}`);
    });
});
