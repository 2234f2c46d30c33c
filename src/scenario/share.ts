// A scenario in a link: its JSON, deflated, in base64url after "#s=". Opening a link means reading
// data from anyone, so the hash is checked for size and alphabet, inflated with a cap (a small
// hash must not expand into gigabytes), decoded as strict UTF-8, parsed as JSON (which builds plain
// data and runs nothing), and then passes validateScenario like any scenario file: equations only
// ever reach the whitelisting loader. The validation (and the equation parser under it) is loaded
// when a link is read or made, so a page that opens without one does not load it before its first frame.
import { InputError } from '../core/errors.js';
import type { Scenario } from './scenario.js';
import { checkDepth } from './json.js';
import { concatArrays } from '../core/arrays.js';

export const SHARE_PREFIX = '#s=';
export const SHARE_LIMITS = {
  /** Characters after the prefix: browsers keep far longer URLs, but a scenario needs far fewer. */
  hashChars: 200_000,
  /** Bytes of JSON after inflating. */
  jsonBytes: 2_000_000,
};

export type SharedScenario = { ok: true; scenario: Scenario } | { ok: false; field: string; message: string };

async function pipe(bytes: Uint8Array<ArrayBuffer>, transform: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new InputError('link', `inflates to more than ${limit} bytes; a shared scenario must be smaller`);
    }
    chunks.push(value);
  }
  return concatArrays(chunks, (n) => new Uint8Array(n));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let k = 0; k < bytes.length; k += 0x8000) binary += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k);
  return out;
}

/** The hash (with its "#s=" prefix) that carries this scenario. Validates it first. */
export async function scenarioToHash(raw: unknown): Promise<string> {
  const { validateScenario } = await import('./scenario.js');
  const { scenario } = validateScenario(raw);
  const json = new TextEncoder().encode(JSON.stringify(scenario));
  const deflated = await pipe(json, new CompressionStream('deflate-raw'), Infinity);
  return SHARE_PREFIX + toBase64Url(deflated);
}

/** Read a scenario from a location hash. Never throws: a refused link comes back as a message. */
export async function scenarioFromHash(hash: string): Promise<SharedScenario> {
  try {
    if (!hash.startsWith(SHARE_PREFIX)) throw new InputError('link', `does not start with "${SHARE_PREFIX}"`);
    const payload = hash.slice(SHARE_PREFIX.length);
    if (payload.length === 0) throw new InputError('link', 'is empty after "#s="');
    if (payload.length > SHARE_LIMITS.hashChars) throw new InputError('link', `has ${payload.length} characters after "#s="; at most ${SHARE_LIMITS.hashChars} are read`);
    const bad = /[^A-Za-z0-9_-]/.exec(payload);
    if (bad) throw new InputError('link', `has ${JSON.stringify(bad[0])} at position ${bad.index + SHARE_PREFIX.length}; a shared scenario uses only A-Z a-z 0-9 - _`);
    let json: Uint8Array;
    try {
      json = await pipe(fromBase64Url(payload), new DecompressionStream('deflate-raw'), SHARE_LIMITS.jsonBytes);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError('link', 'is damaged: its data does not inflate (was it cut short when copied?)');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    } catch {
      throw new InputError('link', 'does not hold UTF-8 text');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InputError('link', `does not hold JSON (${err instanceof Error ? err.message.slice(0, 120) : 'parse error'})`);
    }
    checkDepth(raw, 'link');
    const { validateScenario } = await import('./scenario.js');
    return { ok: true, scenario: validateScenario(raw).scenario };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, field: err.field, message: err.message };
    // Anything else (a RangeError from absurd nesting, say) is still a refused link, not a crash.
    return { ok: false, field: 'link', message: `link: cannot be read (${err instanceof Error ? err.message.slice(0, 120) : String(err).slice(0, 120)})` };
  }
}
