import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../../src/adapters/image-output/progress-reporter';
import { RecordingLogger } from './unpack-fixture';

const items = [
  { label: 'layer 1/2 aaaaaaaaaaaa', total: 2 * 1024 * 1024 },
  { label: 'layer 2/2 bbbbbbbbbbbb', total: 1024 * 1024 },
];

describe('progress reporter', () => {
  it('redraws one bar per layer in place on a terminal', () => {
    const out: string[] = [];
    const progress = createProgress(items, { isTTY: true, write: (t) => out.push(t) }, new RecordingLogger(), {
      ttyIntervalMs: 60_000,
    });
    progress.advance(0, 1024 * 1024);
    progress.stop();
    progress.advance(1, 1024 * 1024);
    progress.done(1);
    progress.stop();
    expect(out[0]).toBe(
      '\x1b[2Klayer 1/2 aaaaaaaaaaaa [============            ] 1.0/2.0 MiB\n' +
        '\x1b[2Klayer 2/2 bbbbbbbbbbbb [                        ] 0.0/1.0 MiB\n',
    );
    expect(out[1]).toBe(
      '\x1b[2A\x1b[2Klayer 1/2 aaaaaaaaaaaa [============            ] 1.0/2.0 MiB\n' +
        '\x1b[2Klayer 2/2 bbbbbbbbbbbb [========================] 1.0/1.0 MiB done\n',
    );
  });

  it('prints plain lines only for layers that moved, and one line when a layer is done', () => {
    const out: string[] = [];
    const progress = createProgress(items, { isTTY: false, write: (t) => out.push(t) }, new RecordingLogger(), {
      plainIntervalMs: 60_000,
    });
    progress.advance(0, 512 * 1024);
    progress.stop();
    progress.advance(1, 1024 * 1024);
    progress.done(1);
    progress.stop();
    expect(out).toEqual([
      'layer 1/2 aaaaaaaaaaaa [======                  ] 0.5/2.0 MiB\n',
      'layer 2/2 bbbbbbbbbbbb [========================] 1.0/1.0 MiB done\n',
    ]);
  });

  it('writes no progress with debug on, logging each finished blob instead', () => {
    const out: string[] = [];
    const logger = new RecordingLogger(true);
    const progress = createProgress(items, { isTTY: true, write: (t) => out.push(t) }, logger);
    progress.advance(0, 10);
    progress.done(0);
    progress.stop();
    expect(out).toEqual([]);
    expect(logger.lines).toEqual(['debug: layer 1/2 aaaaaaaaaaaa: 2097152 bytes fetched']);
  });
});
