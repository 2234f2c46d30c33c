// A minimal WebAssembly binary writer: one module with one imported memory and exported
// functions, and the instructions our generated kernels use (scalar f64/i32 and 128-bit SIMD).
// Hand-written because the toolkits on npm (wabt, binaryen) are megabytes of compiler for the
// browser to load, and we emit a few dozen opcodes. Every byte written here comes from our own
// code generator: nothing from a model file reaches it but numbers.

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

function unsignedLeb(value: number, out: number[]): void {
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
}

function signedLeb(value: number, out: number[]): void {
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** Instructions of one function body, written as they are called. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(private readonly paramCount: number) {}

  /** Declare a local; returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  private simd(opcode: number): this {
    this.bytes.push(0xfd);
    unsignedLeb(opcode, this.bytes);
    return this;
  }
  private memarg(align: number, offset: number): this {
    unsignedLeb(align, this.bytes);
    unsignedLeb(offset, this.bytes);
    return this;
  }

  get(index: number): this {
    this.op(0x20);
    unsignedLeb(index, this.bytes);
    return this;
  }
  set(index: number): this {
    this.op(0x21);
    unsignedLeb(index, this.bytes);
    return this;
  }
  i32(value: number): this {
    this.op(0x41);
    signedLeb(value | 0, this.bytes);
    return this;
  }
  f64(value: number): this {
    this.op(0x44);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    for (let k = 0; k < 8; k++) this.bytes.push(view.getUint8(k));
    return this;
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  tee(index: number): this {
    this.op(0x22);
    unsignedLeb(index, this.bytes);
    return this;
  }
  select(): this {
    return this.op(0x1b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Div(): this {
    return this.op(0xa3);
  }
  f64Neg(): this {
    return this.op(0x9a);
  }
  f64Abs(): this {
    return this.op(0x99);
  }
  f64Lt(): this {
    return this.op(0x63);
  }
  f64Eq(): this {
    return this.op(0x61);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Xor(): this {
    return this.op(0x73);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Load(offset = 0): this {
    return this.op(0x28).memarg(2, offset);
  }
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  f64Gt(): this {
    return this.op(0x64);
  }
  f64Ge(): this {
    return this.op(0x66);
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32Store(offset = 0): this {
    return this.op(0x36).memarg(2, offset);
  }
  f64Load(offset = 0): this {
    return this.op(0x2b).memarg(3, offset);
  }
  f64Store(offset = 0): this {
    return this.op(0x39).memarg(3, offset);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f64Le(): this {
    return this.op(0x65);
  }
  v128Load(offset = 0): this {
    return this.simd(0x00).memarg(4, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b).memarg(4, offset);
  }
  v128Zero(): this {
    this.simd(0x0c);
    for (let k = 0; k < 16; k++) this.bytes.push(0);
    return this;
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f64x2Lt(): this {
    return this.simd(0x49);
  }
  f64x2Le(): this {
    return this.simd(0x4b);
  }
  f64x2Ge(): this {
    return this.simd(0x4c);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** (a & mask) | (b & ~mask), with a, b, mask pushed in that order. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  i64x2AllTrue(): this {
    return this.simd(0xc3);
  }
  i64x2Bitmask(): this {
    return this.simd(0xc4);
  }
  return(): this {
    return this.op(0x0f);
  }
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  /** An if whose branches each leave one value of `type`. */
  ifValue(type: ValueType): this {
    return this.op(0x04, type);
  }
  f64Ne(): this {
    return this.op(0x62);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    unsignedLeb(depth, this.bytes);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    unsignedLeb(depth, this.bytes);
    return this;
  }

  /** The function body: local declarations, code, end. */
  body(): number[] {
    const out: number[] = [];
    unsignedLeb(this.locals.length, out);
    for (const type of this.locals) out.push(1, type);
    out.push(...this.bytes, 0x0b);
    const sized: number[] = [];
    unsignedLeb(out.length, sized);
    return sized.concat(out);
  }
}

export interface WasmFunction {
  name: string;
  params: ValueType[];
  results: ValueType[];
  code: Code;
}

function section(id: number, content: number[]): number[] {
  const out = [id];
  unsignedLeb(content.length, out);
  return out.concat(content);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  unsignedLeb(items.length, out);
  for (const item of items) out.push(...item);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  const out: number[] = [];
  unsignedLeb(bytes.length, out);
  return out.concat(bytes);
}

/** A module importing memory `env.memory` (at least `pages` of 64 KiB) and exporting `functions`. */
export function moduleBytes(pages: number, functions: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, ...(() => {
    const out: number[] = [];
    unsignedLeb(pages, out);
    return out;
  })()];
  const exports = functions.map((f, k) => {
    const out = [...name(f.name), 0x00];
    unsignedLeb(k, out);
    return out;
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, k) => {
      const out: number[] = [];
      unsignedLeb(k, out);
      return out;
    }))),
    ...section(7, vector(exports)),
    ...section(10, vector(functions.map((f) => f.code.body()))),
  ];
  return new Uint8Array(bytes);
}
