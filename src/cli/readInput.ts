// A scenario from a preset name, a file or standard input ("-"), with the limits of src/scenario/json:
// the size is checked before the text is read whole (a regular file by its size, anything else
// block by block), a UTF-8 BOM is skipped, and nesting is bounded.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { BUILTIN_MODEL_IDS } from '../core/model/builtinModels.js';
import type { ModelFile } from '../core/model/modelFile.js';
import { loadModel } from '../core/model/loadModel.js';
import { PRESETS, preset } from '../scenario/presets.js';
import { JSON_LIMITS, decodeUtf8, parseJson } from '../scenario/json.js';
import { concatArrays } from '../core/arrays.js';

const BLOCK = 1 << 20;

/** What is read: a scenario (which a preset name can replace) or a model file. */
export type InputKind = 'scenario file' | 'model file';

function tooLarge(source: string, bytes: number | null, cap: number, kind: InputKind = 'scenario file'): InputError {
  const size = bytes === null ? 'more than' : `${(bytes / 1e6).toFixed(1)} MB; at most`;
  const advice = kind === 'scenario file' ? ' (record fewer neurons, or use a rule instead of a list of pairs)' : '';
  return new InputError(source, `is ${size} ${cap / (1024 * 1024)} MB${bytes === null ? '' : ' are read'}: a ${kind} must be smaller${advice}`);
}

/** The bytes of a file, refused before they are read whole if they exceed `cap`. */
export function readFileCapped(path: string, cap = JSON_LIMITS.scenarioBytes, kind: InputKind = 'scenario file'): Uint8Array {
  // An empty path would print as a message with no subject.
  const source = path === '' ? '"" (an empty path)' : path;
  const others = kind === 'scenario file' ? `presets are ${Object.keys(PRESETS).join(', ')}` : `model ids are ${BUILTIN_MODEL_IDS.join(', ')}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputError(source, `cannot read the ${kind} (${(err as NodeJS.ErrnoException).code ?? err}); ${others}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(source, `is a folder, not a ${kind}`);
    if (stat.isFile() && stat.size > cap) throw tooLarge(source, stat.size, cap, kind);
    // A pipe or a device has no size to check first: read block by block up to the cap.
    const blocks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const block = new Uint8Array(BLOCK);
      let n: number;
      try {
        n = readSync(fd, block, 0, BLOCK, null);
      } catch (err) {
        throw new InputError(source, `cannot read the ${kind} (${(err as NodeJS.ErrnoException).code ?? err})`);
      }
      if (n === 0) break;
      total += n;
      if (total > cap) throw tooLarge(source, null, cap, kind);
      blocks.push(block.subarray(0, n));
    }
    return concatArrays(blocks, (n) => new Uint8Array(n));
  } finally {
    closeSync(fd);
  }
}

/** Standard input, refused as soon as it passes `cap`. */
export async function readStdinCapped(cap = JSON_LIMITS.scenarioBytes): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const bytes = chunk as Uint8Array;
    total += bytes.length;
    if (total > cap) {
      process.stdin.destroy();
      throw tooLarge('standard input', null, cap);
    }
    blocks.push(bytes);
  }
  return concatArrays(blocks, (n) => new Uint8Array(n));
}

/** A scenario from a preset name, a JSON file or "-" (standard input), parsed, not yet validated. */
export async function readScenario(target: string): Promise<unknown> {
  if (Object.prototype.hasOwnProperty.call(PRESETS, target)) return preset(target);
  const source = target === '-' ? 'standard input' : target;
  const bytes = target === '-' ? await readStdinCapped() : readFileCapped(target);
  return parseJson(decodeUtf8(bytes, source), source);
}

/** --model: a model id of models/, or the path of a model file (a name ending in .json, or with a folder in it). */
export function modelArgument(flags: Map<string, string[]>): string | ModelFile {
  const value = flags.get('model')?.[0];
  if (value === undefined) throw new InputError('--model', `is required: a model id (${BUILTIN_MODEL_IDS.join(', ')}) or the path of a model file`);
  return modelFileArgument(value, '--model');
}

/**
 * A flag naming a model (--model, --activation neuron:MODEL): a model id of models/ as it is, or
 * a model file's path, read, parsed and checked here, so that what is wrong with the file is told
 * under the flag the user typed and the file's name (`--model: cell.json: format: ...`).
 */
export function modelFileArgument(value: string, flag: string): string | ModelFile {
  if ((BUILTIN_MODEL_IDS as readonly string[]).includes(value) || !/\.json$|[/\\]/.test(value)) return value;
  let bytes: Uint8Array;
  try {
    bytes = readFileCapped(value, JSON_LIMITS.scenarioBytes, 'model file');
  } catch (err) {
    throw new InputError(flag, `cannot read the model file ${JSON.stringify(value.slice(0, 200))}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const raw = parseJson(decodeUtf8(bytes, value), value);
    loadModel(raw, value);
    return raw as ModelFile;
  } catch (err) {
    if (err instanceof InputError) throw new InputError(flag, err.message);
    throw err;
  }
}
