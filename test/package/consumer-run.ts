/**
 * Child-process entry of the consumer test: runs a consumer project's program (plain JavaScript,
 * in a directory outside the repository) under the offline engine's mocks, and writes its graph.
 *   node -r ts-node/register/transpile-only consumer-run.ts <project dir> <result.json>
 * ts-node compiles this file and the engine only: under node_modules it compiles nothing, so the
 * package loads as its build or not at all.
 */
import * as fs from "fs";
import { runProgram } from "../../offline";

const [dir, resultFile] = process.argv.slice(2);
runProgram({ root: dir, stack: "dev", program: "index.js" }).then(
    (run) => {
        fs.writeFileSync(resultFile, JSON.stringify({ resources: run.resources, outputs: run.outputs }));
        process.exit(0);
    },
    (err) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    },
);
