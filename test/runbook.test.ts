/**
 * docs/runbook.md covers every alarm the example stacks declare (each CloudWatch alarm and
 * EventBridge rule of the alerts component, and the Snowflake notification integration that reports
 * failed task runs), each with what it means and the commands that fix it, and the failures of a
 * first deployment; README links to it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, stackGraph } from "../offline";

const runbook = fs.readFileSync(path.join(ROOT, "docs", "runbook.md"), "utf8");

/** The sections of the runbook: `### <title>` → its text. */
const sections = new Map([...runbook.matchAll(/^### (.+)\n([\s\S]*?)(?=^##+ |(?![\s\S]))/gm)].map((m) => [m[1].trim(), m[2]]));

/** The kinds of alarm a stack declares, named as the runbook's sections: `dlq-not-empty`, `task-failed`... */
async function alarmKinds(stack: "dev" | "prod"): Promise<Set<string>> {
    const g = await stackGraph(stack);
    const alerts = g.resources.filter((r) => r.type === "incremental-crawl:index:Alerts");
    assert.equal(alerts.length, 1);
    const tables: string[] = JSON.parse(g.run.config["incremental-crawl:tables"]).map((t: { name: string }) => t.name.toLowerCase());
    const kinds = new Set<string>();
    for (const r of g.resources.filter(
        (x) =>
            x.parent === alerts[0].urn &&
            (x.type === "aws:cloudwatch/metricAlarm:MetricAlarm" || x.type === "aws:cloudwatch/eventRule:EventRule"),
    )) {
        let kind = r.name.slice(alerts[0].name.length + 1);
        for (const t of tables) if (kind.startsWith(`${t}-`)) kind = kind.slice(t.length + 1);
        kinds.add(kind);
    }
    if (g.resources.some((r) => r.type === "snowflake:index/notificationIntegration:NotificationIntegration")) kinds.add("task-failed");
    return kinds;
}

describe("docs/runbook.md", () => {
    it("has a section for every alarm of the dev and prod stacks, with what it means and the commands that fix it", async () => {
        const kinds = new Set([...(await alarmKinds("dev")), ...(await alarmKinds("prod"))]);
        assert.deepEqual([...kinds].sort(), [
            "arrival-failed",
            "crawler-failed",
            "dlq-not-empty",
            "events-waiting",
            "safety-net-failed",
            "task-failed",
            "undelivered-events",
        ]);
        for (const kind of kinds) {
            const text = sections.get(`\`${kind}\``);
            assert.ok(text, `a section for ${kind}`);
            assert.match(text, /^\*\*Means:\*\* /m, `${kind}: what it means`);
            assert.match(text, /```(sh|sql)\n/, `${kind}: the commands`);
        }
    });

    it("covers the failures of a first deployment", () => {
        for (const title of [
            "The first `pulumi up` failed",
            "The backfill failed half-way",
            "A Snowflake grant is missing",
            "Registering the Snowflake public key",
            "The local backend's passphrase",
        ]) {
            assert.ok(sections.get(title), `a section "${title}"`);
            assert.match(sections.get(title)!, /```(sh|sql)\n/, `${title}: the commands`);
        }
    });

    it("is linked from README and from docs/operating.md", () => {
        assert.match(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), /\]\(docs\/runbook\.md\)/);
        assert.match(fs.readFileSync(path.join(ROOT, "docs", "operating.md"), "utf8"), /\]\(runbook\.md\)/);
    });
});
