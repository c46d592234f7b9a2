import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/observability/logger.js';
import { createRequestLog } from '../../src/observability/request-log.js';
import { createRequestIdGenerator, isValidRequestId } from '../../src/observability/request-id.js';
import type { Workload } from '../../src/identity/workload.js';

describe('request log', () => {
  it('is not a function when verbose is off, so the handler builds no entry', () => {
    const logger = createLogger({ level: 'debug', format: 'json', destination: { write: () => assert.fail('nothing may be written') } });
    assert.equal(createRequestLog(logger, false), undefined);
  });

  it('writes one info line per request with caller, container, swarm service, role, path, status, latency and request id', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: { write: (l: string) => void lines.push(l) } });
    const log = createRequestLog(logger, true)!;
    const workload: Workload = { id: 'c0ffee', name: 'web.1.x7', service: 'web', source: 'docker', env: { AWS_SECRET_ACCESS_KEY: 'never-logged' } };
    log({
      requestId: 'abc-1',
      caller: '172.17.0.2',
      workload,
      role: 'app-role',
      method: 'GET',
      path: '/latest/meta-data/iam/security-credentials/app-role',
      status: 200,
      latencyMs: 0.123456,
    });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(
      { ...line, time: undefined, pid: undefined, hostname: undefined },
      {
        level: 30,
        time: undefined,
        pid: undefined,
        hostname: undefined,
        requestId: 'abc-1',
        caller: '172.17.0.2',
        container: 'web.1.x7',
        service: 'web',
        role: 'app-role',
        method: 'GET',
        path: '/latest/meta-data/iam/security-credentials/app-role',
        status: 200,
        latencyMs: 0.123,
        msg: 'request',
      },
    );
    assert.ok(!lines[0]!.includes('never-logged'), 'the container env is not logged');
  });
});

describe('request ids', () => {
  it('are unique, share the process prefix and are valid X-Request-ID values', () => {
    const next = createRequestIdGenerator();
    const ids = Array.from({ length: 1000 }, next);
    assert.equal(new Set(ids).size, ids.length);
    const prefix = ids[0]!.split('-')[0];
    for (const id of ids) {
      assert.ok(id.startsWith(`${prefix}-`));
      assert.ok(isValidRequestId(id), id);
    }
    assert.notEqual(createRequestIdGenerator()().split('-')[0], prefix, 'another process gets another prefix');
  });

  it('accept sane incoming ids and refuse the rest', () => {
    for (const ok of ['abc', 'f1e2d3c4-0001', 'Root=1-5759e988-bd862e3fe1be46a994272793', 'a'.repeat(128)]) assert.ok(isValidRequestId(ok), ok);
    for (const bad of ['', 'a'.repeat(129), 'with space', 'line\nbreak', 'quote"', undefined, ['a', 'b']]) assert.ok(!isValidRequestId(bad), String(bad));
  });
});
