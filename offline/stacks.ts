/**
 * Where a project's stack files are, for every tool that reads `Pulumi.<stack>.yaml` (the offline
 * engine, `npm run plan`, `check:iam`, `diagram`, `bench`, `verify`, `add-table`).
 *
 * They are beside `Pulumi.yaml`, as Pulumi keeps them: the project's own `Pulumi.dev.yaml` and
 * `Pulumi.prod.yaml` are yours to edit. The example stacks the project ships are kept apart in
 * `test/fixtures/stacks/`: the test suite and the documents derived from a stack (README's diagram,
 * docs/security.md's IAM matrix) read those, so that a table added to your stack files changes
 * neither.
 *
 * No heavy imports: the tools' argument parser lists the stacks before anything else loads.
 */
import * as fs from "fs";
import * as path from "path";

/** The project root: `Pulumi.yaml`, the program and (below) the stack files. */
export const ROOT = path.resolve(__dirname, "..");

/** The example stacks, relative to a project root. */
export const EXAMPLE_STACKS = path.join("test", "fixtures", "stacks");

/**
 * Test-only. When set (test/setup.ts, mocha's `require`, sets it to `EXAMPLE_STACKS`; child
 * processes inherit it), the folder whose `Pulumi.<stack>.yaml` files stand for a project's own:
 * a relative path is taken from the project root, and a checkout without that folder (an older
 * commit that `plan --since` checks out) keeps the stack files beside its `Pulumi.yaml`. Read
 * here only.
 */
export const TEST_STACKS_ENV = "INCREMENTAL_CRAWL_TEST_STACKS";

/** The folder of `root`'s stack files (see `TEST_STACKS_ENV`). */
export function stackDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
    const dir = env[TEST_STACKS_ENV];
    if (dir) {
        const resolved = path.resolve(root, dir);
        if (fs.existsSync(resolved)) return resolved;
    }
    return path.resolve(root);
}

/** The example stacks' folder of `root`: what the derived documents show. */
export const exampleStackDir = (root: string): string => path.join(root, EXAMPLE_STACKS);

/** `Pulumi.<stack>.yaml` in `dir`. */
export const stackFilePath = (dir: string, stack: string): string => path.join(dir, `Pulumi.${stack}.yaml`);

/** Names of the stacks that have a `Pulumi.<stack>.yaml` in `dir`. */
export function stacksIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
