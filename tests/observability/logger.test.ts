import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import type { LogFormat, LogLevel } from '../../src/config/types.js';

const FORMATS: LogFormat[] = ['text', 'json', 'gelf'];
const LEVELS: LogLevel[] = ['debug', 'info', 'warning', 'error'];

/** Every value below must never show up in a log line, in any format, at any level. */
const SECRETS = {
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRET01',
  sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN02',
  imdsToken: 'AQAEAIMDSV2TOKENVALUE03',
  externalId: 'external-id-secret-04',
  license: 'newrelic-license-05',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20240101 Signature=abc06',
  amzToken: 'IQoJb3JpZ2luX2VjEAMZSECURITYTOKEN07',
};

function capture(format: LogFormat, level: LogLevel = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level, format, destination: { write: (line: string) => void lines.push(line) } }), lines };
}

function logEverySecretWay(logger: Logger, at: 'debug' | 'info' | 'warn' | 'error'): void {
  const credentials = { AccessKeyId: 'ASIAVISIBLE', SecretAccessKey: SECRETS.secretKey, Token: SECRETS.sessionToken, Expiration: '2030-01-01T00:00:00Z' };
  logger[at]({ credentials }, 'imds credentials body');
  logger[at]({ creds: { accessKeyId: 'ASIAVISIBLE', secretAccessKey: SECRETS.secretKey, sessionToken: SECRETS.sessionToken } }, 'sts answer');
  logger[at]({ req: { headers: { 'x-aws-ec2-metadata-token': SECRETS.imdsToken, authorization: SECRETS.authorization } } }, 'request');
  logger[at]({ a: { b: { c: { d: { e: { token: SECRETS.imdsToken, ExternalId: SECRETS.externalId } } } } } }, 'deep');
  logger[at]({ role: { spec: 'app', externalId: SECRETS.externalId }, config: { newrelicLicense: SECRETS.license } }, 'binding');
  logger[at]({ env: { AWS_SECRET_ACCESS_KEY: SECRETS.secretKey, AWS_SESSION_TOKEN: SECRETS.sessionToken, NEW_RELIC_LICENSE_KEY: SECRETS.license } }, 'env');
  logger[at]({ body: Buffer.from(JSON.stringify(credentials)) }, 'raw body');
  logger[at]({ text: JSON.stringify(credentials) }, 'serialized body');
  logger[at](`answer ${JSON.stringify(credentials)}`);
  logger[at]('header x-amz-security-token: %s', `x-amz-security-token: ${SECRETS.amzToken}`);
  const error = Object.assign(new Error(`AssumeRole failed for "SecretAccessKey":"${SECRETS.secretKey}"`), {
    $metadata: { httpStatusCode: 403 },
    request: { headers: { 'x-amz-security-token': SECRETS.amzToken, Authorization: SECRETS.authorization } },
    cause: { sessionToken: SECRETS.sessionToken },
  });
  logger[at](error);
  logger[at]({ err: error }, 'with message');
  logger[at]({ err: error });
  logger.child({ token: SECRETS.imdsToken, caller: '172.17.0.2' }).child({ externalId: SECRETS.externalId })[at]({ ok: true }, 'child');
  const cyclic: Record<string, unknown> = { sessionToken: SECRETS.sessionToken };
  cyclic.self = cyclic;
  logger[at]({ cyclic }, 'cycle');
}

describe('logger redaction', () => {
  for (const format of FORMATS) {
    it(`never writes a secret in ${format} format, at any level (debug included)`, () => {
      const { logger, lines } = capture(format, 'debug');
      for (const at of ['debug', 'info', 'warn', 'error'] as const) logEverySecretWay(logger, at);
      const output = lines.join('');
      assert.ok(lines.length >= 4 * 15, `expected every call to log, got ${lines.length} lines`);
      assert.ok(output.includes('ASIAVISIBLE'), 'non-secret fields are kept');
      assert.ok(output.includes('172.17.0.2'), 'child bindings are kept');
      for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!output.includes(secret), `${name} leaked in ${format}: ${output}`);
    });
  }

  it('leaves the logged object itself untouched', () => {
    const { logger } = capture('json');
    const credentials = { secretAccessKey: SECRETS.secretKey, nested: { sessionToken: SECRETS.sessionToken } };
    logger.info({ credentials }, 'x');
    assert.equal(credentials.secretAccessKey, SECRETS.secretKey);
    assert.equal(credentials.nested.sessionToken, SECRETS.sessionToken);
  });

  it('keeps setting names that only look like secrets (httpTokens, token TTL)', () => {
    const { logger, lines } = capture('json');
    logger.info({ httpTokens: 'required', 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, 'settings');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.httpTokens, 'required');
    assert.equal(line['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
  });
});

describe('log formats', () => {
  it('text: one readable line with time, level, message and key=value fields', () => {
    const { logger, lines } = capture('text', 'info');
    logger.info({ caller: '172.17.0.2', path: '/latest/meta-data/iam/info', note: 'two words' }, 'request');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  request caller=172\.17\.0\.2 path=\/latest\/meta-data\/iam\/info note="two words"\n$/);
  });

  it('text: errors stay on one line', () => {
    const { logger, lines } = capture('text', 'info');
    logger.error(new Error('boom'));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.split('\n').length, 2);
    assert.match(lines[0]!, / ERROR boom err=\{"type":"Error","message":"boom","stack":/);
  });

  it('json: pino JSON lines', () => {
    const { logger, lines } = capture('json', 'info');
    logger.warn({ caller: '172.17.0.2' }, 'hello');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, 40);
    assert.equal(line.msg, 'hello');
    assert.equal(line.caller, '172.17.0.2');
    assert.equal(typeof line.time, 'number');
  });

  it('gelf: GELF 1.1 fields, syslog levels, `_`-prefixed flat extras', () => {
    const { logger, lines } = capture('gelf', 'debug');
    logger.child({ component: 'docker' }).error({ caller: '172.17.0.2', status: 404, nested: { a: 1 }, id: 'x' }, 'lookup failed');
    logger.debug({ n: 1 });
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.version, '1.1');
    assert.equal(typeof line.host, 'string');
    assert.equal(line.short_message, 'lookup failed');
    assert.equal(typeof line.timestamp, 'number');
    assert.ok(Math.abs((line.timestamp as number) - Date.now() / 1000) < 60);
    assert.equal(line.level, 3);
    assert.equal(line._component, 'docker');
    assert.equal(line._caller, '172.17.0.2');
    assert.equal(line._status, 404);
    assert.equal(line._nested_a, 1);
    assert.equal(line._id_, 'x', 'GELF reserves _id');
    for (const key of Object.keys(line)) assert.ok(['version', 'host', 'short_message', 'timestamp', 'level'].includes(key) || key.startsWith('_'), key);
    const debug = JSON.parse(lines[1]!) as Record<string, unknown>;
    assert.equal(debug.level, 7);
    assert.equal(debug.short_message, '', 'GELF requires a message on every line');
  });

  for (const level of LEVELS) {
    it(`level ${level} drops what is below it`, () => {
      const { logger, lines } = capture('json', level);
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      const seen = lines.map((l) => (JSON.parse(l) as { msg: string }).msg).join('');
      assert.equal(seen, { debug: 'diwe', info: 'iwe', warning: 'we', error: 'e' }[level]);
    });
  }
});
