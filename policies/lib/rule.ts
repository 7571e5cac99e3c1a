/**
 * Builders that turn pure checks into @pulumi/policy policies.
 *
 * A rule module exports its checks (plain functions: properties or a resource graph in, violation
 * messages out) and the policies built from them here. The policies carry only the fields
 * @pulumi/policy knows, so the pack serves them as they are.
 */
import {
    PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Node } from "./graph";
import { is } from "./types";

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
    const given = Object.fromEntries(Object.entries(args.getConfig<Record<string, unknown>>() ?? {}).filter(([k, v]) => k !== "enforcementLevel" && v !== undefined));
    return { ...defaultsOf(schema), ...given } as C;
}

export interface ResourceCheckContext<C> {
    config: C;
    args: ResourceValidationArgs;
}

type PolicyMeta = Omit<ResourceValidationPolicy, "validateResource" | "remediateResource">;

/** A resource policy that runs `check` on every resource whose type is one of `types` (or passes the test). */
export function resourcePolicy<C = Record<string, never>>(spec: PolicyMeta & {
    types: readonly string[] | ((type: string) => boolean);
    check: (props: Record<string, any>, ctx: ResourceCheckContext<C>) => string[];
}): ResourceValidationPolicy {
    const { types, check, ...meta } = spec;
    return {
        ...meta,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (typeof types === "function" ? !types(args.type) : !is(args.type, types)) return;
            const config = configOf<C>(meta.configSchema, args);
            for (const message of check(args.props, { config, args })) reportViolation(message);
        },
    };
}

/** A stack policy that runs `check` on the whole graph. */
export function stackPolicy<C = Record<string, never>>(spec: Omit<StackValidationPolicy, "validateStack"> & {
    check: (resources: Node[], config: C, args: StackValidationArgs) => StackViolation[];
}): StackValidationPolicy {
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
            description: "The stack keeps data (the project's `incremental-crawl:production` setting): its data must survive `pulumi destroy` and mistakes.",
        },
    },
};

export interface ProductionConfig {
    production: boolean;
}
