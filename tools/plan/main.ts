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
import { CommandError, CommandSpec, didYouMean, EXIT, outputWidth, Parsed, ROOT, runScript, UsageError } from "../cli/command";
import { StackFileError } from "../../offline/stack-file";

const options = {
    stack: { type: "string", value: "name", description: "stack whose Pulumi.<stack>.yaml settings apply", default: "dev" },
    program: { type: "string", value: "path", description: "program to run instead of index.ts, relative to the project root (a fixture)" },
    config: {
        type: "string",
        value: "key=value",
        multiple: true,
        description:
            "stack setting over the stack file, as `pulumi config set` takes it: production=true (a key without namespace is the project's), aws:region=eu-central-1",
    },
    "policy-config": {
        type: "string",
        value: "file",
        description: "a --policy-pack-config JSON file merged over the derived policy config",
    },
    "write-policy-config": {
        type: "string",
        value: "file",
        description:
            "writes the policy config the plan used, for `pulumi preview --policy-pack-config` (without accountIds: set the stack's AWS account there yourself)",
    },
    preview: {
        type: "boolean",
        description:
            "simulate a stack's first `pulumi preview`: values computed from other resources are unknown (rules that need them report \"can't run during preview\")",
    },
    "state-rename": {
        type: "string",
        value: "old=new",
        multiple: true,
        description:
            "with --since: a resource renamed in the state before the update (pulumi state rename), by logical names, e.g. to rename a table and keep its rows",
    },
    "fail-on-advisory": {
        type: "boolean",
        description:
            "exit 1 on an advisory too (an advisory policy violation; with --since, an advisory verdict such as a full re-export or a new database), for a CI gate",
    },
    since: {
        type: "string",
        value: "git-ref",
        description:
            "instead: what `pulumi up` of the working tree does to the stack as deployed from <git-ref> (its program and stack file): each resource's step with the data-safety verdicts under it, ending with `N to create, M to update, R to replace, D to delete`; --config applies to the working tree's side; exit 1 on a collision, data loss or a program that fails after the update",
    },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "plan",
    synopsis: "[--stack <name>] [--config <key=value>]... [--preview | --since <git-ref>] [options]",
    summary:
        "Shows what `pulumi up` would create, with the policy pack's verdict under each resource, offline (no cloud account, no Pulumi CLI).",
    description: "Ends with `N policies, M resources, K mandatory and A advisory violations`.",
    options,
    examples: [
        "npm run plan -- --stack prod",
        "npm run plan -- --stack dev --config incremental-crawl:encryption=kms",
        "npm run plan -- --stack prod --write-policy-config prod-policy.json",
        "npm run plan -- --stack prod --since origin/main",
    ],
    footer:
        "Before it runs the program, the plan type-checks it (index.ts and config.ts) as `pulumi up` does. " +
        "Exit status: 0 no mandatory violation, 1 a mandatory violation (or any violation with --fail-on-advisory), " +
        "2 the program does not type-check or could not run, or a policy could not run.",
};

/**
 * `--config key=value`, in order (a later one wins), keys in full form (`fullKey`). A namespace the
 * program does not read is refused: the plan would not change, and say nothing. Unknown keys of the
 * namespaces it reads are refused by the stack's validation, as in the stack file.
 */
export function configOverrides(pairs: string[], fullKey: (key: string) => string, namespaces: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const kv of pairs) {
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new UsageError(`--config expects key=value, got ${kv}`);
        const key = fullKey(kv.slice(0, eq));
        const ns = key.slice(0, key.indexOf(":"));
        if (!namespaces.includes(ns)) {
            const near = didYouMean(ns, namespaces, (n) => `${n}:${key.slice(ns.length + 1)}`).trim();
            throw new UsageError(
                `--config ${kv.slice(0, eq)}: the program reads no ${ns}: setting${near ? ` ${near}` : ""}; ` +
                    `it reads ${namespaces.map((n) => `${n}:`).join(", ")} settings, and a key without a namespace is the project's`,
            );
        }
        out[key] = kv.slice(eq + 1);
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

export async function main({ values }: Parsed<typeof options>): Promise<number> {
    if (values.since === undefined && values["state-rename"].length > 0)
        throw new UsageError("--state-rename goes with --since: it changes the state the update starts from");
    if (values.since !== undefined) {
        const policyOnly = (["preview", "policy-config", "write-policy-config"] as const).filter(
            (o) => values[o] !== undefined && values[o] !== false,
        );
        if (policyOnly.length > 0) {
            throw new UsageError(
                `--since plans the update from <git-ref> and runs no policy: ${policyOnly.map((o) => `--${o}`).join(", ")} ` +
                    `cannot go with it (run the plan without --since for ${policyOnly.length === 1 ? "it" : "them"})`,
            );
        }
    }
    // Loaded here: --help and argument errors answer at once.
    const { fullKey, PROJECT, PROVIDER_KEYS } = await import("../../config");
    const config = configOverrides(values.config, fullKey, [PROJECT, ...Object.keys(PROVIDER_KEYS)]);
    const policyConfig = values["policy-config"] ? readPolicyConfig(values["policy-config"]) : undefined;
    // The stack file's YAML always; its settings when the program is the real one (a fixture may read others).
    const stack = values.stack;
    const { readStackFile } = await import("../../offline/stack-file");
    const { validateStack } = await import("../cli/stack-config");
    const { planStack, writePolicyConfig } = await import("./policy-run");
    const { formatPlan } = await import("./plan-format");
    if (values.program === undefined) validateStack(stack, { overrides: config, overrideLabel: "--config" });
    else readStackFile(stack);
    if (values.since !== undefined) {
        const { resolveCommit } = await import("./since");
        try {
            resolveCommit(ROOT, values.since);
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
    }
    // The type check runs beside the evaluation; its verdict comes first.
    const program = values.program ?? "index.ts";
    const { startTypeCheck } = await import("./typecheck-program");
    const typeCheck = startTypeCheck(ROOT, program);
    const typeChecked = async () => {
        const errors = await typeCheck.errors;
        if (errors.length > 0) {
            throw new CommandError(
                `${program} does not type-check, and pulumi up type-checks it (${errors.length} error${errors.length === 1 ? "" : "s"}):\n` +
                    errors.map((e) => e.replace(/^/gm, "  ")).join("\n"),
                EXIT.usage,
            );
        }
    };
    try {
        if (values.since !== undefined) {
            const { runSince } = await import("./since");
            const stateRenames = Object.fromEntries(
                values["state-rename"].map((pair) => {
                    const [from, to, ...rest] = pair.split("=");
                    if (!from || !to || rest.length > 0) throw new UsageError(`--state-rename expects <old name>=<new name>, got ${pair}`);
                    return [from, to];
                }),
            );
            return await runSince({
                stack,
                ref: values.since,
                config,
                program: values.program,
                stateRenames,
                failOnAdvisory: values["fail-on-advisory"],
                gate: typeChecked,
            });
        }
        // A type error is said first, in place of the plan or of the error it ran into.
        const result = await planStack({ stack, program: values.program, config, policyConfig, preview: values.preview }).finally(
            typeChecked,
        );
        console.log(formatPlan(result, { width: outputWidth() }));
        if (values["write-policy-config"]) writePolicyConfig(result, values["write-policy-config"]);
        const fails = result.violations.filter((v) => v.level === "mandatory" || values["fail-on-advisory"]);
        return fails.length > 0 ? EXIT.failed : EXIT.ok;
    } finally {
        typeCheck.cancel();
    }
}

if (require.main === module) runScript(spec, main);
