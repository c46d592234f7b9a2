// The one table the bench prints, and the same rows in bench/results.json.

export type Verdict = 'ok' | 'MISS' | 'n/a' | 'error' | '';

export interface Row {
  section: string;
  measurement: string;
  ours: string;
  reference: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

export interface SectionResult {
  rows: Row[];
  /** Raw figures behind the rows, for results.json. */
  data: unknown;
  notes: string[];
}

export function row(section: string, measurement: string, fields: Partial<Omit<Row, 'section' | 'measurement'>>): Row {
  return { section, measurement, ours: '', reference: '', ratio: '', target: '', verdict: '', ...fields };
}

/** `ok`/`MISS` for a figure against a bound, `n/a` when the figure could not be taken. */
export function verdict(value: number | undefined, bound: number, direction: 'atLeast' | 'atMost'): Verdict {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return (direction === 'atLeast' ? value >= bound : value <= bound) ? 'ok' : 'MISS';
}

export function rate(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

export function ms(n: number | undefined, digits = 3): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);
}

export function ratio(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(2);
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['section', 'section'],
  ['measurement', 'measurement'],
  ['ours', 'ours'],
  ['reference', 'baseline / reference'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['verdict', ''],
];

/** A Markdown table, readable as printed and pasteable into docs/performance.md. */
export function formatTable(rows: readonly Row[]): string {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(COLUMNS.map(([key]) => r[key]))),
  ].join('\n');
}
