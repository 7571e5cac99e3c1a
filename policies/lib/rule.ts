/**
 * What the policies share: their configuration (schema defaults under what the pack config sets)
 * and the stack-rule builder. Resource rules are `validateResourceOfType` of @pulumi/policy.
 */
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { Resource, Unwrap } from "@pulumi/pulumi";

export interface StackViolation {
    message: string;
    /** The resource in violation; none for the stack as a whole. */
    urn?: string;
}

/** The defaults a config schema declares. */
export function defaultsOf(schema?: PolicyConfigSchema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema?.properties ?? {})) {
        if (typeof v === "object" && v !== null && "default" in v) out[k] = v.default;
    }
    return out;
}

/**
 * A policy's configuration: its schema's defaults overlaid with what the policy pack config sets
 * (`pulumi preview --policy-pack-config`, or the plan runner's per-stack settings). The defaults are
 * applied here too, so a rule behaves the same whether or not the engine filled them in.
 */
export function configOf<C>(schema: PolicyConfigSchema | undefined, args: { getConfig<T extends object>(): T }): C {
    const given = Object.fromEntries(
        Object.entries(args.getConfig<Record<string, unknown>>() ?? {}).filter(([k, v]) => k !== "enforcementLevel" && v !== undefined),
    );
    return { ...defaultsOf(schema), ...given } as C;
}

/** Reports each message of a check. */
export const reportAll = (messages: string[], report: ReportViolation): void => messages.forEach((m) => report(m));

/** A resource rule (`validateResourceOfType`) that reports each message `check` returns for a resource of `cls`. */
export function checkEach<TResource extends Resource, TArgs>(
    cls: new (name: string, args: TArgs, ...rest: any[]) => TResource,
    check: (props: Unwrap<NonNullable<TArgs>>, args: ResourceValidationArgs) => string[],
): ResourceValidation {
    return validateResourceOfType(cls, (props, args, report) => reportAll(check(props, args), report));
}

/** A stack policy that runs `check` on the whole graph. */
export function stackPolicy<C = Record<string, never>>(
    spec: Omit<StackValidationPolicy, "validateStack"> & {
        check: (resources: PolicyResource[], config: C, args: StackValidationArgs) => StackViolation[];
    },
): StackValidationPolicy {
    const { check, ...meta } = spec;
    return {
        ...meta,
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const config = configOf<C>(meta.configSchema, args);
            for (const v of check(args.resources, config, args)) reportViolation(v.message, v.urn);
        },
    };
}

/** The `production` setting several rules share. */
export const PRODUCTION_SCHEMA: PolicyConfigSchema = {
    properties: {
        production: {
            type: "boolean",
            default: false,
            description:
                "The stack keeps data (the project's `incremental-crawl:production` setting): its data must survive `pulumi destroy` and mistakes.",
        },
    },
};

export interface ProductionConfig {
    production: boolean;
}
