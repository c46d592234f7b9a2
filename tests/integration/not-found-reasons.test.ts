// The request log line of a 404 on an IAM route says why, so an operator can tell a container that
// raced its start (unknown after a hold) from a misconfiguration (no role, wrong role, bad role spec).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { recordingLogger, type LogLine } from '../helpers/recording-logger.js';
import type { IdentitySource, Workload } from '../../src/identity/workload.js';

const ROLELESS = '127.0.0.3';
const BAD_SPEC = '127.0.0.4';
const NEVER_KNOWN = '127.0.0.6';

/** Knows ROLELESS (no role) and BAD_SPEC (an unusable role spec, as IAM_ROLE may carry); holds a miss from NEVER_KNOWN for 30 ms. */
function source(): IdentitySource {
  const known = new Map<string, Workload>([
    [ROLELESS, { id: 'roleless', name: 'roleless', source: 'docker' }],
    [BAD_SPEC, { id: 'bad', name: 'bad', source: 'docker', role: { spec: 'not a role!' } }],
  ]);
  return {
    name: 'test',
    lookup: (ip) => known.get(ip),
    resolveMiss: async (ip) => {
      if (ip === NEVER_KNOWN) await new Promise((resolve) => setTimeout(resolve, 30));
      return undefined;
    },
    entries: () => known.entries(),
    isReady: () => true,
    onChange: () => {},
    start: async () => {},
    close: async () => {},
  };
}

describe('404 reasons in the request log', () => {
  let h: Harness;
  const log = recordingLogger();
  before(async () => {
    h = await startHarness({
      env: { VERBOSE: 'true' },
      mappings: { '127.0.0.2': 'reader' },
      deps: { logger: log.logger, sources: [source()] },
    });
  });
  after(() => h.close());

  async function logLine(requestId: string): Promise<LogLine> {
    let line: LogLine | undefined;
    for (let attempt = 0; attempt < 100 && line === undefined; attempt++) {
      line = log.lines.find((l) => l.msg === 'request' && l.requestId === requestId);
      if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(line !== undefined, `no request log line for ${requestId}`);
    return line;
  }

  async function reasonOf(caller: string, path: string): Promise<unknown> {
    const requestId = `why-${caller}-${path.length}`;
    const reply = await h.get(caller, path, { 'x-request-id': requestId });
    assert.equal(reply.status, 404, `${caller} ${path}`);
    return (await logLine(requestId)).reason;
  }

  test('role mismatch', async () => {
    assert.equal(await reasonOf('127.0.0.2', '/latest/meta-data/iam/security-credentials/other'), 'role mismatch');
  });

  test('no role', async () => {
    assert.equal(await reasonOf(ROLELESS, '/latest/meta-data/iam/security-credentials/'), 'no role');
  });

  test('role spec error, naming the spec', async () => {
    assert.match(String(await reasonOf(BAD_SPEC, '/latest/meta-data/iam/info')), /^role spec error: role spec "not a role!"/);
  });

  test('unknown caller, with how long its miss was held', async () => {
    const reason = String(await reasonOf(NEVER_KNOWN, '/latest/meta-data/iam/security-credentials/'));
    assert.match(reason, /^unknown caller after a hold of \d+ ms$/);
  });

  test('a 200 carries no reason', async () => {
    const reply = await h.get('127.0.0.2', '/latest/meta-data/iam/security-credentials/', { 'x-request-id': 'why-ok' });
    assert.equal(reply.status, 200);
    assert.equal((await logLine('why-ok')).reason, undefined);
  });
});
