/**
 * Glue: one crawler per table in CRAWL_EVENT_MODE, each on its own queue of S3 events, one target,
 * no sampling, one schema for the table's folder, no polling more often than once a day, and in
 * production (or with a customer-managed key) logs encrypted with a key.
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-configuration.html
 */
import { crawlerEventQueueArns } from "../lib/delivery";
import { Node, ofType, refersTo } from "../lib/graph";
import { PRODUCTION_SCHEMA, ProductionConfig, resourcePolicy, stackPolicy, StackViolation } from "../lib/rule";
import { is, T } from "../lib/types";
import { isRecord, listOf, nonEmpty, parseJsonInput, read } from "../lib/values";

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

/** Values a cron field matches; undefined when the field cannot be read (the rule then says so). */
function cronFieldCount(text: string, min: number, max: number): number | undefined {
    if (text === "*" || text === "?") return max - min + 1;
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
        if (!m) return undefined;
        const lo = m[1] === "*" ? min : Number(m[1]);
        const hi = m[2] !== undefined ? Number(m[2]) : m[1] === "*" || m[3] !== undefined ? max : lo;
        const step = m[3] !== undefined ? Number(m[3]) : 1;
        if (step < 1 || lo < min || hi > max || lo > hi) return undefined;
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return values.size;
}

const RATE_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/**
 * Runs a Glue schedule makes on a day it runs at all: `cron(Minutes Hours ...)` runs
 * |Minutes| × |Hours| times on each day its other fields select, so it polls more often than once a
 * day exactly when that product exceeds 1; `rate(n unit)` runs 1440 / (n × unit) times.
 * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
 * Undefined when the expression is not one of these forms.
 */
