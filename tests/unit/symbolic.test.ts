// The loader's own derivative and folding (symbolic.ts): derivatives agree with finite
// differences, folding keeps every value to the bit (and a NaN it cannot fold stays NaN), and
// the parameter-only subtrees a kernel hoists are found in one pass.
import { describe, expect, it } from 'vitest';
import type { MathNode } from 'mathjs/number';
import { parse } from '../../src/core/math';
import { differentiate, fold, NoDerivative, writtenSize } from '../../src/core/model/symbolic';
import { parameterOnlyNodes, toClosure } from '../../src/core/codegen/expression';

const names = ['v', 'w', 'a', 'b'];
const evaluate = (node: MathNode, values: number[]) => toClosure(node, (name) => names.indexOf(name))(values);

describe('differentiate', () => {
  it.each([
    'a * v ^ 3 - w / v + exp(v / b)',
    '(v - a) / (b + v * v)',
    'sqrt(v * v + 1) * log(v + 10) + log1p(v / 20)',
    'tanh(v / a) + sinh(v / 10) * cosh(w) - sin(v) * cos(v)',
    'abs(v - 1) + expm1(v / 5) + pow(v + 2, a) + v ^ w',
    '-(-(v)) + +v',
  ])('d/dv %s agrees with a central difference', (text) => {
    const node = parse(text);
    const d = differentiate(node, 'v', () => null);
    for (const point of [[0.7, 1.3, 2.1, 3.4], [2.5, -0.4, 1.7, 5.2], [-0.3, 2, 0.9, 4]]) {
      const h = 1e-6;
      const up = evaluate(node, [point[0] + h, ...point.slice(1)]);
      const down = evaluate(node, [point[0] - h, ...point.slice(1)]);
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(evaluate(d, point) - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('takes the derivative of a named value from `named` (the chain rule through names)', () => {
    // d/dv (x * x) with dx/dv given as the symbol $d: 2 x $d, written $d * x + x * $d
    const d = differentiate(parse('x * x + v'), 'v', (name) => (name === 'x' ? parse('$d') : null));
    expect(d.toString()).toBe('$d * x + x * $d + 1');
  });

  it('a quotient or power of constants has derivative 0, even 0 / 0', () => {
    expect(differentiate(parse('0 / 0 + a ^ b'), 'v', () => null).toString()).toBe('0');
  });

  it.each(['v > 1 ? v : 0', 'exprel(v)', 'min(v, 1)', 'max(v, 1)', 'sign(v)', 'floor(v)', 'v < 1'])('%s has no derivative here (the methods that need one say so)', (text) => {
    expect(() => differentiate(parse(text), 'v', () => null)).toThrow(NoDerivative);
  });
});

describe('fold', () => {
  it.each([
    '(v + 0) * 1 - 0 + 0 * w + w * 1 / 1',
    '-(-(v)) - (-w) + a + (-b)',
    '2 * 3 + v ^ 1 + w ^ 0 + exp(0) * v',
    '(1 > 0 ? v : w) + (0 and v) + not 0',
    '-(a - b) * (v - -w)',
  ])('%s keeps its value to the bit', (text) => {
    const node = parse(text);
    const folded = fold(node);
    expect(writtenSize(folded)).toBeLessThanOrEqual(writtenSize(node));
    for (const point of [[0.7, 1.3, 2.1, 3.4], [-2.5, 0.4, -1.7, 5.2]]) expect(Object.is(evaluate(folded, point), evaluate(node, point))).toBe(true);
  });

  it('folds constants only to finite values: 0 / 0 stays, and is still NaN', () => {
    expect(fold(parse('0 / 0 + 1e308 * 10')).toString()).toBe('0 / 0 + 1e+308 * 10');
    expect(evaluate(fold(parse('0 / 0')), [0, 0, 0, 0])).toBeNaN();
    expect(fold(parse('2 ^ 10 - 24')).toString()).toBe('1000');
  });
});

describe('parameterOnlyNodes', () => {
  it('finds the subtrees of parameters alone, not a function name or a constant', () => {
    const node = parse('a * (b + 2) + v * exp(b / a) + 3 * 4');
    const found = [...parameterOnlyNodes(node, (name) => name === 'a' || name === 'b')].map((n) => n.toString());
    expect(found).toContain('a * (b + 2)');
    expect(found).toContain('exp(b / a)');
    expect(found).toContain('b / a');
    expect(found).not.toContain('3 * 4');
    expect(found.some((s) => s.includes('v'))).toBe(false);
  });
});
