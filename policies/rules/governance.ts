/**
 * Governance across services: the lake's AWS resources stay in allowed regions, carry the tags the
 * organisation needs, and deploy-time commands never hold credentials.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import { PolicyProviderResource, ResourceValidationPolicy } from "@pulumi/policy";
import { checkEach, configOf, reportAll } from "../lib/rule";
import { ResourceClass, T } from "../lib/types";
import { isRecord, joinNames, parseJsonInput } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

export interface RegionConfig {
    allowedRegions: string[];
}

/**
 * An AWS resource's region: its own `region` input (@pulumi/aws 7 resources can override the
 * provider's) or its provider's `region`. Undefined when neither says.
 */
export function regionOf(props: Record<string, any>, provider: PolicyProviderResource | undefined): string | undefined {
    const own = props.region;
    if (typeof own === "string" && own !== "") return own;
    const fromProvider = provider?.props.region;
    return typeof fromProvider === "string" && fromProvider !== "" ? fromProvider : undefined;
}

export function checkRegion(region: string | undefined, config: RegionConfig): string[] {
    if (region === undefined || config.allowedRegions.includes(region)) return [];
    return [`region ${region} is not allowed (allowed: ${config.allowedRegions.join(", ")}): the lake's data stays in its regions`];
}

/** AWS resource types of the lake that take tags. */
export const TAGGABLE: ResourceClass[] = [
    ...T.bucket,
    ...T.topic,
    ...T.queue,
    ...T.key,
    ...T.role,
    ...T.crawler,
    aws.iam.Policy,
    aws.glue.CatalogDatabase,
    aws.athena.Workgroup,
    aws.cloudwatch.MetricAlarm,
    aws.cloudwatch.EventRule,
];

export interface TagConfig {
    requiredTags: string[];
}

/** The provider's `defaultTags.tags` (provider inputs arrive JSON-encoded). */
export function defaultTagsOf(provider: PolicyProviderResource | undefined): Record<string, unknown> {
    const parsed = parseJsonInput(provider?.props.defaultTags);
    const value = parsed && "value" in parsed ? parsed.value : undefined;
    return isRecord(value) && isRecord(value.tags) ? value.tags : {};
}

/** Required tag keys must be present, from the resource's `tags` or its provider's `defaultTags`. */
export function checkRequiredTags(props: Record<string, any>, provider: PolicyProviderResource | undefined, config: TagConfig): string[] {
    const tags = { ...defaultTagsOf(provider), ...(isRecord(props.tags) ? props.tags : {}) };
    const missing = config.requiredTags.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
    return missing.length === 0
        ? []
        : [
              `missing required tag${missing.length === 1 ? "" : "s"} ${joinNames(missing)}: set ${missing.length === 1 ? "it" : "them"} on the resource or in the AWS provider's defaultTags`,
          ];
}

/** Names of variables that hold credentials (`SNOWFLAKE_PASSWORD`, `SNOWSQL_PWD`, `AWS_SECRET_ACCESS_KEY`...). */
const CREDENTIAL = "PASSWORD|PASSPHRASE|_PWD|SECRET|TOKEN|PRIVATE_?KEY|ACCESS_?KEY";
const CREDENTIAL_NAME = new RegExp(`(${CREDENTIAL})`, "i");
const INLINE_CREDENTIAL = new RegExp(`\\b([A-Za-z_]*(?:${CREDENTIAL})[A-Za-z_]*)=\\S`, "gi");

/**
 * A deploy-time command (the backfill) holds no credentials: `local.Command` keeps its inputs,
 * `environment` included, in the stack state in plain text unless they are secrets, and a policy
 * cannot tell a secret from plain text. The command reads credentials from the environment of
 * `pulumi up` instead.
 */
export function checkCommandNoCredentials(props: Record<string, any>): string[] {
    const out: string[] = [];
    const env = isRecord(props.environment) ? props.environment : {};
    for (const k of Object.keys(env).filter((k) => CREDENTIAL_NAME.test(k))) {
        out.push(
            `environment variable ${k} looks like a credential: a command's environment is kept in the stack state; let the command read it from the environment of pulumi up`,
        );
    }
    for (const field of ["create", "update", "delete"]) {
        const text = props[field];
        if (typeof text !== "string") continue;
        for (const m of text.matchAll(INLINE_CREDENTIAL)) {
            out.push(`${field} command sets ${m[1]} inline: it is kept in the stack state; read it from the environment of pulumi up`);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

const REGION_SCHEMA = {
    properties: {
        // The lake's data stays in the EU: its region (eu-west-1) and the region of its recovery
        // replica (eu-central-1, Pulumi.prod.yaml replicaRegion). A replica elsewhere is refused.
        allowedRegions: {
            type: "array" as const,
            items: { type: "string" as const },
            minItems: 1,
            default: ["eu-west-1", "eu-central-1"],
            description: "AWS regions the lake and its replica may use.",
        },
    },
};

export const awsAllowedRegions: ResourceValidationPolicy = {
    name: "aws-allowed-regions",
    description:
        "Every regional AWS resource is in an allowed region (its own `region` or its provider's; IAM is global and exempt): the lake's data stays where the stack's data-residency rules say.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: REGION_SCHEMA,
    // Every AWS resource, whatever its class; IAM is global: a role has no region of its own.
    validateResource: (args, report) => {
        if (!args.type.startsWith("aws:") || args.type.startsWith("aws:iam/")) return;
        reportAll(checkRegion(regionOf(args.props, args.provider), configOf<RegionConfig>(REGION_SCHEMA, args)), report);
    },
};

const TAG_SCHEMA = {
    properties: {
        requiredTags: {
            type: "array" as const,
            items: { type: "string" as const },
            default: ["project", "stack", "managed-by"],
            description: "Tag keys every taggable resource carries.",
        },
    },
};

export const awsRequiredTags: ResourceValidationPolicy = {
    name: "aws-required-tags",
    description:
        "Taggable AWS resources (bucket, topic, queues, key, roles, crawlers, database, workgroup, alarms) carry the required tags, set on them or through the provider's defaultTags.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: TAG_SCHEMA,
    validateResource: (args, report) => {
        if (!TAGGABLE.some((cls) => args.isType(cls))) return;
        reportAll(checkRequiredTags(args.props, args.provider, configOf<TagConfig>(TAG_SCHEMA, args)), report);
    },
};

export const commandNoCredentials: ResourceValidationPolicy = {
    name: "command-no-credentials",
    description:
        "Deploy-time commands (command:local:Command, the backfill) get no credential in environment or command line: those inputs are stored in the stack state; credentials come from the environment of `pulumi up`.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: checkEach(command.local.Command, checkCommandNoCredentials),
};

export const governancePolicies = [awsAllowedRegions, awsRequiredTags, commandNoCredentials];
