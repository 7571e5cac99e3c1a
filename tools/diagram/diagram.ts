/**
 * Renders a stack's resource graph (from the harness) as a Mermaid flowchart: one subgraph per
 * component, one node per cloud resource, one edge per dependency the engine would see.
 */
import { CapturedResource, Graph } from "../../offline";

/** `aws:sqs/queue:Queue` → `sqs.Queue`; `snowflake:index/stage:Stage` → `snowflake.Stage`. */
export function shortType(type: string): string {
    const [pkg, mod, name] = type.split(":");
    const module = mod?.split("/")[0];
    return module && module !== "index" ? `${module}.${name}` : `${pkg}.${name}`;
}

/** The block of docs/architecture.md between these markers is generated; a test keeps it equal to the render. */
export const START = "<!-- diagram:start (npm run diagram -- --write) -->";
export const END = "<!-- diagram:end -->";

export function renderMermaid(g: Graph, stackPrefix: string): string {
    const nodes = g.resources.filter((r) => !r.type.startsWith("pulumi:providers:")).sort((a, b) => a.urn.localeCompare(b.urn));
    const ids = new Map(nodes.map((r, i) => [r.urn, `r${i}`]));
    const label = (r: CapturedResource) => (r.name.startsWith(`${stackPrefix}-`) ? r.name.slice(stackPrefix.length + 1) : r.name);
    const children = new Map<string | undefined, CapturedResource[]>();
    for (const r of nodes) {
        const parent = r.parent && ids.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const lines = ["flowchart LR"];
    const emit = (parent: string | undefined, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            if (r.custom) {
                lines.push(`${indent}${ids.get(r.urn)}["${shortType(r.type)}<br/>${label(r)}"]`);
            } else {
                lines.push(`${indent}subgraph ${ids.get(r.urn)}["${r.type.split(":").pop()} ${label(r)}"]`);
                emit(r.urn, `${indent}  `);
                lines.push(`${indent}end`);
            }
        }
    };
    emit(undefined, "  ");
    const edges = new Set<string>();
    for (const r of nodes.filter((x) => x.custom)) {
        for (const dep of r.dependencies) {
            const target = g.resources.find((x) => x.urn === dep);
            if (target?.custom && ids.has(dep)) edges.add(`  ${ids.get(dep)} --> ${ids.get(r.urn)}`);
        }
    }
    lines.push(...[...edges].sort());
    return lines.join("\n");
}

/** The docs block for a rendered diagram. */
export function readmeBlock(mermaid: string, stack: string): string {
    return `${START}\n_Generated from the graph of the example \`${stack}\` stack (\`test/fixtures/stacks/Pulumi.${stack}.yaml\`) under mocks; an arrow points from a resource to one that depends on it. \`npm run diagram -- --stack ${stack}\` draws yours._\n\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${END}`;
}

/** Replaces the generated block of a document. */
export function replaceBlock(readme: string, block: string): string {
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) throw new Error(`docs/architecture.md has no ${START} … ${END} block`);
    return readme.slice(0, start) + block + readme.slice(end + END.length);
}

/** The generated block currently in a document. */
export function currentBlock(readme: string): string | undefined {
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    return start < 0 || end < start ? undefined : readme.slice(start, end + END.length);
}
