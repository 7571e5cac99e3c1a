/**
 * Storage classes by access frequency: a table's exported objects move to cheaper S3 storage
 * classes as they age (S3 Lifecycle transitions). Pure: the facts of S3 and Athena the tiers must
 * respect, the parser of a tier (`STANDARD_IA:30`), and the checks `validate.ts` runs on a list.
 *
 * - Which classes the catalog can still use: Athena "skips all of the table's S3 Glacier Flexible
 *   Retrieval and S3 Glacier Deep Archive objects during query execution" unless they were restored
 *   and the table reads restored objects (https://docs.aws.amazon.com/athena/latest/ug/querying-glacier.html):
 *   GLACIER and DEEP_ARCHIVE make catalogued partitions silently lose rows, so only an explicitly
 *   archived table may use them. INTELLIGENT_TIERING keeps objects in its instant-access tiers
 *   unless a bucket's Intelligent-Tiering configuration opts into the archive tiers, which the
 *   component never declares (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intelligent-tiering-overview.html).
 *   ONEZONE_IA keeps one copy in one Availability Zone: the lake holds the only copy of rows
 *   Snowflake has since deleted, so it is refused too.
 * - Which transitions S3 supports (its "waterfall"), and that an object stays 30 days in STANDARD
 *   before STANDARD_IA or ONEZONE_IA:
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 * - Minimum storage durations (an object deleted or moved on earlier is billed for the rest):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html#sc-compare
 * - Objects under 128 KB: since September 2024 S3 does not transition them by default
 *   (TransitionDefaultMinimumObjectSize `all_storage_classes_128K`; a rule's ObjectSizeGreaterThan
 *   filter would override it: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html).
 *   The lake keeps that default and pins it: STANDARD_IA and GLACIER_IR bill an object as at least
 *   128 KB, Intelligent-Tiering does not monitor smaller ones, and an archived object carries 40 KB
 *   of index and metadata, so a small file costs least where it is, in STANDARD.
 */

/** An S3 Lifecycle transition target (the API's TransitionStorageClass values). */
export type TransitionClass = "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER_IR" | "GLACIER" | "DEEP_ARCHIVE";

interface ClassFacts {
    /** Days an object must be old before a transition to the class (STANDARD_IA, ONEZONE_IA: 30). */
    minAgeDays: number;
    /** The class's minimum storage duration in days: leaving it earlier is billed as if it stayed. */
    minStorageDays: number;
    /** The classes S3 Lifecycle may move an object on to from this one. */
    next: TransitionClass[];
    /** Athena and the Glue crawler read objects in this class. */
    queryable: boolean;
    /** What the class is, for messages. */
    title: string;
}

