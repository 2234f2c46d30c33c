// How tests read a refusal: an InputError's message, or a scenario refused naming a field.
import { expect } from 'vitest';
import { InputError } from '../../src/core/errors';
import { validateScenario } from '../../src/scenario/scenario';

export function expectRefused(raw: unknown, field: string, words: RegExp): void {
  expect(() => validateScenario(raw)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(words) }));
  expect(() => validateScenario(raw)).toThrow(InputError);
}

/** What InputError `work` throws (its message), or "accepted"; any other error is thrown on. */
export function refusal(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  return 'accepted';
}
