// Columns of numbers a run produces chunk by chunk (spike times, neuron indices, trace samples),
// kept in memory up to a budget and beyond it in a temporary file, then read back in blocks when
// the output is written. The output's shape puts all spike times before all neuron indices, so
// they cannot go to stdout as they come; spooling keeps memory bounded whatever the run's length.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type NumberArray = Float64Array | Int32Array;

/** Bytes all columns of a spool keep in memory before they go to disk. */
const MEMORY_BUDGET = 64 * 1024 * 1024;

export class Spool {
  private dir: string | null = null;
  private files = 0;
  inMemory = 0;
  private readonly columns: SpoolColumn<NumberArray>[] = [];
  private readonly cleanUp = () => this.dispose();

  constructor(private readonly budget = MEMORY_BUDGET) {
    // Removed on any exit, an error or a second Ctrl-C included.
    process.once('exit', this.cleanUp);
  }

  column<T extends NumberArray>(make: (n: number) => T): SpoolColumn<T> {
    const column = new SpoolColumn(this, make);
    this.columns.push(column as unknown as SpoolColumn<NumberArray>);
    return column;
  }

  /** Whether `bytes` more fit in memory; if not, every column moves to disk. */
  reserve(bytes: number): boolean {
    if (this.inMemory + bytes <= this.budget) {
      this.inMemory += bytes;
      return true;
    }
    for (const c of this.columns) c.spill();
    this.inMemory = 0;
    return false;
  }

  file(): number {
    this.dir ??= mkdtempSync(join(tmpdir(), 'spikebridge-run-'));
    return openSync(join(this.dir, `column-${this.files++}`), 'w+');
  }

  dispose(): void {
    for (const c of this.columns) c.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    process.removeListener('exit', this.cleanUp);
  }
}

export class SpoolColumn<T extends NumberArray> {
  private chunks: T[] = [];
  private fd: number | null = null;
  private bytesOnDisk = 0;
  length = 0;

  constructor(
    private readonly spool: Spool,
    private readonly make: (n: number) => T,
  ) {}

  push(values: T): void {
    if (values.length === 0) return;
    this.length += values.length;
    if (this.fd === null && this.spool.reserve(values.byteLength)) {
      this.chunks.push(values);
      return;
    }
    if (this.fd === null) this.spill();
    this.write(values);
  }

  /** Move what is held in memory to a file; later values follow it there. */
  spill(): void {
    if (this.fd !== null) return;
    this.fd = this.spool.file();
    for (const c of this.chunks) this.write(c);
    this.chunks = [];
  }

  private write(values: T): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd!, bytes, at, bytes.length - at, this.bytesOnDisk + at);
    this.bytesOnDisk += bytes.length;
  }

  /** The values in order, in blocks of `size` (the last may be shorter): columns pushed together line up. */
  *blocks(size = 65536): Generator<T> {
    if (this.fd === null) {
      let block = this.make(size);
      let filled = 0;
      for (const chunk of this.chunks) {
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(size - filled, chunk.length - at);
          block.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === size) {
            yield block;
            block = this.make(size);
            filled = 0;
          }
        }
      }
      if (filled > 0) yield block.subarray(0, filled) as T;
      return;
    }
    const block = this.make(size);
    const bytes = new Uint8Array(block.buffer);
    let position = 0;
    while (position < this.bytesOnDisk) {
      const want = Math.min(bytes.length, this.bytesOnDisk - position);
      let got = 0;
      while (got < want) {
        const n = readSync(this.fd, bytes, got, want - got, position + got);
        if (n === 0) throw new Error('a spooled column ended early');
        got += n;
      }
      position += want;
      yield block.subarray(0, want / block.BYTES_PER_ELEMENT) as T;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.chunks = [];
  }
}
