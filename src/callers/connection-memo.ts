// A keep-alive connection asks again and again from one address, and the answer to "who is this?" changes
// only when an identity source's index does. So the workload found for a connection, and the role it
// resolved to, are kept on the socket with the index generation they were found at: later requests skip
// two lookups in tables as large as the fleet (with many callers, their cache misses were the dearest
// part of a warm request: docs/performance.md). A generation that moved, or none at all, means looking
// up afresh.
import type { Socket } from 'node:net';
import type { Workload } from '../identity/workload.js';
import type { CallerRole } from './caller.js';

const CALLER = Symbol('metadataproxy.caller');

export interface ConnectionCaller {
  readonly generation: number;
  readonly workload: Workload;
  /** Set once the workload's role is known (a workload's role never changes once resolved). */
  role?: CallerRole;
}

type CallerSocket = Socket & { [CALLER]?: ConnectionCaller };

/** The caller remembered on this connection, if found at this generation. */
export function rememberedCaller(socket: Socket, generation: number | undefined): ConnectionCaller | undefined {
  const remembered = (socket as CallerSocket)[CALLER];
  return remembered !== undefined && remembered.generation === generation ? remembered : undefined;
}

/**
 * The caller remembered on this connection if it is this workload, at whatever generation: a workload's role
 * never changes once resolved, so its remembered role stays good even after the index moved.
 */
export function rememberedWorkload(socket: Socket, workload: Workload | undefined): ConnectionCaller | undefined {
  const remembered = (socket as CallerSocket)[CALLER];
  return remembered !== undefined && remembered.workload === workload ? remembered : undefined;
}

/** Remember the workload found for this connection at this generation (nothing when there is none). */
export function rememberCaller(socket: Socket, generation: number | undefined, workload: Workload): void {
  if (generation === undefined) return;
  (socket as CallerSocket)[CALLER] = { generation, workload };
}
