/**
 * Stack traces a mocked run can afford. ts-node maps every stack through source-map-support, in
 * JavaScript, whenever one is read, and the Pulumi SDK reads one for every promise it makes
 * (@pulumi/pulumi runtime/debuggable.js, `new Error().stack`) and for every resource it registers
 * (resource.js `callsites`): two-thirds of a mocked run of the prod stack went to mapping frames
 * nobody reads. Those stacks are of errors without a message; they keep V8's own frames, and every
 * error with a message is still mapped to its TypeScript lines.
 */
export function mapOnlyErrorsWithAMessage(): void {
    const mapped = Error.prepareStackTrace;
    if (!mapped || mapped.name === unmappedWhenAnonymous.name) return;
    function unmappedWhenAnonymous(error: Error, frames: NodeJS.CallSite[]): unknown {
        return error.message === "" ? `${error.name}${frames.map((f) => `\n    at ${f}`).join("")}` : mapped!(error, frames);
    }
    Error.prepareStackTrace = unmappedWhenAnonymous;
}
