/**
 * No credential in plain text in any resource: the program runs with recognisable fake credentials
 * in the environment of `pulumi up` (the variables the Snowflake and AWS providers and the backfill
 * read), then every input and output of every resource, and the stack outputs, are scanned for them
 * and for PEM / AWS access key patterns. A value may appear only where the engine receives it as a
 * secret (encrypted in state): the harness's `secretInputPaths`.
 */
import * as assert from "node:assert/strict";
import { CapturedResource, ProgramRun, runProgram } from "../../offline";
import { captured } from "../harness/captured";

/** Fake credentials, recognisable and never real. */
const FAKE: Record<string, string> = {
    SNOWFLAKE_PRIVATE_KEY:
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCFAKEFORSECURITYTESTONLY0000\n-----END PRIVATE KEY-----\n",
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: "fake-passphrase-for-security-test-7Qx2",
    SNOWFLAKE_PASSWORD: "fake-password-for-security-test-Zr81",
    SNOWFLAKE_TOKEN: "fake-oauth-token-for-security-test-Lp44",
    AWS_ACCESS_KEY_ID: "AKIAFAKESECTEST0TEST",
    AWS_SECRET_ACCESS_KEY: "fakeSecretKeyForSecurityTest/0123456789+abcdEFGH",
    AWS_SESSION_TOKEN: "FwoGZXIvYXdzFAKESESSIONTOKENFORSECURITYTEST",
};
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const ACCESS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;

interface Hit {
    where: string;
    path: string;
}

/** Every path under `value` whose string contains `needle` (or matches it, for a RegExp). */
function find(value: unknown, needle: string | RegExp, path = ""): string[] {
    if (typeof value === "string") {
        const hit =
            typeof needle === "string"
                ? value.includes(needle) || (needle.includes("\n") && value.includes(needle.trim()))
                : needle.test(value);
        return hit ? [path || "(root)"] : [];
    }
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => find(v, needle, path ? `${path}.${k}` : k));
}

/** Occurrences that are not secrets: inputs or outputs at a path the engine did not receive as a secret. */
function plainHits(run: ProgramRun, needle: string | RegExp): Hit[] {
    const hits: Hit[] = [];
    const isSecret = (r: CapturedResource, p: string) => r.secretInputPaths.some((s) => p === s || p.startsWith(`${s}.`));
    for (const r of run.resources) {
        for (const p of find(r.inputs, needle)) if (!isSecret(r, p)) hits.push({ where: `${r.type} ${r.name} input`, path: p });
        for (const p of find(r.outputs, needle)) if (!isSecret(r, p)) hits.push({ where: `${r.type} ${r.name} output`, path: p });
    }
    for (const p of find(run.outputs, needle)) hits.push({ where: "stack output", path: p });
    for (const p of find(run.config, needle)) hits.push({ where: "stack configuration", path: p });
    return hits;
}

const show = (hits: Hit[]) => hits.map((h) => `${h.where}: ${h.path}`);

for (const stack of ["dev", "prod"]) {
    describe(`security: no credential in plain text in ${stack}`, () => {
        let run: ProgramRun;
        const saved: Record<string, string | undefined> = {};

        before(async () => {
            for (const [k, v] of Object.entries(FAKE)) {
                saved[k] = process.env[k];
                process.env[k] = v;
            }
            try {
                run = await runProgram({ stack });
            } finally {
                for (const k of Object.keys(FAKE)) {
                    if (saved[k] === undefined) delete process.env[k];
                    else process.env[k] = saved[k];
                }
            }
        });

        for (const variable of Object.keys(FAKE)) {
            it(`${variable} from the environment is in no resource input or output, stack output or configuration`, () => {
                assert.deepEqual(show(plainHits(run, FAKE[variable])), []);
            });
        }

        it("holds no PEM private key and no AWS access key id anywhere", () => {
            assert.deepEqual(show(plainHits(run, PEM)), []);
            assert.deepEqual(show(plainHits(run, ACCESS_KEY_ID)), []);
        });

        it("gives the unload command no credential and no secret (its BACKFILL_* settings: snowflake-export.test.ts)", () => {
            const commands = run.resources.filter((r) => r.type === "command:local:Command");
            assert.ok(commands.length >= 1);
            for (const c of commands) {
                for (const v of Object.values(FAKE)) assert.deepEqual(find(c.inputs, v), [], `${c.name} holds a credential`);
                assert.doesNotMatch(String(c.inputs.create), /SNOWFLAKE_|PASSWORD|PRIVATE_KEY|AWS_SECRET/);
                assert.deepEqual(c.secretInputPaths, [], "nothing in the command needs to be secret");
            }
        });
    });
}

describe("security: the credential scan finds what it looks for (control)", () => {
    const fakeRun = (inputs: Record<string, any>, secretInputPaths: string[] = []): ProgramRun => {
        const [leaky] = captured([{ type: "command:local:Command", name: "leaky", props: inputs, outputs: {} }]);
        return { stack: "control", config: {}, outputs: {}, resources: [{ ...leaky, secretInputPaths }] };
    };

    it("reports a credential in a nested input, a PEM block and an access key id", () => {
        const run = fakeRun({
            environment: { SNOWFLAKE_PASSWORD: FAKE.SNOWFLAKE_PASSWORD, KEY: FAKE.SNOWFLAKE_PRIVATE_KEY, ID: FAKE.AWS_ACCESS_KEY_ID },
        });
        assert.deepEqual(show(plainHits(run, FAKE.SNOWFLAKE_PASSWORD)), [
            "command:local:Command leaky input: environment.SNOWFLAKE_PASSWORD",
        ]);
        assert.equal(plainHits(run, PEM).length, 1);
        assert.equal(plainHits(run, ACCESS_KEY_ID).length, 1);
    });

    it("accepts a credential the engine receives as a secret", () => {
        const run = fakeRun({ environment: { SNOWFLAKE_PASSWORD: FAKE.SNOWFLAKE_PASSWORD } }, ["environment.SNOWFLAKE_PASSWORD"]);
        assert.deepEqual(plainHits(run, FAKE.SNOWFLAKE_PASSWORD), []);
    });
});
