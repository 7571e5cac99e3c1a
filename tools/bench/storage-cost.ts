/**
 * The storage cost model of `npm run bench`: what one table's year of exports costs a month in
 * S3, every object in STANDARD against the table's storage tiers. Pure arithmetic over stated
 * assumptions (`storageAssumptionLines`) and the published per-GB prices below, tested for its
 * arithmetic only: storage, not requests (a transition is one request per object, once; the same
 * page lists those prices), nor retrievals.
 */
import { storageTiers } from "@incremental-crawl/components/runtime";
import { UsageError } from "../cli/command";
import { bulletLines, markdownTable } from "../cli/text-table";

type StorageTier = storageTiers.StorageTier;

/**
 * USD per GB-month of the S3 pricing page for US East (N. Virginia), first 50 TB of S3 Standard:
 * the rates published since S3 Glacier Instant Retrieval was launched (November 2021). Other
 * regions differ (Europe (Frankfurt) is about 6% dearer): check the page for yours.
 */
export const S3_PRICES = {
    source: "https://aws.amazon.com/s3/pricing/",
    region: "US East (N. Virginia)",
    asOf: "rates published since November 2021",
    perGbMonth: {
        STANDARD: 0.023,
        STANDARD_IA: 0.0125,
        ONEZONE_IA: 0.01,
        GLACIER_IR: 0.004,
        GLACIER: 0.0036,
        DEEP_ARCHIVE: 0.00099,
    },
    /** S3 Intelligent-Tiering's access tiers (no archive tiers: the lake never opts into them). */
    intelligentTiering: { frequent: 0.023, infrequent: 0.0125, archiveInstant: 0.004, monitoringPer1000Objects: 0.0025 },
} as const;

/**
 * Days without access after which Intelligent-Tiering moves an object to its Infrequent Access
 * tier, and to its Archive Instant Access tier.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intelligent-tiering-overview.html
 */
const IT_INFREQUENT_AFTER = 30;
const IT_ARCHIVE_INSTANT_AFTER = 90;
/** Objects smaller than this stay in STANDARD (S3's default since September 2024; storage-tiers.ts). */
export const MIN_TRANSITION_KB = 128;
/** What an archived object carries besides its data: 8 KB billed as STANDARD, 32 KB in its class. */
const ARCHIVE_OVERHEAD_KB = { standard: 8, archive: 32 };

export interface StorageModelInput {
    tiers: StorageTier[];
    /** GB of Parquet the table's unloads write a day. */
    gbPerDay: number;
    /** Mean size of one unloaded file, in MB. */
    objectMb: number;
    /** Days before the table's objects expire, and how long they then stay as noncurrent versions. */
    retention?: storageTiers.Retention;
}

export interface StorageCost {
    /** Every object of the year in STANDARD. */
    standard: number;
    /** The same objects under the tiers. */
    tiered: number;
    /** GB stored (current and noncurrent). */
    gb: number;
    /** Whether the objects are too small to move at all. */
    tooSmallToMove: boolean;
}

const YEAR = 365;

/** USD per GB-month of an object `age` days old that entered a class `inClass` days ago. */
function priceOf(cls: storageTiers.TransitionClass | "STANDARD", inClass: number): number {
    if (cls === "INTELLIGENT_TIERING") {
        const it = S3_PRICES.intelligentTiering;
        // Never read after it moved (the best case for the lake's old partitions).
        return inClass >= IT_ARCHIVE_INSTANT_AFTER ? it.archiveInstant : inClass >= IT_INFREQUENT_AFTER ? it.infrequent : it.frequent;
    }
    return S3_PRICES.perGbMonth[cls];
}

/**
 * The monthly cost of one table's year of exports at its end: `gbPerDay` written on each of the
 * last 365 days, each day's objects priced by the class they are in at their age. Objects past
 * the retention are gone, after `noncurrentDays` more as noncurrent versions in the class they had.
 */
export function yearOfExports(input: StorageModelInput): StorageCost {
    const tooSmallToMove = input.objectMb * 1024 < MIN_TRANSITION_KB;
    const objectsPerGb = 1024 / input.objectMb;
    let standard = 0;
    let tiered = 0;
    let gb = 0;
    for (let age = 0; age < YEAR; age++) {
        const r = input.retention;
        if (r && age >= r.days + r.noncurrentDays) continue;
        // Transitions apply to current versions only: an expired object keeps its class.
        const classAge = r && age >= r.days ? r.days - 1 : age;
        const tier = tooSmallToMove ? undefined : [...input.tiers].reverse().find((t) => t.days <= classAge);
        const cls = tier?.storageClass ?? "STANDARD";
        const d = input.gbPerDay;
        gb += d;
        standard += d * S3_PRICES.perGbMonth.STANDARD;
        tiered += d * priceOf(cls, classAge - (tier?.days ?? 0));
        if (cls === "INTELLIGENT_TIERING") tiered += ((d * objectsPerGb) / 1000) * S3_PRICES.intelligentTiering.monitoringPer1000Objects;
        if (cls === "GLACIER" || cls === "DEEP_ARCHIVE") {
            const objects = d * objectsPerGb;
            tiered +=
                ((objects * ARCHIVE_OVERHEAD_KB.standard) / 1024 / 1024) * S3_PRICES.perGbMonth.STANDARD +
                ((objects * ARCHIVE_OVERHEAD_KB.archive) / 1024 / 1024) * S3_PRICES.perGbMonth[cls];
        }
    }
    return { standard, tiered, gb, tooSmallToMove };
}

