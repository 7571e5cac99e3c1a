/**
 * Plain-text tables that fit a terminal: columns keep their natural width while the row fits,
 * and the widest columns give way (their cells wrap onto further lines) when it does not. Pure.
 */

/** `text` in lines of at most `width` characters: by words, and a word longer than a line cut. */
export function wrapCell(text: string, width: number): string[] {
    const w = Math.max(1, width);
    const lines: string[] = [];
    let line = "";
    for (let word of text.split(/ +/).filter(Boolean)) {
        while (word.length > w) {
            if (line !== "") {
                lines.push(line);
                line = "";
            }
            lines.push(word.slice(0, w));
            word = word.slice(w);
        }
        if (line === "") line = word;
        else if (line.length + 1 + word.length <= w) line = `${line} ${word}`;
        else {
            lines.push(line);
            line = word;
        }
    }
    if (line !== "" || lines.length === 0) lines.push(line);
    return lines;
}

/** `text` wrapped within `width` columns, its first line after `first` and the others after `rest` (a hanging indent). */
export function hangingLines(text: string, width: number, first: string, rest: string): string[] {
    return wrapCell(text, width - rest.length).map((l, i) => `${i === 0 ? first : rest}${l}`);
}

/** Lines of which those starting with `- ` are bullets, wrapped within `width` columns under their text. */
export function bulletLines(lines: string[], width: number): string[] {
    return lines.flatMap((b) => (b.startsWith("- ") ? hangingLines(b.slice(2), width, "- ", "  ") : [b]));
}

/**
 * Column widths for rows of `natural` widths within `total` characters (separators included,
 * `gap` between columns): the widest column shrinks one character at a time, never below `min`.
 */
export function fitWidths(natural: number[], total: number, gap: number, min: number[]): number[] {
    const widths = [...natural];
    const budget = total - gap * (widths.length - 1);
    for (;;) {
        const sum = widths.reduce((a, b) => a + b, 0);
        if (sum <= budget) return widths;
        let widest = -1;
        for (let i = 0; i < widths.length; i++) if (widths[i] > min[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
        if (widest < 0) return widths;
        widths[widest] -= 1;
    }
}

/**
 * The rows (the first one the header) as lines of at most `total` characters. A row of one cell
 * spans the table, wrapped (indented by its leading spaces), and has no say in the column widths.
 */
export function formatTable(rows: string[][], opts: { total: number; gap?: number; min?: number[] }): string[] {
    const gap = opts.gap ?? 2;
    const cols = rows[0].length;
    const body = rows.filter((r) => r.length === cols);
    const natural = Array.from({ length: cols }, (_, i) => Math.max(...body.map((r) => r[i].length)));
    const min = opts.min ?? natural.map((n) => Math.min(n, 8));
    const widths = fitWidths(natural, opts.total, gap, min);
    const out: string[] = [];
    rows.forEach((row, r) => {
        if (row.length !== cols) {
            const indent = /^ */.exec(row[0])![0];
            out.push(...wrapCell(row.join(" "), opts.total - indent.length).map((l) => indent + l));
            return;
        }
        const cells = row.map((c, i) => wrapCell(c, widths[i]));
        const height = Math.max(...cells.map((c) => c.length));
        for (let l = 0; l < height; l++) {
            out.push(
                cells
                    .map((c, i) => (i === cols - 1 ? (c[l] ?? "") : (c[l] ?? "").padEnd(widths[i])))
                    .join(" ".repeat(gap))
                    .trimEnd(),
            );
        }
        if (r === 0) out.push(widths.map((w) => "-".repeat(w)).join(" ".repeat(gap)));
    });
    return out;
}

/** A Markdown table of `rows` (the first the header), columns padded; right-aligned unless `left(column)`. */
export function markdownTable(rows: string[][], left: (column: number) => boolean): string[] {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
    return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)];
}

/** `text` split before `room` characters: at its last space that fits (not one that leaves a mark such as `·` alone), else cut. */
function breakAt(text: string, room: number): [string, string] {
    if (text.length <= room) return [text, ""];
    const space = text.lastIndexOf(" ", room);
    if (space <= 2) return [text.slice(0, room), text.slice(room)];
    return [text.slice(0, space).trimEnd(), text.slice(space).trimStart()];
}

/**
 * Lines of text (a tree of `npm run plan`) within `width` columns: a longer line breaks at spaces
 * (the spacing within a line kept), its continuation indented four more than the line itself
 * (less when that leaves under 40 columns), and a word longer than the room left is cut.
 */
export function fitLines(text: string, width: number): string {
    if (!Number.isFinite(width)) return text;
    return text
        .split("\n")
        .flatMap((line) => {
            if (line.length <= width) return [line];
            const indent = /^ */.exec(line)![0].length;
            const first = Math.min(indent, Math.max(0, width - 40));
            const next = Math.min(indent + 4, Math.max(0, width - 40));
            let [head, rest] = breakAt(line.slice(indent), width - first);
            const out = [" ".repeat(first) + head];
            while (rest !== "") {
                [head, rest] = breakAt(rest, width - next);
                out.push(" ".repeat(next) + head);
            }
            return out;
        })
        .join("\n");
}
