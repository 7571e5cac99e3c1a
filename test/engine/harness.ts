/**
 * Drives the real Pulumi CLI (`npm run engine:build` puts it in .engine/bin) on a file backend of
 * its own: one temporary folder per workspace for the state, PULUMI_HOME and the stack files, no
 * update checks, no plugin downloads. The engine finds the language hosts and the snowflake plugin
 * in .engine/bin and the aws and command stand-ins in test/engine/standins/bin (both on its PATH).
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ROOT } from "../../offline";
import { EXAMPLE_STACKS } from "../../offline/stacks";
import { FakeSnowflakeEndpoint } from "./standins/snowflake-endpoint";

export const ENGINE_DIR = process.env.ENGINE_DIR ?? path.join(ROOT, ".engine");
export const ENGINE_BIN = path.join(ENGINE_DIR, "bin");
/** The virtualenv `npm run engine:build` makes for Python programs: the pulumi SDK of the CLI's release. */
export const ENGINE_PYTHON = path.join(ENGINE_DIR, "python");
export const STANDINS_BIN = path.join(ROOT, "test", "engine", "standins", "bin");
/** The stack files the tests run (never the user's root Pulumi.<stack>.yaml). */
export const FIXTURE_STACKS = path.join(ROOT, EXAMPLE_STACKS);

/** Fails early, with what to run, when the engine is not built. */
export function requireEngine(): void {
    for (const bin of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-snowflake"]) {
        if (!fs.existsSync(path.join(ENGINE_BIN, bin))) {
            throw new Error(`${path.join(ENGINE_BIN, bin)} is missing: run \`npm run engine:build\` first`);
        }
    }
}

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** An engine event of `--event-log` (sdk/go/common/apitype/events.go EngineEvent), as JSON. */
export type EngineEvent = Record<string, any>;

export interface CliOptions {
    env?: Record<string, string>;
    allowFailure?: boolean;
    /** Settings over the fixture's for this command only (a changed program over the same state). */
    config?: Record<string, unknown>;
}

export interface Workspace {
    dir: string;
    /** The project folder (Pulumi.yaml, the stack file), where every command runs. */
    project: string;
    /** Runs `pulumi <args>` as it is, without the stack and config file (`package gen-sdk`, ...). */
    cli(args: string[], opts?: CliOptions): Promise<CliResult>;
    /** Runs `pulumi <args>` in the project folder with the workspace's environment. */
    pulumi(args: string[], opts?: CliOptions): Promise<CliResult>;
    /** Runs a command with `--event-log` and returns its events too. */
    withEvents(args: string[], opts?: CliOptions): Promise<CliResult & { events: EngineEvent[] }>;
    /** `pulumi stack export` of the stack: its deployment. */
    exportStack(): Promise<{ resources: Record<string, any>[] }>;
    /** `pulumi stack export` as the file it writes (`version` and `deployment`). */
    exportFile(): Promise<Record<string, any>>;
    /** `pulumi stack import` of such a file. */
    importFile(file: Record<string, any>): Promise<void>;
    dispose(): void;
}

/** An RSA key for the provider's key-pair login (the fake endpoint accepts any). */
const PRIVATE_KEY = crypto
    .generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();

export interface WorkspaceOptions {
    /**
     * Another program than the repository's index.ts (a fixture, relative to the root). It runs
     * from the project folder through an index.ts that imports it, beside a package.json of the
     * policy pack's version: the language host starts the policy pack in the program's folder, and
     * @pulumi/policy reads its version from the package.json there (node_modules/@pulumi/policy
     * policy.js `PolicyPack`).
     */
    program?: string;
    /** Stack to create (`dev`, `prod`): its settings come from test/fixtures/stacks/Pulumi.<stack>.yaml. */
    stack: string;
    /** Settings over the fixture's (full keys, values as in a stack file). */
    config?: Record<string, unknown>;
    /**
     * Pulumi.yaml settings over the repository's (`runtime`, `main`, `packages`): a program in
     * another language. `main` is then its folder, as given.
     */
    project?: Record<string, unknown>;
    snowflake: FakeSnowflakeEndpoint;
}

/**
 * A file backend with one stack, in a project folder of its own: its Pulumi.yaml is the
 * repository's with `main` set to the program (the engine runs the program in the program's folder,
 * pkg/engine/project.go getPwdMain), and its stack file a copy of the fixture's (with `config`
 * applied), where `stack init` writes the passphrase's salt. The repository's own stack files are
 * never read or written.
 */
