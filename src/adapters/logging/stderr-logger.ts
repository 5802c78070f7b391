import { injectable } from 'inversify';
import type { Logger } from '../../ports/logger';

/** Logs to stderr, scrubbing any configured secret that slipped into a message. */
@injectable()
export class StderrLogger implements Logger {
  private readonly secrets: string[];

  constructor(
    readonly debugEnabled: boolean,
    secrets: readonly string[] = [],
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.secrets = [...secrets];
  }

  registerSecret(secret: string): void {
    if (!this.secrets.includes(secret)) this.secrets.push(secret);
  }

  info(message: string): void {
    this.write(`${redactSecrets(message, this.secrets)}\n`);
  }

  warn(message: string): void {
    this.write(`WARNING: ${redactSecrets(message, this.secrets)}\n`);
  }

  debug(message: string): void {
    if (this.debugEnabled) this.write(`DEBUG: ${redactSecrets(message, this.secrets)}\n`);
  }
}

/** Replace every occurrence of each secret (of 4+ characters) with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
