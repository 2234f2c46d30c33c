// Text to a stream in pieces of about a megabyte, waiting for the stream to drain when it asks to:
// output of any size goes out without ever being one string, and memory stays bounded when the
// reader is slower than the run (a pipe to gzip, a slow disk).
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const PIECE = 1 << 20;

export class TextSink {
  private parts: string[] = [];
  private size = 0;
  bytesWritten = 0;

  constructor(private readonly stream: Writable = process.stdout) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= PIECE) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.bytesWritten += text.length;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
}

/** A number as JSON writes it (null where JSON has no number). */
export function jsonNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

/** Numbers separated by commas, as JSON writes each (null for a value JSON has no number for). */
export function joinNumbers(values: Float64Array | Int32Array): string {
  if (values instanceof Int32Array) {
    // Concatenation is the fastest way V8 has to write integers (a typed array's join is 3x slower).
    let text = values.length > 0 ? String(values[0]) : '';
    for (let k = 1; k < values.length; k++) text += `,${values[k]}`;
    return text;
  }
  // JSON.stringify writes doubles twice as fast as String() or join, and NaN as null.
  return JSON.stringify(Array.from(values)).slice(1, -1);
}
