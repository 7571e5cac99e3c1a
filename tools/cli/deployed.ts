/**
 * What the commands that act on a deployed stack (`crawl`, `verify`) share: where its outputs come
 * from (`--stack` or `--outputs`), `--region` and `--timeout-seconds`, and the process they touch,
 * behind deps so that tests run a whole command against mocked clients.
 */
import * as fs from "node:fs";
import { naming } from "@incremental-crawl/components/runtime";
import { pulumiStackOutputs } from "../verify/outputs";
import { CommandSpec, Io, OptionSpec, Parsed, processIo, runCommand, UsageError } from "./command";

export const OUTPUTS_OPTION = {
    type: "string",
    value: "file",
    description: "read the outputs from a file holding that command's JSON",
} as const satisfies OptionSpec;
export const REGION_OPTION = {
    type: "string",
    value: "region",
    description: "AWS region (default: the region in the stack's ARNs and queue URLs, else AWS_REGION or AWS_DEFAULT_REGION)",
} as const satisfies OptionSpec;

/** The process's environment, streams and stack files (`Io`), and what a deployed stack's command reads besides. */
export interface DeployedDeps extends Omit<Io, "argv"> {
    readFile(path: string): string;
    /** stdout of `pulumi stack output --json --stack <stack>`. */
    stackOutputs(stack: string): Promise<string>;
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const processDeps: DeployedDeps = {
    ...processIo,
    readFile: (path) => fs.readFileSync(path, "utf8"),
    stackOutputs: pulumiStackOutputs,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type Common = { stack: OptionSpec; outputs: OptionSpec; region: OptionSpec; "timeout-seconds": OptionSpec };

/** The checks a spec cannot express: exactly one source of outputs, a whole timeout, a region. */
export function deployedArgs(
    { values }: Parsed<Common>,
    defaultTimeoutSeconds: number,
): { stack?: string; outputs?: string; timeoutSeconds: number; region?: string } {
    const { stack, outputs, region } = values as { stack?: string; outputs?: string; region?: string };
    if ((stack === undefined) === (outputs === undefined)) throw new UsageError("give exactly one of --stack <name> and --outputs <file>");
    const raw = values["timeout-seconds"] as string | undefined;
    const timeoutSeconds = raw === undefined ? defaultTimeoutSeconds : Number(raw);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
        throw new UsageError(`--timeout-seconds must be a whole number of seconds (1 or more), got ${JSON.stringify(raw)}`);
    if (region !== undefined && naming.awsRegion(region) !== undefined)
        throw new UsageError(`--region: not an AWS region: ${JSON.stringify(region)}`);
    return { stack, outputs, timeoutSeconds, region };
}

/** Runs a deployed-stack command with `argv` (after `--`) and its deps; resolves to the exit code. */
export function runDeployed<O extends Common, D extends DeployedDeps>(
    spec: CommandSpec<O>,
    deps: D,
    argv: string[],
    body: (parsed: Parsed<O>, deps: D) => Promise<number>,
): Promise<number> {
    return runCommand(spec, (parsed) => body(parsed, deps), { ...deps, argv });
}