export interface TableCostRow {
    table: string;
    tiers: StorageTier[];
    cost: StorageCost;
}

const HEADER = ["table", "storage tiers", "GB stored", "all STANDARD $/month", "tiered $/month", "saving"];

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The model's table, one row per table. */
export function storageTable(rows: TableCostRow[]): string[] {
    const cells = rows.map((r) => {
        const saving = r.cost.standard > 0 ? 1 - r.cost.tiered / r.cost.standard : 0;
        return [
            r.table,
            r.tiers.length === 0 ? "none (STANDARD)" : r.tiers.map(storageTiers.tierText).join(", "),
            r.cost.gb.toFixed(0),
            usd(r.cost.standard),
            usd(r.cost.tiered),
            r.cost.tooSmallToMove ? "none (files < 128 KB)" : `${(saving * 100).toFixed(0)}%`,
        ];
    });
    return markdownTable([HEADER, ...cells], (i) => i < 2);
}

/** What the model assumes, printed with its table, wrapped to `width` columns. */
export function storageAssumptionLines(input: { gbPerDay: number; objectMb: number; stack: string }, width = 100): string[] {
    const p = S3_PRICES.perGbMonth;
    const it = S3_PRICES.intelligentTiering;
    const bullets = [
        `Storage model of one table's year of exports (${input.stack} stack's tiers and retention; a model, not a measurement):`,
        `- ${input.gbPerDay} GB of Parquet a day (--gb-per-day) for 365 days, in files of ${input.objectMb} MB (--object-mb); the cost a month at the year's end;`,
        `- prices per GB-month from ${S3_PRICES.source}, ${S3_PRICES.region}, ${S3_PRICES.asOf}: STANDARD $${p.STANDARD}, STANDARD_IA $${p.STANDARD_IA}, ` +
            `GLACIER_IR $${p.GLACIER_IR}, GLACIER $${p.GLACIER}, DEEP_ARCHIVE $${p.DEEP_ARCHIVE}; INTELLIGENT_TIERING $${it.frequent}, then $${it.infrequent} ` +
            `after ${IT_INFREQUENT_AFTER} days and $${it.archiveInstant} after ${IT_ARCHIVE_INSTANT_AFTER} days without a read (assumed: none), plus $${it.monitoringPer1000Objects} per 1,000 objects;`,
        `- files under ${MIN_TRANSITION_KB} KB never move (S3's default since September 2024, which the lake keeps); an archived object adds ` +
            `${ARCHIVE_OVERHEAD_KB.standard} KB at the STANDARD rate and ${ARCHIVE_OVERHEAD_KB.archive} KB at its class's;`,
        "- storage only: transition requests (once per object), retrievals and early-deletion charges (the validator refuses tiers that would incur them) are left out.",
    ];
    return bulletLines(bullets, width);
}

/** `1.5` → 1.5: a positive number, for `--gb-per-day` and `--object-mb`. */
export function parsePositive(option: string, text: string): number {
    const n = Number(text);
    if (!/^\d*\.?\d+$/.test(text.trim()) || !(n > 0) || n > 1e6)
        throw new UsageError(`--${option} takes a positive number (got ${JSON.stringify(text)})`);
    return n;
}

/** `STANDARD_IA:30,GLACIER_IR:120` → tiers, checked as a lake-wide default is; a UsageError names the first problem. */
export function parseTiersOption(text: string): StorageTier[] {
    const parts = text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const tiers: StorageTier[] = [];
    for (const part of parts) {
        const t = storageTiers.parseTier(part);
        if (typeof t === "string") throw new UsageError(`--tiers: ${JSON.stringify(part)}: expected ${t}`);
        tiers.push(t);
    }
    const problem = storageTiers.checkTiers(tiers, { scope: "lake" })[0];
    if (problem)
        throw new UsageError(
            `--tiers: ${problem.index !== undefined ? `${JSON.stringify(parts[problem.index])}: ` : ""}expected ${problem.expected}`,
        );
    return tiers;
}
