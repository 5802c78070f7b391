import { describe, expect, it } from 'vitest';
import { UploadSessions } from '../../../../src/adapters/embedded-registry/upload-sessions';
import { sha256 } from './support/serve-handler';

const repo = { registry: 'embedded.test', path: 'app' };

describe('UploadSessions', () => {
  it('hashes chunks as they arrive and hands back all the bytes', () => {
    const session = new UploadSessions().open(repo);
    session.append(Buffer.from('abc'));
    session.append(Buffer.from('def'));
    expect(session.size).toBe(6);
    const { digest, bytes } = session.finish();
    expect([digest, bytes.toString()]).toEqual([sha256('abcdef'), 'abcdef']);
  });

  it('finds a session only for the repository that opened it, until it is closed', () => {
    const sessions = new UploadSessions();
    const a = sessions.open(repo);
    const b = sessions.open(repo);
    expect(a.id).not.toBe(b.id);
    expect(sessions.openCount).toBe(2);
    expect(sessions.get(a.id, repo)).toBe(a);
    expect(sessions.get(a.id, { ...repo, path: 'other' })).toBeUndefined();
    expect(sessions.get(a.id, { ...repo, registry: 'elsewhere' })).toBeUndefined();
    sessions.close(a.id);
    expect(sessions.get(a.id, repo)).toBeUndefined();
    expect(sessions.openCount).toBe(1);
  });
});
