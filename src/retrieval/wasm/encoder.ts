/**
 * A minimal WebAssembly binary writer: just the sections, types and instructions the SGD and
 * scoring kernels need (i32, f32 and f64 scalars, f32x4 and f64x2 SIMD, structured control flow). Encodings follow the
 * WebAssembly 2.0 core specification, section 5 (binary format), and the fixed-width SIMD proposal
 * merged into it.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Scalar instruction opcodes used by the kernels. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i32Store8: 0x3a,
  f32Load: 0x2a,
  f64Load: 0x2b,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Const: 0x41,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Xor: 0x73,
  i32Rotl: 0x77,
  i32Eq: 0x46,
  i32TruncF64S: 0xaa,
  f64ConvertI32U: 0xb8,
  f64PromoteF32: 0xbb,
  f32DemoteF64: 0xb6,
  f64Floor: 0x9c,
  f64Div: 0xa3,
  f64Lt: 0x63,
  f32Lt: 0x5d,
  f32Ge: 0x60,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f64x2Splat: 0x14,
  f32x4ExtractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
} as const;

const SIMD_PREFIX = 0xfd;
const EMPTY_BLOCK_TYPE = 0x40;

export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

export function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function utf8Name(name: string): number[] {
  const bytes = Array.from(Buffer.from(name, 'utf8'));
  return [...unsignedLeb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...unsignedLeb(payload.length), ...payload];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** Builds one function body instruction by instruction. */
export class FunctionBody {
  readonly bytes: number[] = [];

  get(local: number): this {
    return this.op(OP.localGet, ...unsignedLeb(local));
  }

  set(local: number): this {
    return this.op(OP.localSet, ...unsignedLeb(local));
  }

  tee(local: number): this {
    return this.op(OP.localTee, ...unsignedLeb(local));
  }

  i32(value: number): this {
    return this.op(OP.i32Const, ...signedLeb(value));
  }

  f32(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(OP.f32Const, ...littleEndian(bytes));
  }

  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.op(OP.f64Const, ...littleEndian(bytes));
  }

  /** Loads or stores with a memory argument: alignment exponent and constant byte offset. */
  memory(opcode: number, alignExponent: number, offset = 0): this {
    return this.op(opcode, ...unsignedLeb(alignExponent), ...unsignedLeb(offset));
  }

  simd(opcode: number, ...immediates: number[]): this {
    return this.op(SIMD_PREFIX, ...unsignedLeb(opcode), ...immediates);
  }

  simdMemory(opcode: number, alignExponent: number, offset = 0): this {
    return this.simd(opcode, ...unsignedLeb(alignExponent), ...unsignedLeb(offset));
  }

  /** v128.const with every byte zero. */
  zeroVector(): this {
    return this.simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  }

  block(): this {
    return this.op(OP.block, EMPTY_BLOCK_TYPE);
  }

  loop(): this {
    return this.op(OP.loop, EMPTY_BLOCK_TYPE);
  }

  if(): this {
    return this.op(OP.if, EMPTY_BLOCK_TYPE);
  }

  /** Branches to the enclosing label `depth` levels out (0 = innermost). */
  br(depth: number): this {
    return this.op(OP.br, ...unsignedLeb(depth));
  }

  /** Calls function `index` (imports first, see encodeModule). */
  call(index: number): this {
    return this.op(OP.call, ...unsignedLeb(index));
  }

  brIf(depth: number): this {
    return this.op(OP.brIf, ...unsignedLeb(depth));
  }

  end(): this {
    return this.op(OP.end);
  }

  op(...bytes: number[]): this {
    for (const byte of bytes) this.bytes.push(byte);
    return this;
  }
}

function littleEndian(bytes: Uint8Array): number[] {
  const view = Array.from(bytes);
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  return probe[0] === 1 ? view : view.reverse();
}

export interface FunctionDefinition {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** Extra locals after the parameters, in index order. */
  readonly locals: readonly ValueType[];
  readonly body: FunctionBody;
}

/** A function the module imports from JavaScript, as `module.name`. */
export interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
}

/**
 * Encodes a module with one exported, growable memory named `memory` and the given exported
 * functions. Imported functions take the first function indices (0, 1, … in order), so a `call`
 * to defined function k uses index imports.length + k.
 */
export function encodeModule(functions: readonly FunctionDefinition[], initialPages = 1, imports: readonly FunctionImport[] = []): Uint8Array {
  const signatures = [...imports, ...functions];
  const types = signatures.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const importEntries = imports.map((f, index) => [...utf8Name(f.module), ...utf8Name(f.name), 0x00, ...unsignedLeb(index)]);
  const functionIndices = functions.map((_, index) => unsignedLeb(imports.length + index));
  const memoryLimits = [[0x00, ...unsignedLeb(initialPages)]];
  const exports = [
    [...utf8Name('memory'), 0x02, 0x00],
    ...functions.map((f, index) => [...utf8Name(f.name), 0x00, ...unsignedLeb(imports.length + index)]),
  ];
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((type) => [0x01, type]));
    const code = [...locals, ...f.body.bytes, OP.end];
    return [...unsignedLeb(code.length), ...code];
  });

  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...(imports.length > 0 ? section(2, vector(importEntries)) : []),
    ...section(3, vector(functionIndices)),
    ...section(5, vector(memoryLimits)),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

// The WebAssembly global exists in Node.js, but the TypeScript libraries this project uses (ES2023
// without DOM) declare no types for it, so the few members used here are typed locally.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Bytes per WebAssembly memory page. */
export const PAGE_BYTES = 65536;

/** Grows `memory` so it has at least `bytes` bytes; throws past the 4 GiB limit of 32-bit memories. */
export function ensureMemory(memory: WasmMemory, bytes: number, what: string): void {
  if (bytes > 2 ** 32 - PAGE_BYTES) throw new RangeError(`${what} needs ${bytes} bytes, more than the 4 GiB WebAssembly memory limit`);
  const pages = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
  if (pages > 0) memory.grow(pages);
}
