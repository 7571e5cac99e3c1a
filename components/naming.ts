/**
 * Naming rules of the services the program writes names into. Every name that reaches an S3 key,
 * a Glue/Athena name, an IAM name or Snowflake SQL is checked here first; each rule returns
 * `undefined` when the value is valid, or the expected form as a sentence.
 *
 * The rules are deliberately a little stricter than the services so that one name is valid in
 * all the places it travels to (a table name is a Snowflake identifier, an S3 folder and a Glue
 * table at once).
 */

import * as crypto from "crypto";
import { Region } from "@pulumi/aws/types/enums";
import { didYouMean } from "./suggest";

/** Why a value was refused: the expected form. */
export type Rule = (value: string) => string | undefined;

/**
 * Snowflake identifiers the program creates or references: upper-case unquoted-identifier form.
 * Snowflake allows letters, digits, `_` and `$` in unquoted identifiers (up to 255 chars), see
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax; `$` is refused because the same
 * name becomes an S3 folder and a Glue table name.
 */
export const snowflakeIdentifier: Rule = (v) =>
    /^[A-Z][A-Z0-9_]{0,127}$/.test(v) ? undefined : "an upper-case Snowflake identifier: a letter, then letters, digits or _ (at most 128)";

/** A column name: as an identifier, but `_` may lead (Snowflake allows it; Glue and Athena too). */
export const snowflakeColumn: Rule = (v) =>
    /^[A-Z_][A-Z0-9_]{0,127}$/.test(v) && /[A-Z0-9]/.test(v)
        ? undefined
        : "an upper-case column name: letters, digits or _ (at most 128), not only underscores";

/**
 * A Snowflake object the program only names in SQL (its database, schema and warehouse, a source
 * table's parts), never as an S3 folder or a Glue name: any upper-case unquoted identifier, which
 * may start with `_`, contain `$` and be 255 characters long.
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax
 */
export const snowflakeObject: Rule = (v) =>
    /^[A-Z_][A-Z0-9_$]{0,254}$/.test(v)
        ? undefined
        : "an upper-case Snowflake identifier: a letter or _, then letters, digits, _ or $ (at most 255)";

/** A fully qualified Snowflake name `DB.SCHEMA.OBJECT`, each part an identifier. */
export const snowflakeQualifiedName: Rule = (v) => {
    const parts = v.split(".");
    return parts.length === 3 && parts.every((p) => snowflakeObject(p) === undefined)
        ? undefined
        : "DATABASE.SCHEMA.TABLE, each part an upper-case Snowflake identifier";
};

/**
 * Column types accepted for exported tables: the Snowflake types Parquet unload supports.
 * https://docs.snowflake.com/en/sql-reference/intro-summary-data-types
 */
const SNOWFLAKE_TYPE =
    /^(NUMBER|DECIMAL|NUMERIC)(\(\d{1,2}(,\s?\d{1,2})?\))?$|^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT|FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL|BOOLEAN|DATE|VARIANT|OBJECT|ARRAY|GEOGRAPHY)$|^(VARCHAR|CHAR|CHARACTER|STRING|TEXT|BINARY|VARBINARY)(\(\d{1,8}\))?$|^(TIME|DATETIME|TIMESTAMP|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)(\([0-9]\))?$/;

export const snowflakeType: Rule = (v) => {
    if (!SNOWFLAKE_TYPE.test(v)) return "a Snowflake data type such as NUMBER(38,0), VARCHAR(255), DATE, TIMESTAMP_NTZ or BOOLEAN";
    // NUMBER: "precision (total number of digits) ... up to 38", "scale (digits to the right of the
    // decimal point) ... up to 37", and never more than the precision; a length is at least 1.
    // https://docs.snowflake.com/en/sql-reference/data-types-numeric
    const [, precision, scale = "0"] = /^\w+\((\d+)(?:,\s?(\d+))?\)$/.exec(v) ?? [];
    if (precision === undefined || /^(TIME|DATETIME|TIMESTAMP)/.test(v)) return undefined;
    if (!/^(NUMBER|DECIMAL|NUMERIC)/.test(v)) return Number(precision) >= 1 ? undefined : "a Snowflake type whose length is at least 1";
    return Number(precision) >= 1 && Number(precision) <= 38 && Number(scale) <= Math.min(Number(precision), 37)
        ? undefined
        : "a precision from 1 to 38 and a scale from 0 to 37, no larger than the precision (Snowflake's NUMBER)";
};

/**
 * Glue database and table names double as Athena names: lower-case letters, digits and `_`,
 * at most 255 characters; a leading letter avoids quoting in Athena DDL.
 * https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
 */
export const glueName: Rule = (v) =>
    /^[a-z][a-z0-9_]{0,254}$/.test(v)
        ? undefined
        : "a Glue/Athena name: a lower-case letter, then lower-case letters, digits or _ (at most 255)";

/**
 * An S3 key prefix for the exports: folders of safe characters joined by `/`, no leading or
 * trailing `/`, no `.` or `..` folder, at most 200 characters. Only the "safe characters" of
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html#object-key-guidelines-safe-characters
 * are allowed, so the prefix needs no URL-encoding in an S3 event filter and is the same string in
 * the notification filter, the Glue target, the IAM resource and the Snowflake stage URL.
 */
export const s3Prefix: Rule = (v) => {
    if (!(v.length <= 200 && /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/.test(v))) {
        return "an S3 prefix: folders of lower-case letters, digits, _ or - joined by /, without a leading or trailing / (at most 200)";
    }
    // AWSGlueServiceRole lets any role holding it get, put and delete objects under any key that
    // contains "aws-glue-" (`arn:aws:s3:::*/*aws-glue-*/*`; its `crawler-public*` names buckets, not
    // keys): the program's crawlers no longer hold it, but other roles of the account may, and a
    // prefix holding such keys would open the lake to them.
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGlueServiceRole.html
    if (v.includes("aws-glue-")) return 'an S3 prefix without "aws-glue-" (AWSGlueServiceRole opens such keys to every crawler)';
    return undefined;
};

