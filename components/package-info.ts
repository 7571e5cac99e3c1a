import * as fs from "fs";
import * as path from "path";

/**
 * This package's name and version, from its package.json: found from the sources and from the
 * compiled dist/ alike, by walking up from this file.
 */
function readManifest(): { name: string; version: string; dir: string } {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
            if (pkg.name === "@incremental-crawl/components") return { name: pkg.name, version: pkg.version, dir };
        }
        if (path.dirname(dir) === dir) throw new Error(`package.json of @incremental-crawl/components not found above ${__dirname}`);
    }
}

/** The package's name, version, and root directory (where package.json and tsconfig.json are). */
export const { name: PACKAGE_NAME, version: PACKAGE_VERSION, dir: PACKAGE_DIR } = readManifest();

/** The package's bin that runs the compiled unload program (package.json `bin`). */
export const BACKFILL_BIN = "incremental-lake-backfill";
