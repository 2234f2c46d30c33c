// A scenario refused by validation with an InputError naming `field`, its message matching `words`.
import { expect } from 'vitest';
import { InputError } from '../../src/core/errors';
import { validateScenario } from '../../src/scenario/scenario';

export function expectRefused(raw: unknown, field: string, words: RegExp): void {
  expect(() => validateScenario(raw)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(words) }));
  expect(() => validateScenario(raw)).toThrow(InputError);
}
