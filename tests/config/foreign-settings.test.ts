import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignSettingNotices } from '../../src/config/foreign-settings.js';

test('settings of the proxies we replace that do nothing here are named once each', () => {
  assert.deepEqual(foreignSettingNotices({ HOST: '0.0.0.0', PATH: '/usr/bin' }), []);
  const notices = foreignSettingNotices({ MESOS_STATE_LOOKUP: 'True', WORKERS: '4', DOCKER_CERT_PATH: '/certs', COPY_REQUEST_HEADERS: '' });
  assert.deepEqual(
    notices.map((n) => `${n.level} ${n.message.split(':')[0]}`),
    ['warn MESOS_STATE_LOOKUP is set but has no effect here', 'warn DOCKER_CERT_PATH is set but has no effect here', 'info WORKERS is set but has no effect here'],
  );
  assert.match(notices[0]!.message, /ROLE_MAPPING_FILE/, 'says what to do instead');
});

test('a Mesos lookup that is switched off asks for nothing', () => {
  assert.deepEqual(foreignSettingNotices({ MESOS_STATE_LOOKUP: 'false' }), []);
  assert.deepEqual(foreignSettingNotices({ MESOS_STATE_LOOKUP: '0' }), []);
  assert.equal(foreignSettingNotices({ MESOS_STATE_LOOKUP: 'maybe' }).length, 1, 'unreadable counts as on');
});
