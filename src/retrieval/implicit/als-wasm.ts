import { F64, FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * The two hot loops of the ALS conjugate-gradient row update (alsCgRows) in WebAssembly with
 * f64x2 SIMD, on float64 copies of the factors:
 *
 * - `rowApply`: out += Σ_k coef_k y_{i_k} over a row's entries, with
 *   coef_k = a · c_k + s · (c_k − 1) (y_{i_k} · v); (a, s) = (1, −1) gives the residual
 *   b − Σ (c − 1)(y·x) y, and (0, 1) the product Σ (c − 1)(y·p) y;
 * - `symv`: out = scale · G v for the f × f Gram matrix.
 *
 * Each dot product keeps four partial sums (factor index mod 4) and adds them at the end. Results
 * therefore differ from the JavaScript loops by rounding only, and they are the same on every
 * thread. Rows are padded with zeros to a multiple of four values.
 */

// rowApply parameters, by local index.
const Y_PTR = 0;
const IDX_PTR = 1;
const CONF_PTR = 2;
const COUNT = 3;
const ROW_BYTES = 4;
const V_PTR = 5;
const OUT_PTR = 6;
const A = 7;
const S = 8;
const ROW_APPLY_PARAMS: ValueType[] = [I32, I32, I32, I32, I32, I32, I32, F64, F64];
// Further locals of rowApply.
const K = 9;
const Y_ROW = 10;
const OFFSET = 11;
const CONF = 12;
const DOT = 13;
const ACC = 14;
const COEF = 15;
const ACC2 = 16;
const ROW_APPLY_LOCALS: ValueType[] = [I32, I32, I32, F64, F64, V128, V128, V128];

const F64_LOAD_ALIGN = 3;
const I32_LOAD_ALIGN = 2;

/**
 * Emits dot = Σ over the row of y[row + offset] · v[v + offset]. Two vector accumulators (four
 * lanes) take alternate 16-byte steps, so consecutive additions do not wait on each other; rows
 * are padded to a multiple of four values for that.
 */
function emitDot(b: FunctionBody, rowLocal: number, vLocal: number, rowBytesLocal: number, offset: number, acc: number, acc2: number, dot: number): void {
  b.zeroVector().set(acc);
  b.zeroVector().set(acc2);
  b.i32(0).set(offset);
  b.block().loop();
  b.get(offset).get(rowBytesLocal).op(OP.i32GeS).brIf(1);
  for (const [accumulator, extra] of [
    [acc, 0],
    [acc2, 16],
  ] as const) {
    b.get(accumulator);
    b.get(rowLocal).get(offset).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN, extra);
    b.get(vLocal).get(offset).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN, extra);
    b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(accumulator);
  }
  b.get(offset).i32(32).op(OP.i32Add).set(offset);
  b.br(0);
  b.end().end();
  b.get(acc).get(acc2).simd(SIMD.f64x2Add).set(acc);
  b.get(acc).simd(SIMD.f64x2ExtractLane, 0).get(acc).simd(SIMD.f64x2ExtractLane, 1).op(OP.f64Add).set(dot);
}

function buildRowApply(): FunctionBody {
  const b = new FunctionBody();
  b.i32(0).set(K);
  b.block().loop(); // entries of the row
  b.get(K).get(COUNT).op(OP.i32GeS).brIf(1);

  // y row address and confidence of entry k.
  b.get(Y_PTR);
  b.get(IDX_PTR).get(K).i32(2).op(OP.i32Shl).op(OP.i32Add).memory(OP.i32Load, I32_LOAD_ALIGN);
  b.get(ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(Y_ROW);
  b.get(CONF_PTR).get(K).i32(3).op(OP.i32Shl).op(OP.i32Add).memory(OP.f64Load, F64_LOAD_ALIGN).set(CONF);

  emitDot(b, Y_ROW, V_PTR, ROW_BYTES, OFFSET, ACC, ACC2, DOT);

  // coef = a c + s (c - 1) dot, splatted.
  b.get(A).get(CONF).op(OP.f64Mul);
  b.get(S).get(CONF).f64(1).op(OP.f64Sub).op(OP.f64Mul).get(DOT).op(OP.f64Mul);
  b.op(OP.f64Add).simd(SIMD.f64x2Splat).set(COEF);

  // out += coef y_row.
  b.i32(0).set(OFFSET);
  b.block().loop();
  b.get(OFFSET).get(ROW_BYTES).op(OP.i32GeS).brIf(1);
  b.get(OUT_PTR).get(OFFSET).op(OP.i32Add);
  b.get(OUT_PTR).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN);
  b.get(COEF);
  b.get(Y_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN);
  b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add);
  b.simdMemory(SIMD.v128Store, F64_LOAD_ALIGN);
  b.get(OFFSET).i32(16).op(OP.i32Add).set(OFFSET);
  b.br(0);
  b.end().end();

  b.get(K).i32(1).op(OP.i32Add).set(K);
  b.br(0);
  b.end().end();
  return b;
}

