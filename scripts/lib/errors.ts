/** How the operator tools name an error they report: an AWS SDK error's name, and its text. */

/** An AWS SDK error's name (`AccessDeniedException`, `CrawlerRunningException`...). */
export function errorName(error: unknown): string {
    return error instanceof Error ? error.name : typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "Error";
}

/** `Name: message`, or the message alone when it already starts with the name or the name is `Error`. */
export function errorText(error: unknown): string {
    if (error instanceof Error) {
        const msg = error.message || "(no message)";
        return error.name && error.name !== "Error" && !msg.startsWith(error.name) ? `${error.name}: ${msg}` : msg;
    }
    return String(error);
}
