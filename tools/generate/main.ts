/**
 * `npm run generate`: writes everything derived from the component's arguments
 * (components/lake-args.ts): components/schema.json, the `config:` section of Pulumi.yaml and
 * docs/configuration.md. `--check` writes nothing and exits 1 when a file is stale (CI runs it).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, EXIT, Parsed, ROOT, runScript } from "../cli/command";

const options = {
    check: { type: "boolean", description: "write nothing: exit 1 when a derived file differs from what the sources give" },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "generate",
    synopsis: "[--check]",
    summary:
        "Writes what is derived from the component's arguments (components/lake-args.ts): components/schema.json, Pulumi.yaml's config declarations, docs/configuration.md.",
    options,
    examples: ["npm run generate", "npm run generate -- --check"],
    footer: "Exit status: 0 written (or, with --check, up to date), 1 with --check: a file is stale, 2 the files could not be derived.",
};

export async function main({ values }: Parsed<typeof options>): Promise<number> {
    // Loaded here: --help and argument errors answer at once.
    const { derivedFiles } = await import("./schema");
    const stale: string[] = [];
    for (const [file, text] of Object.entries(await derivedFiles())) {
        const full = path.join(ROOT, file);
        if (fs.existsSync(full) && fs.readFileSync(full, "utf8") === text) continue;
        stale.push(file);
        if (!values.check) fs.writeFileSync(full, text);
    }
    if (values.check && stale.length > 0) {
        process.stderr.write(
            `${stale.join(", ")} differ${stale.length === 1 ? "s" : ""} from what the sources give: run npm run generate\n`,
        );
        return EXIT.failed;
    }
    process.stdout.write(values.check ? "up to date\n" : stale.length > 0 ? `wrote ${stale.join(", ")}\n` : "unchanged\n");
    return EXIT.ok;
}

if (require.main === module) runScript(spec, main);
