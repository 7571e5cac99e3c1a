/**
 * `npm run schema`: derives the component provider's schema from the package's TypeScript
 * sources (as `pulumi package add` does, through ComponentProvider.getSchema) and writes it to
 * components/schema.json. `npm run schema -- --check` exits 1 when the file differs instead.
 */
import * as fs from "fs";
import * as path from "path";
import { derivedSchema, SCHEMA_FILE } from "./lib/schema";

async function main(): Promise<number> {
    const check = process.argv.includes("--check");
    const text = await derivedSchema();
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
    if (check) {
        if (current === text) return 0;
        process.stderr.write(`${path.relative(process.cwd(), SCHEMA_FILE)} differs from the schema of the sources: run npm run schema\n`);
        return 1;
    }
    fs.writeFileSync(SCHEMA_FILE, text);
    process.stdout.write(`${current === text ? "unchanged" : "wrote"} ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
    return 0;
}

main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
