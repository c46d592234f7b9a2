// One error family: every error the proxy makes on purpose is a ProxyError with a status and a stable
// code, and one rule (imds/failure-status.ts) turns any failure into the status a caller is answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError, SettingError } from '../../src/core/errors.js';
import { failureStatus } from '../../src/imds/failure-status.js';
import { IamError, StsError, toStsError } from '../../src/credentials/sts-error.js';
import { RoleSpecError } from '../../src/config/role-spec.js';
import { SessionParameterError } from '../../src/roles/session-parameter-error.js';
import { TokenKeyError } from '../../src/tokens/token-key.js';

test('each kind carries its status and code, and is a ProxyError', () => {
  const cases: Array<[ProxyError, string, number, string]> = [
    [new StsError(503, 'Throttling', 'slow down'), 'StsError', 503, 'Throttling'],
    [toStsError({ name: 'NoSuchEntityException', message: 'no such role', $metadata: { httpStatusCode: 404 } }, IamError), 'IamError', 404, 'NoSuchEntity'],
    [new RoleSpecError('web@', 'empty account'), 'RoleSpecError', 404, 'InvalidRoleSpec'],
    [new SessionParameterError('web', 'too many tags'), 'SessionParameterError', 404, 'InvalidSessionParameters'],
    [new SettingError('PORT 80 on 0.0.0.0: address already in use'), 'SettingError', 500, 'InvalidSetting'],
    [new TokenKeyError('TOKEN_KEY_FILE: /k cannot be read'), 'TokenKeyError', 500, 'InvalidSetting'],
  ];
  for (const [error, name, status, code] of cases) {
    assert.ok(error instanceof ProxyError, name);
    assert.deepEqual([error.name, error.status, error.code], [name, status, code]);
  }
  assert.ok(toStsError(new Error('socket hang up'), IamError) instanceof StsError, 'an IAM failure is answered as an AWS failure');
});

test('a caller sees 404 or 503 only from our own errors; anything else is 500', () => {
  assert.equal(failureStatus(new RoleSpecError('x', 'bad')), 404);
  assert.equal(failureStatus(new StsError(503, 'Throttling', 'slow down')), 503);
  assert.equal(failureStatus(new SettingError('bad')), 500);
  assert.equal(failureStatus(Object.assign(new Error('looks like one'), { status: 404 })), 500);
  assert.equal(failureStatus('thrown text'), 500);
  assert.equal(failureStatus(undefined), 500);
});
