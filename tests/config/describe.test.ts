// The printable resolved config, the settings table in docs/configuration.md and the exit helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeConfig, redactConfig, REDACTED } from '../../src/config/describe.js';
import { exitWithConfigErrors } from '../../src/config/exit.js';
import { renderSettingsTable } from '../../src/config/help.js';
import { loadOk } from './load-helper.js';

test('describeConfig: one aligned line per set value with its source; secrets redacted', () => {
  const { config, sources } = loadOk({ env: { NEWRELIC_LICENSE: 'nr-license-secret-1234', PORT: '9000', HOSTNAME_MATCH_REGEX: '^web' }, argv: ['--verbose'] });
  const text = describeConfig(config, sources);
  assert.doesNotMatch(text, /nr-license-secret-1234/);
  assert.match(text, /^newrelicLicense +<redacted> +\(NEWRELIC_LICENSE\)$/m);
  assert.match(text, /^port +9000 +\(PORT\)$/m);
  assert.match(text, /^verbose +true +\(--verbose\)$/m);
  assert.match(text, /^host +0\.0\.0\.0 +\(default\)$/m);
  assert.match(text, /^hostnameMatchRegex +\^web +\(HOSTNAME_MATCH_REGEX\)$/m);
  assert.doesNotMatch(text, /defaultRole/, 'unset optional settings are left out');
  const widths = new Set(text.split('\n').map((line) => line.search(/ \S/)));
  assert.equal(widths.size, 1, 'values start in one column');
});

test('redactConfig: JSON-safe copy for /status, secrets replaced', () => {
  const { config } = loadOk({ env: { NEWRELIC_LICENSE: 'nr-license-secret-1234' } });
  const copy = redactConfig(config);
  assert.equal(copy.newrelicLicense, REDACTED);
  assert.doesNotMatch(JSON.stringify(copy), /nr-license-secret-1234/);
  assert.equal(config.newrelicLicense, 'nr-license-secret-1234', 'the config itself is untouched');
});

test('docs/configuration.md carries the table rendered from the settings', () => {
  const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(page.includes(renderSettingsTable()), 'docs/configuration.md table is out of date: paste renderSettingsTable() output');
});

test('exitWithConfigErrors prints each line to stderr and exits 2', () => {
  let written = '';
  let code: number | undefined;
  const io = {
    stderr: { write: (text: string) => (written += text) },
    exit: ((c: number) => {
      code = c;
      throw new Error('exited');
    }) as (c: number) => never,
  };
  assert.throws(() => exitWithConfigErrors(['PORT: expected an integer 0-65535, got "70000"', 'DEBUG: expected true or false, got "x"'], io), /exited/);
  assert.equal(code, 2);
  assert.equal(written, 'PORT: expected an integer 0-65535, got "70000"\nDEBUG: expected true or false, got "x"\n');
});
