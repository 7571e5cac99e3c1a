/**
 * The program's reader of stack configuration: the one place it is read.
 *
 * `parseSettings` is pure: it takes the raw configuration (key → string, as the Pulumi engine
 * hands it to the program), checks what only a stack file can get wrong (unknown, retired and
 * credential keys, the stack's name, aws:region), reads the project keys into `IncrementalLakeArgs`
 * and has the package validate them (`validateLakeArgs`, the same checks any program using the
 * component gets). It returns typed `Settings`, or throws a `ConfigError` that lists every bad key
 * with the form it expected, before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    IncrementalLakeArgs,
    LAKE_DEFAULTS,
    LakeArgsError,
    LakeSettings,
    SNOWFLAKE_CONNECTION_KEYS,
    SnowflakeConnection,
    validateLakeArgs,
} from "@incremental-crawl/components";
import { knownKey, naming } from "@incremental-crawl/components/runtime";

export const PROJECT = "incremental-crawl";

export { MAX_TABLES, TABLE_KEYS, COLUMN_KEYS } from "@incremental-crawl/components";

/** Defaults of the project settings: the package's, which `npm run generate` declares in `Pulumi.yaml`. */
export const DEFAULTS = LAKE_DEFAULTS;

/** Every project key: the defaults plus `tables`, which has no default. */
export const PROJECT_KEYS = [...Object.keys(DEFAULTS), "tables"] as const;

/** Settings the project no longer reads, and what replaced them. */
const RETIRED_KEYS: Record<string, string> = {
    crawlerSchedule:
        "no crawlerSchedule: crawls start when a table's objects arrive (crawlBatchSize, crawlBatchWindowSeconds); " +
        `the fallback crawl's schedule is safetyNetSchedule (default ${LAKE_DEFAULTS.safetyNetSchedule})`,
};

/** Provider keys that would put a credential in the stack file. Credentials come from the environment. */
const CREDENTIAL_KEYS: Record<string, string> = {
    "snowflake:password": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "snowflake:privateKey": "SNOWFLAKE_PRIVATE_KEY",
    "snowflake:privateKeyPassphrase": "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
    "snowflake:token": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "snowflake:passcode": "SNOWFLAKE_PRIVATE_KEY (key-pair auth)",
    "aws:accessKey": "AWS_PROFILE or AWS_ACCESS_KEY_ID",
    "aws:secretKey": "AWS_PROFILE or AWS_SECRET_ACCESS_KEY",
    "aws:token": "AWS_PROFILE or AWS_SESSION_TOKEN",
};

/**
 * The settings each provider reads from the stack configuration (`aws:region`, `snowflake:user`...):
 * the config variables of the installed provider packages (their `config/vars` modules).
 */
export const PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = {
    aws: Object.keys(require("@pulumi/aws/config/vars")),
    snowflake: Object.keys(require("@pulumi/snowflake/config/vars")),
};

/**
 * A configuration key as `pulumi config set` and `--config` read it: one without a namespace is the
 * project's (`maxFileSizeMb` → `incremental-crawl:maxFileSizeMb`; pulumi/pulumi
 * pkg/cmd/pulumi/config, parseConfigKey).
 */
export function fullKey(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** The validated settings of one stack: the lake's, and what the program itself needs. */
export interface Settings extends LakeSettings {
    project: string;
    stack: string;
    awsRegion: string;
    /** The component's arguments as the stack configuration gave them. */
    args: IncrementalLakeArgs;
}

/**
 * All the problems found in one stack configuration. A `pulumi.RunError`, so that `pulumi up`
 * prints the message alone, without a stack trace: the problems are the whole story.
 */
export class ConfigError extends LakeArgsError {
    constructor(problems: string[]) {
        super(problems, "stack configuration");
        this.name = "ConfigError";
    }
}

export interface ParseContext {
    project: string;
    stack: string;
}

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));

