// DENY_PATHS / ALLOW_PATHS patterns, matched against the normalized path (see normalize.ts), so no
// spelling of a path can slip past a pattern written for its plain form.
//
// Syntax: a pattern starts with `/`; `*` matches any run of characters within one segment, `**` any run
// across segments; everything else is literal. Matching covers the whole path and ignores case (upstream
// spellings differ only in case at worst, and a list that matches too much is the safe side).
// Examples: `/*/user-data` (user-data of every version), `/latest/meta-data/tags/**`.

export type PathMatcher = (path: string) => boolean;

const NEVER: PathMatcher = () => false;

/** The reason a pattern is unusable, or undefined if it is fine (for configuration error messages). */
export function pathPatternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return `"${pattern}" must start with /`;
  if (/[\s?#]/.test(pattern)) return `"${pattern}" must not contain spaces, ? or #`;
  return undefined;
}

/** One matcher for a list of patterns; throws on the first unusable pattern. */
export function compilePathPatterns(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 0) return NEVER;
  const alternatives = patterns.map((pattern) => {
    const problem = pathPatternProblem(pattern);
    if (problem !== undefined) throw new Error(`path pattern ${problem}`);
    return pattern
      .split('**')
      .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
      .join('.*');
  });
  const regex = new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
  return (path) => regex.test(path);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
