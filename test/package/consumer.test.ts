/**
 * The package as another team installs it: `npm pack` of components/, the tarball unpacked into a
 * project outside the repository, the README's TypeScript example type-checked against the
 * published declarations, compiled, and run with plain node under mocks. The package's declared
 * dependencies are all that project's node_modules holds (links to this checkout's copies), so an
 * import the package does not declare fails here.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../../offline";
import { copyProject } from "../harness/project-copy";

const PKG_DIR = path.join(ROOT, "components");
const manifest = JSON.parse(fs.readFileSync(path.join(PKG_DIR, "package.json"), "utf8"));
const readme = fs.readFileSync(path.join(ROOT, "docs", "package.md"), "utf8");

/** The fenced block after `<!-- example:<name> -->` in the README. */
function example(name: string): string {
    const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
    assert.ok(m, `README has no ${name} example`);
    return m[1];
}

/** The environment of a process that loads the package as a consumer would: no source condition. */
function plainEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
    return env;
}

describe("package: a consumer project installs the packed package and runs the README's example", function () {
    this.timeout(300_000);
    let project: string;
    let files: string[];
    let graph: { resources: { type: string; name: string; inputs: Record<string, any> }[]; outputs: Record<string, any> };

    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "lake-consumer-"));
        // Packed from a clean tree: the package's files as git has them (no dist/), with this
        // checkout's packages to build with. `npm pack` must build what the tarball carries.
        const clean = path.join(project, "clean");
        copyProject(clean, "components");
        assert.ok(!fs.existsSync(path.join(clean, "components", "dist")), "a clean tree has no build");
        const packed = JSON.parse(
            execFileSync("npm", ["pack", "--json", "--pack-destination", project], {
                cwd: path.join(clean, "components"),
                env: plainEnv(),
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            }),
        );
        files = packed[0].files.map((f: { path: string }) => f.path);
        const tarball = path.join(project, packed[0].filename);

        // What `npm install <tarball>` lays out: the package, its declared dependencies, its bin.
        const installed = path.join(project, "node_modules", "@incremental-crawl", "components");
        fs.mkdirSync(installed, { recursive: true });
        execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
        for (const dep of Object.keys(manifest.dependencies)) {
            fs.mkdirSync(path.dirname(path.join(project, "node_modules", dep)), { recursive: true });
            fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(project, "node_modules", dep), "dir");
        }
        fs.mkdirSync(path.join(project, "node_modules", ".bin"));
        for (const [bin, target] of Object.entries(manifest.bin as Record<string, string>)) {
            fs.symlinkSync(path.join("..", "@incremental-crawl", "components", target), path.join(project, "node_modules", ".bin", bin));
        }
        fs.writeFileSync(
            path.join(project, "package.json"),
            JSON.stringify(
                {
                    name: "sales-lake",
                    version: "1.0.0",
                    private: true,
                    main: "index.js",
                    dependencies: {
                        "@incremental-crawl/components": manifest.version,
                        "@pulumi/pulumi": manifest.dependencies["@pulumi/pulumi"],
                    },
                },
                null,
                2,
            ),
        );
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: sales-lake\nruntime: nodejs\n");
        fs.writeFileSync(path.join(project, "Pulumi.dev.yaml"), "config:\n  aws:region: eu-west-1\n");
        fs.writeFileSync(path.join(project, "index.ts"), example("typescript"));
    });

    after(() => {
        if (project) fs.rmSync(project, { recursive: true, force: true });
    });

    it("packs the build, its declarations, the bin, the plugin manifest, the schema and the sources the analyzer reads", () => {
        for (const f of [
            "dist/index.js",
            "dist/index.d.ts",
            "dist/warehouse/backfill/main.js",
            "bin/incremental-lake-backfill.js",
            "PulumiPlugin.yaml",
            "schema.json",
            "tsconfig.json",
            "provider.ts",
            "incremental-lake.ts",
            "warehouse/backfill/main.ts",
            "package.json",
        ]) {
            assert.ok(files.includes(f), `${f} is packed`);
        }
        assert.ok(!files.some((f) => f.startsWith("node_modules/") || f.endsWith(".test.ts")), "nothing else");
    });

    it("declares every package its build imports", () => {
        const dist = path.join(project, "node_modules/@incremental-crawl/components/dist");
        const imported = new Set<string>();
        const walk = (d: string) =>
            fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith(".js"))
                    for (const m of fs.readFileSync(p, "utf8").matchAll(/require\("([^."][^"]*)"\)/g)) imported.add(m[1]);
            });
        walk(dist);
        const builtin = new Set(require("module").builtinModules as string[]);
        const bare = [...imported]
            .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]))
            .filter((s) => !builtin.has(s) && !s.startsWith("node:"));
        assert.ok(bare.includes("@pulumi/aws") && bare.includes("snowflake-sdk"));
        for (const b of new Set(bare)) assert.ok(manifest.dependencies[b] !== undefined, `${b} is imported but not a dependency`);
    });

    it("exports the component, its arguments and their validation, and the tools' runtime on /runtime only", () => {
        // Plain node in the consumer's folder, as a consumer's program resolves the package.
        const script =
            "const m = require('@incremental-crawl/components'), r = require('@incremental-crawl/components/runtime');" +
            "console.log(JSON.stringify({ main: Object.keys(m), runtime: Object.keys(r).filter((k) => typeof r[k] === 'function'), file: require.resolve('@incremental-crawl/components/runtime') }))";
        const r = spawnSync(process.execPath, ["-e", script], { cwd: project, env: plainEnv(), encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const { main, runtime, file } = JSON.parse(r.stdout);
        for (const name of ["IncrementalLake", "validateLakeArgs", "LakeArgsError", "LAKE_DEFAULTS", "Encryption"])
            assert.ok(main.includes(name), `main entry: ${name}`);
        for (const name of [
            "didYouMean",
            "editDistance",
            "parseCron",
            "iam",
            "sql",
            "EventLake",
            "connectionEnvironment",
            "naming",
            "knownKey",
        ])
            assert.ok(!main.includes(name), `not on the main entry: ${name}`);
        for (const name of [
            "connect",
            "readEnvironment",
            "partitionCatalogOn",
            "qualified",
            "exportLayout",
            "requireAwsHosted",
            "knownKey",
            "didYouMean",
        ])
            assert.ok(runtime.includes(name), `runtime: ${name}`);
        assert.match(file, /node_modules\/@incremental-crawl\/components\/dist\/runtime\.js$/);
    });

    it("type-checks the example against the published declarations", () => {
        const program = ts.createProgram([path.join(project, "index.ts")], {
            strict: true,
            noEmit: true,
            module: ts.ModuleKind.CommonJS,
            moduleResolution: ts.ModuleResolutionKind.Node10,
            target: ts.ScriptTarget.ES2022,
            esModuleInterop: true,
            skipLibCheck: true,
            types: [],
            typeRoots: [],
        });
        const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        assert.deepEqual(diagnostics, []);
        const resolved = ts.resolveModuleName(
            "@incremental-crawl/components",
            path.join(project, "index.ts"),
            { moduleResolution: ts.ModuleResolutionKind.Node10 },
            ts.sys,
        );
        assert.match(resolved.resolvedModule!.resolvedFileName, /node_modules\/@incremental-crawl\/components\/dist\/index\.d\.ts$/);
    });

    it("runs the example with plain node under mocks: the lake's graph", () => {
        const js = ts.transpileModule(example("typescript"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText;
        fs.writeFileSync(path.join(project, "index.js"), js);
        const result = path.join(project, "graph.json");
        const r = spawnSync(
            process.execPath,
            [
                "-r",
                path.join(ROOT, "node_modules/ts-node/register/transpile-only"),
                path.join(ROOT, "test/package/consumer-run.ts"),
                project,
                result,
            ],
            { cwd: project, env: { ...plainEnv(), TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") }, encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        graph = JSON.parse(fs.readFileSync(result, "utf8"));
        const count = (type: string) => graph.resources.filter((x) => x.type === type).length;
        assert.equal(count("incremental-crawl:index:IncrementalLake"), 1);
        assert.equal(count("aws:s3/bucket:Bucket") >= 1, true);
        assert.equal(count("aws:sns/topic:Topic"), 2, "the lake's topic and the alerts topic");
        assert.equal(count("aws:glue/crawler:Crawler"), 1);
        assert.equal(count("snowflake:index/streamOnTable:StreamOnTable"), 1);
        assert.equal(count("snowflake:index/task:Task"), 1);
        assert.equal(count("command:local:Command"), 1);
        assert.match(String(graph.outputs.ordersQueue), /^https:\/\/sqs\..*sales-lake-orders$/);
        assert.equal(graph.outputs.ordersCrawler, "sales-lake-orders");
        // Loaded from the installed build, not from this checkout's sources.
        const lake = graph.resources.find((x) => x.type === "incremental-crawl:index:IncrementalLake")!;
        assert.equal(lake.name, "sales-lake");
    });

    it("names an unload program that exists: the command finds the package's bin and runs it compiled", () => {
        const cmd = graph.resources.find((x) => x.type === "command:local:Command")!;
        const create: string = cmd.inputs.create;
        assert.equal(create, `npm exec --yes --package=@incremental-crawl/components@${manifest.version} -- incremental-lake-backfill`);
        assert.ok(
            !create.includes(project) && !create.includes(ROOT) && !/(^|\s)(\/|\.\.?\/|~)/.test(create),
            "no path of one machine in state",
        );
        const bin = path.join(project, "node_modules/.bin/incremental-lake-backfill");
        assert.ok(fs.existsSync(bin), "the bin npm exec runs");
        assert.ok(fs.existsSync(path.join(path.dirname(fs.realpathSync(bin)), "..", "dist/warehouse/backfill/main.js")));
        // Run it as pulumi-command does (sh -c in the project), offline: without Snowflake
        // credentials it must stop before connecting, naming what is missing, on stderr.
        const env = { ...plainEnv(), ...cmd.inputs.environment, npm_config_offline: "true", npm_config_update_notifier: "false" };
        for (const k of Object.keys(env)) if (/^SNOWFLAKE_/.test(k)) delete env[k];
        const r = spawnSync("/bin/sh", ["-c", create], { cwd: project, env, encoding: "utf8", timeout: 60_000 });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /\[backfill\] configuration error:\nmissing environment variables: .*SNOWFLAKE_PRIVATE_KEY/);
        assert.equal(r.stdout, "");
    });
});
