#!/usr/bin/env node
// Keeps package.json `engines` truthful: every Node version our range admits must be admitted by every
// runtime dependency (dev-only packages excluded), and each Node we test on must be in our range.
//   usage: node scripts/check-engines.mjs [TESTED_VERSION ...]
import { readFileSync } from 'node:fs';
import semver from 'semver';

const ours = JSON.parse(readFileSync('package.json', 'utf8')).engines.node;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const problems = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  const theirs = entry.engines?.node;
  if (path === '' || entry.dev || typeof theirs !== 'string') continue;
  if (!semver.subset(ours, theirs)) problems.push(`${path.replace(/^node_modules\//, '')} needs node ${theirs}`);
}
for (const version of process.argv.slice(2)) {
  if (!semver.satisfies(version, ours)) problems.push(`tested node ${version} is outside engines ${ours}`);
}
if (problems.length > 0) {
  console.error(`engines.node "${ours}" is not truthful:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`engines.node "${ours}" holds for every runtime dependency${process.argv.length > 2 ? ` and ${process.argv.slice(2).join(', ')}` : ''}`);
