// The soak's containers on the lab's engine, through the Engine API (a docker CLI process per start and
// removal would cost more CPU than the containers themselves): started with the probe script and a
// results folder, removed with SIGKILL, their answers read back from their results file.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE } from '../lab/busybox-image.js';
import { sleep } from '../lab/exec.js';
import { killContainerProcesses } from '../lab/teardown.js';
import { parseResults, type Results } from './answer-line.js';
import { NAME_VARIABLE, PAUSE_VARIABLE, PROBE_SCRIPT, RESULTS_MOUNT, SESSION_VARIABLE } from './probe-script.js';
import type { ContainerPlan } from './container-plan.js';

export type ProbeSpec = Pick<ContainerPlan, 'name' | 'role' | 'ownSession' | 'network' | 'ip'>;

export class SoakContainers {
  private readonly docker: Docker;
  /**
   * Containers whose processes outlived their removal. A start cut off by the dockerd restart can leave one:
   * dockerd comes back, removes the container's endpoint as stale and hands its address out again while
   * its process runs on, so two processes share the address; they are killed (and counted) at removal.
   */
  readonly ghosts: string[] = [];

  constructor(
    socketPath: string,
    private readonly resultsDir: string,
    private readonly pauseSeconds: number,
  ) {
    this.docker = new Docker({ socketPath });
  }

  /** Creates and starts the container; on a failed start it is removed again and the error thrown. */
  async start(spec: ProbeSpec): Promise<string> {
    const env = [`${NAME_VARIABLE}=${spec.name}`, `${PAUSE_VARIABLE}=${this.pauseSeconds}`];
    if (spec.role !== undefined) env.push(`IAM_ROLE=${spec.role}`);
    if (spec.ownSession) env.push(`${SESSION_VARIABLE}=${spec.name}`);
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: BUSYBOX_IMAGE,
      Cmd: ['sh', '-c', PROBE_SCRIPT],
      Env: env,
      HostConfig: { Binds: [`${this.resultsDir}:${RESULTS_MOUNT}`], NetworkMode: spec.network },
      ...(spec.ip !== undefined && { NetworkingConfig: { EndpointsConfig: { [spec.network]: { IPAMConfig: { IPv4Address: spec.ip } } } } }),
    });
    try {
      await container.start();
    } catch (error) {
      await this.remove(spec.name, container.id);
      throw error;
    }
    return container.id;
  }

  /** SIGKILL and remove, retried while the engine is away (a dockerd restart); then no process of it may be left. */
  async remove(name: string, id: string, patienceMs = 120_000): Promise<void> {
    const deadline = Date.now() + patienceMs;
    for (;;) {
      try {
        await this.docker.getContainer(id).remove({ force: true });
        break;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) break;
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
    if (killContainerProcesses([id]) > 0) this.ghosts.push(name);
  }

  /** The answers of a removed container; its file goes, so the folder stays small over a long run. */
  results(name: string): Results {
    const file = join(this.resultsDir, name);
    let content = '';
    try {
      content = readFileSync(file, 'utf8');
    } catch {
      // never got to write a line
    }
    rmSync(file, { force: true });
    return parseResults(content);
  }
}
