// The folder-level import graph of a source tree, read from the TypeScript sources (so `import type`
// counts, which the compiled JavaScript no longer shows).
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to the source root (`server/handler.ts`). */
  from: string;
  /** Imported file, relative to the source root. */
  to: string;
}

// `import … from`, `import type … from`, `export … from`, bare `import '…'` and `import('…')`.
const SPECIFIER = /(?:\b(?:import|export)\s[^'"`;]*?\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** Every relative import of every .ts file under `root`. */
export function importEdges(root: string): ImportEdge[] {
  const files = readdirSync(root, { recursive: true })
    .map((file) => String(file).split('\\').join('/'))
    .filter((file) => file.endsWith('.ts'));
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const match of readFileSync(join(root, from), 'utf8').matchAll(SPECIFIER)) {
      edges.push({ from, to: posix.normalize(posix.join(posix.dirname(from), match[2]!)).replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

/** `server/handler.ts` → `server`; a top-level file is a unit of its own (`main.ts`). */
export function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(0, slash);
}

/** Readable problems: folders in no layer, imports of a higher layer, loops between folders of one layer. */
export function layerProblems(edges: readonly ImportEdge[], layers: readonly (readonly string[])[]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((folders, index) => folders.forEach((folder) => rank.set(folder, index)));
  const problems: string[] = [];
  const unplaced = new Set<string>();
  // One file edge per folder edge inside a layer, to name in a loop.
  const sideways = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
    for (const [folder, file] of [[from, edge.from], [to, edge.to]] as const) {
      if (rank.has(folder) || unplaced.has(folder)) continue;
      unplaced.add(folder);
      problems.push(`${file}: folder ${folder} is in no layer (tests/architecture/layers.test.ts)`);
    }
    if (from === to || !rank.has(from) || !rank.has(to)) continue;
    if (rank.get(from)! < rank.get(to)!) problems.push(`${edge.from} imports ${edge.to}: ${from} is below ${to}`);
    else if (rank.get(from) === rank.get(to)) {
      const out = sideways.get(from) ?? new Map<string, ImportEdge>();
      sideways.set(from, out);
      if (!out.has(to)) out.set(to, edge);
    }
  }
  return [...problems, ...loops(sideways)];
}

/** Each loop once: walked from its alphabetically first folder through folders that sort after it. */
function loops(graph: ReadonlyMap<string, ReadonlyMap<string, ImportEdge>>): string[] {
  const found: string[] = [];
  const walk = (start: string, path: readonly string[], files: readonly string[]): void => {
    for (const [next, edge] of graph.get(path.at(-1)!) ?? []) {
      const step = [...files, `${edge.from} imports ${edge.to}`];
      if (next === start) found.push(`loop ${[...path, start].join(' -> ')}: ${step.join('; ')}`);
      else if (next > start && !path.includes(next)) walk(start, [...path, next], step);
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, [start], []);
  return found;
}
