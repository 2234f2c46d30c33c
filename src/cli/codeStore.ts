// The CLI's on-disk store of generated code (the core's CodeStore, src/core/codegen/cache.ts): a
// fresh `npm run sim` reads a model's step kernel and WebAssembly module instead of generating them.
// Entries live under node_modules/.cache/spikebridge/code, one file per key, named by a hash of
// the generator's version (the bundle's own hash) and the key. A file holds the hash of that
// version and key and of its contents; anything that does not match, cannot be read or cannot be
// written is ignored (generated again), so a damaged or unwritable cache only costs time.
// Importing this module installs the store in a bundle built by scripts/bundle.mjs (which puts its
// hash in BUNDLE_VERSION and imports this module first); elsewhere (tests under the TypeScript
// loader) there is no version to key by, and nothing is installed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useCodeStore, type CodeStore } from '../core/codegen/cache.js';

/** Replaced with the bundle's hash by scripts/bundle.mjs. */
const BUNDLE_VERSION = '@@SPIKEBRIDGE_BUNDLE_HASH@@';
const MAGIC = Buffer.from('SBCODE01');
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 2 * HASH_BYTES + 4;
/** Larger than any generated kernel by far: a file over it in the store is not ours, and is not read. */
const MOST_BYTES = 64 * 1024 * 1024;

function sha256(...parts: (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest();
}

/** A store in `directory` for the generator of version `version`. */
export function diskCodeStore(directory: string, version: string): CodeStore {
  const identity = (key: string) => sha256(version, key);
  const path = (id: Buffer) => join(directory, `${id.toString('hex').slice(0, 40)}.bin`);
  return {
    read(key) {
      try {
        const id = identity(key);
        if (statSync(path(id)).size > HEADER_BYTES + MOST_BYTES) return null;
        const file = readFileSync(path(id));
        if (file.length < HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) return null;
        if (!file.subarray(MAGIC.length, MAGIC.length + HASH_BYTES).equals(id)) return null;
        const length = file.readUInt32LE(MAGIC.length + 2 * HASH_BYTES);
        const payload = file.subarray(HEADER_BYTES);
        if (payload.length !== length) return null;
        if (!file.subarray(MAGIC.length + HASH_BYTES, MAGIC.length + 2 * HASH_BYTES).equals(sha256(payload))) return null;
        return new Uint8Array(payload);
      } catch {
        return null; // none yet, or unreadable
      }
    },
    write(key, bytes) {
      const id = identity(key);
      const target = path(id);
      const partial = `${target}.${process.pid}.${Date.now()}.tmp`;
      try {
        mkdirSync(directory, { recursive: true });
        const length = Buffer.alloc(4);
        length.writeUInt32LE(bytes.length);
        // Written whole under a name of this process, then renamed: a reader never sees half an entry.
        writeFileSync(partial, Buffer.concat([MAGIC, id, sha256(bytes), length, bytes]));
        renameSync(partial, target);
      } catch {
        try {
          unlinkSync(partial);
        } catch {
          // nothing was written
        }
      }
    },
  };
}

/** The repository's cache folder for generated code. */
export const CODE_CACHE_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'node_modules/.cache/spikebridge/code');

if (!BUNDLE_VERSION.startsWith('@@SPIKEBRIDGE') && process.env.SPIKEBRIDGE_NO_CODE_CACHE !== '1') {
  useCodeStore(diskCodeStore(CODE_CACHE_DIR, BUNDLE_VERSION));
}
