// The folders of src/ are layers that read bottom to top as the request path (DESIGN.md "Layering"):
// an import, type-only or re-export included, goes to the same folder or to a lower layer, and the
// folders of one layer import each other without a loop. Each failure names the file and the edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { importEdges, layerProblems } from './import-graph.js';

/** Bottom to top. Folders on one line form one layer; the top-level main.ts and cli.ts belong to the app. */
const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['imds'],
  ['config', 'observability'],
  ['identity'],
  ['roles'],
  ['credentials'],
  ['callers'],
  ['tokens', 'upstream', 'server'],
  ['admin', 'commands', 'main.ts', 'cli.ts'],
];

const SRC = new URL('../../../src/', import.meta.url).pathname;

test('src/ imports only go down the layers, with no loop inside a layer', () => {
  assert.deepEqual(layerProblems(importEdges(SRC), LAYERS), []);
});

test('type imports, re-exports, bare and dynamic imports all count; upward edges, loops and unplaced folders are named', (t) => {
  const root = mkdtempSync(join(os.tmpdir(), 'layers-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'core/clock.ts': "import type {\n  Config,\n} from '../config/types.js';\n",
    'config/types.ts': "export type Config = { port: number };\n",
    'tokens/a.ts': "export { b } from '../server/b.js';\n",
    'server/b.ts': "export const b = 1;\nexport const a = () => import('../tokens/a.js');\n",
    'shiny/new.ts': "import '../core/clock.js';\n",
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  assert.deepEqual(layerProblems(importEdges(root), LAYERS).sort(), [
    'core/clock.ts imports config/types.ts: core is below config',
    'loop server -> tokens -> server: server/b.ts imports tokens/a.ts; tokens/a.ts imports server/b.ts',
    'shiny/new.ts: folder shiny is in no layer (tests/architecture/layers.test.ts)',
  ]);
});
