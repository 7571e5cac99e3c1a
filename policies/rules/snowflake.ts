/**
 * Snowflake: the stage reaches S3 through a storage integration (an IAM role with an external id),
 * never with keys; the integration may touch only the lake's export prefix;
 * the provider enables the preview resources it manages; production protects the integration.
 */
import { PolicyConfigSchema, PolicyProviderResource, PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import * as snowflake from "@pulumi/snowflake";

import { checkEach, configOf, PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, ResourceClass, shortType, T } from "../lib/types";
import { joinNames, known, listOf, nonEmpty, parseJsonInput } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const EXTERNAL_URL = /^(s3|s3gov|s3china|gcs|azure):\/\//i;

/**
 * An external stage uses a storage integration and no credentials: keys in `credentials` would be
 * stored in the stack state and in Snowflake, and never rotate.
 * https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration
 */
export function checkStageUsesIntegration(props: Record<string, any>): string[] {
    const out: string[] = [];
    const url = nonEmpty(props.url);
    if (url !== undefined && EXTERNAL_URL.test(url) && nonEmpty(props.storageIntegration) === undefined) {
        out.push(
            `external stage on ${url} has no storageIntegration: reach S3 through a storage integration (an IAM role Snowflake assumes with an external id)`,
        );
    }
    if (nonEmpty(props.credentials) !== undefined) {
        out.push(
            "stage carries credentials: keys would be stored in the stack state and in Snowflake; remove credentials and use a storage integration",
        );
    }
    return out;
}

export interface LocationConfig {
    exportPrefix: string;
    lakeBuckets: string[];
}

/**
 * A storage integration's allowed locations stay inside the lake bucket, under the export prefix:
 * the integration's role is what Snowflake may touch, so a location outside widens it to data the
 * lake does not own. https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration
 */
export function checkIntegrationLocations(resources: PolicyResource[], config: LocationConfig): StackViolation[] {
    const lake = [
        ...new Set([
            ...ofType(resources, T.bucket)
                .map((b) => known(() => b.props.bucket))
                .filter((n): n is string => typeof n === "string"),
            ...config.lakeBuckets,
        ]),
    ];
    const prefix = config.exportPrefix.replace(/^\/+|\/+$/g, "");
    const out: StackViolation[] = [];
    for (const integration of ofType(resources, T.snowflakeIntegration)) {
        const locations = listOf<unknown>(integration.props.storageAllowedLocations);
        if (locations.length === 0)
            out.push({
                urn: integration.urn,
                message: "storage integration has no storageAllowedLocations: allow only the lake's export prefix",
            });
        for (const loc of locations) {
            const m = typeof loc === "string" ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(loc) : null;
            let message: string | undefined;
            if (!m)
                message = `allowed location ${JSON.stringify(loc)} is not a path in the lake bucket: allow s3://<lake bucket>/${prefix}/ only`;
            else if (!lake.includes(m[1]))
                message = `allowed location ${loc} is outside the lake bucket (${lake.length > 0 ? joinNames(lake) : "no bucket in this stack"})`;
            else if (prefix !== "" && !`${m[2]}/`.startsWith(`${prefix}/`))
                message = `allowed location ${loc} is not under the export prefix ${prefix}/: Snowflake could read and write the rest of the bucket`;
            if (message) out.push({ urn: integration.urn, message });
        }
    }
    return out;
}

/** The preview resources of the Snowflake provider the lake uses, and the feature each needs. */
const PREVIEW_FEATURES: [ResourceClass, string][] = [
    [snowflake.FileFormat, "snowflake_file_format_resource"],
    [snowflake.Stage, "snowflake_stage_resource"],
    [snowflake.StorageIntegration, "snowflake_storage_integration_resource"],
    [snowflake.Table, "snowflake_table_resource"],
];

/** Provider inputs arrive as strings (lists JSON-encoded) or, from newer engines, as values. */
function stringList(v: unknown): string[] {
    const parsed = typeof v === "string" && v.trim().startsWith("[") ? parseJsonInput(v) : { value: v };
    const value = parsed && "value" in parsed ? parsed.value : undefined;
    return listOf<unknown>(value).filter((x): x is string => typeof x === "string");
}

export function checkPreviewFeature(feature: string, type: string, provider: PolicyProviderResource | undefined): string[] {
    if (provider === undefined) return [];
    const enabled = stringList(provider.props.previewFeaturesEnabled);
    return enabled.includes(feature)
        ? []
        : [
              `${shortType(type)} is a preview resource: provider ${provider.name} must list "${feature}" in previewFeaturesEnabled (an explicit provider ignores the stack's snowflake:previewFeaturesEnabled)`,
          ];
}

/** In production the storage integration is protected: replacing it changes its external id and unlinks its stages. */
export function checkIntegrationProtected(protect: boolean, config: ProductionConfig): string[] {
    return config.production && !protect
        ? [
              "production stack: the storage integration is not protected; replacing it changes its external id and unlinks its stages; set protect: true",
          ]
        : [];
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const snowflakeStageUsesIntegration: ResourceValidationPolicy = {
    name: "snowflake-stage-uses-integration",
    description: "An external Snowflake stage reaches S3 through a storage integration and never carries credentials (AWS keys).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: checkEach(snowflake.Stage, checkStageUsesIntegration),
};

const LOCATION_SCHEMA: PolicyConfigSchema = {
    properties: {
        exportPrefix: {
            type: "string",
            default: "exports",
            description: "The key prefix the lake exports to (the project's `exportPrefix`).",
        },
        lakeBuckets: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "Names of lake buckets not declared in this stack; the stack's own buckets always count.",
        },
    },
};

export const snowflakeIntegrationLocationsInLake = stackPolicy<LocationConfig>({
    name: "snowflake-integration-locations-in-lake",
    description:
        "A storage integration's storageAllowedLocations are s3://<lake bucket>/<exportPrefix>/... only: no other bucket, no whole bucket, no wildcard.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: LOCATION_SCHEMA,
    check: (resources, config) => checkIntegrationLocations(resources, config),
});

export const snowflakePreviewFeatures: ResourceValidationPolicy = {
    name: "snowflake-preview-features",
    description:
        "Every Snowflake preview resource (Stage, FileFormat, StorageIntegration, Table) is managed by a provider whose previewFeaturesEnabled lists it; otherwise `pulumi up` fails.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: PREVIEW_FEATURES.map(([cls, feature]) =>
        checkEach(cls, (_props, args) => checkPreviewFeature(feature, args.type, args.provider)),
    ),
};

