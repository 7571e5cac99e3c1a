/**
 * Glue: no crawler polls more often than once a day, and in production (or with a customer-managed
 * key) crawlers' logs are encrypted with a key.
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import { CronPattern } from "croner";
import { refersTo } from "../lib/graph";
import { checkEach, PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, T } from "../lib/types";
import { isRecord, listOf, nonEmpty, read } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const RATE_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/**
 * Runs a Glue schedule makes on a day it runs at all: `cron(Minutes Hours ...)` runs
 * |Minutes| × |Hours| times on each day its other fields select, so it polls more often than once a
 * day exactly when that product exceeds 1; `rate(n unit)` runs 1440 / (n × unit) times.
 * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
 * Undefined when the expression is not one of these forms.
 */
export function runsPerDay(schedule: string): number | undefined {
    const cron = /^cron\((.*)\)$/.exec(schedule.trim());
    if (cron) {
        // Six fields: Minutes Hours Day-of-month Month Day-of-week Year. Only the first two decide
        // the runs of a day, so croner reads just those (`0/15` steps as AWS writes them with
        // sloppyRanges); the day fields, whose L, W and # AWS reads its own way (`L` alone in
        // Day-of-week is the week's last day), are left to Glue, which refuses a bad one.
        const fields = cron[1].trim().split(/\s+/);
        if (fields.length !== 6) return undefined;
        try {
            const p = new CronPattern(`0 ${fields[0]} ${fields[1]} * * *`, "UTC", { sloppyRanges: true });
            return p.minute.filter(Boolean).length * p.hour.filter(Boolean).length;
        } catch {
            return undefined;
        }
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
export function checkPollsAtMostDaily(what: string, schedule: unknown): string[] {
    if (typeof schedule !== "string" || schedule.trim() === "") return [];
    const runs = runsPerDay(schedule);
    if (runs === undefined)
        return [
            `${what} ${schedule} is not a cron(...) or rate(...) expression this rule can read: start crawlers on arrival, with at most a daily schedule such as cron(15 3 * * ? *)`,
        ];
    if (runs <= 1) return [];
    const shown = Number.isInteger(runs) ? String(runs) : runs.toFixed(1);
    return [
        `${what} ${schedule} runs ${shown} times a day: each run is billed at least 10 minutes whether or not anything arrived; start the crawler on arrival (an EventBridge rule and a Glue EVENT trigger) and keep at most a daily safety net such as cron(15 3 * * ? *)`,
    ];
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
export function checkCrawlerLogsEncrypted(resources: PolicyResource[], config: ProductionConfig): StackViolation[] {
    const hasKey = ofType(resources, T.key).length > 0;
    if (!config.production && !hasKey) return [];
    const why = config.production ? "production stack" : "stack with a customer-managed KMS key";
    const fix =
        "name a Glue SecurityConfiguration whose encryptionConfiguration.cloudwatchEncryption is SSE-KMS with the lake key's kmsKeyArn";
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
                message:
                    named === undefined
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
            out.push({
                urn: crawler.urn,
                message: `${why}: crawler's security configuration ${cfg.name} has ${state}, so its logs are not encrypted with a key: ${fix}`,
            });
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const glueCrawlerPollsAtMostDaily: ResourceValidationPolicy = {
    name: "glue-crawler-polls-at-most-daily",
    description:
        "No crawler polls more often than once a day: its schedule (or a SCHEDULED trigger that starts it) runs at most daily; crawls start when objects arrive, and every run is billed at least 10 minutes.",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: [
        checkEach(aws.glue.Crawler, (crawler) => checkPollsAtMostDaily("crawler schedule", crawler.schedule)),
        checkEach(aws.glue.Trigger, (trigger) => {
            const crawlers = listOf(trigger.actions)
                .filter(isRecord)
                .map((a) => a.crawlerName)
                .filter((n) => typeof n === "string");
            if (trigger.type !== "SCHEDULED" || crawlers.length === 0) return [];
            return checkPollsAtMostDaily(`scheduled trigger of crawler ${crawlers.join(", ")}`, trigger.schedule);
        }),
    ],
};

export const glueCrawlerLogsEncrypted = stackPolicy<ProductionConfig>({
    name: "glue-crawler-logs-encrypted",
    description:
        "In a production stack (config `production`) or one with a customer-managed KMS key, every Glue crawler names a security configuration of the stack whose CloudWatch Logs encryption is SSE-KMS with a key.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkCrawlerLogsEncrypted(resources, config),
});

export const gluePolicies = [glueCrawlerPollsAtMostDaily, glueCrawlerLogsEncrypted];
