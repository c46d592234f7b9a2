// Session tags, transitive keys, SourceIdentity and duration reach AssumeRole exactly as configured: the
// real SDK sends them to a fake STS that reads them back as STS would. Values STS would refuse are
// refused here first, with no call; /status shows what each caller's session carries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { sentSession } from '../helpers/fake-aws.js';
import type { StatusReport } from '../../src/admin/status-report.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';

describe('session parameters sent to STS', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      env: { DEFAULT_SESSION_TAGS: 'container={name},origin=metadataproxy', ROLE_CHAINING: 'true' },
      mappings: {
        '127.0.0.2': {
          name: 'reports',
          session_tags: { team: 'payments', 'cost-center': '4711', origin: 'mapping' },
          transitive_tag_keys: ['team'],
          source_identity: 'batch-job-7',
          session_duration: '45m',
        },
        '127.0.0.3': { name: 'reports', session_tags: { team: 'billing' } },
        '127.0.0.4': { name: 'reports', session_duration: 7200 },
      },
    });
  });
  after(() => h.close());

  test('tags (sorted, defaults filled in and overridden per key), transitive keys, SourceIdentity and duration as sent', async () => {
    assert.equal((await h.get('127.0.0.2', `${CREDS}reports`)).status, 200);
    const calls = h.aws.calls.filter((c) => c.action === 'AssumeRole' && c.params.SourceIdentity === 'batch-job-7');
    assert.equal(calls.length, 1);
    const sent = calls[0]!.params;
    assert.deepEqual(sentSession(sent), {
      tags: [
        { key: 'container', value: '127.0.0.2' },
        { key: 'cost-center', value: '4711' },
        { key: 'origin', value: 'mapping' },
        { key: 'team', value: 'payments' },
      ],
      transitiveTagKeys: ['team'],
      sourceIdentity: 'batch-job-7',
      durationSeconds: 2700,
    });
    // The wire form itself, as the SDK wrote it.
    assert.equal(sent['Tags.member.4.Key'], 'team');
    assert.equal(sent['Tags.member.4.Value'], 'payments');
    assert.equal(sent['TransitiveTagKeys.member.1'], 'team');
    assert.equal(sent.DurationSeconds, '2700');
  });

  test('different tags are different credentials: same role, one STS call per tag set, however many requests', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 3; i++) {
      for (const caller of ['127.0.0.2', '127.0.0.3']) {
        keys.add((JSON.parse((await h.get(caller, `${CREDS}reports`)).body) as { AccessKeyId: string }).AccessKeyId);
      }
    }
    assert.equal(keys.size, 2);
    const sessions = h.aws.calls.filter((c) => c.action === 'AssumeRole').map((c) => sentSession(c.params));
    assert.equal(sessions.length, 2, 'one call per distinct tag set (prefetched at start), none per request');
    const billing = sessions.find((s) => s.tags.some((t) => t.value === 'billing'))!;
    assert.deepEqual(billing, {
      tags: [
        { key: 'container', value: '127.0.0.3' },
        { key: 'origin', value: 'metadataproxy' },
        { key: 'team', value: 'billing' },
      ],
      transitiveTagKeys: [],
      durationSeconds: 3600,
    });
  });

  test('a duration over the role-chaining hour gets 404 and no STS call', async () => {
    const before = h.aws.count('AssumeRole');
    for (let i = 0; i < 3; i++) assert.equal((await h.get('127.0.0.4', `${CREDS}reports`)).status, 404);
    assert.equal(h.aws.count('AssumeRole'), before);
  });

  test('/status shows each caller\'s tags, transitive keys, SourceIdentity and duration, and why a caller is refused', async () => {
    const status = (await (await fetch(`http://${h.proxy.adminAddress}/status`)).json()) as StatusReport;
    const of = (caller: string) => status.callers.find((c) => c.caller === caller)!;
    assert.deepEqual(of('127.0.0.2').sessionTags, { container: '127.0.0.2', 'cost-center': '4711', origin: 'mapping', team: 'payments' });
    assert.deepEqual(of('127.0.0.2').transitiveTagKeys, ['team']);
    assert.equal(of('127.0.0.2').sourceIdentity, 'batch-job-7');
    assert.equal(of('127.0.0.2').durationSeconds, 2700);
    assert.match(of('127.0.0.4').lastError ?? '', /^InvalidSessionParameters: 127\.0\.0\.4: session duration 7200 .*900-3600 \(role chaining/);
  });
});
