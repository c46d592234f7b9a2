// --help / --version recognition and sub-command extra flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExtraFlag } from '../../src/config/load.js';
import { renderCommandHelp, renderHelp } from '../../src/config/help.js';
import { settings } from '../../src/config/settings.js';
import { load, loadOk } from './load-helper.js';

const iptablesFlags: ExtraFlag[] = [
  { name: 'interface', short: 'i', valueName: 'IFACE', repeatable: true, description: 'Interface to redirect.' },
  { name: 'apply', description: 'Add the rules.' },
  { name: 'chain', valueName: 'NAME', description: 'Chain.' },
];

test('--help, -h and --version are returned as actions, even next to bad values', () => {
  assert.deepEqual(load({ argv: ['--help'] }), { ok: true, action: 'help' });
  assert.deepEqual(load({ argv: ['-h', '--port', 'x'], env: { PORT: 'bad' } }), { ok: true, action: 'help' });
  assert.deepEqual(load({ argv: ['--version'] }), { ok: true, action: 'version' });
  assert.deepEqual(load({ argv: ['--version', '--help'] }), { ok: true, action: 'help' }, 'help wins');
});

test('a sub-command\'s extra flags come back in `extra`; settings flags still work beside them', () => {
  const result = loadOk({ argv: ['-i', 'docker0', '--interface=br-+', '--apply', '--chain', 'PREROUTING', '--port', '9000'], extraFlags: iptablesFlags });
  assert.deepEqual(result.extra, { interface: ['docker0', 'br-+'], apply: true, chain: 'PREROUTING' });
  assert.equal(result.config.port, 9000);
  assert.deepEqual(loadOk({ argv: [] }).extra, {});
});

test('extra flags are unknown to the plain command', () => {
  assert.deepEqual(load({ argv: ['--apply'] }), { ok: false, errors: ['--apply: unknown option (see --help)'] });
  assert.deepEqual(load({ argv: ['--apply=yes'], extraFlags: iptablesFlags }), { ok: false, errors: ['--apply: takes no value'] });
});

test('help lists the sub-commands and every flag, environment name and default', () => {
  const help = renderHelp();
  assert.match(help, /^Usage: metadataproxy \[options\]\n/);
  for (const command of ['status', 'healthcheck', 'iptables', 'config']) assert.match(help, new RegExp(`^  metadataproxy ${command} `, 'm'));
  assert.match(help, /-c, --config FILE/);
  assert.match(help, /-p, --port PORT {3}\(env PORT; default 8000\)/);
  assert.match(help, /--docker, --no-docker {3}\(env DOCKER; default true\)/);
  for (const row of settings) {
    if (row.flag) assert.ok(help.includes(`--${row.flag}`), `--${row.flag} missing`);
    for (const name of row.env) assert.ok(help.includes(name), `${name} missing`);
  }
});

test('a sub-command\'s help lists its own options and points to the settings', () => {
  const help = renderCommandHelp('metadataproxy iptables [options]', iptablesFlags);
  assert.match(help, /^Usage: metadataproxy iptables \[options\]\n/);
  assert.match(help, /-i, --interface IFACE/);
  assert.match(help, /-c, --config FILE/);
  assert.match(help, /see `metadataproxy --help`/);
  assert.doesNotMatch(help, /--port|--docker|DEFAULT_ROLE|--version/);
});

test('an unknown flag or config file key gets the closest known one as a hint', () => {
  assert.deepEqual(load({ argv: ['--prot=1'] }), { ok: false, errors: ['--prot: unknown option (did you mean --port?)'] });
  assert.deepEqual(load({ argv: ['--defualt-role=x'] }), { ok: false, errors: ['--defualt-role: unknown option (did you mean --default-role?)'] });
  assert.deepEqual(load({ argv: ['--no-dockr'] }), { ok: false, errors: ['--no-dockr: unknown option (did you mean --no-docker?)'] });
  assert.deepEqual(load({ argv: ['--zzz'] }), { ok: false, errors: ['--zzz: unknown option (see --help)'] });
  assert.deepEqual(load({ argv: ['-c', '/f.json'], files: { '/f.json': '{"defualtRole":"x"}' } }), { ok: false, errors: ['-c /f.json: unknown key "defualtRole" (did you mean "defaultRole"?)'] });
});
