// `npm run soak` (as root): the churn soak of issue 11. For SOAK_SECONDS (default 600) containers start
// and stop continuously on the lab's real engine while probe containers ask for their role, credentials
// and a passthrough route in a loop; once each, dockerd restarts (live-restore), STS stops answering and
// the upstream metadata service hangs. Every answer is judged against the role its container was started
// with; the last line is the verdict, and the exit status is 1 on a wrong role, a failure on a warm
// container, RSS or fd growth, or a run where nothing happened. docs/testing.md describes it.
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type Lab } from '../lab/lab.js';
import { sleep } from '../lab/exec.js';
import { FixedAddresses, planContainer, SOAK_DYNAMIC_RANGE, SOAK_NETWORK, SOAK_SUBNET, type ContainerPlan } from './container-plan.js';
import { growth } from './growth.js';
import { holdTimes, quantile } from './hold-times.js';
import { ProcessSampler } from './process-sampler.js';
import { PASSTHROUGH_PATH, SESSION_VARIABLE } from './probe-script.js';
import { SoakContainers } from './soak-containers.js';
import { SoakTally, type SoakContainer, type Window } from './tally.js';
import type { Results } from './answer-line.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const lanes = Number(process.env.SOAK_LANES ?? 8);
if (!(Number.isFinite(seconds) && seconds >= 30)) throw new Error('SOAK_SECONDS must be a number of seconds, at least 30');
if (!(Number.isInteger(lanes) && lanes >= 1)) throw new Error('SOAK_LANES must be a positive whole number');

/** Probe containers alive for the whole run, so some callers are warm through every window. */
const STEADY: ContainerPlan[] = [0, 1, 2, 3].map((i) => ({
  name: `soak-steady-${i}`,
  role: `soak-steady-${i}`,
  ownSession: i % 2 === 0,
  network: i < 2 ? 'bridge' : SOAK_NETWORK,
  lifetimeMs: Infinity,
}));
const PAUSE_SECONDS = 0.4;
const SAMPLE_EVERY_MS = 2_000;
/** Each disruption lasts a tenth of the run, between 5 and 30 s. */
const WINDOW_SECONDS = Math.min(30, Math.max(5, seconds / 10));

interface Finished {
  container: SoakContainer;
  results: Results;
  /** When its removal was asked for, in uptime seconds. */
  removedAt: number;
}

/** The probes' clock (the kernel's, shared with containers), in seconds. */
const uptime = (): number => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
/** Epoch ms of an uptime reading: the clock of the proxy's log and of the STS recorder. */
const uptimeOffsetMs = Date.now() - uptime() * 1000;
const epochMs = (uptimeSeconds: number): number => uptimeSeconds * 1000 + uptimeOffsetMs;
const inside = (windows: readonly Window[], timeMs: number): Window | undefined =>
  windows.find((w) => timeMs >= epochMs(w.from) && timeMs <= epochMs(w.to));

class Soak {
  readonly finished: Finished[] = [];
  readonly windows: Window[] = [];
  started = 0;
  startFailures: string[] = [];
  /** How long the engine took to start and to remove each churn container, in ms. */
  readonly startMs: number[] = [];
  readonly removeMs: number[] = [];
  private stopped = false;
  private sequence = 0;
  private readonly fixed = new FixedAddresses();
  private readonly beganAt = uptime();

  constructor(
    private readonly lab: Lab,
    private readonly containers: SoakContainers,
  ) {}

  collect(plan: ContainerPlan, removedAt: number): void {
    const results = this.containers.results(plan.name);
    if (results.answers.length > 0 || results.unreadable > 0 || results.inFlight !== undefined) {
      this.finished.push({ container: { name: plan.name, role: plan.role }, results, removedAt });
    }
  }

  /** One lane of churn: start a container, let it ask for its lifetime, remove it, judge its answers later. */
  async lane(): Promise<void> {
    while (!this.stopped) {
      const plan = planContainer(`soak-${this.sequence++}`, Math.random, this.fixed);
      let id: string;
      const startingAt = Date.now();
      try {
        id = await this.containers.start(plan);
        this.startMs.push(Date.now() - startingAt);
        this.started++;
      } catch (error) {
        this.startFailures.push(String(error));
        if (plan.ip !== undefined) this.fixed.release(plan.ip);
        this.collect(plan, uptime());
        await sleep(500);
        continue;
      }
      await sleep(plan.lifetimeMs);
      const removingAt = Date.now();
      const removedAt = uptime();
      await this.containers.remove(plan.name, id);
      this.removeMs.push(Date.now() - removingAt);
      if (plan.ip !== undefined) this.fixed.release(plan.ip);
      this.collect(plan, removedAt);
    }
  }

