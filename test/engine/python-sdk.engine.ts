/**
 * The component package from Python, on the real engine (`npm run engine:test`), as docs/package.md's
 * "Python, Go, .NET or YAML" shows it: `pulumi package gen-sdk <components> --language python` (the
 * CLI boots the plugin with the Node.js language host's run-plugin and reads its schema; the Python
 * language host writes the SDK), `pip install` of the SDK into the engine's virtualenv (.engine/python,
 * made by `npm run engine:build`), and a Python project whose Pulumi.yaml names components/ under
 * `packages`, running docs/package.md's program (test/engine/python-sdk/__main__.py): IncrementalLake for
 * the example dev stack's table, constructed in the plugin. Its children reach the providers
 * index.ts's reach: the aws and command stand-ins and the real snowflake plugin against the fake
 * endpoint (harness.ts).
 *
 * index.ts runs beside it on the same fixture stack, and the two are compared by type and name (the
 * URNs differ: the Python project's stack resource is another). `pulumi up` leaves the Snowflake side
 * out of both, as stacks.engine.ts does and for the same reason.
 *
 * The SDK is installed into the shared virtualenv and uninstalled after: two runs of this file at
 * once on one .engine/ would install over each other.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { ROOT } from "../../offline";
import { FIXTURE_STACKS, assertSameItems, ENGINE_PYTHON, EngineEvent, stepsOf, typeAndName, Workspace, workspace } from "./harness";
import { startSnowflakeEndpoint, FakeSnowflakeEndpoint } from "./standins/snowflake-endpoint";

export const PYTHON_PROGRAM = path.join(ROOT, "test", "engine", "python-sdk");
const COMPONENTS = path.join(ROOT, "components");
const LAKE = "incremental-crawl:index:IncrementalLake";
const isSnowflakeSide = (type: string) => type.startsWith("snowflake:") || type === "pulumi:providers:snowflake";
const isStack = (type: string) => type === "pulumi:pulumi:Stack";
/**
 * What only the Python run has: the default provider of the package, which constructs the remote
 * component, and the engine's own `pulumi` provider, which answers the plugin's `getResource` of
 * the AWS provider the program passed (@pulumi/pulumi runtime/resource.js getResource: a resource
 * reference becomes a resource again in the plugin).
 */
const ONLY_REMOTE = ["pulumi:providers:incremental-crawl::default_0_1_0", "pulumi:providers:pulumi::default"];

