import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MappingFileSource, parseRoleMapping, type WatchDirectory } from '../../src/identity/mapping-file.js';
import type { WorkloadEvent } from '../../src/identity/workload.js';
import { eventually } from '../helpers/eventually.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger, WARN } from '../helpers/recording-logger.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function mappingFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
  dirs.push(dir);
  const path = join(dir, 'roles.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A watcher the test fires by hand. */
function manualWatcher(): WatchDirectory & { fire(filename: string | null): void; watched: string[]; closed: boolean } {
  let onEvent: (filename: string | null) => void = () => {};
  const watcher = Object.assign(
    (dir: string, listener: (filename: string | null) => void) => {
      watcher.watched.push(dir);
      onEvent = listener;
      return { close: () => void (watcher.closed = true) };
    },
    { watched: [] as string[], closed: false, fire: (filename: string | null) => onEvent(filename) },
  );
  return watcher;
}

function changesOf(source: MappingFileSource): string[] {
  const seen: string[] = [];
  source.onChange((event: WorkloadEvent) => seen.push(`${event.type} ${event.workload.name} ${event.workload.role?.spec}`));
  return seen;
}

describe('parseRoleMapping', () => {
  test('a role spec string per address', () => {
    const mapping = parseRoleMapping('{"10.0.0.5": "app", "10.0.0.6": "arn:aws:iam::123456789012:role/path/app"}');
    assert.deepEqual(mapping.get('10.0.0.5'), { id: 'mapping:10.0.0.5', name: '10.0.0.5', source: 'mapping', role: { spec: 'app' } });
    assert.equal(mapping.get('10.0.0.6')?.role?.spec, 'arn:aws:iam::123456789012:role/path/app');
  });

  test('the object form: name@account_id, external id, session name, policy as object or text', () => {
    const mapping = parseRoleMapping(
      JSON.stringify({
        '10.0.0.5': { name: 'app', account_id: '012345678901', external_id: 'xid', session_name: 'web', policy: { Version: '2012-10-17' } },
        '10.0.0.6': { name: 'arn:aws:iam::123456789012:role/app', policy: '{ "Version" : "2012-10-17" }' },
        '10.0.0.7': { name: 'app', account_id: 'prod', external_id: null },
      }),
    );
    assert.deepEqual(mapping.get('10.0.0.5')?.role, {
      spec: 'app@012345678901',
      externalId: 'xid',
      sessionName: 'web',
      policy: '{"Version":"2012-10-17"}',
    });
    assert.deepEqual(mapping.get('10.0.0.6')?.role, { spec: 'arn:aws:iam::123456789012:role/app', policy: '{"Version":"2012-10-17"}' });
    assert.deepEqual(mapping.get('10.0.0.7')?.role, { spec: 'app@prod' });
  });

  test('session tags, transitive keys, SourceIdentity, duration (seconds or Go duration) and an authorization token', () => {
    const mapping = parseRoleMapping(
      JSON.stringify({
        '10.0.0.5': {
          name: 'app',
          session_tags: { team: 'payments', env: '' },
          transitive_tag_keys: ['team'],
          source_identity: 'batch-7',
          session_duration: '2h',
          authorization_token: 'Bearer abc',
        },
        '10.0.0.6': { name: 'app', session_duration: 1800 },
      }),
    );
    const workload = mapping.get('10.0.0.5')!;
    assert.deepEqual(workload.role, {
      spec: 'app',
      session: { tags: { team: 'payments', env: '' }, transitiveTagKeys: ['team'], sourceIdentity: 'batch-7', durationSeconds: 7200 },
    });
    assert.equal(workload.authorizationToken, 'Bearer abc');
    assert.deepEqual(mapping.get('10.0.0.6')!.role, { spec: 'app', session: { durationSeconds: 1800 } });
  });

  test('a numeric account id keeps its 12 digits', () => {
    assert.equal(parseRoleMapping('{"10.0.0.5": {"name": "app", "account_id": 12345678901}}').get('10.0.0.5')?.role?.spec, 'app@012345678901');
  });

  test('addresses are normalized as the server sees callers (IPv6 canonical, IPv4-mapped as IPv4)', () => {
    const mapping = parseRoleMapping('{"2001:DB8:0:0::0:1": "a", "::ffff:10.0.0.9": "b", "fd00::a:0:0:0:1": "c"}');
    assert.deepEqual([...mapping.keys()], ['2001:db8::1', '10.0.0.9', 'fd00:0:0:a::1']);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['not JSON', '{"10.0.0.5": "app",\n "10.0.0.6" "secret-external-id"}', /^not valid JSON: .* at line 2, column \d+$/],
    ['not an object', '["10.0.0.5"]', /expected a JSON object/],
    ['key not an address', '{"web-1": "app"}', /key "web-1" is not an IP address/],
    ['address with a zone', '{"fe80::1%eth0": "app"}', /is not an IP address/],
    ['same address twice', '{"::1": "a", "0::1": "b"}', /key "0::1" repeats address ::1/],
    ['empty role', '{"10.0.0.5": ""}', /"10.0.0.5": role must be a non-empty/],
    ['role of another type', '{"10.0.0.5": 7}', /expected a role name or an object/],
    ['object without name', '{"10.0.0.5": {"account_id": "123456789012"}}', /"name" must be/],
    ['unknown field', '{"10.0.0.5": {"name": "a", "externalId": "x"}}', /unknown field "externalId"/],
    ['account with ARN', '{"10.0.0.5": {"name": "arn:aws:iam::1:role/a", "account_id": "123456789012"}}', /cannot be combined/],
    ['bad account', '{"10.0.0.5": {"name": "a", "account_id": "12 34"}}', /"account_id" must be/],
    ['empty external id', '{"10.0.0.5": {"name": "a", "external_id": ""}}', /"external_id" must be a non-empty string/],
    ['policy not JSON', '{"10.0.0.5": {"name": "a", "policy": "{nope"}}', /policy is not valid JSON/],
    ['policy not an object', '{"10.0.0.5": {"name": "a", "policy": [1]}}', /policy must be a JSON object/],
    ['session tags not an object of text', '{"10.0.0.5": {"name": "a", "session_tags": {"team": 1}}}', /"session_tags" must be an object/],
    ['a session tag value STS refuses', '{"10.0.0.5": {"name": "a", "session_tags": {"team": "secret;x"}}}', /session tag "team": the value must be/],
    ['a session tag key STS refuses', '{"10.0.0.5": {"name": "a", "session_tags": {"t*": "x"}}}', /session tag key "t\*"/],
    ['51 session tags', `{"10.0.0.5": {"name": "a", "session_tags": {${Array.from({ length: 51 }, (_, i) => `"k${i}": "v"`).join(',')}}}}`, /51 session tags/],
    ['transitive keys not an array', '{"10.0.0.5": {"name": "a", "transitive_tag_keys": "team"}}', /"transitive_tag_keys" must be an array/],
    ['a transitive key that is no tag', '{"10.0.0.5": {"name": "a", "session_tags": {"team": "x"}, "transitive_tag_keys": ["env"]}}', /transitive tag key "env"/],
    ['source identity not text', '{"10.0.0.5": {"name": "a", "source_identity": 7}}', /"source_identity" must be a string/],
    ['source identity aws:', '{"10.0.0.5": {"name": "a", "source_identity": "aws:x"}}', /must not start with aws:/],
    ['duration not a duration', '{"10.0.0.5": {"name": "a", "session_duration": "later"}}', /"session_duration": session duration "later"/],
    ['duration over 12 h', '{"10.0.0.5": {"name": "a", "session_duration": "13h"}}', /session duration 46800 must be/],
    ['authorization token with a line break', '{"10.0.0.5": {"name": "a", "authorization_token": "secret\\r\\nx"}}', /"authorization_token" must be/],
  ];
  for (const [what, text, message] of invalid) {
    test(`rejects ${what} with one clear line`, () => {
      assert.throws(
        () => parseRoleMapping(text),
        (error: Error) => message.test(error.message) && !error.message.includes('\n') && !error.message.includes('secret'),
      );
    });
  }

  test('every problem is reported at once', () => {
    assert.throws(() => parseRoleMapping('{"x": "a", "10.0.0.5": 1}'), /key "x" is not an IP address; "10.0.0.5": expected/);
  });
});

describe('MappingFileSource', () => {
  test('start loads the file and watches its directory', async () => {
    const path = mappingFile({ '10.0.0.5': 'app' });
    const watcher = manualWatcher();
    const source = new MappingFileSource({ path, logger: recordingLogger().logger, watch: watcher, clock: new FakeClock() });
    assert.equal(source.isReady(), false);
    await source.start();
    assert.equal(source.isReady(), true);
    assert.equal(source.lookup('10.0.0.5')?.role?.spec, 'app');
    assert.equal(source.lookup('10.0.0.6'), undefined);
    assert.deepEqual([...source.entries()].map(([ip]) => ip), ['10.0.0.5']);
    assert.deepEqual(watcher.watched, [join(path, '..')]);
    await source.close();
    assert.equal(watcher.closed, true);
  });

  test('a missing or broken file stops start-up with one line naming ROLE_MAPPING_FILE', async () => {
    for (const path of [join(tmpdir(), 'no-such-dir-for-mapping', 'roles.json'), mappingFile('{"10.0.0.5": {"name": "a", "bogus": 1}}')]) {
      const source = new MappingFileSource({ path, logger: recordingLogger().logger, watch: manualWatcher() });
      await assert.rejects(source.start(), (error: Error) => error.message.startsWith(`ROLE_MAPPING_FILE: ${path}: `) && !error.message.includes('\n'));
    }
  });

  test('a change to the file is reloaded once after the debounce and reported as added/removed', async () => {
    const path = mappingFile({ '10.0.0.5': 'app', '10.0.0.6': 'old', '10.0.0.7': 'same' });
    const watcher = manualWatcher();
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const source = new MappingFileSource({ path, logger, watch: watcher, clock, debounceMs: 100 });
    const changes = changesOf(source);
    await source.start();
    assert.deepEqual(changes, ['added 10.0.0.5 app', 'added 10.0.0.6 old', 'added 10.0.0.7 same']);
    changes.length = 0;

    writeFileSync(path, JSON.stringify({ '10.0.0.6': 'new', '10.0.0.7': 'same', '10.0.0.8': 'fresh' }));
    watcher.fire('roles.json');
    watcher.fire('roles.json');
    watcher.fire('other-file.json');
    assert.deepEqual(clock.pending(), [100]);
    await clock.advance(100);
    await eventually(() => changes.length === 4, 'the reload is reported');
    assert.deepEqual(changes.sort(), ['added 10.0.0.6 new', 'added 10.0.0.8 fresh', 'removed 10.0.0.5 app', 'removed 10.0.0.6 old']);
    assert.equal(source.lookup('10.0.0.5'), undefined);
    assert.equal(source.lookup('10.0.0.6')?.role?.spec, 'new');
    assert.equal(lines.filter((line) => line.msg === 'ROLE_MAPPING_FILE reloaded').length, 1);
    await source.close();
  });

  test('an event for another file in the directory does not reload', async () => {
    const watcher = manualWatcher();
    const clock = new FakeClock();
    const source = new MappingFileSource({ path: mappingFile({}), logger: recordingLogger().logger, watch: watcher, clock });
    await source.start();
    watcher.fire('roles.json.swp');
    assert.deepEqual(clock.pending(), []);
    watcher.fire('..data');
    watcher.fire(null);
    assert.equal(clock.pending().length, 1);
    await source.close();
    assert.deepEqual(clock.pending(), [], 'close cancels a pending reload');
  });

  test('a broken edit keeps the last good mapping and warns why, without quoting the file', async () => {
    const path = mappingFile({ '10.0.0.5': { name: 'app', external_id: 'very-secret-id' } });
    const { logger, lines, text } = recordingLogger();
    const source = new MappingFileSource({ path, logger, watch: manualWatcher() });
    const changes = changesOf(source);
    await source.start();
    const generation = source.generation;
    writeFileSync(path, '{"10.0.0.5": {"name": "app", "external_id": "very-secret-id2"');
    await source.reload();
    writeFileSync(path, '{"10.0.0.5": "app", "not-an-ip": "x"}');
    await source.reload();
    assert.equal(source.lookup('10.0.0.5')?.role?.externalId, 'very-secret-id');
    assert.equal(source.generation, generation, 'answers kept, so what callers remember stays valid');
    assert.deepEqual(changes, ['added 10.0.0.5 app']);
    const warnings = lines.filter((line) => line.level === WARN);
    assert.equal(warnings.length, 2);
    assert.match(String(warnings[0]!.reason), /^not valid JSON/);
    assert.match(String(warnings[1]!.reason), /key "not-an-ip" is not an IP address/);
    assert.ok(!text().includes('very-secret-id'));

    rmSync(path);
    await source.reload();
    assert.equal(source.lookup('10.0.0.5')?.role?.spec, 'app', 'a deleted file keeps the mapping too');
    await source.close();
  });

  test('reload() (SIGHUP) picks up a change; an unchanged file reports nothing', async () => {
    const path = mappingFile({ '10.0.0.5': 'app' });
    const source = new MappingFileSource({ path, logger: recordingLogger().logger, watch: manualWatcher() });
    const changes = changesOf(source);
    await source.start();
    await source.reload();
    assert.deepEqual(changes, ['added 10.0.0.5 app']);
    const generation = source.generation;
    writeFileSync(path, JSON.stringify({ '10.0.0.5': { name: 'app', policy: { Version: '2012-10-17' } } }));
    await source.reload();
    assert.ok(source.generation > generation, 'a changed mapping moves the generation');
    assert.deepEqual(changes, ['added 10.0.0.5 app', 'removed 10.0.0.5 app', 'added 10.0.0.5 app'], 'a new policy is a new role binding');
    await source.close();
  });

  test('with the real file watcher: an atomic rename over the file and an in-place write are both seen', async () => {
    const path = mappingFile({ '10.0.0.5': 'app' });
    const source = new MappingFileSource({ path, logger: recordingLogger().logger, debounceMs: 20 });
    const changes = changesOf(source);
    await source.start();

    writeFileSync(`${path}.tmp`, JSON.stringify({ '10.0.0.5': 'app', '10.0.0.6': 'renamed' }));
    renameSync(`${path}.tmp`, path);
    await eventually(() => source.lookup('10.0.0.6') !== undefined, 'the renamed file is loaded');

    writeFileSync(path, JSON.stringify({ '10.0.0.6': 'renamed' }));
    await eventually(() => source.lookup('10.0.0.5') === undefined, 'the rewritten file is loaded');
    assert.deepEqual(changes, ['added 10.0.0.5 app', 'added 10.0.0.6 renamed', 'removed 10.0.0.5 app']);
    await source.close();
  });
});
