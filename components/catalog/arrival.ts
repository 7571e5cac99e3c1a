/**
 * When crawls happen, as pure numbers: a table's crawler starts when a batch of its S3 events has
 * arrived (a Glue workflow's EVENT trigger with an EventBatchingCondition), and on the crawler's own
 * schedule, the safety net, unless a stack switches it off explicitly. These numbers size the
 * events-waiting alarm and the queue retention rule (config.ts, Alerts, the policy pack's retention rule).
 */
import { parseCron } from "../cron";

/**
 * The service's bounds of an EVENT trigger's batching condition: BatchSize 1-100 events,
 * BatchWindow 1-900 seconds ("Window starts when first event is received").
 * https://docs.aws.amazon.com/glue/latest/webapi/API_EventBatchingCondition.html
 */
export const EVENT_BATCH_LIMITS = { minSize: 1, maxSize: 100, minWindowSeconds: 1, maxWindowSeconds: 900 } as const;

/**
 * The default safety-net crawl: daily at 03:15 UTC. Glue "does not provide guaranteed delivery of
 * EventBridge messages" to a workflow, and a batch that closes while its crawler runs starts
 * nothing (https://docs.aws.amazon.com/glue/latest/dg/starting-workflow-eventbridge.html): without
 * a crawl on a schedule, those events wait for the table's next arrival, unbounded, and expire with
 * the queue's retention.
 */
export const SAFETY_NET_SCHEDULE = "cron(15 3 * * ? *)";

/** The longest gap between two runs of `SAFETY_NET_SCHEDULE`, in minutes. */
export const SAFETY_NET_INTERVAL_MINUTES = 1440;

/**
 * The `safetyNetSchedule` that switches the safety net off: an explicit acknowledgement that an
 * event whose crawl did not start waits for its table's next arrival and may expire.
 */
export const SAFETY_NET_OFF = "none-events-may-expire";

/**
 * How long one event-mode crawl of a batch is allowed to take, in minutes: it lists only the keys
 * in its events, so a batch of an unload's files takes a minute or two; the allowance leaves room
 * for Glue's start-up and a slow day. It is what "plus a crawl" means below.
 */
export const CRAWL_ALLOWANCE_MINUTES = 15;

export interface CrawlTimingInput {
    /** The trigger's BatchWindow in seconds. */
    batchWindowSeconds: number;
    /** The safety-net crawl's Glue cron expression (parseCron must accept it); undefined: none. */
    safetyNetSchedule?: string;
}

export interface CrawlTiming {
    /**
     * The longest an event waits for the crawl that catalogues it when crawls start on arrival:
     * the batch window (it opens with the first event), plus a crawl.
     */
    arrivalWaitMinutes: number;
    /** The safety net's interval when there is one. */
    safetyNetIntervalMinutes?: number;
    /**
     * The longest interval between two crawls that an event may have to wait through: the safety
     * net's longest gap when there is one (an event whose batch could not start a crawl waits for
     * it at worst), else the arrival wait. The queue keeps events for twice this.
     */
    longestIntervalMinutes: number;
    /** The crawler's own schedule: the safety net's, or none. */
    schedule?: string;
}

/** The crawl timing a stack's settings imply. Throws on a schedule `parseCron` refuses. */
export function crawlTiming(a: CrawlTimingInput): CrawlTiming {
    const arrivalWaitMinutes = Math.ceil(a.batchWindowSeconds / 60) + CRAWL_ALLOWANCE_MINUTES;
    if (a.safetyNetSchedule === undefined) return { arrivalWaitMinutes, longestIntervalMinutes: arrivalWaitMinutes };
    const interval =
        a.safetyNetSchedule === SAFETY_NET_SCHEDULE ? SAFETY_NET_INTERVAL_MINUTES : parseCron(a.safetyNetSchedule).maxIntervalMinutes;
    return {
        arrivalWaitMinutes,
        safetyNetIntervalMinutes: interval,
        longestIntervalMinutes: Math.max(arrivalWaitMinutes, interval),
        schedule: a.safetyNetSchedule.trim(),
    };
}
