// STS's rules for session tags, transitive keys, SourceIdentity and duration, checked before any call:
// one test per way a value can break them, and the edges that are still allowed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDurationSeconds, parseTagList, sessionParameterProblems, type SessionParameters } from '../../src/config/session-parameters.js';
import { InvalidValueError } from '../../src/core/errors.js';

const problems = (session: SessionParameters, max?: number) => sessionParameterProblems(session, max);
const manyTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe('sessionParameterProblems', () => {
  test('accepts what STS accepts: 50 tags, 128-character keys, 256-character and empty values, letters of any script', () => {
    assert.deepEqual(problems({ tags: manyTags(50) }), []);
    assert.deepEqual(problems({ tags: { ['k'.repeat(128)]: 'v'.repeat(256), empty: '', 'Kostenstelle ü': 'Zürich 7', 'a_b.c:d/e=f+g-h@i': 'x' } }), []);
    assert.deepEqual(problems({ tags: { team: 'a', Project: 'b' }, transitiveTagKeys: ['team', 'project'] }), []);
    assert.deepEqual(problems({ sourceIdentity: 'web-1_a+b=c,d.e@f' }), []);
    assert.deepEqual(problems({ durationSeconds: 900 }), []);
    assert.deepEqual(problems({ durationSeconds: 43_200 }), []);
  });

  test('more than 50 tags', () => {
    assert.match(problems({ tags: manyTags(51) }).join(), /51 session tags; STS allows at most 50/);
  });

  test('an empty key, a key over 128 characters, a key with a character STS refuses', () => {
    for (const key of ['', 'k'.repeat(129), 'team!', 'a*b', 'x\ny']) {
      assert.match(problems({ tags: { [key]: 'v' } }).join(), /session tag key .* must be 1-128 characters/, JSON.stringify(key));
    }
  });

  test('a value over 256 characters or with a character STS refuses, named by its key and never quoted', () => {
    for (const value of ['v'.repeat(257), 'semi;colon', 'quote"d', 'tab\there']) {
      const found = problems({ tags: { team: value } }).join();
      assert.match(found, /session tag "team": the value must be 0-256 characters/);
      assert.ok(!found.includes(value), 'the value itself is not logged');
    }
  });

  test('two keys that differ only in case (STS treats them as one)', () => {
    assert.match(problems({ tags: { Team: 'a', team: 'b' } }).join(), /repeats another key/);
  });

  test('a transitive key that is not a tag key', () => {
    assert.match(problems({ tags: { team: 'a' }, transitiveTagKeys: ['project'] }).join(), /transitive tag key "project" is not one of the session tag keys/);
    assert.match(problems({ transitiveTagKeys: ['team'] }).join(), /transitive tag key "team"/);
  });

  test('a SourceIdentity too short, too long, with a character STS refuses, or starting with aws:', () => {
    for (const identity of ['a', 'x'.repeat(65), 'web 1', 'web/1', 'web:1']) {
      assert.match(problems({ sourceIdentity: identity }).join(), /must be 2-64 characters/, identity);
    }
    for (const identity of ['aws:web', 'AWS:web']) assert.match(problems({ sourceIdentity: identity }).join(), /must not start with aws:/, identity);
  });

  test('a duration below 900 s, above 43200 s, not whole, or above 3600 s when role chaining', () => {
    for (const seconds of [899, 43_201, 1000.5, 0]) assert.match(problems({ durationSeconds: seconds }).join(), /session duration .* 900-43200/, String(seconds));
    assert.deepEqual(problems({ durationSeconds: 3600 }, 3600), []);
    assert.match(problems({ durationSeconds: 3601 }, 3600).join(), /900-3600 \(role chaining: ROLE_CHAINING is on\)/);
  });
});

describe('parseTagList (IAM_SESSION_TAGS, DEFAULT_SESSION_TAGS)', () => {
  test('k=v pairs; the first = splits, so values may hold =; empty values and stray commas are fine', () => {
    assert.deepEqual(parseTagList('team=payments, env=prod ,,expr=a=b,empty='), { team: 'payments', env: 'prod', expr: 'a=b', empty: '' });
  });

  test('an entry without = or without a key is an error naming it', () => {
    assert.throws(() => parseTagList('team=a,oops'), (error: unknown) => error instanceof InvalidValueError && /"oops" is not KEY=VALUE/.test(error.message));
    assert.throws(() => parseTagList('=value'), (error: unknown) => error instanceof InvalidValueError && /"=value" is not KEY=VALUE/.test(error.message));
  });
});

describe('parseDurationSeconds (session_duration, IAM_ROLE_DURATION)', () => {
  test('seconds as a number or text, or a Go duration', () => {
    assert.equal(parseDurationSeconds(7200), 7200);
    assert.equal(parseDurationSeconds(' 1800 '), 1800);
    assert.equal(parseDurationSeconds('2h'), 7200);
    assert.equal(parseDurationSeconds('1h30m'), 5400);
  });

  test('anything else is an error', () => {
    for (const value of ['soon', '1.5', '-900', '1500ms', true, null, 1.5]) {
      assert.throws(() => parseDurationSeconds(value), InvalidValueError, JSON.stringify(value));
    }
  });
});
