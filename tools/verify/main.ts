/**
 * `npm run verify -- --stack <name>` (or `--outputs <file>`): checks a deployed stack end to end,
 * Snowflake → S3 → SNS/SQS → Glue crawler → Athena, and prints one table of checks. See
 * `tools/verify/cli.ts` for the options (`--help`), `core.ts` for the checks.
 */
import { runCli } from "./cli";

runCli(process.argv.slice(2)).then(
    // Exit once the report is written: an idle driver or HTTP socket must not hold the process.
    (code) => process.stdout.write("", () => process.exit(code)),
    (err: unknown) => {
        process.stderr.write(`verify: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(2);
    },
);