export async function workspace(opts: WorkspaceOptions): Promise<Workspace> {
    requireEngine();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `engine-${opts.stack}-`));
    const project = path.join(dir, "project");
    for (const sub of ["state", "home", "project"]) fs.mkdirSync(path.join(dir, sub));
    const projectYaml = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    let main = ROOT;
    if (opts.program) {
        main = path.join(dir, "program");
        fs.mkdirSync(main);
        const version = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")).version;
        fs.writeFileSync(path.join(main, "package.json"), JSON.stringify({ name: "engine-test-program", version, main: "index.ts" }));
        fs.writeFileSync(
            path.join(main, "tsconfig.json"),
            JSON.stringify({ extends: path.join(ROOT, "tsconfig.json"), include: ["index.ts"] }),
        );
        fs.writeFileSync(
            path.join(main, "index.ts"),
            `export * from ${JSON.stringify(path.join(ROOT, opts.program).replace(/\.ts$/, ""))};\n`,
        );
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(main, "node_modules"));
    }
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), YAML.stringify({ ...projectYaml, main, ...opts.project }));
    const stackFile = path.join(project, `Pulumi.${opts.stack}.yaml`);
    writeStackFile(stackFile, path.join(FIXTURE_STACKS, `Pulumi.${opts.stack}.yaml`), opts.config ?? {});
    const region = String(YAML.parse(fs.readFileSync(stackFile, "utf8")).config["aws:region"] ?? "us-east-1");
    const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        PATH: [STANDINS_BIN, ENGINE_BIN, process.env.PATH].join(path.delimiter),
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-test",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // Enables `--event-log` (pkg/cmd/pulumi/operations/preview.go: env.DebugCommands).
        PULUMI_DEBUG_COMMANDS: "true",
        // The aws stand-in builds ARNs in the stack's region (offline/mocks.ts).
        AWS_REGION: region,
        ENGINE_PROJECT_ROOT: ROOT,
        ...opts.snowflake.env,
        SNOWFLAKE_PRIVATE_KEY: PRIVATE_KEY,
        NO_COLOR: "1",
    };
    // npm's node-options (.npmrc) would load the package from its sources; the engine runs its build.
    delete env.NODE_OPTIONS;
    delete env.npm_config_node_options;
    const cli = (args: string[], o: { env?: Record<string, string>; allowFailure?: boolean } = {}) =>
        new Promise<CliResult>((resolve, reject) => {
            execFile(
                path.join(ENGINE_BIN, "pulumi"),
                [...args, "--non-interactive"],
                {
                    cwd: project,
                    env: { ...env, ...o.env },
                    maxBuffer: 256 << 20,
                },
                (err, stdout, stderr) => {
                    const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
                    if (code !== 0 && !o.allowFailure) {
                        reject(new Error(`pulumi ${args.join(" ")} exited ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
                    } else resolve({ code, stdout, stderr });
                },
            );
        });
    let runs = 0;
    const withConfig = (args: string[], o: CliOptions = {}) => {
        let file = stackFile;
        if (o.config) {
            file = path.join(dir, `Pulumi.${opts.stack}.${++runs}.yaml`);
            writeStackFile(file, stackFile, o.config);
        }
        return [...args, "--stack", opts.stack, "--config-file", file];
    };
    await cli(["stack", "init", opts.stack, "--secrets-provider", "passphrase"]);
    return {
        dir,
        project,
        cli,
        pulumi: (args, o) => cli(withConfig(args, o), o),
        async withEvents(args, o) {
            const log = path.join(dir, `events-${++runs}.jsonl`);
            const result = await cli(withConfig([...args, "--event-log", log], o), o);
            const lines = fs.existsSync(log)
                ? fs
                      .readFileSync(log, "utf8")
                      .split("\n")
                      .filter((l) => l.trim() !== "")
                : [];
            return { ...result, events: lines.map((l) => JSON.parse(l)) };
        },
        async exportStack() {
            const out = await cli(["stack", "export", "--stack", opts.stack]);
            return JSON.parse(out.stdout).deployment;
        },
        async exportFile() {
            return JSON.parse((await cli(["stack", "export", "--stack", opts.stack])).stdout);
        },
        async importFile(content) {
            const file = path.join(dir, `import-${++runs}.json`);
            fs.writeFileSync(file, JSON.stringify(content));
            await cli(["stack", "import", "--stack", opts.stack, "--file", file]);
        },
        dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/** Writes a copy of the stack file `from` with `config` set over it (`undefined` removes a key). */
export function writeStackFile(file: string, from: string, config: Record<string, unknown>): void {
    const fixture = YAML.parse(fs.readFileSync(from, "utf8")) ?? {};
    const merged: Record<string, unknown> = { ...(fixture.config ?? {}) };
    for (const [k, v] of Object.entries(config)) {
        if (v === undefined) delete merged[k];
        else merged[k] = v;
    }
    fs.writeFileSync(file, YAML.stringify({ ...fixture, config: merged }));
}

/** The steps of a preview or update, from its engine events: URN → ops in the order the engine took them. */
export interface EngineStep {
    type: string;
    /** The ops the engine took, in order (`create-replacement`, `replace`, `delete-replaced`...). */
    ops: string[];
    /** Inputs the provider said force a replacement. */
    keys: string[];
    /** Inputs that changed. */
    diffs: string[];
}

export function stepsOf(events: EngineEvent[]): Map<string, EngineStep> {
    const out = new Map<string, EngineStep>();
    for (const e of events) {
        const m = e.resourcePreEvent?.metadata;
        if (!m) continue;
        const entry: EngineStep = out.get(m.urn) ?? { type: m.type, ops: [], keys: [], diffs: [] };
        entry.ops.push(m.op);
        entry.keys.push(...(m.keys ?? []));
        entry.diffs.push(...(m.diffs ?? []));
        out.set(m.urn, entry);
    }
    return out;
}

/** Policy violations of a preview or update: `<level> <policy> <type>::<name>` (or `(stack)`). */
export function violationsOf(events: EngineEvent[]): string[] {
    return events
        .filter((e) => e.policyEvent)
        .map((e) => {
            const p = e.policyEvent;
            // A stack policy's verdict names the stack resource.
            const urn: string | undefined = p.resourceUrn && !p.resourceUrn.includes("::pulumi:pulumi:Stack::") ? p.resourceUrn : undefined;
            return `${p.enforcementLevel} ${p.policyName} ${urn ? typeAndName(urn) : "(stack)"}`;
        })
        .sort();
}

/** The same for the offline plan's violations (`npm run plan`, tools/plan/policy-run.ts). */
export function violationsOfPlan(plan: { violations: { level: string; policy: string; urn?: string }[] }): string[] {
    return plan.violations.map((v) => `${v.level} ${v.policy} ${v.urn ? typeAndName(v.urn) : "(stack)"}`).sort();
}

/** Writes a plan's policy config (each policy's settings, the stand-in's account among them) for `--policy-pack-config`. */
export function writePolicyConfig(dir: string, plan: { policyConfig: Record<string, unknown> }): string {
    const file = path.join(dir, `policy-config-${crypto.randomUUID()}.json`);
    fs.writeFileSync(file, JSON.stringify(plan.policyConfig, null, 2));
    return file;
}

/** `--policy-pack` arguments: the pack folder and a config written from the plan. */
export const policyArgs = (dir: string, plan: { policyConfig: Record<string, unknown> }) => [
    "--policy-pack",
    path.join(ROOT, "policies"),
    "--policy-pack-config",
    writePolicyConfig(dir, plan),
];

/** `type::name` of a URN, the key both graphs share (the engine's URNs carry the parents' whole type chain, the mocks' only the parent's own). */
export function typeAndName(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()}::${parts.slice(3).join("::")}`;
}

/** Fails with what only one side has, when two lists of verdicts or keys differ. */
export function assertSameItems(engine: string[], imitation: string[], what: string): void {
    const a = new Set(engine);
    const b = new Set(imitation);
    const onlyEngine = [...a].filter((x) => !b.has(x));
    const onlyImitation = [...b].filter((x) => !a.has(x));
    if (onlyEngine.length > 0 || onlyImitation.length > 0) {
        throw new Error(
            `${what} differ:\n  only the real engine:\n    ${onlyEngine.join("\n    ") || "-"}\n  only the imitation:\n    ${onlyImitation.join("\n    ") || "-"}`,
        );
    }
}