function parseJson(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** The stack-configuration key of an argument path: `tables[0].name` → `incremental-crawl:tables[0].name`. */
function stackKey(path: string): string {
    if (path.startsWith("snowflakeConnection.")) return `snowflake:${path.slice("snowflakeConnection.".length)}`;
    if (path.startsWith("snowflakePreviewFeatures")) return path.replace("snowflakePreviewFeatures", "snowflake:previewFeaturesEnabled");
    return `${PROJECT}:${path}`;
}

/**
 * The component's arguments from the engine's strings: text settings as given, the others parsed
 * as JSON (a value that is not JSON is passed on as text, for the validator to name).
 */
export function readArgs(raw: Record<string, string>): IncrementalLakeArgs {
    const args: Record<string, unknown> = {};
    for (const [k, dflt] of Object.entries(DEFAULTS)) {
        const v = raw[`${PROJECT}:${k}`];
        if (v === undefined) continue;
        args[k] = typeof dflt === "string" ? v : typeof dflt === "number" && /^-?\d+$/.test(v) ? Number(v) : parseJson(v);
    }
    if (raw[`${PROJECT}:tables`] !== undefined) args.tables = parseJson(raw[`${PROJECT}:tables`]);
    const connection: Record<string, string> = {};
    for (const k of SNOWFLAKE_CONNECTION_KEYS) {
        if (raw[`snowflake:${k}`] !== undefined) connection[k] = raw[`snowflake:${k}`];
    }
    if (Object.keys(connection).length > 0) args.snowflakeConnection = connection as SnowflakeConnection;
    if (raw["snowflake:previewFeaturesEnabled"] !== undefined)
        args.snowflakePreviewFeatures = parseJson(raw["snowflake:previewFeaturesEnabled"]);
    return args as unknown as IncrementalLakeArgs;
}

/**
 * Parses and validates the whole configuration. `raw` maps full keys (`incremental-crawl:tables`,
 * `aws:region`, ...) to the strings the engine passes (objects and arrays as JSON).
 */
export function parseSettings(raw: Record<string, string>, ctx: ParseContext): Settings {
    const problems: string[] = [];
    const add = (key: string, expected: string, got: unknown) => problems.push(`${key}: expected ${expected}, got ${show(got)}`);
    const ns = `${PROJECT}:`;

    for (const k of Object.keys(raw).sort()) {
        if (k.startsWith(ns) && RETIRED_KEYS[k.slice(ns.length)] !== undefined) {
            add(k, RETIRED_KEYS[k.slice(ns.length)], raw[k]);
        } else if (k.startsWith(ns) && !(PROJECT_KEYS as readonly string[]).includes(k.slice(ns.length))) {
            add(k, knownKey("project settings", k.slice(ns.length), PROJECT_KEYS), "an unknown key");
        }
        const [provider, name] = [k.slice(0, k.indexOf(":")), k.slice(k.indexOf(":") + 1)];
        if (PROVIDER_KEYS[provider] !== undefined && !PROVIDER_KEYS[provider].includes(name)) {
            add(k, knownKey(`${provider} provider settings`, name, PROVIDER_KEYS[provider]), "an unknown key");
        }
        if (CREDENTIAL_KEYS[k] !== undefined) {
            add(
                k,
                `no credential in stack configuration: remove it and set ${CREDENTIAL_KEYS[k]} in the environment of pulumi up`,
                "a value",
            );
        }
    }
    if (naming.stackName(ctx.stack) !== undefined) add("stack name", naming.stackName(ctx.stack)!, ctx.stack);

    // A region newer than the installed @pulumi/aws passes with aws:skipRegionValidation, as the
    // provider itself lets it (terraform-provider-aws skip_region_validation).
    const region = raw["aws:region"];
    const regionRule = raw["aws:skipRegionValidation"] === "true" ? naming.awsRegionShape : naming.awsRegion;
    const regionProblem = region === undefined ? "an AWS region such as eu-west-1 (pulumi config set aws:region ...)" : regionRule(region);
    if (regionProblem !== undefined) add("aws:region", regionProblem, region);

    const args = readArgs(raw);
    // Unknown project keys were answered above, in the stack file's terms.
    // The name index.ts gives the lake: its resources' names (and the size of the policies naming them) follow from it.
    const name = naming.stackName(ctx.stack) === undefined ? `${ctx.project}-${ctx.stack}` : undefined;
    const lake = validateLakeArgs(args, { keyName: stackKey, skipUnknown: true, region, name });
    if (!lake.ok) problems.push(...lake.problems);
    if (problems.length > 0 || !lake.ok) throw new ConfigError(problems);
    return { ...lake.settings, project: ctx.project, stack: ctx.stack, awsRegion: region, args };
}

/** Reads the running program's configuration and validates it. Throws `ConfigError`. */
export function loadSettings(): Settings {
    const all = pulumi.runtime.allConfig();
    return parseSettings(all, { project: pulumi.getProject(), stack: pulumi.getStack() });
}
