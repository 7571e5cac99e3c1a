import * as pulumi from "@pulumi/pulumi";

/**
 * Type tokens of the package's components. Pulumi's component provider serves only the `index`
 * module (ComponentProvider.validateResourceType in @pulumi/pulumi provider/experimental/provider.ts:
 * "expected 'index' or empty string"), so every component is `incremental-crawl:index:<Name>`.
 */
export const PACKAGE = "incremental-crawl";

export const token = (name: string) => `${PACKAGE}:index:${name}`;

/**
 * Options that keep a component's resources through its rename from `incremental-crawl:<module>:<Name>`
 * (0.1.0) to `incremental-crawl:index:<Name>`. The alias names the old type; the engine matches the
 * component by it, and each child under the parent's old type, so nothing is replaced.
 * https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/
 */
export function renamedFrom(oldModule: string, name: string, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: `${PACKAGE}:${oldModule}:${name}` }] };
}
