import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSet } from '../../src/core/recent-set.js';

test('keeps the most recently added members, oldest first, and forgets beyond its limit', () => {
  const set = new RecentSet<string>(3);
  for (const member of ['a', 'b', 'c', 'a', 'd']) set.add(member);
  assert.deepEqual(set.list(), ['c', 'a', 'd'], 'adding again makes a member recent; b, the oldest, is forgotten');
  assert.equal(set.has('b'), false);
  assert.equal(set.has('a'), true);
});
