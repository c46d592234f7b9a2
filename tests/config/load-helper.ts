// In-memory files and a shorthand for loadConfig, shared by the config tests.
import assert from 'node:assert/strict';
import { loadConfig, type ExtraFlag, type LoadResult } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

export function memoryFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    if (path in files) return files[path]!;
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  };
}

export interface Input {
  argv?: string[];
  env?: Record<string, string>;
  files?: Record<string, string>;
  extraFlags?: ExtraFlag[];
}

export function load({ argv = [], env = {}, files = {}, extraFlags }: Input = {}): LoadResult {
  return loadConfig({ argv, env, readFile: memoryFiles(files), extraFlags });
}

export function loadOk(input: Input = {}): Extract<LoadResult, { action: 'run' }> {
  const result = load(input);
  if (!result.ok) assert.fail(`unexpected errors: ${result.errors.join(' | ')}`);
  assert.equal(result.action, 'run');
  return result as Extract<LoadResult, { action: 'run' }>;
}

export function config(input: Input = {}): Config {
  return loadOk(input).config;
}

export function errorsOf(input: Input): string[] {
  const result = load(input);
  assert.equal(result.ok, false, 'expected configuration errors');
  return (result as { errors: string[] }).errors;
}