/**
 * Stack names end up in IAM role names, SNS/SQS names and Snowflake identifiers. Names that could
 * outgrow a service's limit with a long table name are cut by `boundedName`; the fixed ones stay
 * short: `incremental-crawl-<stack>-snowflake` is at most 48 of IAM's 64 characters.
 */
export const stackName: Rule = (v) =>
    /^[a-z][a-z0-9-]{0,19}$/.test(v) ? undefined : "a stack name of lower-case letters, digits or - that starts with a letter (at most 20)";

/**
 * The name of an IncrementalLake: the prefix of its IAM, SNS, SQS, Glue and Snowflake names. At
 * most 38, as `incremental-crawl-<stack>` is (see stackName).
 */
export const componentName: Rule = (v) =>
    !/^[a-z][a-z0-9-]{0,37}$/.test(v) || v.endsWith("-")
        ? "a name of lower-case letters, digits or - that starts with a letter and does not end with - (at most 38)"
        : // It starts the buckets' names, and S3 reserves these prefixes:
          // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
          /^(xn--|sthree-|amzn-s3-demo-)/.test(v)
          ? 'a name that does not start with "xn--", "sthree-" or "amzn-s3-demo-" (S3 reserves them for bucket names)'
          : undefined;

/** An email address for alert subscriptions (SNS `email` protocol). */
export const email: Rule = (v) =>
    /^[^\s@"'<>()]+@[^\s@"'<>()]+\.[a-zA-Z]{2,}$/.test(v) && v.length <= 254
        ? undefined
        : "an email address such as data-oncall@example.com";

/** Lower-case form of a Snowflake table name, used as its S3 folder and Glue table. */
export function folderName(table: string): string {
    return table.toLowerCase();
}

/** The Snowflake identifier form of a project/stack string (`incremental-crawl` → `INCREMENTAL_CRAWL`). */
export function snowflakeName(...parts: string[]): string {
    return parts
        .join("_")
        .toUpperCase()
        .replace(/[^A-Z0-9_]/g, "_");
}

/**
 * The AWS regions: those of the installed @pulumi/aws, whose `Region` enum lists "any valid Amazon
 * region that may be targeted with deployments" (node_modules/@pulumi/aws/types/enums/index.d.ts;
 * https://docs.aws.amazon.com/general/latest/gr/rande.html).
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/**
 * The AWS partition a region belongs to, by its name's prefix. Nothing crosses a partition: not
 * credentials, not replication, not a KMS key.
 * https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
 */
export function partitionOf(region: string): string {
    const prefixes: [string, string][] = [
        ["cn-", "aws-cn"],
        ["us-gov-", "aws-us-gov"],
        ["us-isob-", "aws-iso-b"],
        ["us-isof-", "aws-iso-f"],
        ["eu-isoe-", "aws-iso-e"],
        ["us-iso-", "aws-iso"],
        ["eusc-", "aws-eusc"],
    ];
    return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

/** The form of an AWS region name, for a region newer than the installed @pulumi/aws. */
export const awsRegionShape: Rule = (v) =>
    /^[a-z]{2,4}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(v) ? undefined : "an AWS region such as eu-west-1";

/** One of the AWS regions, with the one a typo most likely meant (`eu-wst-1` → eu-west-1). */
export const awsRegion: Rule = (v) =>
    AWS_REGIONS.includes(v)
        ? undefined
        : didYouMean(v, AWS_REGIONS)
          ? `an AWS region${didYouMean(v, AWS_REGIONS)}`
          : "an AWS region such as eu-west-1";

/**
 * An AWS account id: 12 digits (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html).
 * Taken only as a string: YAML reads an unquoted id as a number and drops its leading zeros.
 */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * An SQS queue ARN; the account is group 2. Queue names: 1 to 80 letters, digits, `-` or `_`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html).
 */
export const SQS_QUEUE_ARN = /^arn:aws(-cn|-us-gov)?:sqs:[a-z]{2}(?:-gov)?-[a-z]+-\d:(\d{12}):[A-Za-z0-9_-]{1,80}$/;

/**
 * A Lambda function ARN with an optional version or alias, the form terraform-provider-aws accepts
 * (internal/service/lambda/permission.go functionRegexp): group 1 the unqualified ARN, 2 the
 * account, 3 the qualifier.
 */
export const LAMBDA_FUNCTION_ARN =
    /^(arn:aws(?:-cn|-us-gov)?:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:(\d{12}):function:[A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/**
 * `base` when it fits in `max` characters, else its first characters and a digest of the whole, so
 * that names built from long table names stay within a service's limit and stay distinct.
 * Limits: IAM role 64, inline policy 128, SQS queue 80, EventBridge rule 64 characters
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html).
 */
export function boundedName(base: string, max: number): string {
    if (base.length <= max) return base;
    const digest = crypto.createHash("sha256").update(base).digest("hex").slice(0, 8);
    return `${base.slice(0, max - 9).replace(/[-_.]+$/, "")}-${digest}`;
}

/**
 * Name limits the program relies on (see `boundedName`); Athena saved queries and workgroups take
 * 128 characters (https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html),
 * Glue workflows and triggers 255 (API_CreateWorkflow, API_CreateTrigger: Name, 1 to 255).
 */
export const LIMITS = { iamRole: 64, iamInlinePolicy: 128, sqsQueue: 80, eventRule: 64, athenaName: 128, glueName: 255 } as const;
