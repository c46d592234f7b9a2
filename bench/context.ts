// What every bench section gets from the orchestrator.
import type { BenchSettings } from './settings.js';
import type { WorkerProcess } from './processes.js';
import type { AutocannonJob } from './autocannon-load.js';
import type { AddressLoadJob, EveryCallerJob } from './address-load.js';
import type { CloseLoadJob } from './close-load.js';
import type { LoadResult } from './load-result.js';

export interface BenchContext {
  settings: BenchSettings;
  /** Scratch folder for mapping files and profiles, removed at the end. */
  workDir: string;
  loadGenerator: WorkerProcess;
}

export function autocannonLoad(context: BenchContext, job: AutocannonJob): Promise<LoadResult> {
  return context.loadGenerator.request<LoadResult>({ kind: 'autocannon', job });
}

export function addressLoad(context: BenchContext, job: AddressLoadJob): Promise<LoadResult> {
  return context.loadGenerator.request<LoadResult>({ kind: 'addresses', job });
}

export function requestFromEveryCaller(context: BenchContext, job: EveryCallerJob): Promise<{ ok: number; failed: number }> {
  return context.loadGenerator.request<{ ok: number; failed: number }>({ kind: 'every-caller', job });
}

export function closeLoad(context: BenchContext, job: CloseLoadJob): Promise<LoadResult> {
  return context.loadGenerator.request<LoadResult>({ kind: 'close', job });
}
