// RSS and open file descriptors of one process, read from /proc every few seconds.
import { readdirSync, readFileSync } from 'node:fs';
import type { Sample } from './growth.js';

export function readProcess(pid: number): { rssMb: number; fds: number } | undefined {
  try {
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

export class ProcessSampler {
  readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();

  constructor(pid: number, everyMs: number) {
    const take = (): void => {
      const reading = readProcess(pid);
      if (reading !== undefined) this.samples.push({ at: (Date.now() - this.startedAt) / 1000, ...reading });
    };
    take();
    this.timer = setInterval(take, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
