import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OfflineStsGateway } from '../../src/credentials/offline-sts.js';
import { credentialsBody } from '../../src/imds/answers.js';
import { FakeClock } from '../helpers/fake-clock.js';

const REQUEST = { roleArn: 'arn:aws:iam::123456789012:role/web', sessionName: 'metadataproxy', durationSeconds: 3600 };

describe('OfflineStsGateway', () => {
  it('mints credentials shaped like STS\'s', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1, 12, 0, 0, 250));
    const sts = new OfflineStsGateway({ clock, random: Math.random });
    const credentials = await sts.assumeRole(REQUEST);
    assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.match(credentials.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.match(credentials.sessionToken, /^IQoJb3JpZ2luX2Vj[A-Za-z0-9+/]+$/);
    assert.equal(credentials.sessionToken.length % 4, 0, 'valid base64 length');
    assert.ok(credentials.sessionToken.length >= 700);
    // Whole seconds, an hour on.
    assert.equal(credentials.expiration.toISOString(), '2030-01-01T13:00:00.000Z');
    assert.match(credentialsBody(credentials, new Date(clock.now())).toString(), /"Expiration" : "2030-01-01T13:00:00Z"/);
  });

  it('follows the requested duration, an hour when none is given', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const sts = new OfflineStsGateway({ clock, random: Math.random });
    assert.equal((await sts.assumeRole({ ...REQUEST, durationSeconds: 900 })).expiration.getTime(), clock.now() + 900_000);
    assert.equal((await sts.assumeRole({ ...REQUEST, durationSeconds: 0 })).expiration.getTime(), clock.now() + 3600_000);
  });

  it('draws from the injected randomness: distinct each call, repeatable with the same sequence', async () => {
    const clock = new FakeClock();
    const seeded = () => {
      let state = 42;
      return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    };
    const a = new OfflineStsGateway({ clock, random: seeded() });
    const b = new OfflineStsGateway({ clock, random: seeded() });
    const [a1, a2, b1] = [await a.assumeRole(REQUEST), await a.assumeRole(REQUEST), await b.assumeRole(REQUEST)];
    assert.deepEqual(a1, b1);
    assert.notEqual(a1.accessKeyId, a2.accessKeyId);
    assert.notEqual(a1.sessionToken, a2.sessionToken);
  });
});
