// Whether an indexed container's process still runs, asked of /proc rather than the engine. An engine
// frees a container's address only after its process is gone, and a new container on that address
// reaches us on a new connection, possibly before the engine's events about the old one (Podman
// delivers its events up to a poll interval late, after `podman rm` has returned). So a container whose
// recorded process is gone must not answer a new connection, whatever its events say.
// A process is told apart from a later one with the same pid by its network namespace. A proxy running as
// another user (the image runs unprivileged) may not read that link: it then learns only that the pid
// exists, which misses a pid reused within the events' delay (the pid counter would have to wrap).
// This needs the engine's PID namespace: the host's, `--pid=host` in a container.
import { readlinkSync } from 'node:fs';

/** The process's network namespace (`net:[inode]`), `unreadable`, or undefined when no such process is visible. */
export type NamespaceOf = (pid: number) => string | undefined;

export const procNetNamespace: NamespaceOf = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch (error) {
    // Refused, not missing: the process is there, its namespace is not ours to see.
    return (error as NodeJS.ErrnoException).code === 'EACCES' ? 'unreadable' : undefined;
  }
};

export type Tracking = 'tracked' | 'untracked' | 'gone';

export class ContainerProcesses {
  private readonly byId = new Map<string, { pid: number; namespace: string }>();
  private readonly own: string | undefined;
  /** Some container's process was visible from here: from then on an invisible one is a gone one. */
  private visible = false;

  constructor(private readonly namespaceOf: NamespaceOf = procNetNamespace) {
    this.own = namespaceOf(process.pid);
  }

  /**
   * Records the process inspect named for a running container. `gone`: it is not visible although others
   * were (it ended since the inspect); `untracked`: no pid, or processes cannot be seen from here.
   */
  track(id: string, pid: number | undefined): Tracking {
    this.byId.delete(id);
    if (pid === undefined || pid <= 0) return 'untracked';
    const namespace = this.namespaceOf(pid);
    // Our own namespace: the pid names some process beside us (another PID namespace), not the container.
    if (namespace === undefined || namespace === this.own) return this.visible ? 'gone' : 'untracked';
    this.visible = true;
    this.byId.set(id, { pid, namespace });
    return 'tracked';
  }

  /** False once a tracked container's process is gone; true for containers not tracked. */
  runs(id: string): boolean {
    const known = this.byId.get(id);
    return known === undefined || this.namespaceOf(known.pid) === known.namespace;
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  get tracked(): number {
    return this.byId.size;
  }
}