export function runsPerDay(schedule: string): number | undefined {
    const cron = /^cron\(\s*(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+(?:\s+\S+)?\s*\)$/.exec(schedule.trim());
    if (cron) {
        const minutes = cronFieldCount(cron[1], 0, 59);
        const hours = cronFieldCount(cron[2], 0, 23);
        return minutes === undefined || hours === undefined ? undefined : minutes * hours;
    }
    const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(schedule.trim());
    if (rate && RATE_MINUTES[rate[2]] !== undefined && Number(rate[1]) > 0) return 1440 / (Number(rate[1]) * RATE_MINUTES[rate[2]]);
    return undefined;
}

/**
 * A crawler polls at most once a day: it starts when its table's objects arrive, and a schedule, if
 * any, is a daily safety net. Every run is billed (Glue: per second, with a 10-minute minimum per
 * crawler run, https://aws.amazon.com/glue/pricing/), so an hourly crawler over an idle table pays
 * 24 minimums a day and catalogues nothing. Checks a crawler's own `schedule` and the schedule of a
 * SCHEDULED trigger that starts crawlers.
 */
export function checkCrawlerPollsAtMostDaily(type: string, props: Record<string, any>): string[] {
    let schedule: unknown;
    let what: string;
    if (is(type, T.crawler)) {
        schedule = props.schedule;
        what = "crawler schedule";
    } else {
        const crawlers = listOf(props.actions).filter(isRecord).map((a) => a.crawlerName).filter((n) => typeof n === "string");
        if (props.type !== "SCHEDULED" || crawlers.length === 0) return [];
        schedule = props.schedule;
        what = `scheduled trigger of crawler ${crawlers.join(", ")}`;
    }
    if (typeof schedule !== "string" || schedule.trim() === "") return [];
    const runs = runsPerDay(schedule);
    if (runs === undefined) return [`${what} ${schedule} is not a cron(...) or rate(...) expression this rule can read: start crawlers on arrival, with at most a daily schedule such as cron(15 3 * * ? *)`];
    if (runs <= 1) return [];
    const shown = Number.isInteger(runs) ? String(runs) : runs.toFixed(1);
    return [`${what} ${schedule} runs ${shown} times a day: each run is billed at least 10 minutes whether or not anything arrived; start the crawler on arrival (an EventBridge rule and a Glue EVENT trigger) and keep at most a daily safety net such as cron(15 3 * * ? *)`];
}

/**
 * In a production stack, or one with a customer-managed KMS key, every crawler names a security
 * configuration of the stack whose CloudWatch encryption is SSE-KMS with a key: what a crawl logs
 * (object keys, partition values of customer tables) is then confined by a key, as the data is
 * ("Attach a security configuration to an AWS Glue crawler to write encrypted Amazon CloudWatch
 * Logs", https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html; Checkov
 * CKV_AWS_195 asks for the configuration, CKV_AWS_99 for its encryption). A configuration the stack
 * does not declare cannot be checked, so it is reported too.
 */
export function checkCrawlerLogsEncrypted(resources: Node[], config: ProductionConfig): StackViolation[] {
    const hasKey = ofType(resources, T.key).length > 0;
    if (!config.production && !hasKey) return [];
    const why = config.production ? "production stack" : "stack with a customer-managed KMS key";
    const fix = "name a Glue SecurityConfiguration whose encryptionConfiguration.cloudwatchEncryption is SSE-KMS with the lake key's kmsKeyArn";
    const configurations = ofType(resources, T.securityConfiguration);
    const out: StackViolation[] = [];
    for (const crawler of ofType(resources, T.crawler)) {
        const cfg = configurations.find((c) => refersTo(crawler, "securityConfiguration", c, ["name", "id"]));
        if (!cfg) {
            // Read directly: a name not known yet (and from no resource of the graph) lets the
            // preview report that the rule runs at `pulumi up`.
            const named = nonEmpty(crawler.props.securityConfiguration);
            out.push({
                urn: crawler.urn,
                message: named === undefined
                    ? `${why}: crawler has no security configuration, so its CloudWatch Logs are not encrypted with a key: ${fix}`
                    : `${why}: crawler's security configuration ${named} is not declared in this stack, so whether it encrypts the crawler's logs cannot be checked: declare it, and ${fix}`,
            });
            continue;
        }
        const enc = isRecord(cfg.props.encryptionConfiguration) ? cfg.props.encryptionConfiguration : {};
        const cw = isRecord(enc.cloudwatchEncryption) ? enc.cloudwatchEncryption : {};
        const mode = cw.cloudwatchEncryptionMode ?? "DISABLED";
        // A key ARN not known yet comes from a key of the graph: it is set.
        const key = read(() => cw.kmsKeyArn);
        if (mode !== "SSE-KMS" || (key.known && nonEmpty(key.value) === undefined)) {
            const state = mode !== "SSE-KMS" ? `CloudWatch encryption ${mode}` : "CloudWatch encryption SSE-KMS without a kmsKeyArn";
            out.push({ urn: crawler.urn, message: `${why}: crawler's security configuration ${cfg.name} has ${state}, so its logs are not encrypted with a key: ${fix}` });
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

export const glueCrawlerPollsAtMostDaily = resourcePolicy({
    name: "glue-crawler-polls-at-most-daily",
    description: "No crawler polls more often than once a day: its schedule (or a SCHEDULED trigger that starts it) runs at most daily; crawls start when objects arrive, and every run is billed at least 10 minutes.",
    enforcementLevel: "advisory",
    severity: "low",
    types: [...T.crawler, ...T.glueTrigger],
    check: (props, { args }) => checkCrawlerPollsAtMostDaily(args.type, props),
});

export const glueCrawlerLogsEncrypted = stackPolicy<ProductionConfig>({
    name: "glue-crawler-logs-encrypted",
    description: "In a production stack (config `production`) or one with a customer-managed KMS key, every Glue crawler names a security configuration of the stack whose CloudWatch Logs encryption is SSE-KMS with a key.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkCrawlerLogsEncrypted(resources, config),
});

export const gluePolicies = [
    glueEventCrawlerHasQueue, glueEventCrawlerSingleTarget, glueEventCrawlerNoSampling, glueCrawlerSingleSchema, glueEventQueueExclusive, glueCrawlerPollsAtMostDaily,
    glueCrawlerLogsEncrypted,
];
