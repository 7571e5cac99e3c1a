/**
 * npm run plan -- [--help] [--stack <name>] [--program <path>] [--config key=value]... [--policy-config <file>]
 *                 [--write-policy-config <file>] [--since <git-ref>]
 *
 * An offline `pulumi preview --policy-pack policies`: runs the program under mocks (no cloud
 * account, no Pulumi CLI), prints what `pulumi up` would create as a tree with the policy verdicts
 * under each resource, and ends with `N policies, M resources, K mandatory and A advisory
 * violations`. Exits 1 on any mandatory violation, 2 when the program or a policy fails.
 *
 *   --stack           stack whose Pulumi.<stack>.yaml settings apply (default dev)
 *   --program         program to run instead of index.ts, relative to the project root (a fixture)
 *   --config          stack setting over the stack file, e.g. incremental-crawl:production=true
 *   --policy-config   a --policy-pack-config JSON file merged over the derived policy config
 *   --write-policy-config  writes the policy config the plan used, for `pulumi preview --policy-pack-config`
 *                     (without accountIds: set the stack's AWS account there yourself)
 *   --preview         simulate a stack's first `pulumi preview`: values computed from other resources
 *                     are unknown (rules that need them report "can't run during preview")
 *   --since           instead: what `pulumi up` of the working tree does to the stack as deployed from
 *                     <git-ref> (the program and stack file at that commit): each resource's step
 *                     (create, update, replace, delete) with the data-safety verdicts under it, ending
 *                     with `N to create, M to update, R to replace, D to delete`. --config applies to
 *                     the working tree's side. Exits 1 on a collision, data loss or a program that
 *                     fails after the update, 0 otherwise (re-exports and event gaps are advisories).
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackConfig } from "@pulumi/policy";
import { requireStackFile, ROOT } from "../test/harness";
import { formatPlan, planStack, writePolicyConfig } from "./lib/policy-run";
import { runSince } from "./lib/since";

/** The usage text: this file's header comment. */
const USAGE = fs.readFileSync(__filename, "utf8").split("*/")[0].replace(/^\/\*\*\n/, "").replace(/^ \* ?/gm, "").trimEnd();

interface Cli {
    stack?: string;
    program?: string;
    config: Record<string, string>;
    policyConfig?: string;
    writePolicyConfig?: string;
    preview: boolean;
    since?: string;
}

function parseArgs(argv: string[]): Cli {
    const cli: Cli = { config: {}, preview: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--stack": cli.stack = value(); break;
            case "--program": cli.program = value(); break;
            case "--policy-config": cli.policyConfig = value(); break;
            case "--write-policy-config": cli.writePolicyConfig = value(); break;
            case "--preview": cli.preview = true; break;
            case "--since": cli.since = value(); break;
            case "--help": case "-h": console.log(USAGE); process.exit(0); break;
            case "--config": {
                const kv = value();
                const eq = kv.indexOf("=");
                if (eq <= 0) throw new Error(`--config expects key=value, got ${kv}`);
                cli.config[kv.slice(0, eq)] = kv.slice(eq + 1);
                break;
            }
            default: throw new Error(`unknown argument ${flag}\n\n${USAGE}`);
        }
    }
    return cli;
}

async function main(): Promise<number> {
    let cli: Cli;
    try {
        cli = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    if (cli.stack !== undefined) {
        try {
            requireStackFile(cli.stack);
        } catch (e) {
            console.error((e as Error).message);
            return 2;
        }
    }
    if (cli.since !== undefined) return runSince({ stack: cli.stack ?? "dev", ref: cli.since, config: cli.config, program: cli.program });
    const policyConfig: PolicyPackConfig | undefined = cli.policyConfig
        ? JSON.parse(fs.readFileSync(path.resolve(ROOT, cli.policyConfig), "utf8"))
        : undefined;
    const result = await planStack({ stack: cli.stack, program: cli.program, config: cli.config, policyConfig, preview: cli.preview });
    console.log(formatPlan(result));
    if (cli.writePolicyConfig) writePolicyConfig(result, cli.writePolicyConfig);
    return result.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e instanceof Error ? (e.stack ?? e.message) : e);
        process.exit(2);
    },
);
