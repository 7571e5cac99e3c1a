/** Small resource descriptions as the offline harness captures resources: the policy tests' graphs, the lifecycle engine's, the scans'. */
import { CapturedResource } from "../../offline";

/** A resource in a test graph. Names are unique in a graph and stand for URNs. */
export interface Fake {
    type: string;
    name: string;
    /** Inputs (resource rules) and, unless `outputs` is given, outputs (stack rules). */
    props?: Record<string, any>;
    outputs?: Record<string, any>;
    /** Explicit `dependsOn`, by name. */
    dependsOn?: string[];
    /** Per input, the names of the resources its value was computed from. */
    from?: Record<string, string[]>;
    protect?: boolean;
    retainOnDelete?: boolean;
    parent?: string;
    /** Name of the provider resource (a `pulumi:providers:*` Fake in the same graph). */
    provider?: string;
    deleteBeforeReplace?: boolean;
    replaceOnChanges?: string[];
    ignoreChanges?: string[];
    /** URNs the resource was known by before. */
    aliases?: string[];
}

export const urnOf = (f: Pick<Fake, "type" | "name">) => `urn:pulumi:test::lake::${f.type}::${f.name}`;

/** Fakes as the harness captures resources; dependencies are `dependsOn` plus every input's sources, as the SDK sends them. */
export function captured(fakes: Fake[]): CapturedResource[] {
    const byName = new Map(fakes.map((f) => [f.name, f]));
    const urn = (name: string) => {
        const f = byName.get(name);
        if (!f) throw new Error(`no resource named ${name} in the test graph`);
        return urnOf(f);
    };
    return fakes.map((f) => {
        const propertyDependencies = Object.fromEntries(Object.entries(f.from ?? {}).map(([k, names]) => [k, names.map(urn)]));
        const dependencies = [...new Set([...(f.dependsOn ?? []).map(urn), ...Object.values(propertyDependencies).flat()])];
        return {
            type: f.type,
            name: f.name,
            urn: urnOf(f),
            parent: f.parent ? urn(f.parent) : undefined,
            custom: true,
            inputs: f.props ?? {},
            outputs: f.outputs ?? f.props ?? {},
            dependencies,
            propertyDependencies,
            protect: f.protect ?? false,
            retainOnDelete: f.retainOnDelete ?? false,
            ignoreChanges: f.ignoreChanges ?? [],
            replaceOnChanges: f.replaceOnChanges ?? [],
            deleteBeforeReplace: f.deleteBeforeReplace,
            aliases: f.aliases,
            provider: f.provider ? `${urn(f.provider)}::${f.provider}-id` : undefined,
            secretInputPaths: [],
        };
    });
}
