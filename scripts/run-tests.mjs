#!/usr/bin/env node
// Runs the compiled test files of one suite with node's built-in runner. Files are listed here rather
// than by a glob so the same command behaves alike on Node 20, 22 and 24.
//
//   node scripts/run-tests.mjs unit           every unit test file except the slow ones (npm test)
//   node scripts/run-tests.mjs slow           the slow ones (CI runs both: .ci/run)
//   node scripts/run-tests.mjs unit NAME...   unit files whose path contains a NAME, slow or not
//   node scripts/run-tests.mjs e2e [NAME...]  the end-to-end suite (npm run test:e2e)
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// The files of the five slowest unit tests, by their own timings in a full run (each 5-22 s, the next
// ones under 3 s): the two fuzz runs over real sockets and the 100 000-request gate fuzz, the iptables
// rules in a network namespace, and the slow-client limits; and the flood-isolation load test (issue 12,
// about 20 s). docs/testing.md lists them too.
const SLOW = ['security/fuzz.test.js', 'commands/iptables-netns.test.js', 'security/slow-client.test.js', 'load/flood.test.js'];

const suites = {
  unit: { dir: 'dist/tests', suffix: '.test.js', skipUnlessNamed: SLOW },
  slow: { dir: 'dist/tests', suffix: '.test.js', onlyThese: SLOW },
  e2e: { dir: 'dist/e2e', suffix: '.e2e.js' },
};
const suite = suites[process.argv[2] ?? 'unit'];
if (!suite) {
  console.error(`unknown suite ${process.argv[2]}; expected one of ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
for (const file of SLOW) {
  if (!existsSync(join('dist/tests', file))) {
    console.error(`scripts/run-tests.mjs lists dist/tests/${file} as slow, but there is no such file: update SLOW`);
    process.exit(1);
  }
}
const only = process.argv.slice(3);
const files = readdirSync(suite.dir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(suite.suffix))
  .filter((f) => suite.onlyThese === undefined || suite.onlyThese.includes(f))
  .filter((f) => only.length > 0 || suite.skipUnlessNamed === undefined || !suite.skipUnlessNamed.includes(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join(suite.dir, f));
if (files.length === 0) {
  console.error(`no test files found in ${suite.dir}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
