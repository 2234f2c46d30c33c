// Progress of a long run on stderr: a bar redrawn in place on a terminal, a line per tenth otherwise.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress';

function stream(tty: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY: tty, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

describe('progress on stderr', () => {
  it('not a terminal: one line per tenth of the run, however often it is updated', () => {
    const { writes, stream: s } = stream(false);
    const progress = new Progress(8000, 60, s);
    for (let ms = 0; ms <= 8000; ms += 40) progress.update(ms);
    progress.finish();
    expect(writes.length).toBe(10);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(writes[0]).toMatch(/^progress: 10% \(800 of 8000 ms simulated, [\d.]+ s so far, about [\d.]+ (s|minutes) left\)\n$/);
    expect(writes[9]).toMatch(/^progress: 100% \(8000 of 8000 ms simulated, [\d.]+ s so far\)\n$/);
  });

  it('a terminal: a bar redrawn in place, ended by a newline', () => {
    const { writes, stream: s } = stream(true);
    const progress = new Progress(1, 60, s, 'of the sweep');
    progress.update(0.5);
    progress.update(1);
    progress.finish();
    expect(writes.at(-2)).toMatch(/^\r\x1b\[K\[#{30}\] 100% of the sweep \([\d.]+ s so far\)$/);
    expect(writes.slice(0, -1).every((w) => w.startsWith('\r\x1b[K['))).toBe(true);
    expect(writes.at(-1)).toBe('\n');
  });
});
