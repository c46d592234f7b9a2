import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContainerProcesses, procNetNamespace, type NamespaceOf } from '../../src/identity/docker/container-processes.js';

/** A process table: pid → network namespace; the proxy itself is in `net:[1]`. */
function table(entries: Record<number, string>): { namespaceOf: NamespaceOf; set(pid: number, ns?: string): void } {
  const processes = new Map<number, string>([[process.pid, 'net:[1]'], ...Object.entries(entries).map(([pid, ns]) => [Number(pid), ns] as [number, string])]);
  return {
    namespaceOf: (pid) => processes.get(pid),
    set: (pid, ns) => (ns === undefined ? processes.delete(pid) : processes.set(pid, ns)),
  };
}

test('a tracked container runs while its pid names the namespace it had, and not once the process is gone or the pid reused', () => {
  const procs = table({ 100: 'net:[7]', 200: 'net:[8]' });
  const processes = new ContainerProcesses(procs.namespaceOf);
  assert.equal(processes.track('a', 100), 'tracked');
  assert.equal(processes.track('b', 200), 'tracked');
  assert.equal(processes.runs('a'), true);
  procs.set(100);
  assert.equal(processes.runs('a'), false, 'process gone');
  procs.set(200, 'net:[9]');
  assert.equal(processes.runs('b'), false, 'pid now names a process elsewhere');
  processes.forget('a');
  assert.equal(processes.runs('a'), true, 'forgotten: nothing to check');
});

test('no pid, or no visible process before any was seen, leaves a container untracked; once one was seen an invisible one is gone', () => {
  const procs = table({ 300: 'net:[7]' });
  const processes = new ContainerProcesses(procs.namespaceOf);
  assert.equal(processes.track('created', 0), 'untracked');
  assert.equal(processes.track('created', undefined), 'untracked');
  assert.equal(processes.track('elsewhere', 999), 'untracked', 'not visible, and nothing was yet');
  assert.equal(processes.runs('elsewhere'), true);
  assert.equal(processes.track('a', 300), 'tracked');
  assert.equal(processes.track('ended', 999), 'gone');
  assert.equal(processes.tracked, 1);
});

test("a pid naming a process in the proxy's own namespace is not the container's (the proxy has its own PID namespace)", () => {
  const processes = new ContainerProcesses(table({ 12: 'net:[1]' }).namespaceOf);
  assert.equal(processes.track('c', 12), 'untracked');
});

test('/proc answers for this process and not for a pid that cannot exist', () => {
  assert.match(procNetNamespace(process.pid) ?? '', /^net:\[\d+\]$/);
  assert.equal(procNetNamespace(2 ** 22 + 1), undefined);
});

test("another user's process, whose namespace link cannot be read, is known to be there", () => {
  // pid 1's namespace link is root's. Run as root, the test reads it with nobody's effective uid (which
  // also drops root's capabilities) and takes root back at once.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) process.seteuid!(65534);
  try {
    assert.equal(procNetNamespace(1), 'unreadable');
  } finally {
    if (asRoot) process.seteuid!(0);
  }
});
