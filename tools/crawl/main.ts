/**
 * `npm run crawl -- --stack <name> [--table <folder>]... [--wait] [--repair]`: starts the tables'
 * Glue crawlers now, and with --wait reports what each run did. See `tools/crawl/cli.ts`
 * for the options (`--help`), `core.ts` for the crawls.
 */
import { exit } from "../cli/command";
import { runCli } from "./cli";

runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
    process.stderr.write(`crawl: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exit(2);
});
