// Prefetch: a workload that appears gets its credentials fetched, and kept fresh, before its first request;
// the hold ends when it goes. Apart from serving, as kiam keeps it: requests never wait on this.
import type { Workload, WorkloadEvent } from '../identity/workload.js';
import type { Logger } from '../observability/logger.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import { SessionParameterError } from '../roles/session-parameter-error.js';
import type { Callers } from './caller.js';
import type { CredentialSource } from './caller-service.js';

export interface PrefetchOptions {
  callers: Pick<Callers, 'roleFor'>;
  credentials: Pick<CredentialSource, 'retain' | 'release'>;
  logger: Logger;
}

export class Prefetch {
  /** Workload id → the request retained for it, released when the workload goes away. */
  private readonly retained = new Map<string, AssumeRoleRequest>();
  /** Workload id → its latest version, for results that arrive after the workload changed. */
  private readonly live = new Map<string, Workload>();

  constructor(private readonly options: PrefetchOptions) {}

  onWorkloadEvent(event: WorkloadEvent): void {
    const { workload } = event;
    if (event.type === 'removed') {
      this.live.delete(workload.id);
      return this.releaseFor(workload.id);
    }
    this.live.set(workload.id, workload);
    Promise.resolve(this.options.callers.roleFor(workload)).then(
      (role) => {
        // Gone, or replaced by a newer version of itself, while its role was being resolved.
        if (this.live.get(workload.id) !== workload) return;
        // Retain the new request before releasing the old one: an unchanged role keeps its refresh going.
        if (role !== undefined) this.options.credentials.retain(role.request);
        this.releaseFor(workload.id);
        if (role !== undefined) this.retained.set(workload.id, role.request);
      },
      (error: unknown) => {
        const reason = (error as Error).message;
        if (error instanceof SessionParameterError) {
          this.options.logger.error({ workload: workload.name, reason }, 'session parameters break STS rules; this caller gets 404 until they are fixed');
        } else this.options.logger.warn({ workload: workload.name, reason }, 'cannot prefetch credentials');
      },
    );
  }

  /** A settings reload replaced these callers: their holds end (the cache keeps entries that are still wanted). */
  close(): void {
    this.live.clear();
    for (const workloadId of [...this.retained.keys()]) this.releaseFor(workloadId);
  }

  private releaseFor(workloadId: string): void {
    const request = this.retained.get(workloadId);
    if (request === undefined) return;
    this.retained.delete(workloadId);
    this.options.credentials.release(request);
  }
}
