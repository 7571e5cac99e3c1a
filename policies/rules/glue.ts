/**
 * Glue: one crawler per table in CRAWL_EVENT_MODE, each on its own queue of S3 events, one target,
 * no sampling, and one schema for the table's folder.
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-configuration.html
 */
import { crawlerEventQueueArns } from "../lib/delivery";
import { Node, ofType } from "../lib/graph";
import { resourcePolicy, stackPolicy, StackViolation } from "../lib/rule";
import { T } from "../lib/types";
import { isRecord, listOf, parseJsonInput } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

export const isEventMode = (props: Record<string, any>): boolean =>
    isRecord(props.recrawlPolicy) && props.recrawlPolicy.recrawlBehavior === "CRAWL_EVENT_MODE";

/** Every kind of crawler target (Glue's `Targets`), by input name. */
export const TARGET_KINDS = ["s3Targets", "catalogTargets", "jdbcTargets", "dynamodbTargets", "mongodbTargets", "deltaTargets", "icebergTargets", "hudiTargets"] as const;

const targetName = (t: Record<string, any>, i: number) => (typeof t.path === "string" ? t.path : typeof t.databaseName === "string" ? `catalog ${t.databaseName}` : `#${i + 1}`);

/** In event mode each S3 (or catalog) target names its event queue (`eventQueueArn`, required: aws/aws-cdk#17763). */
export function checkEventCrawlerHasQueue(props: Record<string, any>): string[] {
    if (!isEventMode(props)) return [];
    const targets = [...listOf(props.s3Targets), ...listOf(props.catalogTargets)].filter(isRecord);
    if (targets.length === 0) return ["event-mode crawler has no S3 or catalog target to attach an event queue to"];
    return targets.flatMap((t, i) =>
        typeof t.eventQueueArn === "string" && t.eventQueueArn !== ""
            ? []
            : [`event-mode crawler: target ${targetName(t, i)} has no eventQueueArn; Glue needs the SQS queue of S3 events to crawl in CRAWL_EVENT_MODE`]);
}

/** In event mode a crawler has exactly one target. */
export function checkEventCrawlerSingleTarget(props: Record<string, any>): string[] {
    if (!isEventMode(props)) return [];
    const count = TARGET_KINDS.reduce((n, k) => n + listOf(props[k]).length, 0);
    return count === 1 ? [] : [`event-mode crawler has ${count} targets: CRAWL_EVENT_MODE supports exactly one; give each table its own crawler and queue`];
}

/** In event mode an S3 target does not sample (`sampleSize`): the crawl reads the objects the events name. */
export function checkEventCrawlerNoSampling(props: Record<string, any>): string[] {
    if (!isEventMode(props)) return [];
    return listOf(props.s3Targets).filter(isRecord).flatMap((t, i) =>
        t.sampleSize === undefined || t.sampleSize === null
            ? []
            : [`event-mode crawler: target ${targetName(t, i)} sets sampleSize ${t.sampleSize}; event crawls do not support sampling, remove it`]);
}

/**
 * "Create a single schema for each S3 path": `Grouping.TableGroupingPolicy` is
 * `CombineCompatibleSchemas`, so the `dt=` folders of a table become partitions of one table
 * rather than tables of their own.
 */
export function checkCrawlerSingleSchema(props: Record<string, any>): string[] {
    const expected = 'set configuration {"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}';
    const parsed = parseJsonInput(props.configuration);
    if (parsed === undefined) return [`crawler has no configuration: ${expected} so each table folder gives one table`];
    if ("error" in parsed) return [`crawler configuration is not valid JSON (${parsed.error})`];
    const grouping = isRecord(parsed.value) && isRecord(parsed.value.Grouping) ? parsed.value.Grouping.TableGroupingPolicy : undefined;
    return grouping === "CombineCompatibleSchemas"
        ? []
        : [`crawler configuration has TableGroupingPolicy ${grouping ?? "unset"}: ${expected} so each table folder gives one table`];
}

/**
 * A queue feeds exactly one crawler: a crawler deletes the messages it consumes, so two crawlers on
 * one queue each miss the other's events. Compares the event queue ARNs where they are known; the
 * dead-letter queues (`dlqEventQueueArn`) may be shared.
 */
export function checkEventQueueExclusive(resources: Node[]): StackViolation[] {
    const byQueue = new Map<string, Node[]>();
    for (const c of ofType(resources, T.crawler)) {
        for (const arn of new Set(crawlerEventQueueArns(c))) byQueue.set(arn, [...(byQueue.get(arn) ?? []), c]);
    }
    const out: StackViolation[] = [];
    for (const [arn, crawlers] of byQueue) {
        if (crawlers.length < 2) continue;
        for (const c of crawlers) {
            const others = crawlers.filter((o) => o !== c).map((o) => o.name);
            out.push({ urn: c.urn, message: `event queue ${arn} also feeds ${others.join(", ")}: a crawler deletes the events it reads, so each would miss the other's; give each crawler its own queue` });
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const glueEventCrawlerHasQueue = resourcePolicy({
    name: "glue-event-crawler-has-queue",
    description: "A crawler in CRAWL_EVENT_MODE names the SQS queue of S3 events (eventQueueArn) on its target; without it Glue refuses or lists the whole folder.",
    enforcementLevel: "mandatory",
    severity: "high",
    types: T.crawler,
    check: (props) => checkEventCrawlerHasQueue(props),
});

export const glueEventCrawlerSingleTarget = resourcePolicy({
    name: "glue-event-crawler-single-target",
    description: "A crawler in CRAWL_EVENT_MODE has exactly one target (Glue's limit for event crawls): one crawler and one queue per table.",
    enforcementLevel: "mandatory",
    severity: "high",
    types: T.crawler,
    check: (props) => checkEventCrawlerSingleTarget(props),
});

export const glueEventCrawlerNoSampling = resourcePolicy({
    name: "glue-event-crawler-no-sampling",
    description: "A crawler in CRAWL_EVENT_MODE does not set sampleSize on its S3 target (event crawls read exactly the objects in the events).",
    enforcementLevel: "mandatory",
    severity: "medium",
    types: T.crawler,
    check: (props) => checkEventCrawlerNoSampling(props),
});

export const glueCrawlerSingleSchema = resourcePolicy({
    name: "glue-crawler-single-schema",
    description: "Every crawler sets the single-schema grouping (configuration Grouping.TableGroupingPolicy = CombineCompatibleSchemas), so a table's dt= folders become partitions of one table.",
    enforcementLevel: "mandatory",
    severity: "medium",
    types: T.crawler,
    check: (props) => checkCrawlerSingleSchema(props),
});

export const glueEventQueueExclusive = stackPolicy({
    name: "glue-event-queue-exclusive",
    description: "No two crawlers read the same event queue: a crawler deletes the messages it consumes, so a shared queue loses events for both.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkEventQueueExclusive(resources),
});

export const gluePolicies = [glueEventCrawlerHasQueue, glueEventCrawlerSingleTarget, glueEventCrawlerNoSampling, glueCrawlerSingleSchema, glueEventQueueExclusive];
