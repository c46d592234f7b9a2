import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { routeProcessWarnings } from '../../src/observability/process-warnings.js';

test('a process warning becomes one structured WARN line; the default printer is gone', () => {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
  const logger = createLogger({ level: 'info', format: 'json', destination: destination as never });
  const target = new EventEmitter();
  let printed = 0;
  target.on('warning', () => printed++);
  routeProcessWarnings(() => logger, target);
  const warning = Object.assign(new Error('NodeVersionSupportWarning: The AWS SDK\nwill require node >=22.\n\nMore at https://a.co/x'), { name: 'Warning', code: 'W1' });
  target.emit('warning', warning);
  assert.equal(printed, 0);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual([line.level, line.warning, line.code, line.msg], [40, 'Warning', 'W1', 'NodeVersionSupportWarning: The AWS SDK will require node >=22. More at https://a.co/x']);
});
