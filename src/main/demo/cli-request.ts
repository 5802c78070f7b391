import { readFileSync } from 'node:fs';

export type CliCommand = 'check' | 'in' | 'out';

export interface CliInvocation {
  readonly command: CliCommand;
  readonly dir?: string;
  readonly request: Record<string, unknown>;
  readonly dryRun: boolean;
  readonly printRequest: boolean;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

// Flag values are text; these fields are not. Everything else stays a string and the real
// request parser (in bin/X) judges it, so the CLI never accepts what Concourse would not.
const BOOLEAN_FIELDS = new Set([
  'insecure',
  'pre_releases',
  'created_at_sort',
  'debug',
  'skip_download',
  'bump_aliases',
  'azure_acr',
  'google_auth',
  'best_effort',
]);
const ARRAY_FIELDS = new Set(['pre_release_prefixes', 'ca_certs', 'aws_role_arns']);

export const CLI_USAGE = `usage: registry-image check|in|out [DIR] [options]

Builds the request a Concourse worker would send and runs the real bin/check, bin/in or
bin/out with it: request on stdin, response JSON on stdout, logs on stderr, same exit code.

options:
  --request FILE         start from a request JSON file ("-" for stdin); flags below override it
  --source KEY=VALUE     a source field; dotted keys nest (platform.os=linux), repeating an
                         array field appends (--source ca_certs=@ca1.pem --source ca_certs=@ca2.pem)
  --params KEY=VALUE     a params field (in/out), same rules
  --version KEY=VALUE    a version field (tag=1.2.3, digest=sha256:...)
  VALUE "@path"          reads the value from a file (certificates, passwords)
  --print-request        show the request on stderr before running it (secrets shown as ***)
  --dry-run              print the request on stdout and stop
  -h, --help             this text

examples:
  registry-image check --source repository=busybox --source semver_constraint='~1.36'
  registry-image in ./out-dir --source repository=busybox --version tag=1.36.1 \\
      --version digest=sha256:... --params format=oci
  registry-image out . --request put.json --params version=1.2.3 --params bump_aliases=true`;

function fieldValue(key: string, raw: string, readFile: (path: string) => string): unknown {
  const text = raw.startsWith('@') ? readFile(raw.slice(1)) : raw;
  if (BOOLEAN_FIELDS.has(key)) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new CliUsageError(`${key} must be true or false, got "${text}"`);
  }
  return text;
}

/** Sets `section.a.b.c = value`, appending when the last key is an array field. */
export function setField(
  target: Record<string, unknown>,
  section: string,
  assignment: string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new CliUsageError(`--${section} expects KEY=VALUE, got "${assignment}"`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new CliUsageError(`--${section}: invalid key "${assignment.slice(0, eq)}"`);
  }
  let node = (target[section] ??= {}) as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) node = node[part] = {} as Record<string, unknown>;
    else if (typeof next === 'object' && !Array.isArray(next)) node = next as Record<string, unknown>;
    else throw new CliUsageError(`--${section}: "${part}" is not an object`);
  }
  const key = path[path.length - 1] as string;
  const value = fieldValue(key, assignment.slice(eq + 1), readFile);
  if (ARRAY_FIELDS.has(key)) {
    const existing = node[key];
    node[key] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [value];
  } else {
    node[key] = value;
  }
}

/** Parses the command line; `readInput` reads `--request` files ("-" is stdin). */
export function parseCliArguments(
  argv: readonly string[],
  readInput: (path: string) => string,
): CliInvocation | 'help' {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return 'help';
  const [command, ...rest] = argv;
  if (command !== 'check' && command !== 'in' && command !== 'out') {
    throw new CliUsageError(`unknown command "${command ?? ''}": expected check, in or out`);
  }
  let dir: string | undefined;
  let base: Record<string, unknown> = {};
  const assignments: [string, string][] = [];
  let dryRun = false;
  let printRequest = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new CliUsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--request') {
      const file = value();
      try {
        base = JSON.parse(readInput(file)) as Record<string, unknown>;
      } catch (error) {
        throw new CliUsageError(`--request ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (base === null || typeof base !== 'object' || Array.isArray(base)) {
        throw new CliUsageError(`--request ${file} must hold a JSON object`);
      }
    } else if (arg === '--source' || arg === '--params' || arg === '--version') {
      assignments.push([arg.slice(2), value()]);
    } else if (arg.startsWith('--source=') || arg.startsWith('--params=') || arg.startsWith('--version=')) {
      const eq = arg.indexOf('=');
      assignments.push([arg.slice(2, eq), arg.slice(eq + 1)]);
    } else if (arg === '--dry-run') {
      dryRun = true;
    } else if (arg === '--print-request') {
      printRequest = true;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliUsageError(`unknown option ${arg}`);
    } else if (dir === undefined && command !== 'check') {
      dir = arg;
    } else {
      throw new CliUsageError(`unexpected argument "${arg}"`);
    }
  }
  if (command === 'check' && assignments.some(([s]) => s === 'params')) {
    throw new CliUsageError('check takes no params');
  }
  const request: Record<string, unknown> = structuredClone(base);
  for (const [section, assignment] of assignments) setField(request, section, assignment, readInput);
  if (command !== 'check' && dir === undefined && !dryRun) {
    throw new CliUsageError(`${command} needs a directory: registry-image ${command} DIR ...`);
  }
  return { command, ...(dir !== undefined ? { dir } : {}), request, dryRun, printRequest };
}
