/**
 * What the component provider serves: IncrementalLake, to programs in every Pulumi language
 * (`pulumi package add <repository>/components` generates their SDK from the schema below).
 *
 * Only the top component is served, as the package exports only it: the parts (EventLake, Catalog,
 * SnowflakeExport, ...) take other resources of the graph as arguments, which a schema cannot carry.
 */
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { IncrementalLake } from "./incremental-lake";
import { PACKAGE_DIR, PACKAGE_VERSION } from "./package-info";
import { PACKAGE } from "./tokens";

/**
 * The options of `componentProviderHost`. The schema analyzer compiles the package's TypeScript
 * sources with its tsconfig.json (so both ship in the package), starting from the entry point
 * that package.json names: `exports["."]` with `.js` read as `.ts` (dist/index.ts does not exist), then
 * `main` (provider.ts). https://www.pulumi.com/docs/iac/guides/building-extending/packages/source-based-plugin/
 * and @pulumi/pulumi provider/experimental/analyzer.ts (findProgramEntryPoint).
 */
export function providerOptions() {
    return {
        name: PACKAGE,
        version: PACKAGE_VERSION,
        dirname: PACKAGE_DIR,
        components: [IncrementalLake],
    };
}

/** The provider itself, as the host runs it: for the schema test and `construct` under mocks. */
export function componentProvider(): ComponentProvider {
    return new ComponentProvider(providerOptions());
}
