import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage } from '../../src/core/error-message.js';

test('errorMessage: an Error gives its message, anything else its text', () => {
  assert.equal(errorMessage(new Error('boom')), 'boom');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(undefined), 'undefined');
  assert.equal(errorMessage(new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })), 'fetch failed');
});

test('errorMessage with causeCode: the cause code when there is one, else the message', () => {
  const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
  assert.equal(errorMessage(refused, { causeCode: true }), 'ECONNREFUSED');
  assert.equal(errorMessage(new TypeError('fetch failed', { cause: new Error('bad port') }), { causeCode: true }), 'fetch failed');
  assert.equal(errorMessage(new Error('HTTP 500'), { causeCode: true }), 'HTTP 500');
  assert.equal(errorMessage(new Error('odd', { cause: 'text' }), { causeCode: true }), 'odd');
  assert.equal(errorMessage(new Error('odd', { cause: null }), { causeCode: true }), 'odd');
  assert.equal(errorMessage(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), { causeCode: true }), 'The operation was aborted due to timeout');
});
