/**
 * `npm run add-table -- --stack <name> DB.SCHEMA.TABLE`: adds an existing Snowflake table to the
 * stack file as a `source` table, its columns read from Snowflake; `--check` compares the source
 * tables' columns with Snowflake's. See tools/add-table/add-table.ts (`--help`).
 */
import { exit } from "../cli/command";
import { runAddTable } from "./add-table";

if (require.main === module) {
    runAddTable(process.argv.slice(2)).then(exit, (e: unknown) => {
        process.stderr.write(`add-table: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        exit(2);
    });
}