export const snowflakeIntegrationProtected: ResourceValidationPolicy = {
    name: "snowflake-integration-protected",
    description:
        "In a production stack the storage integration is protected (protect: true): replacing it changes its external id and unlinks its stages.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: PRODUCTION_SCHEMA,
    validateResource: checkEach(snowflake.StorageIntegration, (_integration, args) =>
        checkIntegrationProtected(args.opts.protect === true, configOf<ProductionConfig>(PRODUCTION_SCHEMA, args)),
    ),
};

/**
 * A task names an error integration: a failed run, and the suspension after
 * SUSPEND_TASK_AFTER_NUM_FAILURES of them, would otherwise be seen by nobody until its stream went
 * stale. https://docs.snowflake.com/en/user-guide/tasks-errors-integrate
 */
export function checkTaskReportsErrors(props: Record<string, any>): string[] {
    return nonEmpty(props.errorIntegration) === undefined
        ? [
              `task ${props.name ?? ""} has no errorIntegration: a failed or suspended task goes unnoticed until its stream is stale; name a notification integration`.replace(
                  "task  has",
                  "task has",
              ),
          ]
        : [];
}

export const snowflakeTaskReportsErrors: ResourceValidationPolicy = {
    name: "snowflake-task-reports-errors",
    description:
        "Every Snowflake task names an error notification integration (errorIntegration), so failed runs and a suspension reach someone before its stream goes stale.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: checkEach(snowflake.Task, checkTaskReportsErrors),
};

export const snowflakePolicies = [
    snowflakeStageUsesIntegration,
    snowflakeIntegrationLocationsInLake,
    snowflakePreviewFeatures,
    snowflakeIntegrationProtected,
    snowflakeTaskReportsErrors,
];
