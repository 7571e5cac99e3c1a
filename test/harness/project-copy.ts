import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../offline";

/**
 * Copies the project's files into `dest` as git sees them (committed or not, ignored ones aside),
 * only those under `pathspec` when given, and links the project's installed packages beside them.
 */
export function copyProject(dest: string, ...pathspec: string[]): void {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", ...pathspec], {
        cwd: ROOT,
        encoding: "utf8",
    })
        .split("\0")
        .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
}
