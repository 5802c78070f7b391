/**
 * The real cosign CLI (Debian trixie's `cosign` 2.5.0, installed by .ci/run), run offline:
 *
 *   const cosign = new CosignCli(dir)          // HOME and TUF_ROOT inside `dir`
 *   await cosign.run(['verify', ...], { password?, env? }) → { code, stdout, stderr }
 *   await cosign.generateKeyPair(password) → { keyPath, pubPath, key, pub }
 *
 * Every run has no transparency log (the callers pass `--tlog-upload=false` /
 * `--insecure-ignore-tlog=true`), `COSIGN_YES=true`, and HTTP(S)_PROXY pointing at a closed
 * loopback port: Go never proxies 127.0.0.1, so the test registry is reached directly and any
 * attempt to reach Rekor, Fulcio or TUF fails instead of leaving the machine.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const COSIGN_BINARY = 'cosign';

export interface CosignRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CosignKeyPair {
  readonly keyPath: string;
  readonly pubPath: string;
  /** cosign.key: "ENCRYPTED SIGSTORE PRIVATE KEY". */
  readonly key: string;
  readonly pub: string;
}

export class CosignCli {
  private readonly home: string;

  constructor(private readonly dir: string) {
    this.home = join(dir, 'home');
    mkdirSync(join(this.home, 'tuf'), { recursive: true });
  }

  run(
    args: string[],
    options: { password?: string; env?: Record<string, string>; cwd?: string } = {},
  ): Promise<CosignRun> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      TUF_ROOT: join(this.home, 'tuf'),
      COSIGN_YES: 'true',
      COSIGN_PASSWORD: options.password ?? '',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      ...(options.env ?? {}),
    };
    return new Promise((resolve, reject) => {
      execFile(
        COSIGN_BINARY,
        args,
        { cwd: options.cwd ?? this.dir, env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error?.signal) {
            reject(new Error(`cosign ${args[0] ?? ''} was killed (${error.signal}): ${stderr.trim()}`));
            return;
          }
          if (error && typeof error.code !== 'number') {
            // ENOENT and friends: the tool is missing, which must fail loudly (tests never skip).
            reject(new Error(`cosign ${args[0] ?? ''} could not run (${error.message}); .ci/run installs it`));
            return;
          }
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
        },
      );
    });
  }

  /** `cosign generate-key-pair` in a fresh directory under this one. */
  async generateKeyPair(password: string, name: string): Promise<CosignKeyPair> {
    const cwd = join(this.dir, `keys-${name}`);
    mkdirSync(cwd, { recursive: true });
    const result = await this.run(['generate-key-pair'], { password, cwd });
    if (result.code !== 0) throw new Error(`cosign generate-key-pair failed: ${result.stderr.trim()}`);
    const keyPath = join(cwd, 'cosign.key');
    const pubPath = join(cwd, 'cosign.pub');
    return { keyPath, pubPath, key: readFileSync(keyPath, 'utf8'), pub: readFileSync(pubPath, 'utf8') };
  }
}
