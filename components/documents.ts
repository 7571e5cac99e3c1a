/**
 * Service documents that are not IAM policies: the SNS filter policy that routes a table's S3
 * events to its own queue, and the Glue crawler configuration.
 */

/**
 * SNS body filter policy (FilterPolicyScope = MessageBody) that passes only S3 events whose object
 * key starts with `keyPrefix`. SNS payload filtering matches nested keys and, inside arrays such as
 * S3's `Records`, passes the message when any element matches; `prefix` applies to body values.
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
 * https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
 * https://aws.amazon.com/blogs/compute/introducing-payload-based-message-filtering-for-amazon-sns/
 * S3 URL-encodes keys in events (notification-content-structure), so the prefix must use only
 * characters that encoding leaves alone: `naming.s3Prefix` and table names guarantee that.
 */
export function keyPrefixFilterPolicy(keyPrefix: string): Record<string, unknown> {
    return { Records: { s3: { object: { key: [{ prefix: keyPrefix }] } } } };
}

/**
 * Crawler configuration: partitions inherit the table's schema, so every `dt=` folder reads as the
 * table the program declared ("Update all new and existing partitions with metadata from the table",
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-schema-changes-prevent.html). Glue gives
 * catalog-target crawlers the CombineCompatibleSchemas grouping by default; it is stated here so
 * the configuration reads back as written (terraform-provider-aws website/docs/r/glue_crawler.html.markdown).
 * https://docs.aws.amazon.com/glue/latest/dg/crawler-configuration.html
 */
export function crawlerConfiguration(): string {
    return JSON.stringify({
        Version: 1.0,
        Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
    });
}
