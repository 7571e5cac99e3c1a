/**
 * `npm run plan`: an offline `pulumi preview --policy-pack policies`. Runs the program under mocks
 * (no cloud account, no Pulumi CLI), prints what `pulumi up` would create as a tree with the policy
 * verdicts under each resource, and ends with `N policies, M resources, K mandatory and A advisory
 * violations`. Exits 1 on any mandatory violation, 2 when the program or a policy fails. The
 * options are in `spec` below (`--help`).
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { CommandSpec, EXIT, Parsed, ROOT, runScript, UsageError } from "./lib/cli";
import { StackFileError } from "./lib/yaml-errors";

const options = {
    stack: { type: "string", value: "name", description: "stack whose Pulumi.<stack>.yaml settings apply", default: "dev" },
    program: { type: "string", value: "path", description: "program to run instead of index.ts, relative to the project root (a fixture)" },
    config: { type: "string", value: "key=value", multiple: true, description: "stack setting over the stack file, e.g. incremental-crawl:production=true" },
    "policy-config": { type: "string", value: "file", description: "a --policy-pack-config JSON file merged over the derived policy config" },
    "write-policy-config": {
        type: "string", value: "file",
        description: "writes the policy config the plan used, for `pulumi preview --policy-pack-config` (without accountIds: set the stack's AWS account there yourself)",
    },
    preview: {
        type: "boolean",
        description: "simulate a stack's first `pulumi preview`: values computed from other resources are unknown (rules that need them report \"can't run during preview\")",
    },
    since: {
        type: "string", value: "git-ref",
        description: "instead: what `pulumi up` of the working tree does to the stack as deployed from <git-ref> (its program and stack file): each resource's step with the data-safety verdicts under it, ending with `N to create, M to update, R to replace, D to delete`; --config applies to the working tree's side; exit 1 on a collision, data loss or a program that fails after the update",
    },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "plan",
    synopsis: "[--stack <name>] [--config <key=value>]... [--preview | --since <git-ref>] [options]",
    summary: "Shows what `pulumi up` would create, with the policy pack's verdict under each resource, offline (no cloud account, no Pulumi CLI).",
    description: "Ends with `N policies, M resources, K mandatory and A advisory violations`.",
    options,
    examples: [
        "npm run plan -- --stack prod",
        "npm run plan -- --stack dev --config incremental-crawl:encryption=kms",
        "npm run plan -- --stack prod --write-policy-config prod-policy.json",
        "npm run plan -- --stack prod --since origin/main",
    ],
    footer: "Exit status: 0 no mandatory violation, 1 a mandatory violation, 2 the program or a policy could not run.",
};

/** `--config key=value`, in order; a later one wins. */
function configOverrides(pairs: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const kv of pairs) {
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new UsageError(`--config expects key=value, got ${kv}`);
        out[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return out;
}

function readPolicyConfig(file: string): PolicyPackConfig {
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(ROOT, file), "utf8");
    } catch (e) {
        throw new UsageError(`--policy-config: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new StackFileError(`${file}: not JSON (${(e as Error).message})`);
    }
}

async function main({ values }: Parsed<typeof options>): Promise<number> {
    const config = configOverrides(values.config);
    const policyConfig = values["policy-config"] ? readPolicyConfig(values["policy-config"]) : undefined;
    // The stack file's YAML always; its settings when the program is the real one (a fixture may read others).
    const stack = values.stack;
    // Loaded here: --help and argument errors answer at once.
    const { readStackFile, validateStack } = await import("./lib/stack-file");
    const { formatPlan, planStack, writePolicyConfig } = await import("./lib/policy-run");
    if (values.program === undefined) validateStack(stack, { overrides: config, overrideLabel: "--config" });
    else readStackFile(stack);
    if (values.since !== undefined) {
        const { runSince } = await import("./lib/since");
        return runSince({ stack, ref: values.since, config, program: values.program });
    }
    const result = await planStack({ stack, program: values.program, config, policyConfig, preview: values.preview });
    console.log(formatPlan(result));
    if (values["write-policy-config"]) writePolicyConfig(result, values["write-policy-config"]);
    return result.violations.some((v) => v.level === "mandatory") ? EXIT.failed : EXIT.ok;
}

if (require.main === module) runScript(spec, main);
