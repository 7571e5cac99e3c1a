/**
 * The arithmetic of `npm run bench`'s crawl cost and freshness model (tools/bench/crawl-model.ts).
 * It asserts the model's sums, not any real timing.
 */
import * as assert from "node:assert/strict";
import {
    arrivalsOf,
    assumptionLines,
    DesignResult,
    ModelInput,
    modelDay,
    modelTable,
    parseSeconds,
    parseShare,
} from "../tools/bench/crawl-model";

const BASE: ModelInput = {
    tables: 1,
    taskScheduleMinutes: 60,
    share: 1,
    filesPerRun: 4,
    unloadSeconds: 60,
    crawlSeconds: 120,
    batchSize: 100,
    batchWindowSeconds: 300,
};
const byDesign = (rs: DesignResult[]) => Object.fromEntries(rs.map((r) => [r.design, r]));

describe("bench: the crawl cost and freshness model", () => {
    it("an idle day: no arrival runs, 24·K cron runs, K safety-net runs", () => {
        for (const tables of [1, 10, 50]) {
            const d = byDesign(modelDay({ ...BASE, tables, share: 0 }));
            assert.deepEqual([d["on arrival"].runs, d["on arrival"].billedMinutes, d["on arrival"].arrivals], [0, 0, 0]);
            assert.deepEqual(
                [d["hourly cron"].runs, d["hourly cron"].billedMinutes],
                [24 * tables, 24 * tables * 10],
                "10 billed minutes a run",
            );
            assert.equal(d["on arrival + safety net"].runs, tables);
            assert.equal(d["hourly cron"].worstMinutes, undefined, "nothing arrived, nothing waited");
        }
    });

    it("one run per arrival batch, billed at the 10-minute minimum; the worst wait is the batch window plus a crawl", () => {
        const d = byDesign(modelDay(BASE));
        assert.equal(d["on arrival"].arrivals, 24);
        assert.deepEqual([d["on arrival"].runs, d["on arrival"].billedMinutes, d["on arrival"].worstMinutes], [24, 240, (300 + 120) / 60]);
        // Files land at h:01; the hourly crawl at h:15 catalogues them 14 minutes later, plus its 2.
        assert.deepEqual([d["hourly cron"].runs, d["hourly cron"].billedMinutes, d["hourly cron"].worstMinutes], [24, 240, 16]);
    });

    it("bills per second above the minimum", () => {
        const d = byDesign(modelDay({ ...BASE, crawlSeconds: 900, share: 0.5 }));
        assert.deepEqual([d["hourly cron"].billedMinutes, d["on arrival"].runs, d["on arrival"].billedMinutes], [24 * 15, 12, 12 * 15]);
    });

    it("spreads a table's writes over its runs, and staggers the tables", () => {
        const input = { ...BASE, tables: 2, share: 0.25 };
        const a = arrivalsOf(input, 0);
        const b = arrivalsOf(input, 1);
        assert.equal(a.length, 6);
        assert.equal(b.length, 6);
        assert.notDeepEqual(a, b);
        assert.deepEqual(a.slice(0, 2), [3 * 3600 + 60, 7 * 3600 + 60]);
        assert.equal(arrivalsOf({ ...BASE, taskScheduleMinutes: 30 }, 0).length, 48);
        assert.equal(arrivalsOf({ ...BASE, taskScheduleMinutes: 7 }, 0).length, Math.ceil(1440 / 7));
    });

    it("starts at once when a batch fills, and a start during a crawl is no run and loses nothing", () => {
        // 250 files: two full batches at once (the second meets the running crawl) and 50 left,
        // whose window closes while the crawl still runs: one run per arrival, every file in it.
        const d = byDesign(modelDay({ ...BASE, filesPerRun: 250, batchWindowSeconds: 60 }));
        assert.deepEqual([d["on arrival"].runs, d["on arrival"].worstMinutes], [24, 2]);
    });

    it("events whose start met a running crawl wait for the next crawl", () => {
        // A write every minute, a 60 s window and 3-minute crawls: windows close while crawls run,
        // so some files wait for a later crawl; none is lost, and the worst wait stays bounded.
        const d = byDesign(modelDay({ ...BASE, taskScheduleMinutes: 1, batchWindowSeconds: 60, crawlSeconds: 180 }));
        const r = d["on arrival"];
        assert.ok(r.runs > 0 && r.runs < r.arrivals, `${r.runs} runs for ${r.arrivals} arrivals`);
        assert.ok(Number.isFinite(r.worstMinutes!) && r.worstMinutes! > 4 && r.worstMinutes! <= 7, String(r.worstMinutes));
    });

    it("prints rows and assumptions, and the billing rule with its source", () => {
        const rows = modelTable([...modelDay({ ...BASE, tables: 1, share: 0 }), ...modelDay({ ...BASE, tables: 50 })]);
        assert.match(rows[0], /^\| tables \| design +\| crawler runs \| billed crawler min \| worst unload→catalog \(min\) \|$/);
        assert.equal(rows.length, 2 + 6);
        assert.match(rows[3], /^\| +1 \| on arrival +\| +0 \| +0 \| +- \(idle\) \|$/);
        assert.match(rows[5], /^\| +50 \| hourly cron +\| +1200 \| +12000 \| +16\.0 \|$/);
        const text = assumptionLines(BASE, "dev", undefined).join("\n").replace(/\n +/g, " ");
        assert.match(text, /10-minute minimum per crawler run/);
        assert.match(text, /this stack: none, acknowledged/);
        assert.match(text, /https:\/\/aws\.amazon\.com\/glue\/pricing\//);
        assert.ok(assumptionLines(BASE, "dev", "cron(15 3 * * ? *)").every((l) => l.length <= 100));
    });

    it("refuses a share outside 0-1 and seconds that are not whole", () => {
        assert.equal(parseShare("0.25"), 0.25);
        assert.equal(parseShare("0"), 0);
        assert.throws(() => parseShare("1.5"), /--share takes the share of task runs that write files, from 0 to 1/);
        assert.throws(() => parseShare("half"), /--share/);
        assert.equal(parseSeconds("crawl-seconds", "90"), 90);
        assert.throws(() => parseSeconds("crawl-seconds", "1.5"), /--crawl-seconds takes whole seconds/);
    });
});
