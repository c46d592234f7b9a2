import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePathPatterns, pathPatternProblem } from '../../src/config/path-patterns.js';

test('pattern syntax: * within a segment, ** across segments, the rest literal, whole path, any case', () => {
  const rows: Array<[pattern: string, path: string, matches: boolean]> = [
    ['/*/user-data', '/latest/user-data', true],
    ['/*/user-data', '/2009-04-04/user-data', true],
    ['/*/user-data', '/latest/user-data/', false],
    ['/*/user-data', '/latest/x/user-data', false],
    ['/*/user-data*', '/latest/user-data-x', true],
    ['/*/user-data*', '/latest/user-data/x', false],
    ['/*/user-data**', '/latest/user-data/x', true],
    ['/latest/meta-data/tags/**', '/latest/meta-data/tags/instance/Name', true],
    ['/latest/meta-data/tags/**', '/latest/meta-data/tags/', true],
    ['/latest/meta-data/tags/**', '/latest/meta-data/tags', false],
    ['/latest/meta-data/instance-id', '/LATEST/Meta-Data/Instance-Id', true],
    ['/latest/meta-data/instance-id', '/latest/meta-data/instance-idx', false],
    ['/a.b', '/axb', false],
    ['/a+b(c)', '/a+b(c)', true],
    ['/a$^|[]{}', '/a$^|[]{}', true],
    ['/**', '/anything/at/all', true],
  ];
  for (const [pattern, path, matches] of rows) {
    assert.equal(compilePathPatterns([pattern])(path), matches, `${pattern} vs ${path}`);
  }
});

test('a list matches when any pattern does; an empty list matches nothing', () => {
  const matcher = compilePathPatterns(['/a', '/b/*']);
  assert.equal(matcher('/a'), true);
  assert.equal(matcher('/b/c'), true);
  assert.equal(matcher('/c'), false);
  assert.equal(compilePathPatterns([])('/a'), false);
});

test('unusable patterns are named', () => {
  assert.equal(pathPatternProblem('/ok/*'), undefined);
  assert.equal(pathPatternProblem('user-data'), '"user-data" must start with /');
  assert.match(pathPatternProblem('/a b') ?? '', /must not contain/);
  assert.match(pathPatternProblem('/a?b') ?? '', /must not contain/);
  assert.throws(() => compilePathPatterns(['/fine', 'bad']), /path pattern "bad" must start with \//);
});
