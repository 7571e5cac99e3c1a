/**
 * "Did you mean ...?": the candidate a mistyped word most likely meant, by edit distance. Pure.
 * Used for unknown settings (validate.ts), unknown command-line options and stack names.
 */
import damerauLevenshtein = require("damerau-levenshtein");

/**
 * Optimal string alignment distance (Levenshtein plus the transposition of two neighbours, so
 * `tabel` is one edit from `table`), case-insensitive: the `damerau-levenshtein` package's.
 */
export const editDistance = (a: string, b: string): number => damerauLevenshtein(a.toLowerCase(), b.toLowerCase()).steps;

/**
 * The candidate nearest to `word`, when it is near enough to be a typo of it: at most a third of
 * the word's length in edits (at least one), or a candidate that starts with the word (`partition`
 * for `partitionBy`). The first candidate wins a tie. Undefined when nothing resembles `word`, or
 * when `word` is itself a candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    if (word === "" || candidates.includes(word)) return undefined;
    const limit = Math.max(1, Math.floor(word.length / 3));
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(word, candidate);
        const prefix = word.length >= 3 && candidate.toLowerCase().startsWith(word.toLowerCase());
        if ((distance <= limit || prefix) && (best === undefined || distance < best.distance)) best = { candidate, distance };
    }
    return best?.candidate;
}

/** ` (did you mean X?)` for a near candidate, else `""`. */
export function didYouMean(word: string, candidates: readonly string[], show: (c: string) => string = (c) => c): string {
    const c = closest(word, candidates);
    return c === undefined ? "" : ` (did you mean ${show(c)}?)`;
}
