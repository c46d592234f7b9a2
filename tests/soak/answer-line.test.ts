// The soak's probe lines read back as answers (e2e/soak/answer-line.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswerLine, parseResults } from '../../e2e/soak/answer-line.js';

test('a served request is a 200 carrying what the probe printed', () => {
  assert.deepEqual(parseAnswerLine('C 100.25 100.31 0 ASIAABCDEFGHIJKLMNOP'), {
    kind: 'credentials',
    startedAt: 100.25,
    endedAt: 100.31,
    status: 200,
    text: 'ASIAABCDEFGHIJKLMNOP',
  });
  assert.equal(parseAnswerLine('P 1.00 1.01 0 upstream GET /latest/meta-data/instance-id')?.text, 'upstream GET /latest/meta-data/instance-id');
});

test("an HTTP error takes its status from wget's error line", () => {
  const answer = parseAnswerLine('L 5.5 6.7 1 wget: server returned error: HTTP/1.1 404 Not Found');
  assert.equal(answer?.kind, 'listing');
  assert.equal(answer?.status, 404);
  assert.equal(parseAnswerLine('C 5.5 6.7 1 wget: server returned error: HTTP/1.1 503 Service Unavailable')?.status, 503);
});

test('a timed-out or refused request has no status', () => {
  assert.equal(parseAnswerLine('C 5.5 10.5 143 -')?.status, undefined);
  assert.equal(parseAnswerLine("P 5.5 5.6 1 wget: can't connect to remote host (169.254.169.254): Connection refused")?.status, undefined);
});

test('lines that are not answers are refused', () => {
  for (const line of ['', 'X 1 2 0 a', 'C 1 2 0', 'C one 2 0 a', 'C 1 2 -1 a', 'sh: error']) assert.equal(parseAnswerLine(line), undefined, line);
});

test('a file cut short by a kill: complete lines are answers, the partial last one is counted apart', () => {
  const parsed = parseResults('B L 1\nL 1 2 0 app\nB C 2\nC 2 3 0 ASIAKEY\nB P 3\nP 3 3.1 0 upst');
  assert.equal(parsed.answers.length, 2);
  assert.equal(parsed.unreadable, 1);
  assert.deepEqual(parsed.inFlight, { kind: 'passthrough', startedAt: 3 }, 'its answer never made it to the file');
  assert.deepEqual(parseResults(''), { answers: [], unreadable: 0 });
  assert.equal(parseResults('L 1 2 0 app\ngarbage\n').unreadable, 1);
});

test('a request begun and never answered is in flight at the end', () => {
  assert.deepEqual(parseResults('B L 1\nL 1 2 0 app\nB C 2.5\n').inFlight, { kind: 'credentials', startedAt: 2.5 });
  assert.deepEqual(parseResults('B L 1\n').inFlight, { kind: 'listing', startedAt: 1 });
  assert.equal(parseResults('B L 1\nL 1 2 0 app\n').inFlight, undefined);
});