// symv parameters and locals.
const G_PTR = 0;
const SV_PTR = 1;
const SOUT_PTR = 2;
const ROWS = 3;
const SROW_BYTES = 4;
const SCALE = 5;
const SYMV_PARAMS: ValueType[] = [I32, I32, I32, I32, I32, F64];
const ROW = 6;
const G_ROW = 7;
const SOFFSET = 8;
const SDOT = 9;
const SACC = 10;
const SACC2 = 11;
const SYMV_LOCALS: ValueType[] = [I32, I32, I32, F64, V128, V128];

function buildSymv(): FunctionBody {
  const b = new FunctionBody();
  b.i32(0).set(ROW);
  b.block().loop();
  b.get(ROW).get(ROWS).op(OP.i32GeS).brIf(1);
  b.get(G_PTR).get(ROW).get(SROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(G_ROW);
  emitDot(b, G_ROW, SV_PTR, SROW_BYTES, SOFFSET, SACC, SACC2, SDOT);
  b.get(SOUT_PTR).get(ROW).i32(3).op(OP.i32Shl).op(OP.i32Add);
  b.get(SCALE).get(SDOT).op(OP.f64Mul);
  b.memory(OP.f64Store, F64_LOAD_ALIGN);
  b.get(ROW).i32(1).op(OP.i32Add).set(ROW);
  b.br(0);
  b.end().end();
  return b;
}

// gramRows parameters and locals: out[a, :] += y[r, a] · y[r, :] for every row r and factor a.
const GY_PTR = 0;
const G_ROWS = 1;
const G_ROW_BYTES = 2;
const GOUT_PTR = 3;
const G_FACTORS = 4;
const GRAM_PARAMS: ValueType[] = [I32, I32, I32, I32, I32];
const GR = 5;
const GA = 6;
const G_Y_ROW = 7;
const G_OUT_ROW = 8;
const G_OFFSET = 9;
const G_COEF = 10;
const GRAM_LOCALS: ValueType[] = [I32, I32, I32, I32, I32, V128];

function buildGramRows(): FunctionBody {
  const b = new FunctionBody();
  b.i32(0).set(GR);
  b.block().loop(); // rows of Y
  b.get(GR).get(G_ROWS).op(OP.i32GeS).brIf(1);
  b.get(GY_PTR).get(GR).get(G_ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(G_Y_ROW);
  b.i32(0).set(GA);
  b.block().loop(); // factors a
  b.get(GA).get(G_FACTORS).op(OP.i32GeS).brIf(1);
  b.get(G_Y_ROW).get(GA).i32(3).op(OP.i32Shl).op(OP.i32Add).memory(OP.f64Load, F64_LOAD_ALIGN).simd(SIMD.f64x2Splat).set(G_COEF);
  b.get(GOUT_PTR).get(GA).get(G_ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(G_OUT_ROW);
  b.i32(0).set(G_OFFSET);
  b.block().loop(); // out[a, :] += coef · y[r, :]
  b.get(G_OFFSET).get(G_ROW_BYTES).op(OP.i32GeS).brIf(1);
  b.get(G_OUT_ROW).get(G_OFFSET).op(OP.i32Add);
  b.get(G_OUT_ROW).get(G_OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN);
  b.get(G_COEF);
  b.get(G_Y_ROW).get(G_OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, F64_LOAD_ALIGN);
  b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add);
  b.simdMemory(SIMD.v128Store, F64_LOAD_ALIGN);
  b.get(G_OFFSET).i32(16).op(OP.i32Add).set(G_OFFSET);
  b.br(0);
  b.end().end();
  b.get(GA).i32(1).op(OP.i32Add).set(GA);
  b.br(0);
  b.end().end();
  b.get(GR).i32(1).op(OP.i32Add).set(GR);
  b.br(0);
  b.end().end();
  return b;
}

let compiled: object | null = null;

function module(): object {
  compiled ??= new wasm.Module(
    encodeModule([
      { name: 'rowApply', params: ROW_APPLY_PARAMS, results: [], locals: ROW_APPLY_LOCALS, body: buildRowApply() },
      { name: 'symv', params: SYMV_PARAMS, results: [], locals: SYMV_LOCALS, body: buildSymv() },
      { name: 'gramRows', params: GRAM_PARAMS, results: [], locals: GRAM_LOCALS, body: buildGramRows() },
    ]),
  );
  return compiled;
}

type RowApply = (yPtr: number, idxPtr: number, confPtr: number, count: number, rowBytes: number, vPtr: number, outPtr: number, a: number, s: number) => void;
type Symv = (gPtr: number, vPtr: number, outPtr: number, rows: number, rowBytes: number, scale: number) => void;
type GramRows = (yPtr: number, rows: number, rowBytes: number, outPtr: number, factors: number) => void;

/**
 * Y^T Y over a block of rows in WebAssembly (a separate instance, so it never evicts the Y that
 * an AlsWasmRows engine keeps for the half-step). Both triangles are summed in the same order,
 * so the result is exactly symmetric.
 */
export class GramWasm {
  private readonly memory: WasmMemory;
  private readonly gramRows: GramRows;

  constructor() {
    const instance = new wasm.Instance(module(), {});
    this.memory = instance.exports.memory as WasmMemory;
    this.gramRows = instance.exports.gramRows as GramRows;
  }

  /** Writes Y^T Y over rows [rowStart, rowEnd) of the row-major [*, f] `y` into out[offset .. offset + f^2). */
  addRows(y: Float32Array, rowStart: number, rowEnd: number, f: number, out: Float64Array, offset: number): void {
    const stride = Math.ceil(f / 4) * 4;
    const rowBytes = stride * 8;
    const rows = rowEnd - rowStart;
    const outBytes = f * rowBytes;
    ensureMemory(this.memory, outBytes + rows * rowBytes, 'ALS Gram matrix');
    const result = new Float64Array(this.memory.buffer, 0, f * stride);
    const block = new Float64Array(this.memory.buffer, outBytes, rows * stride);
    result.fill(0);
    block.fill(0);
    for (let r = 0; r < rows; r++) for (let a = 0; a < f; a++) block[r * stride + a] = y[(rowStart + r) * f + a];
    this.gramRows(outBytes, rows, rowBytes, 0, f);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) out[offset + a * f + b] = result[a * stride + b];
  }
}

/**
 * One thread's WebAssembly instance and the layout of its memory: the Gram matrix, four work
 * vectors, one row's entries, then Y. Every row is padded to `stride` values.
 */
export class AlsWasmRows {
  readonly rowApply: RowApply;
  readonly symv: Symv;
  private readonly memory: WasmMemory;
  /** Columns per padded row (f rounded up to a multiple of 4). */
  stride = 0;
  gramPtr = 0;
  xPtr = 0;
  rPtr = 0;
  pPtr = 0;
  apPtr = 0;
  idxPtr = 0;
  confPtr = 0;
  yPtr = 0;
  /** Half-step whose Gram matrix and Y are in memory (see AlsRowsTask.generation), or -1. */
  loadedGeneration = -1;
  private maxEntries = 0;
  private yRows = 0;

  constructor() {
    const instance = new wasm.Instance(module(), {});
    this.memory = instance.exports.memory as WasmMemory;
    this.rowApply = instance.exports.rowApply as RowApply;
    this.symv = instance.exports.symv as Symv;
  }

  /** Lays out memory for f factors, rows of up to `maxEntries` entries and `yRows` rows of Y. */
  layout(f: number, maxEntries: number, yRows: number): void {
    const stride = Math.ceil(f / 4) * 4;
    if (this.stride === stride && this.maxEntries >= maxEntries && this.yRows >= yRows) return;
    this.stride = stride;
    this.maxEntries = Math.max(this.maxEntries, maxEntries);
    this.yRows = Math.max(this.yRows, yRows);
    const vectorBytes = this.stride * 8;
    this.gramPtr = 0;
    this.xPtr = this.gramPtr + f * vectorBytes;
    this.rPtr = this.xPtr + vectorBytes;
    this.pPtr = this.rPtr + vectorBytes;
    this.apPtr = this.pPtr + vectorBytes;
    this.confPtr = this.apPtr + vectorBytes;
    this.idxPtr = this.confPtr + this.maxEntries * 8;
    this.yPtr = Math.ceil((this.idxPtr + this.maxEntries * 4) / 16) * 16;
    ensureMemory(this.memory, this.yPtr + this.yRows * vectorBytes, 'ALS rows');
    // Padding columns must read as zero, whatever an earlier layout left there.
    new Uint8Array(this.memory.buffer, 0, this.yPtr + this.yRows * vectorBytes).fill(0);
    this.loadedGeneration = -1;
  }

  /** Float64 view of `length` values at byte address `ptr` (views are recreated after memory growth). */
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}