/** What S3 and Athena decide for each class (sources in the module comment). */
export const STORAGE_CLASSES: Record<TransitionClass, ClassFacts> = {
    STANDARD_IA: {
        minAgeDays: 30,
        minStorageDays: 30,
        queryable: true,
        title: "S3 Standard-IA",
        next: ["INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
    },
    INTELLIGENT_TIERING: {
        minAgeDays: 0,
        minStorageDays: 0,
        queryable: true,
        title: "S3 Intelligent-Tiering",
        next: ["ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
    },
    ONEZONE_IA: { minAgeDays: 30, minStorageDays: 30, queryable: true, title: "S3 One Zone-IA", next: ["GLACIER", "DEEP_ARCHIVE"] },
    GLACIER_IR: {
        minAgeDays: 0,
        minStorageDays: 90,
        queryable: true,
        title: "S3 Glacier Instant Retrieval",
        next: ["GLACIER", "DEEP_ARCHIVE"],
    },
    GLACIER: { minAgeDays: 0, minStorageDays: 90, queryable: false, title: "S3 Glacier Flexible Retrieval", next: ["DEEP_ARCHIVE"] },
    DEEP_ARCHIVE: { minAgeDays: 0, minStorageDays: 180, queryable: false, title: "S3 Glacier Deep Archive", next: [] },
};

/** The classes a table's tiers may use: what Athena reads, in the order S3 moves objects down. */
export const QUERYABLE_CLASSES: TransitionClass[] = ["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"];
/** The classes only an archived table may use: Athena skips their objects. */
export const ARCHIVE_CLASSES: TransitionClass[] = ["GLACIER", "DEEP_ARCHIVE"];

/** The S3 default the lake pins on every bucket with tiers: objects under 128 KB stay where they are. */
export const TRANSITION_MIN_OBJECT_SIZE = "all_storage_classes_128K";

/** Objects of a table move to `storageClass` when they are `days` old (since written). */
export interface StorageTier {
    storageClass: TransitionClass;
    days: number;
}

/** Longest a tier may wait: the same bound as a table's retention. */
export const MAX_TIER_DAYS = 36500;

const FORM = "CLASS:DAYS such as STANDARD_IA:30 (a storage class, then the objects' age in days when they move to it)";

/** `STANDARD_IA:30` → the tier, or the expected form as a sentence. */
export function parseTier(v: unknown): StorageTier | string {
    if (typeof v !== "string") return FORM;
    const m = /^([A-Z_]+):(\d{1,6})$/.exec(v.trim());
    if (!m) return FORM;
    const [, cls, d] = m;
    const days = Number(d);
    if (!(cls in STORAGE_CLASSES)) {
        return cls === "STANDARD" || cls === "REDUCED_REDUNDANCY" || cls === "EXPRESS_ONEZONE" || cls === "OUTPOSTS"
            ? `a class S3 Lifecycle transitions objects to (${QUERYABLE_CLASSES.join(", ")}; objects start in STANDARD)`
            : `${FORM}; the class one of ${[...QUERYABLE_CLASSES, ...ARCHIVE_CLASSES].join(", ")}`;
    }
    if (days > MAX_TIER_DAYS) return `at most ${MAX_TIER_DAYS} days`;
    return { storageClass: cls as TransitionClass, days };
}

/** `{STANDARD_IA, 30}` → `STANDARD_IA:30`. */
export const tierText = (t: StorageTier) => `${t.storageClass}:${t.days}`;

/** Where a list of tiers applies, for the checks that depend on it. */
export interface TierContext {
    /** The lake-wide default (never archives), or a table's own tiers. */
    scope: "lake" | "table";
    /** The table is explicitly archived: GLACIER and DEEP_ARCHIVE allowed (table scope only). */
    archived?: boolean;
}

/** One problem of a tier list: the index of the tier (undefined: the list as a whole) and the expected form. */
export interface TierProblem {
    index?: number;
    expected: string;
}

/**
 * The problems of a list of tiers on its own: classes, ages, order, S3's waterfall and each
 * class's minimum storage duration before the next tier. Retention is checked apart
 * (`retentionCutsShort`), since a lake-wide list is weighed against each table that inherits it.
 */
export function checkTiers(tiers: StorageTier[], ctx: TierContext): TierProblem[] {
    const out: TierProblem[] = [];
    let previous: StorageTier | undefined;
    tiers.forEach((t, index) => {
        const facts = STORAGE_CLASSES[t.storageClass];
        if (t.storageClass === "ONEZONE_IA") {
            out.push({
                index,
                expected: `one of ${QUERYABLE_CLASSES.join(", ")}: ONEZONE_IA keeps one copy in one Availability Zone, and the lake holds the only copy of rows Snowflake has deleted`,
            });
            return;
        }
        if (!facts.queryable && ctx.scope === "lake") {
            out.push({
                index,
                expected: `one of ${QUERYABLE_CLASSES.join(", ")} in the lake-wide default: Athena skips objects in ${t.storageClass} (${facts.title}); archive a table explicitly with its own archived: true and storageTiers`,
            });
            return;
        }
        if (!facts.queryable && !ctx.archived) {
            out.push({
                index,
                expected: `one of ${QUERYABLE_CLASSES.join(", ")}: Athena skips objects in ${t.storageClass} (${facts.title}), so its catalogued partitions would silently lose rows; set the table's archived: true to accept that`,
            });
            return;
        }
        if (t.days < facts.minAgeDays) {
            out.push({
                index,
                expected: `at least ${facts.minAgeDays} days for ${t.storageClass}: S3 keeps an object ${facts.minAgeDays} days in STANDARD before ${t.storageClass}`,
            });
        }
        if (previous) {
            const before = STORAGE_CLASSES[previous.storageClass];
            if (t.days <= previous.days) {
                out.push({ index, expected: `a tier later than the one before it (${tierText(previous)}): tiers are listed by age` });
            } else if (!before.next.includes(t.storageClass)) {
                out.push({
                    index,
                    expected: `a class S3 Lifecycle moves ${previous.storageClass} objects to (${before.next.filter((c) => c !== "ONEZONE_IA").join(", ") || "none: it is the last"}): transitions only go down S3's supported transitions`,
                });
            } else if (t.days - previous.days < before.minStorageDays) {
                out.push({
                    index,
                    expected: `at least ${previous.days + before.minStorageDays} days: objects stay ${before.minStorageDays} days in ${previous.storageClass} (its minimum storage duration, billed in full if they move on earlier)`,
                });
            }
        }
        previous = t;
    });
    if (ctx.scope === "table" && ctx.archived && !tiers.some((t) => !STORAGE_CLASSES[t.storageClass].queryable)) {
        out.push({
            expected: `a GLACIER or DEEP_ARCHIVE tier when the table is archived (archived: true says its old objects leave Athena's reach; without one, set archived: false)`,
        });
    }
    return out;
}

/** How long an expired object lingers: with versioning, as a noncurrent version for this many days. */
export interface Retention {
    /** The table's `retentionDays`: current objects expire this many days after they are written. */
    days: number;
    /** Days an expired object stays as a noncurrent version before S3 deletes it (0 without versioning). */
    noncurrentDays: number;
}

/**
 * The first tier that the table's expiry cuts short, with the retention it would need: a tier
 * whose objects expire before they move (it never applies), or before they have stayed their
 * class's minimum storage duration (the rest is billed anyway, so the tier costs more than it
 * saves). Expired objects of a versioned bucket stay, noncurrent, `noncurrentDays` more in the class
 * they were in: that counts towards the minimum. Undefined when no tier is cut short.
 */
export function retentionCutsShort(
    tiers: StorageTier[],
    retention: Retention,
): { tier: StorageTier; index: number; neededDays: number } | undefined {
    for (const [index, tier] of tiers.entries()) {
        const min = STORAGE_CLASSES[tier.storageClass].minStorageDays;
        const neededDays = Math.max(tier.days + 1, tier.days + min - retention.noncurrentDays);
        if (retention.days < neededDays) return { tier, index, neededDays };
    }
    return undefined;
}
