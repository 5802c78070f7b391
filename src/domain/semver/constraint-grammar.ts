/**
 * The text grammar of a Masterminds/semver v3.5.0 constraint, before any meaning is given to it.
 * Masterminds decides it with Go regular expressions (linear-time RE2); the same expressions in
 * JavaScript backtrack exponentially on some inputs, so the AND groups are read here by a
 * scanner that accepts exactly the texts those expressions accept and splits them the same way.
 */

export type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

/** One comparison as written, e.g. `>= 1.2.x-rc.1`. */
export interface WrittenComparison {
  readonly operator: Operator;
  /** The version part as written (`v1.2.x-rc.1+meta`). */
  readonly written: string;
  readonly major: string;
  /** The minor segment without its dot; undefined when absent. */
  readonly minor?: string;
  readonly patch?: string;
  /** The prerelease with its leading `-`, or empty. */
  readonly dashedPrerelease: string;
}

// Go's \s is ASCII whitespace only (no \v, no Unicode spaces).
const SPACE = '[\\t\\n\\f\\r ]';
// Masterminds' segment class is `[0-9|x|X|\*]`: a literal `|` included, kept for parity.
const SEGMENT = '[0-9|xX*]+';
const IDENTIFIERS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const VERSION = `v?${SEGMENT}(?:\\.${SEGMENT})?(?:\\.${SEGMENT})?(?:-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
const HYPHEN_RANGE = new RegExp(`${SPACE}*(${VERSION})${SPACE}+-${SPACE}+(${VERSION})${SPACE}*`, 'g');

// Longest first: a shorter operator that is a prefix can never be followed by a version.
const OPERATORS: readonly Operator[] = ['!=', '>=', '=>', '<=', '=<', '~>', '=', '>', '<', '~', '^'];

/**
 * `A - B` becomes `>= A, <= B ` (Masterminds' `rewriteRange`), each match replacing the first
 * occurrence of its text, as Go's `strings.Replace(s, match, t, 1)` does.
 */
export function rewriteHyphenRanges(text: string): string {
  let rewritten = text;
  for (const match of text.matchAll(HYPHEN_RANGE)) {
    const [whole, low = '', high = ''] = match;
    const at = rewritten.indexOf(whole);
    rewritten = `${rewritten.slice(0, at)}>= ${low}, <= ${high} ${rewritten.slice(at + whole.length)}`;
  }
  return rewritten;
}

/**
 * The comparisons of one AND group (comparisons separated by spaces or commas), or undefined when
 * Masterminds' `validConstraintRegex` would reject the group.
 */
export function scanAndGroup(group: string): WrittenComparison[] | undefined {
  const scanner = new Scanner(group);
  const comparisons: WrittenComparison[] = [];
  scanner.skipSpace();
  for (;;) {
    const operator = scanner.operator();
    scanner.skipSpace();
    const version = scanner.version();
    if (version === undefined) return undefined;
    comparisons.push({ operator, ...version });

    const end = scanner.position;
    scanner.skipSpace();
    if (scanner.atEnd()) return comparisons;
    if (scanner.take(',')) scanner.skipSpace();
    else if (scanner.position === end) return undefined;
  }
}

class Scanner {
  position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  take(expected: string): boolean {
    if (!this.text.startsWith(expected, this.position)) return false;
    this.position += expected.length;
    return true;
  }

  skipSpace(): void {
    this.position = this.runEnd(this.position, isSpace);
  }

  operator(): Operator {
    return OPERATORS.find((operator) => this.take(operator)) ?? '';
  }

  /** Masterminds' `cvRegex` at the current position, greedily, or undefined. */
  version(): Omit<WrittenComparison, 'operator'> | undefined {
    const start = this.position;
    this.take('v');
    const major = this.run(isSegment);
    if (major === undefined) {
      this.position = start;
      return undefined;
    }
    const minor = this.prefixed('.', isSegment);
    const patch = minor === undefined ? undefined : this.prefixed('.', isSegment);
    const prerelease = this.prefixed('-', isIdentifier, true);
    this.prefixed('+', isIdentifier, true);
    return {
      written: this.text.slice(start, this.position),
      major,
      ...(minor === undefined ? {} : { minor }),
      ...(patch === undefined ? {} : { patch }),
      dashedPrerelease: prerelease === undefined ? '' : `-${prerelease}`,
    };
  }

  /** `marker` then a run (then `.`-separated runs when `dotted`), all or nothing. */
  private prefixed(marker: string, accepts: (char: string) => boolean, dotted = false): string | undefined {
    if (this.text[this.position] !== marker) return undefined;
    const first = this.runEnd(this.position + 1, accepts);
    if (first === this.position + 1) return undefined;
    let end = first;
    while (dotted && this.text[end] === '.') {
      const next = this.runEnd(end + 1, accepts);
      if (next === end + 1) break;
      end = next;
    }
    const value = this.text.slice(this.position + 1, end);
    this.position = end;
    return value;
  }

  private run(accepts: (char: string) => boolean): string | undefined {
    const end = this.runEnd(this.position, accepts);
    if (end === this.position) return undefined;
    const value = this.text.slice(this.position, end);
    this.position = end;
    return value;
  }

  private runEnd(from: number, accepts: (char: string) => boolean): number {
    let end = from;
    while (end < this.text.length && accepts(this.text[end] ?? '')) end++;
    return end;
  }
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\f' || char === '\r';
}

function isSegment(char: string): boolean {
  return (char >= '0' && char <= '9') || char === 'x' || char === 'X' || char === '*' || char === '|';
}

function isIdentifier(char: string): boolean {
  return (char >= '0' && char <= '9') || (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '-';
}
