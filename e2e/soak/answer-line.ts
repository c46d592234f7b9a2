// One line of a soak container's results file (format in probe-script.ts), read back as an answer.

export type RequestKind = 'listing' | 'credentials' | 'passthrough';

export interface Answer {
  kind: RequestKind;
  /** /proc/uptime seconds when the request started and when its answer (or failure) was in. */
  startedAt: number;
  endedAt: number;
  /** HTTP status, or undefined when there was no answer (timed out, connection refused or reset). */
  status: number | undefined;
  /** The listed role, the AccessKeyId, the passthrough body; for a failure, wget's error line. */
  text: string;
}

const KINDS: Record<string, RequestKind> = { L: 'listing', C: 'credentials', P: 'passthrough' };
const LINE = /^([LCP]) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+) (.*)$/;
const HTTP_ERROR = /HTTP\/1\.[01] (\d{3})\b/;

/** undefined for a line that is not an answer (cut short when the container was killed mid-write). */
export function parseAnswerLine(line: string): Answer | undefined {
  const match = LINE.exec(line);
  if (match === null) return undefined;
  const [, kind, start, end, exit, text] = match as unknown as [string, string, string, string, string, string];
  const status = exit === '0' ? 200 : Number(HTTP_ERROR.exec(text)?.[1] ?? Number.NaN);
  return {
    kind: KINDS[kind]!,
    startedAt: Number(start),
    endedAt: Number(end),
    status: Number.isNaN(status) ? undefined : status,
    text,
  };
}

/** A request begun and not answered before the container was removed. */
export interface InFlight {
  kind: RequestKind;
  startedAt: number;
}

export interface Results {
  answers: Answer[];
  /** Lines that are neither; a last line without its newline was cut short by the kill. */
  unreadable: number;
  inFlight?: InFlight;
}

const BEGIN = /^B ([LCP]) (\d+(?:\.\d+)?)$/;

/** Every complete line of a results file: answers, and the request still waiting at the end, if any. */
export function parseResults(content: string): Results {
  const lines = content.split('\n').slice(0, -1);
  const answers: Answer[] = [];
  let unreadable = content.endsWith('\n') || content === '' ? 0 : 1;
  let inFlight: InFlight | undefined;
  for (const line of lines) {
    const begun = BEGIN.exec(line);
    if (begun !== null) {
      inFlight = { kind: KINDS[begun[1]!]!, startedAt: Number(begun[2]) };
      continue;
    }
    const answer = parseAnswerLine(line);
    if (answer === undefined) unreadable++;
    else {
      answers.push(answer);
      inFlight = undefined;
    }
  }
  return { answers, unreadable, ...(inFlight !== undefined && { inFlight }) };
}