  private async window(name: string, startAt: number, body: () => Promise<void>): Promise<void> {
    const wait = this.beganAt + startAt - uptime();
    if (wait > 0) await sleep(wait * 1000);
    const from = uptime();
    await body();
    this.windows.push({ name, from, to: uptime() });
  }

  /** The three disruptions, one after another, at a quarter, just under half and seven tenths of the run. */
  async disruptions(): Promise<void> {
    const { engine, proxy, agent } = this.lab;
    await this.window('dockerd restart', seconds * 0.25, async () => {
      await engine.stopDockerdAsync();
      await sleep(2_000);
      await engine.startDockerd();
      await proxy.untilReadiness(200);
    });
    await this.window('STS unreachable', seconds * 0.45, async () => {
      await agent.setStsReachable(false);
      await sleep(WINDOW_SECONDS * 1000);
      await agent.setStsReachable(true);
    });
    await this.window('upstream hang', seconds * 0.7, async () => {
      await agent.setImdsHanging(true);
      await sleep(WINDOW_SECONDS * 1000);
      await agent.setImdsHanging(false);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** A window's place in the run, in seconds since the load began. */
  describe(window: Window): string {
    return `${window.name} ${(window.from - this.beganAt).toFixed(1)}-${(window.to - this.beganAt).toFixed(1)} s`;
  }
}

async function holdOutcomes(lab: Lab): Promise<string> {
  const metrics = (await lab.proxy.admin('/metrics')).body;
  const counts = [...metrics.matchAll(/^metadataproxy_first_request_hold_seconds_count\{outcome="([^"]+)"\} (\d+)/gm)];
  return counts.map(([, outcome, count]) => `${outcome} ${count}`).join(', ') || 'none';
}

async function main(): Promise<number> {
  const lab = await createLab({ liveRestore: true });
  try {
    await lab.engine.docker(['network', 'create', '--subnet', SOAK_SUBNET, '--ip-range', SOAK_DYNAMIC_RANGE, SOAK_NETWORK]);
    await lab.proxy.start({ env: { LOG_FORMAT: 'json', ROLE_SESSION_KEY: `Env:${SESSION_VARIABLE}` } });
    const pid = lab.proxy.pid;
    if (pid === undefined) throw new Error('the proxy has no pid');
    const resultsDir = join(lab.dir, 'soak-results');
    mkdirSync(resultsDir, { recursive: true });
    const containers = new SoakContainers(lab.engine.socketPath, resultsDir, PAUSE_SECONDS);
    const soak = new Soak(lab, containers);
    console.log(`soak: ${seconds} s, ${STEADY.length} steady probe containers, ${lanes} churn lanes, disruption windows of ${WINDOW_SECONDS} s, lab ${lab.name}`);

    const sampler = new ProcessSampler(pid, SAMPLE_EVERY_MS);
    const steadyIds = await Promise.all(STEADY.map(async (plan) => ({ plan, id: await containers.start(plan) })));
    const churn = Array.from({ length: lanes }, () => soak.lane());
    const disruptions = soak.disruptions();
    await sleep(seconds * 1000);
    soak.stop();
    await Promise.all([...churn, disruptions]);
    const removedAt = uptime();
    await Promise.all(steadyIds.map(({ plan, id }) => containers.remove(plan.name, id)));
    for (const plan of STEADY) soak.collect(plan, removedAt);
    sampler.stop();
    if (!lab.proxy.running()) throw new Error(`the proxy exited during the soak:\n${lab.proxy.logTail()}`);

    const issuedFor = new Map<string, string>();
    const stsCalls = await lab.agent.stsCalls();
    for (const call of stsCalls) {
      if (call.issuedKeyId !== undefined && call.roleArn !== undefined) issuedFor.set(call.issuedKeyId, call.roleArn.slice(call.roleArn.lastIndexOf('/') + 1));
    }
    const tally = new SoakTally((key) => issuedFor.get(key), soak.windows, PASSTHROUGH_PATH);
    for (const { container, results, removedAt } of soak.finished) tally.add(container, results, removedAt);
    const t = tally.total;
    const log = readFileSync(lab.proxy.logFile, 'utf8');
    const holds = holdTimes(log);
    const calmHolds = holdTimes(log, (time) => inside(soak.windows, time) === undefined);
    const { rss, fds } = growth(sampler.samples, seconds);
    const rssMax = Math.max(...sampler.samples.map((s) => s.rssMb));
    const fdsMax = Math.max(...sampler.samples.map((s) => s.fds));

    const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5);
    console.log(
      `soak: ${soak.started} churn containers started (${(soak.started / seconds).toFixed(2)}/s; engine start median ${median(soak.startMs)} ms, ` +
        `removal ${median(soak.removeMs)} ms), ${soak.startFailures.length} failed starts${soak.startFailures[0] === undefined ? '' : ` (first: ${soak.startFailures[0].slice(0, 160)})`}`,
    );
    console.log(`soak: ${t.containers} containers answered, ${issuedFor.size} keys issued by STS, ${t.unreadable} lines cut short by a kill`);
    console.log(
      `soak: ${containers.ghosts.length} containers outlived their removal (a start cut off by the dockerd restart; Docker gave their address to others; killed)` +
        (containers.ghosts.length > 0 ? `: ${containers.ghosts.join(', ')}` : ''),
    );
    console.log(`soak: windows (seconds into the run): ${soak.windows.map((w) => soak.describe(w)).join('; ')}`);
    for (const [name, w] of tally.windows) {
      const assumed = stsCalls.filter((call) => call.action === 'AssumeRole' && inside(soak.windows, call.at)?.name === name);
      const unanswered = assumed.filter((call) => call.status === 0).length;
      console.log(
        `soak:   ${name}: ${w.requests} requests, ${w.credentialFailures} IAM 5xx/no answer, ${w.credentialNotFound} IAM 404 to a role, ${w.passthroughFailures} passthrough failures, ` +
          `${w.heldOverOneSecond} IAM held>1s${name.startsWith('outside') ? '' : `; ${assumed.length} AssumeRole calls began (${unanswered} unanswered)`}`,
      );
    }
    console.log(
      `soak: 404 on warm ${t.notFoundOnWarm}, containers with a role never served credentials ${t.neverServed}, IAM 5xx/no answer in all ${t.credentialFailures}, ` +
        `IAM requests still waiting when their container was removed ${t.iamInFlightAtRemoval}`,
    );
    for (const [what, h] of [['all', holds], ['outside the windows', calmHolds]] as const) {
      console.log(`soak: proxy-side holds, ${what}: ${h.held} held, p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms, max ${h.max.toFixed(1)} ms; IAM answers over 1 s inside the proxy: ${h.slowIam}`);
    }
    console.log(`soak: first-request hold outcomes (metrics): ${await holdOutcomes(lab)}`);
    console.log(
      `soak: rss median first window ${rss.first.toFixed(1)} MB, last ${rss.last.toFixed(1)} MB (limit ${rss.limit.toFixed(1)}${rss.grew ? ', GREW' : ''}); ` +
        `fds median first ${fds.first}, last ${fds.last} (limit ${fds.limit}${fds.grew ? ', GREW' : ''}); ${sampler.samples.length} samples`,
    );
    for (const finding of tally.findings.slice(0, 5)) {
      console.log(`soak: WRONG ROLE ${finding.container} (started with ${finding.role ?? 'no role'}): ${finding.why}`);
    }
    const idle = t.requests === 0 || soak.started === 0;
    if (idle) console.log('soak: nothing happened: no requests answered or no churn container started');
    console.log(
      `soak: ${t.requests} requests, ${t.wrongRole} wrong-role, ${t.failedOnWarm} 5xx-on-warm, ${t.heldOverOneSecond} held>1s, ` +
        `rss max ${rssMax.toFixed(1)} MB, fds max ${fdsMax}`,
    );
    return t.wrongRole > 0 || t.failedOnWarm > 0 || rss.grew || fds.grew || idle ? 1 : 0;
  } finally {
    // SOAK_LOG_DIR keeps the lab's logs (proxy, dockerd, containerd, agent) for a look after the run.
    if (process.env.SOAK_LOG_DIR) cpSync(join(lab.dir, 'logs'), process.env.SOAK_LOG_DIR, { recursive: true });
    lab.destroy();
  }
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