const python = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
        execFile(path.join(ENGINE_PYTHON, "bin", "python"), args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
            err ? reject(new Error(`python ${args.join(" ")}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
        );
    });

/**
 * A value made comparable across two deployments: an auto-name (an input the aws stand-in filled,
 * listed in the resource's `__defaults`) is random in each, so it and every value built from it
 * (ARNs, policies, URLs) read `<type::name key>`.
 */
function withoutAutoNames(value: unknown, resources: Record<string, any>[]): any {
    const autoNames: Array<[string, string]> = [];
    for (const r of resources) {
        for (const k of r.inputs?.__defaults ?? []) {
            if (typeof r.inputs[k] === "string") autoNames.push([r.inputs[k], `<${typeAndName(r.urn)} ${k}>`]);
        }
    }
    let text = JSON.stringify(value);
    for (const [name, placeholder] of autoNames.sort((x, y) => y[0].length - x[0].length)) text = text.split(name).join(placeholder);
    return JSON.parse(text);
}

/** A provider's settings: the engine keeps JSON-valued ones as the SDK wrote them (Python's json.dumps spaces its separators). */
function parsedSettings(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => {
            if (typeof v !== "string" || !/^[[{]/.test(v)) return [k, v];
            try {
                return [k, JSON.parse(v)];
            } catch {
                return [k, v];
            }
        }),
    );
}

describe("engine: the package from Python, through the SDK `pulumi package gen-sdk` generates", function () {
    this.timeout(30 * 60_000);
    let snowflake: FakeSnowflakeEndpoint;
    let py: Workspace;
    let ts: Workspace;
    let installed = false;
    const previews = new Map<Workspace, EngineEvent[]>();
    const excluded = new Map<Workspace, string[]>();
    const states = new Map<Workspace, Record<string, any>[]>();

    before(async () => {
        if (!fs.existsSync(path.join(ENGINE_PYTHON, "bin", "python"))) {
            throw new Error(`${ENGINE_PYTHON} is missing: run \`npm run engine:build\` first`);
        }
        snowflake = await startSnowflakeEndpoint();
        // The Python program declares the lake's settings itself: its stack file keeps the providers'
        // settings only, and its Pulumi.yaml declares no project settings.
        const fixture = YAML.parse(fs.readFileSync(path.join(FIXTURE_STACKS, "Pulumi.dev.yaml"), "utf8")).config as Record<string, unknown>;
        const projectKeys = Object.fromEntries(
            Object.keys(fixture)
                .filter((k) => k.startsWith("incremental-crawl:"))
                .map((k) => [k, undefined]),
        );
        py = await workspace({
            stack: "dev",
            snowflake,
            config: projectKeys,
            project: {
                runtime: { name: "python", options: { virtualenv: ENGINE_PYTHON } },
                main: PYTHON_PROGRAM,
                config: undefined,
                packages: { "incremental-crawl": COMPONENTS },
            },
        });
        ts = await workspace({ stack: "dev", snowflake });
    });
    after(async () => {
        if (installed) await python(["-m", "pip", "uninstall", "--yes", "pulumi_incremental_crawl"]).catch(() => undefined);
        py?.dispose();
        ts?.dispose();
        await snowflake?.close();
    });

    it("generates the Python SDK from the plugin, offline, and pip installs it with no index", async () => {
        // docs/package.md's command, in the project folder.
        const gen = await py.cli(["package", "gen-sdk", COMPONENTS, "--language", "python", "--out", "sdks"]);
        const sdks = path.join(py.project, "sdks");
        assert.match(gen.stderr, /SDK has been written to .*sdks\/python/);
        const pkg = path.join(sdks, "python", "pulumi_incremental_crawl");
        // The plugin the engine must start for the SDK's resources: this package, at its version.
        const manifest = JSON.parse(fs.readFileSync(path.join(COMPONENTS, "package.json"), "utf8"));
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(pkg, "pulumi-plugin.json"), "utf8")), {
            resource: true,
            name: "incremental-crawl",
            version: manifest.version,
        });
        await python([
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            path.join(sdks, "python"),
        ]);
        installed = true;
        const exported = (
            await python(["-c", "import pulumi_incremental_crawl as m; print(' '.join(n for n in dir(m) if not n.startswith('_')))"])
        ).split(/\s+/);
        for (const n of [
            "IncrementalLake",
            "ExportTableArgs",
            "ExportColumnArgs",
            "SnowflakeConnectionArgs",
            "PartitionGranularity",
            "Encryption",
        ]) {
            assert.ok(exported.includes(n), `the SDK exports ${n}: ${exported.join(" ")}`);
        }
    });

    it("previews the Python program: the engine plans index.ts's resources, the lake constructed in the plugin", async () => {
        for (const ws of [py, ts]) {
            previews.set(ws, (await ws.withEvents(["preview"])).events);
            excluded.set(
                ws,
                [...stepsOf(previews.get(ws)!).entries()].filter(([, s]) => isSnowflakeSide(s.type)).map(([urn]) => urn),
            );
        }
        const planned = (ws: Workspace) => [...stepsOf(previews.get(ws)!).entries()].filter(([, s]) => !isStack(s.type));
        assert.deepEqual(
            planned(py)
                .map(([, s]) => s.ops.join(","))
                .filter((o) => o !== "create"),
            [],
            "a first preview only creates",
        );
        const keys = (ws: Workspace) => planned(ws).map(([urn]) => typeAndName(urn));
        for (const k of ONLY_REMOTE) assert.ok(keys(py).includes(k), `the Python run plans ${k}`);
        assertSameItems(
            keys(py).filter((k) => !ONLY_REMOTE.includes(k)),
            keys(ts),
            "the resources the previews of the Python program and index.ts plan",
        );
        const lake = planned(py).find(([urn]) => typeAndName(urn).startsWith(`${LAKE}::`))!;
        assert.equal(lake[1].ops.join(","), "create");
        assert.ok(planned(py).length > 50, `${planned(py).length} resources`);
        assert.ok(excluded.get(py)!.length > 0);
        // The Snowflake side went through the real provider's Check, which ran no SQL.
        assert.ok(snowflake.logins >= 1, "the snowflake provider never logged in");
        assert.deepEqual(snowflake.refused, []);
    });

    it("`pulumi up` records index.ts's resources: parents, dependencies, providers and inputs, and the program gets the lake's outputs", async () => {
        for (const ws of [py, ts]) {
            await ws.withEvents([
                "up",
                "--yes",
                "--skip-preview",
                ...excluded.get(ws)!.flatMap((u) => ["--exclude", u]),
                "--exclude-dependents",
            ]);
            states.set(ws, (await ws.exportStack()).resources);
        }
        const recorded = (ws: Workspace) => states.get(ws)!.filter((r) => !isStack(r.type) && !ONLY_REMOTE.includes(typeAndName(r.urn)));
        const ref = (urn: string | undefined) =>
            urn === undefined || urn.includes("::pulumi:pulumi:Stack::") ? undefined : typeAndName(urn.split("::").slice(0, 4).join("::"));
        const shape = (ws: Workspace) =>
            recorded(ws)
                .map((r) => ({
                    key: typeAndName(r.urn),
                    custom: r.custom === true,
                    parent: ref(r.parent),
                    provider: ref(r.provider),
                    dependencies: [...new Set<string>((r.dependencies ?? []).map(typeAndName))].sort(),
                    protect: r.protect === true,
                    retainOnDelete: r.retainOnDelete === true,
                    inputs: withoutAutoNames(
                        r.type.startsWith("pulumi:providers:") ? parsedSettings(r.inputs ?? {}) : (r.inputs ?? {}),
                        recorded(ws),
                    ),
                }))
                .sort((a, b) => a.key.localeCompare(b.key));
        const [fromPython, fromTs] = [shape(py), shape(ts)];
        assert.ok(fromPython.filter((r) => r.custom).length > 30, `${fromPython.length} resources`);
        assertSameItems(
            fromPython.map((r) => r.key),
            fromTs.map((r) => r.key),
            "the resources the two `pulumi up` recorded",
        );
        for (let i = 0; i < fromTs.length; i++) assert.deepEqual(fromPython[i], fromTs[i], fromTs[i].key);

        // What the plugin returned reached the program: its exports are index.ts's, auto-names aside,
        // under Python's names (the SDK's output types export their properties as the SDK names them).
        const exports = (ws: Workspace, bucket: string) => {
            const outputs = states.get(ws)!.find((r) => isStack(r.type))!.outputs;
            return withoutAutoNames({ bucket: outputs[bucket], tables: outputs.tables }, states.get(ws)!);
        };
        const snakeCase = (o: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
        const fromIndex = exports(ts, "bucketName");
        assert.deepEqual(Object.keys(fromIndex.tables), ["orders"]);
        assert.deepEqual(exports(py, "bucket_name"), { bucket: fromIndex.bucket, tables: { orders: snakeCase(fromIndex.tables.orders) } });
    });

    it("a second `pulumi up` of the Python program changes nothing", async () => {
        const second = await py.withEvents([
            "up",
            "--yes",
            "--skip-preview",
            ...excluded.get(py)!.flatMap((u) => ["--exclude", u]),
            "--exclude-dependents",
        ]);
        const steps = [...stepsOf(second.events).entries()];
        assert.ok(
            steps.some(([urn]) => typeAndName(urn).startsWith(`${LAKE}::`)),
            "the lake was constructed again",
        );
        const changed = steps.filter(([, s]) => s.ops.some((o) => o !== "same"));
        assert.deepEqual(
            changed.map(([urn, s]) => `${typeAndName(urn)} ${s.ops.join(",")}`),
            [],
        );
    });
});
