import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { RepositoryRef } from '../../domain/image-reference';

/** A blob upload in progress: chunks held in memory, hashed as they arrive. */
export class UploadSession {
  private readonly chunks: Buffer[] = [];
  private readonly hash: Hash = createHash('sha256');
  private received = 0;

  constructor(
    readonly id: string,
    readonly repo: RepositoryRef,
  ) {}

  get size(): number {
    return this.received;
  }

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.hash.update(chunk);
    this.received += chunk.length;
  }

  /** The sha256 digest of everything received, and the bytes themselves. */
  finish(): { digest: string; bytes: Buffer } {
    return { digest: `sha256:${this.hash.digest('hex')}`, bytes: Buffer.concat(this.chunks) };
  }
}

/** Open upload sessions by id; a session belongs to the repository that opened it. */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  open(repo: RepositoryRef): UploadSession {
    const session = new UploadSession(randomUUID(), repo);
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string, repo: RepositoryRef): UploadSession | undefined {
    const session = this.sessions.get(id);
    return session && session.repo.registry === repo.registry && session.repo.path === repo.path ? session : undefined;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  get openCount(): number {
    return this.sessions.size;
  }
}
