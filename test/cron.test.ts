import * as assert from "node:assert/strict";
import { parseCron } from "../components/cron";

describe("cron: Glue schedules", () => {
    const cases: Array<[string, number, number]> = [
        ["cron(0 * * * ? *)", 60, 60],
        ["cron(15 * * * ? *)", 60, 60],
        ["cron(0/5 * * * ? *)", 5, 5],
        ["cron(0 */6 * * ? *)", 360, 360],
        ["cron(0 8 ? * MON-FRI *)", 3 * 1440, 1440],
        ["cron(30 2 1 * ? *)", 31 * 1440, 28 * 1440],
        ["cron(0 9,17 * * ? *)", 16 * 60, 8 * 60],
        ["cron(0 0 ? * SUN *)", 7 * 1440, 7 * 1440],
    ];
    for (const [expr, max, min] of cases) {
        it(`measures ${expr}`, () => {
            const c = parseCron(expr);
            assert.equal(c.maxIntervalMinutes, max);
            assert.equal(c.minIntervalMinutes, min);
        });
    }

    const bad: Array<[string, RegExp]> = [
        ["0 * * * ? *", /not of the form cron/],
        ["cron(0 * * * *)", /5 fields, expected 6/],
        ["cron(0 * * * * *)", /exactly one of Day-of-month and Day-of-week must be \?/],
        ["cron(0 * ? * ? *)", /exactly one of Day-of-month and Day-of-week must be \?/],
        ["cron(60 * * * ? *)", /Invalid value for minute: 60/],
        ["cron(0 25 * * ? *)", /Invalid value for hour: 25/],
        ["cron(0 0 L * ? *)", /uses L, W or #/],
        ["cron(0 0 ? * 2#1 *)", /uses L, W or #/],
        ["cron(0 0 ? * FOO *)", /entry 5 \(FOO\) contains illegal characters/],
        ["cron(5-1 * * * ? *)", /From value is larger than to value/],
        ["cron(*/2 * * * ? *)", /Glue schedules run at most every 5 minutes/],
        ["cron(0 0 1 1 ? 2020)", /year "2020" ends the schedule/],
        ["cron(0 0 * * ? 2026-2030)", /year "2026-2030" ends the schedule: use \*/],
        ["cron(0 0 29 2 ? *)", /runs fewer than twice/],
    ];
    for (const [expr, why] of bad) {
        it(`refuses ${expr}`, () => assert.throws(() => parseCron(expr), why));
    }
});
