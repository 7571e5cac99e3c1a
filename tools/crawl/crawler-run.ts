/**
 * One run of a Glue crawler, as `npm run verify` and `npm run crawl` start and follow it: start it
 * (or find the run in progress), then poll GetCrawler until it is READY again with the run's
 * LastCrawl. The callers decide what an outcome means to them. The clock and sleep are injected,
 * so tests never wait.
 *
 * - StartCrawler answers CrawlerRunningException while a run is in progress (RUNNING or STOPPING):
 *   that run is joined, not an error. https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html
 * - A run is over when the crawler is READY after having been busy, or READY with a LastCrawl that
 *   started after the previous one (a short run can start and end between two polls).
 *   https://docs.aws.amazon.com/glue/latest/webapi/API_Crawler.html,
 *   https://docs.aws.amazon.com/glue/latest/webapi/API_LastCrawlInfo.html
 */
import { GetCrawlerCommand, GlueClient, LastCrawlInfo, StartCrawlerCommand } from "@aws-sdk/client-glue";
import { errorName } from "../cli/errors";

/** How a start went: a new run, the run in progress joined, or a call that failed. */
export type CrawlerStart =
    { kind: "started" | "joined"; previousStart?: number } | { kind: "error"; call: "GetCrawler" | "StartCrawler"; error: unknown };

/** Starts crawler `name`, or joins its run in progress. */
export async function startCrawler(glue: GlueClient, name: string): Promise<CrawlerStart> {
    let previousStart: number | undefined;
    try {
        previousStart = (await glue.send(new GetCrawlerCommand({ Name: name }))).Crawler?.LastCrawl?.StartTime?.getTime();
    } catch (error) {
        return { kind: "error", call: "GetCrawler", error };
    }
    try {
        await glue.send(new StartCrawlerCommand({ Name: name }));
        return { kind: "started", previousStart };
    } catch (error) {
        if (errorName(error) === "CrawlerRunningException") return { kind: "joined", previousStart };
        return { kind: "error", call: "StartCrawler", error };
    }
}

/** How a wait ended: the run's LastCrawl, the crawler still busy at the timeout, or GetCrawler failing. */
export type CrawlerWait =
    | { kind: "finished"; elapsedMs: number; lastCrawl: LastCrawlInfo }
    | { kind: "timeout"; elapsedMs: number; state: string }
    | { kind: "error"; elapsedMs: number; error: unknown };

/** The clients and clock of a caller's deps (verify's and crawl's have them). */
export interface WaitDeps {
    glue: GlueClient;
    now(): number;
    sleep(ms: number): Promise<void>;
}

export interface WaitOptions {
    timeoutMs: number;
    pollMs: number;
    /** Called after each poll that finds the run going on, with the crawler's state. */
    onPoll?(state: string, elapsedMs: number): void;
}

/** Polls crawler `name` until the run that began after `previousStart` (or the one in progress) is over. */
export async function waitForCrawl(name: string, previousStart: number | undefined, deps: WaitDeps, o: WaitOptions): Promise<CrawlerWait> {
    const t0 = deps.now();
    let seenBusy = false;
    for (;;) {
        let crawler;
        try {
            crawler = (await deps.glue.send(new GetCrawlerCommand({ Name: name }))).Crawler;
        } catch (error) {
            return { kind: "error", elapsedMs: deps.now() - t0, error };
        }
        const state = crawler?.State ?? "UNKNOWN";
        const lastStart = crawler?.LastCrawl?.StartTime?.getTime();
        const elapsedMs = deps.now() - t0;
        if (state !== "READY") seenBusy = true;
        if (state === "READY" && (seenBusy || (lastStart !== undefined && lastStart !== previousStart))) {
            return { kind: "finished", elapsedMs, lastCrawl: crawler?.LastCrawl ?? {} };
        }
        if (elapsedMs >= o.timeoutMs) return { kind: "timeout", elapsedMs, state };
        o.onPoll?.(state, elapsedMs);
        await deps.sleep(o.pollMs);
    }
}
