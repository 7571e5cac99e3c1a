/**
 * `npm run crawl -- --stack <name> [--table <folder>]... [--wait] [--repair]`: starts the tables'
 * Glue crawlers now, and with --wait reports what each run did. See `scripts/lib/crawl-cli.ts`
 * for the options (`--help`), `crawl-core.ts` for the crawls.
 */
import { exit } from "./lib/cli";
import { runCli } from "./lib/crawl-cli";

runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
    process.stderr.write(`crawl: unexpected failure: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    exit(2);
});
