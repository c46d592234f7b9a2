// Judging the soak's answers: every answer is attributed to the container that asked (its results file)
// and checked against the role that container was started with and the keys the fake STS issued for
// each role. Pure: the soak feeds it containers' answers and reads the counts at the end.
import type { Answer, Results } from './answer-line.js';

export interface SoakContainer {
  name: string;
  /** The role it was started with; undefined for a container without one (it must never get a role). */
  role: string | undefined;
}

/** A stretch of the run with something broken on purpose, in /proc/uptime seconds. */
export interface Window {
  name: string;
  from: number;
  to: number;
}

export interface WindowCounts {
  requests: number;
  /** Listing and credential requests answered 5xx or not at all. */
  credentialFailures: number;
  /** Listing and credential requests of containers with a role answered 404 (the right answer without one). */
  credentialNotFound: number;
  passthroughFailures: number;
  heldOverOneSecond: number;
}

export interface Counts extends WindowCounts {
  containers: number;
  wrongRole: number;
  /** 5xx (or no answer within the probe's timeout) on an IAM route from a container that already had its credentials. */
  failedOnWarm: number;
  /** 404 on an IAM route from a container that already had its credentials. */
  notFoundOnWarm: number;
  /** Containers whose every credential request failed (typically started while STS was unreachable). */
  neverServed: number;
  /** Lines cut short by a kill mid-write. */
  unreadable: number;
  /** IAM requests still waiting when their container was removed (counted in held>1s when over a second by then). */
  iamInFlightAtRemoval: number;
}

/** Why an answer counts as wrong-role, for the first few printed as evidence. */
export interface Finding {
  container: string;
  role: string | undefined;
  answer: Answer;
  why: string;
}

export const HELD_LIMIT_SECONDS = 1;
const PASSTHROUGH_BODY = (path: string): string => `upstream GET /latest/meta-data/${path}`;

const emptyWindow = (): WindowCounts => ({ requests: 0, credentialFailures: 0, credentialNotFound: 0, passthroughFailures: 0, heldOverOneSecond: 0 });

export class SoakTally {
  readonly total: Counts = { ...emptyWindow(), containers: 0, wrongRole: 0, failedOnWarm: 0, notFoundOnWarm: 0, neverServed: 0, unreadable: 0, iamInFlightAtRemoval: 0 };
  readonly windows = new Map<string, WindowCounts>();
  readonly findings: Finding[] = [];

  /**
   * @param keyRole who the fake STS issued an AccessKeyId for (role name), undefined for a key it never issued
   * @param passthroughPath the metadata path the probes ask, whose stub answer is known
   */
  constructor(
    private readonly keyRole: (accessKeyId: string) => string | undefined,
    private readonly windowList: readonly Window[],
    private readonly passthroughPath: string,
  ) {
    for (const window of windowList) this.windows.set(window.name, emptyWindow());
    this.windows.set('outside the windows', emptyWindow());
  }

  /** One container's results; `removedAt` is when its removal was asked for (uptime seconds). */
  add(container: SoakContainer, { answers, unreadable, inFlight }: Results, removedAt: number): void {
    this.total.containers++;
    this.total.unreadable += unreadable;
    if (inFlight !== undefined && inFlight.kind !== 'passthrough') {
      this.total.iamInFlightAtRemoval++;
      const waited = { startedAt: inFlight.startedAt, endedAt: removedAt };
      if (waited.endedAt - waited.startedAt > HELD_LIMIT_SECONDS) for (const c of [this.total, ...this.windowsOf(waited)]) c.heldOverOneSecond++;
    }
    let warm = false;
    let served = false;
    let asked = false;
    for (const answer of answers) {
      const counts = [this.total, ...this.windowsOf(answer)];
      for (const c of counts) c.requests++;
      if (answer.kind === 'passthrough') {
        if (answer.status !== 200 || answer.text !== PASSTHROUGH_BODY(this.passthroughPath)) for (const c of counts) c.passthroughFailures++;
        continue;
      }
      asked = true;
      if (answer.endedAt - answer.startedAt > HELD_LIMIT_SECONDS) for (const c of counts) c.heldOverOneSecond++;
      if (answer.status === 200) {
        const why = this.wrongRole(container, answer);
        if (why !== undefined) {
          this.total.wrongRole++;
          this.findings.push({ container: container.name, role: container.role, answer, why });
        } else if (answer.kind === 'credentials') {
          warm = served = true;
        }
        continue;
      }
      if (answer.status === undefined || answer.status >= 500) {
        for (const c of counts) c.credentialFailures++;
        if (warm) this.total.failedOnWarm++;
      } else if (answer.status === 404 && container.role !== undefined) {
        for (const c of counts) c.credentialNotFound++;
        if (warm) this.total.notFoundOnWarm++;
      }
    }
    if (asked && !served && container.role !== undefined) this.total.neverServed++;
  }

  private wrongRole(container: SoakContainer, answer: Answer): string | undefined {
    if (container.role === undefined) return `a container without a role got a ${answer.kind} answer`;
    if (answer.kind === 'listing') return answer.text === container.role ? undefined : `listed as ${answer.text}`;
    const issuedFor = this.keyRole(answer.text);
    if (issuedFor === undefined) return `key ${answer.text} was never issued by STS`;
    return issuedFor === container.role ? undefined : `key ${answer.text} was issued for ${issuedFor}`;
  }

  /** The windows an answer overlaps, or the "outside" bucket. */
  private windowsOf(answer: Pick<Answer, 'startedAt' | 'endedAt'>): WindowCounts[] {
    const inside = this.windowList.filter((w) => answer.startedAt <= w.to && answer.endedAt >= w.from);
    return inside.length > 0 ? inside.map((w) => this.windows.get(w.name)!) : [this.windows.get('outside the windows')!];
  }
}
