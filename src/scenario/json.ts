// Text from a user (a scenario file, a share link, stdin) becomes data here, and only here, with
// the limits every such text gets: a UTF-8 byte-order mark is skipped, JSON.parse builds plain
// data, and nesting is bounded before anything walks the result. V8's JSON.parse reads any depth,
// but JSON.stringify, structuredClone and recursive walkers overflow the stack on 10^4 levels,
// which would surface as "Maximum call stack size exceeded" far from the input that caused it.
import { InputError } from '../core/errors.js';

export const JSON_LIMITS = {
  /** Levels of arrays and objects: a scenario with an inline model and a list of pairs needs 7. */
  maxDepth: 32,
  /** Bytes of a scenario file or of standard input, refused before they are read whole. */
  scenarioBytes: 20 * 1024 * 1024,
};

/** A path in the usual field notation: populations[0].model.state. */
function pathOf(keys: (string | number)[]): string {
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else path += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path ? '.' : ''}${key}` : `[${JSON.stringify(key.slice(0, 40))}]`;
  }
  return path;
}

function flat(list: unknown[]): boolean {
  for (let k = 0; k < list.length; k++) if (typeof list[k] === 'object' && list[k] !== null) return false;
  return true;
}

/** Where a deep value is: the first levels of its path, enough to find it. */
function shortPath(keys: (string | number)[]): string {
  return keys.length <= 12 ? pathOf(keys) : `${pathOf(keys.slice(0, 8))}...${pathOf(keys.slice(-2))}`;
}

/**
 * Refuse data nested deeper than `maxDepth` levels of arrays and objects, naming where. Walks
 * without recursion, holding one frame per level (so a list of 10^7 pairs costs no memory here).
 */
export function checkDepth(value: unknown, field = '', maxDepth = JSON_LIMITS.maxDepth): void {
  if (typeof value !== 'object' || value === null) return;
  type Frame = { value: object; keys: string[] | null; next: number; key: string | number };
  const frames: Frame[] = [{ value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0, key: '' }];
  while (frames.length > 0) {
    const top = frames[frames.length - 1];
    const length = top.keys ? top.keys.length : (top.value as unknown[]).length;
    if (top.next >= length) {
      frames.pop();
      continue;
    }
    const key = top.keys ? top.keys[top.next] : top.next;
    top.next++;
    const child = (top.value as Record<string | number, unknown>)[key];
    if (typeof child !== 'object' || child === null) continue;
    if (frames.length >= maxDepth) {
      const path = shortPath([...frames.slice(1).map((f) => f.key), key]);
      const where = field && !path.startsWith('[') ? `${field}.${path}` : `${field}${path}`;
      throw new InputError(where, `is nested more than ${maxDepth} levels deep (arrays and objects inside each other); at most ${maxDepth} levels are read`);
    }
    if (Array.isArray(child) && flat(child)) continue; // a list of numbers ends here, without a frame
    frames.push({ value: child, keys: Array.isArray(child) ? null : Object.keys(child), next: 0, key });
  }
}

/** Skip a UTF-8 byte-order mark; name a UTF-16 or UTF-32 one, which JSON text must not have. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Bytes of a file or stream as UTF-8 text: a BOM is skipped, other encodings are named. */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(source, 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8');
  }
  try {
    return withoutByteOrderMark(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new InputError(source, 'is not UTF-8 text; save it as UTF-8');
  }
}

/** Parse JSON text from a user, with the limits above; `source` names it in messages. */
export function parseJson(text: string, source: string): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(withoutByteOrderMark(text));
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 160) : 'parse error';
    throw new InputError(source, `is not valid JSON: ${why}`);
  }
  checkDepth(raw);
  return raw;
}
