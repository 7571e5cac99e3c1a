/**
 * The storage cost model of `npm run bench`: its arithmetic over the published prices, what it
 * does with small files, expiry and archive overhead, and the README's worked example.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { storageTiers } from "@incremental-crawl/components/runtime";
import { UsageError } from "../tools/cli/command";
import { parseTiersOption, S3_PRICES, storageTable, yearOfExports } from "../tools/bench/storage-cost";

const P = S3_PRICES.perGbMonth;
const IT = S3_PRICES.intelligentTiering;
const tiers = (...t: string[]) => t.map((x) => storageTiers.parseTier(x) as storageTiers.StorageTier);
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

/** The README's worked example: 10 GB a day of 64 MB files, kept two years, versioned (30 noncurrent days). */
export const README_EXAMPLE = [
    { table: "ORDERS", tiers: tiers("STANDARD_IA:30", "GLACIER_IR:120") },
    { table: "EVENTS", tiers: tiers("INTELLIGENT_TIERING:0") },
    { table: "AUDIT_LOG", tiers: tiers("STANDARD_IA:30", "GLACIER_IR:90", "DEEP_ARCHIVE:180") },
].map((r) => ({ ...r, cost: yearOfExports({ tiers: r.tiers, gbPerDay: 10, objectMb: 64, retention: { days: 730, noncurrentDays: 30 } }) }));

describe("storage cost model", () => {
    it("prices a year of exports in STANDARD as 365 days of data at the STANDARD rate", () => {
        const c = yearOfExports({ tiers: [], gbPerDay: 2, objectMb: 64 });
        close(c.standard, 2 * 365 * P.STANDARD);
        close(c.tiered, c.standard);
        assert.equal(c.gb, 730);
    });

    it("prices each day's objects by the class they are in at their age", () => {
        const c = yearOfExports({ tiers: tiers("STANDARD_IA:30", "GLACIER_IR:120"), gbPerDay: 1, objectMb: 64 });
        close(c.tiered, 30 * P.STANDARD + 90 * P.STANDARD_IA + 245 * P.GLACIER_IR);
    });

    it("follows Intelligent-Tiering's access tiers for objects never read, with its monitoring charge", () => {
        const c = yearOfExports({ tiers: tiers("INTELLIGENT_TIERING:0"), gbPerDay: 1, objectMb: 128 });
        const monitoring = 365 * (1024 / 128 / 1000) * IT.monitoringPer1000Objects;
        close(c.tiered, 30 * IT.frequent + 60 * IT.infrequent + 275 * IT.archiveInstant + monitoring);
    });

    it("leaves files under 128 KB in STANDARD, as S3 does by default", () => {
        const c = yearOfExports({ tiers: tiers("STANDARD_IA:30"), gbPerDay: 1, objectMb: 0.1 });
        assert.equal(c.tooSmallToMove, true);
        close(c.tiered, c.standard);
    });

    it("drops objects past their retention, after their noncurrent days in the class they had", () => {
        const c = yearOfExports({
            tiers: tiers("STANDARD_IA:30"),
            gbPerDay: 1,
            objectMb: 64,
            retention: { days: 100, noncurrentDays: 20 },
        });
        assert.equal(c.gb, 120);
        close(c.tiered, 30 * P.STANDARD + 90 * P.STANDARD_IA);
    });

    it("adds an archived object's 40 KB of index and metadata", () => {
        const c = yearOfExports({ tiers: tiers("DEEP_ARCHIVE:0"), gbPerDay: 1, objectMb: 1 });
        const objects = 365 * 1024;
        close(c.tiered, 365 * P.DEEP_ARCHIVE + objects * (8 / 1024 / 1024) * P.STANDARD + objects * (32 / 1024 / 1024) * P.DEEP_ARCHIVE);
    });

    it("checks --tiers as the validator checks a lake-wide default", () => {
        assert.deepEqual(parseTiersOption("STANDARD_IA:30, GLACIER_IR:120").map(storageTiers.tierText), [
            "STANDARD_IA:30",
            "GLACIER_IR:120",
        ]);
        assert.throws(
            () => parseTiersOption("STANDARD_IA:10"),
            (e: Error) => e instanceof UsageError && /--tiers: "STANDARD_IA:10": expected at least 30 days/.test(e.message),
        );
        assert.throws(() => parseTiersOption("GLACIER:90"), /Athena skips objects in GLACIER/);
        assert.throws(() => parseTiersOption("IA:30"), /--tiers: "IA:30": expected CLASS:DAYS/);
    });

    it("is the model the README's worked example shows", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "operating.md"), "utf8");
        const table = storageTable(README_EXAMPLE).join("\n");
        assert.ok(readme.includes(table), `docs/operating.md should show:\n${table}`);
    });
});
