/**
 * `npm run schema`: derives the component provider's schema from the package's TypeScript
 * sources (as `pulumi package add` does, through ComponentProvider.getSchema) and writes it to
 * components/schema.json; `--check` exits 1 when the file differs instead. Options: `spec` below.
 */
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, EXIT, Parsed, runScript } from "../cli/command";

const options = {
    check: { type: "boolean", description: "write nothing: exit 1 when components/schema.json differs from the schema of the sources" },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "schema",
    synopsis: "[--check]",
    summary: "Writes the component provider's schema (components/schema.json), derived from the package's TypeScript sources as `pulumi package add` derives it.",
    options,
    examples: ["npm run schema", "npm run schema -- --check"],
    footer: "Exit status: 0 written (or, with --check, up to date), 1 with --check: the file differs, 2 the schema could not be derived.",
};

export async function main({ values }: Parsed<typeof options>): Promise<number> {
    // Loaded here: --help and argument errors answer at once.
    const { derivedSchema, SCHEMA_FILE } = await import("./schema");
    const text = await derivedSchema();
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
    if (values.check) {
        if (current === text) return EXIT.ok;
        process.stderr.write(`${path.relative(process.cwd(), SCHEMA_FILE)} differs from the schema of the sources: run npm run schema\n`);
        return EXIT.failed;
    }
    fs.writeFileSync(SCHEMA_FILE, text);
    process.stdout.write(`${current === text ? "unchanged" : "wrote"} ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
