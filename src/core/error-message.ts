/**
 * What to log of a caught value: an Error's message, or the value itself as text. With `causeCode`, the
 * code of the Error's cause comes first: fetch's "fetch failed" keeps ECONNREFUSED there.
 */
export function errorMessage(error: unknown, options: { causeCode?: boolean } = {}): string {
  if (!(error instanceof Error)) return String(error);
  const code = options.causeCode === true ? (error.cause as { code?: unknown } | null | undefined)?.code : undefined;
  return code === undefined || code === null ? error.message : String(code);
}
