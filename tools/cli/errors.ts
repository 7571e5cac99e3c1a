/**
 * How the operator tools (verify, crawl) name an error they report: an AWS SDK error's name, its
 * text, and what to do when no AWS credentials resolve.
 */
import type { GlueClient } from "@aws-sdk/client-glue";

/** An AWS SDK error's name (`AccessDeniedException`, `CrawlerRunningException`...). */
export function errorName(error: unknown): string {
    return typeof error === "object" && error !== null && "name" in error ? String(error.name) : "Error";
}

/** `Name: message`, or the message alone when it already starts with the name or the name is `Error`. */
export function errorText(error: unknown): string {
    if (error instanceof Error) {
        const msg = error.message || "(no message)";
        return error.name && error.name !== "Error" && !msg.startsWith(error.name) ? `${error.name}: ${msg}` : msg;
    }
    return String(error);
}

/** A problem with the AWS credentials a client would use, or undefined when they resolve. */
export async function awsCredentialsProblem(client: GlueClient): Promise<string | undefined> {
    try {
        await client.config.credentials();
        return undefined;
    } catch (err) {
        return `no usable AWS credentials (${errorText(err)}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``;
    }
}
