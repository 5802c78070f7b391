/** One challenge of a `WWW-Authenticate` header (RFC 7235). Scheme and parameter names are lower-cased. */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  /** A bare token68 credential hint (`Negotiate abc==`), when the challenge carries one instead of params. */
  readonly token68?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/**
 * Parse every challenge of a header value. Node joins repeated headers with ", ", and one header may
 * itself hold several challenges, so challenges are split where a bare token starts a new scheme.
 * Quoted values may hold commas and backslash escapes. Malformed tails are dropped, not thrown:
 * a registry's odd header must not be fatal while a usable challenge precedes it.
 */
export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  if (!header) return [];
  const s = header;
  let i = 0;
  const challenges: Challenge[] = [];

  const skipSpaces = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const skipSeparators = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i] ?? '')) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    // s[i] is the opening quote
    i++;
    let out = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      out += s[i];
      i++;
    }
    i++; // closing quote (or end of input)
    return out;
  };
  /** Whether the text at `i` is `name =` (a parameter) rather than a new scheme. */
  const atParam = (): boolean => {
    let j = i;
    while (j < s.length && TOKEN_CHAR.test(s[j] ?? '')) j++;
    if (j === i) return false;
    while (j < s.length && (s[j] === ' ' || s[j] === '\t')) j++;
    if (s[j] !== '=') return false;
    // `abc==` followed by the end or a comma is a token68, not a parameter.
    let k = j;
    while (k < s.length && s[k] === '=') k++;
    const followedByEnd = k >= s.length || s[k] === ',' || s[k] === ' ';
    return !(k - j > 1 && followedByEnd);
  };

  skipSeparators();
  while (i < s.length) {
    const scheme = readToken();
    if (scheme === '') break;
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skipSpaces();
    if (i < s.length && s[i] !== ',' && !atParam()) {
      const start = i;
      while (i < s.length && TOKEN68_CHAR.test(s[i] ?? '')) i++;
      while (i < s.length && s[i] === '=') i++;
      if (i > start) token68 = s.slice(start, i);
    }
    for (;;) {
      skipSeparators();
      if (i >= s.length || !atParam()) break;
      const name = readToken().toLowerCase();
      skipSpaces();
      i++; // '='
      skipSpaces();
      const value = s[i] === '"' ? readQuoted() : readToken();
      params[name] = value;
    }
    challenges.push(
      token68 === undefined
        ? { scheme: scheme.toLowerCase(), params }
        : { scheme: scheme.toLowerCase(), params, token68 },
    );
    skipSeparators();
    // Skip garbage up to the next comma so one malformed challenge cannot hide the next one.
    if (i < s.length && !TOKEN_CHAR.test(s[i] ?? '')) {
      while (i < s.length && s[i] !== ',') i++;
      skipSeparators();
    }
  }
  return challenges;
}

/** The challenge we can answer, preferring Bearer (token auth) over Basic. */
export function preferredChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
