/**
 * The plugin's entry point (package.json `main`). Pulumi starts a source-based plugin with the
 * Node.js language host's run-plugin, which loads `main` (TypeScript through ts-node, from the
 * sources: a plugin is installed from the repository, unbuilt); this module then hosts the
 * component provider. The package's own consumers import it through `exports`, never this file.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { providerOptions } from "./component-provider";

void componentProviderHost(providerOptions());
