#!/usr/bin/env node
// Runs the compiled test files of one suite with node's built-in runner. Files are listed here rather
// than by a glob so the same command behaves alike on Node 20, 22 and 24.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = { unit: { dir: 'dist/tests', suffix: '.test.js' }, e2e: { dir: 'dist/e2e', suffix: '.e2e.js' } };
const suite = suites[process.argv[2] ?? 'unit'];
if (!suite) {
  console.error(`unknown suite ${process.argv[2]}; expected one of ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const only = process.argv.slice(3);
const files = readdirSync(suite.dir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(suite.suffix))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join(suite.dir, f));
if (files.length === 0) {
  console.error(`no test files found in ${suite.dir}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
