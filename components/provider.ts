/**
 * The plugin's entry point (package.json `main`). Pulumi starts a source-based plugin with the
 * Node.js language host's run-plugin, which loads `main` (TypeScript through ts-node, from the
 * sources: a plugin is installed from the repository, unbuilt); this module then hosts the
 * component provider. The package's own consumers import it through `exports`, never this file.
 * https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/cmd/pulumi-language-nodejs/main.go (RunPlugin:
 * PULUMI_NODEJS_TYPESCRIPT, run-plugin with the program directory), sdk/nodejs/cmd/run-plugin/run.ts
 * (ts-node registered, then `require(<directory>)`, which reads package.json `main`).
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { providerOptions } from "./component-provider";

void componentProviderHost(providerOptions());
