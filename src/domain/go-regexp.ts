import type * as Re2js from 're2js';
import { InvalidRequestError } from './errors';

/**
 * A pattern in Go's regexp (RE2) syntax, as the Go resource reads `tag_regex`, `label_regex`
 * and `annotation_regex`: `(?i)`, `\A`, `\z`, `[[:digit:]]`, `\Q…\E`, `(?P<name>…)` work;
 * backreferences and lookaround do not. Matching takes time linear in the input.
 */
export interface GoRegexp {
  readonly pattern: string;
  /** True when the pattern matches anywhere in `text` (unanchored, as Go's MatchString). */
  matches(text: string): boolean;
}

/** Control characters escaped so a pattern (or re2js's quote of it) stays on one line. */
function oneLine(text: string): string {
  return Array.from(text, (c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : c)).join('');
}

let re2js: typeof Re2js | undefined;

/**
 * re2js takes ~25 ms to evaluate, so it loads on the first pattern: steps without one do not
 * pay for it. esbuild bundles a `require` of it as a module initialised on first call.
 */
function engine(): typeof Re2js {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (re2js ??= require('re2js') as typeof Re2js);
}

/** Compiles `pattern`, or fails with one line naming `field` (e.g. `source.tag_regex`) and why. */
export function compileGoRegexp(field: string, pattern: string): GoRegexp {
  let re: Re2js.RE2JS;
  try {
    // Flags 0: no lookbehinds (an re2js extension Go does not have).
    re = engine().RE2JS.compile(pattern, 0);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '');
    throw new InvalidRequestError(
      `${field} "${oneLine(pattern)}" is not a valid regular expression (Go RE2 syntax): ${oneLine(why)}`,
    );
  }
  return { pattern, matches: (text) => re.test(text) };
}
