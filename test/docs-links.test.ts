/**
 * The documentation's relative links resolve: every link in README.md, docs/*.md,
 * components/README.md and policies/README.md to a file of the repository names one that exists,
 * and every `#anchor` (in the same document or another) names a heading there, as GitHub renders
 * it. Nothing links outside the repository by a relative path (the lead's notes, ../shared, are
 * not part of it), and no document names an issue of this project's tracker, which readers of
 * the repository cannot follow.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../offline";

const DOCS = [
    "README.md",
    "components/README.md",
    "policies/README.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/**
 * GitHub's heading anchors, as github-slugger computes them: lower case, every character that is
 * not a letter, digit, mark, space, `-` or `_` removed, spaces turned into `-`; a repeated slug gets
 * `-1`, `-2`... (https://github.com/Flet/github-slugger).
 */
export function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    let fenced = false;
    for (const line of markdown.split("\n")) {
        if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
        const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) continue;
        const text = m[1]
            .replace(/`([^`]*)`/g, "$1")
            .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
            .replace(/<[^>]+>/g, "");
        const base = text
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
            .replace(/ /g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** The link targets of a Markdown text, outside code: inline `[text](target)` and reference definitions. */
export function links(markdown: string): string[] {
    const prose = markdown.replace(/^\s*(```|~~~)[\s\S]*?^\s*\1/gm, "").replace(/`[^`\n]*`/g, "");
    const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
    const defined = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
    return [...inline, ...defined];
}

describe("docs: every relative link and anchor resolves", () => {
    it("finds links and GitHub's anchors as GitHub does", () => {
        assert.deepEqual(
            [
                ...anchors(
                    "# Use it from your own program\n## `tables` (required)\n```\n# not a heading\n```\n## Use it from your own program\n",
                ),
            ],
            ["use-it-from-your-own-program", "tables-required", "use-it-from-your-own-program-1"],
        );
        assert.deepEqual(links('See [a](docs/a.md#x), [b](#y "title"), `[c](not-a-link)`.\n```\n[d](in-code)\n```\n[e]: ../e.md\n'), [
            "docs/a.md#x",
            "#y",
            "../e.md",
        ]);
    });

    for (const doc of DOCS) {
        it(doc, () => {
            const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
            const problems: string[] = [];
            for (const target of links(text)) {
                if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
                const [file, anchor] = target.split("#");
                const resolved =
                    file === "" ? path.join(ROOT, doc) : path.resolve(path.dirname(path.join(ROOT, doc)), decodeURIComponent(file));
                if (path.relative(ROOT, resolved).startsWith("..")) {
                    problems.push(`${target}: outside the repository`);
                    continue;
                }
                if (!fs.existsSync(resolved)) {
                    problems.push(`${target}: no such file`);
                    continue;
                }
                if (anchor !== undefined && resolved.endsWith(".md") && !anchors(fs.readFileSync(resolved, "utf8")).has(anchor)) {
                    problems.push(`${target}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`);
                }
            }
            for (const m of text.matchAll(/\.\.\/shared|ARCHITECTURE\.md|\b[Ii]ssues? \d+\b/g))
                problems.push(`names ${m[0]}, which a reader of the repository cannot follow`);
            assert.deepEqual(problems, []);
        });
    }
});
