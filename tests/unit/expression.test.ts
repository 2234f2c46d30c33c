// Equation text can arrive from a shared link: hostile strings must be refused and never run.
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate } from 'mathjs';
import { parseExpression, toClosure, toJs, MAX_EXPRESSION_LENGTH } from '../../src/core/codegen/expression';
import { loadModel } from '../../src/core/model/loadModel';
import { InputError } from '../../src/core/errors';
import lif from '../../models/lif.json';

const declared = new Set(['v', 'E_L', 'tau_m', 'I', 'R']);
const isDeclared = (name: string) => declared.has(name);
const g = globalThis as Record<string, unknown>;

const HOSTILE = [
  'v.constructor',
  'v["constructor"]',
  'constructor',
  '__proto__',
  'v.__proto__.polluted = 1',
  'import("fs")',
  'import({}, {override: true})',
  'evaluate("1+1")',
  'parse("1")',
  'compile("x")',
  'f(x) = x',
  'f(x) = __pwned = 1',
  'globalThis',
  'x = 3',
  '__pwned = 1',
  'v; __pwned = 1',
  '"a string"',
  "'single'",
  '`template`',
  'createUnit("foo")',
  'cos.constructor("return 1")()',
  '[1, 2, 3]',
  '{a: 1}',
  'v[1]',
  '1:10',
  'typeof(v)',
  'eval("1")',
  'Function("return 1")',
  'this',
  'process.exit(1)',
  'exp.call(1)',
  '2 mV',
  'v!',
  'v mod 2',
  'v & 1',
  "v'",
  'sum([1,2])',
  'map([1], f)',
  'e',
  'pi',
  '(' .repeat(100) + 'v' + ')'.repeat(100),
  'v + '.repeat(1000) + 'v',
  '-'.repeat(5000) + 'v',
];

afterEach(() => {
  delete g.__pwned;
});

describe('the expression whitelist', () => {
  const labelled = HOSTILE.map((text) => [text.length > 40 ? `${text.slice(0, 24)}... (${text.length} characters)` : text, text]);
  it.each(labelled)('refuses %s with a message and runs nothing', (_label, text) => {
    g.__pwned = 0;
    let error: unknown;
    try {
      parseExpression(text, 'equations[0]', isDeclared);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message.startsWith('equations[0]: ')).toBe(true);
    expect(message.length).toBeGreaterThan(20);
    expect(g.__pwned).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the offending token', () => {
    expect(() => parseExpression('v.constructor', 'f', isDeclared)).toThrow(/property or index access/);
    expect(() => parseExpression('evaluate(v)', 'f', isDeclared)).toThrow(/"evaluate"/);
    expect(() => parseExpression('f(x) = x', 'f', isDeclared)).toThrow(/function definition/);
    expect(() => parseExpression('(v - E_X) / tau_m', 'f', isDeclared)).toThrow(/unknown symbol "E_X"/);
    expect(() => parseExpression('"s"', 'f', isDeclared)).toThrow(/strings are not allowed/);
    expect(() => parseExpression('v'.repeat(MAX_EXPRESSION_LENGTH + 1), 'f', isDeclared)).toThrow(/at most 2000/);
  });

  it('puts a caret under the column of a syntax error', () => {
    try {
      parseExpression('(v - E_L) / * tau_m', 'equations[0]', isDeclared);
      expect.unreachable();
    } catch (err) {
      const lines = (err as Error).message.split('\n');
      expect(lines[0]).toMatch(/cannot parse/);
      expect(lines[1].trim()).toBe('(v - E_L) / * tau_m');
      expect(lines[2].indexOf('^') - lines[1].indexOf('(')).toBe(12);
    }
  });

  it('accepts what equations need: arithmetic, comparisons, conditionals, the function list', () => {
    for (const ok of ['-(v - E_L) / tau_m + R*I', 'v > E_L ? exp(v / 10) : tanh(v)', 'min(v, E_L, 3) ^ 2', 'exprel(-(v + 40) / 10)', 'abs(v) <= 1 and not (v == 2)']) {
      expect(() => parseExpression(ok, 'f', isDeclared)).not.toThrow();
    }
  });

  it('refuses hostile names in a model file too', () => {
    const bad = (patch: (m: Record<string, unknown>) => void) => {
      const model = structuredClone(lif) as unknown as Record<string, unknown>;
      patch(model);
      return () => loadModel(model, 'hostile.json');
    };
    const spec = '{ "value": 1, "unit": "", "min": 0, "max": 2, "meaning": "" }';
    // As a hostile JSON file would arrive: own keys named constructor and __proto__.
    expect(bad((m) => Object.assign(m.parameters as object, JSON.parse(`{ "constructor": ${spec} }`)))).toThrow(/reserved/);
    expect(bad((m) => (m.parameters = { ...(m.parameters as object), ...JSON.parse(`{ "__proto__": ${spec} }`) }))).toThrow(/"__proto__" is not allowed/);
    expect(bad((m) => (m.state = JSON.parse('{ "__proto__": { "initial": "0", "unit": "", "meaning": "" } }')))).toThrow(/not allowed/);
    expect(bad((m) => ((m.parameters as Record<string, unknown>)['a.b'] = { value: 1, unit: '', min: 0, max: 2, meaning: '' }))).toThrow(/not allowed/);
    expect(bad((m) => (m.equations = ['dv/dt = (-(v - E_L) + R*I) / tau_m; __pwned = 1']))).toThrow(InputError);
    expect(bad((m) => (m.reset = { v: 'import(v)' }))).toThrow(/"import"/);
    expect(bad((m) => (m.threshold = { variable: 'v', level: 'v.constructor' }))).toThrow(/property or index access/);
  });
});

describe('generated code agrees with mathjs', () => {
  const cases = [
    '-(v - E_L) / tau_m + R * I',
    'v > E_L ? exp(v / 50) : tanh(v / 10)',
    'min(v, E_L) ^ 2 + max(R, I, tau_m)',
    'v ^ 3 - 2 * v ^ 2 + abs(I) ^ 0.5',
    'v >= E_L and I < 1',
    'not (v < 0) or I == 2',
    'sqrt(abs(v)) + log(tau_m) + cosh(I / 10) - sinh(R / 100)',
  ];
  it.each(cases)('%s', (text) => {
    const node = parseExpression(text, 'f', isDeclared);
    const names = ['v', 'E_L', 'tau_m', 'I', 'R'];
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const compiled = new Function(...names, `return ${toJs(node, (n) => n)};`) as (...x: number[]) => number;
    const closure = toClosure(node, (n) => names.indexOf(n));
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let k = 0; k < 200; k++) {
      const values = [-100 + 150 * rand(), -80 + 20 * rand(), 1 + 30 * rand(), -5 + 10 * rand(), 1 + 100 * rand()];
      const scope = Object.fromEntries(names.map((n, j) => [n, values[j]]));
      const expected = Number(evaluate(text, scope));
      expect(compiled(...values)).toBeCloseTo(expected, 9);
      expect(closure(values)).toBeCloseTo(expected, 9);
    }
  });
});
