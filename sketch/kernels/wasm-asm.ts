/**
 * A few lines of WebAssembly assembler: enough to write the XOR-popcount kernels
 * (sketch/kernels/popcount-wasm.ts, sketch/kernels/count-filter.ts) as readable instruction lists instead of byte
 * literals with hand-counted section sizes. Encodings follow the WebAssembly core specification
 * (binary format, §5) and the fixed-width SIMD proposal (0xfd prefix, LEB128 sub-opcodes).
 *
 * {@link xorPopcountRecord} is the counting loop both kernels share: the number of differing bits
 * between the record at $p and the query at $qp, for w words, leaving both pointers just past them.
 */

export type Bytes = number[]

function uleb(value: number): Bytes {
  const out: Bytes = []
  let v = value >>> 0
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

function sleb(value: number): Bytes {
  const out: Bytes = []
  let v = value | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

const simd = (code: number): Bytes => [0xfd, ...uleb(code)]

/** The instructions the kernels use (memarg = log2 alignment, offset). */
export const op = {
  get: (i: number): Bytes => [0x20, i],
  set: (i: number): Bytes => [0x21, i],
  tee: (i: number): Bytes => [0x22, i],
  i32: (v: number): Bytes => [0x41, ...sleb(v)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number): Bytes => [0x0c, depth],
  brIf: (depth: number): Bytes => [0x0d, depth],
  return: [0x0f],
  select: [0x1b],
  i32Load: (offset = 0): Bytes => [0x28, 0x02, ...uleb(offset)],
  i32Store: (offset = 0): Bytes => [0x36, 0x02, ...uleb(offset)],
  i32Eqz: [0x45],
  i32Ne: [0x47],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32Popcnt: [0x69],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32And: [0x71],
  i32Xor: [0x73],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  v128Load: [...simd(0x00), 0x00, 0x00],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  i32x4ExtractLane: (lane: number): Bytes => [...simd(0x1b), lane],
  v128Xor: simd(0x51),
  i8x16Popcnt: simd(0x62),
  i8x16Add: simd(0x6e),
  i16x8ExtaddPairwiseI8x16U: simd(0x7d),
  i32x4ExtaddPairwiseI16x8U: simd(0x7f),
  i32x4Add: simd(0xae),
  i64Load: (offset = 0): Bytes => [0x29, 0x03, ...uleb(offset)],
  i64Xor: [0x85],
  i64Popcnt: [0x7b],
  i64Add: [0x7c],
  i32WrapI64: [0xa7],
}

/** Local variables of {@link xorPopcountRecord}: indices into the function's locals. */
export interface CountLocals {
  /** Words per record (read only). */
  w: number
  /** ⌊w / 4⌋, the 16-byte chunks per record (read only). */
  vecs: number
  /** Record and query pointers (advanced past the record). */
  p: number
  qp: number
  /** Scratch i32s. */
  left: number
  group: number
  /** Result: the count. */
  sum: number
  /** Scratch v128s. */
  acc8: number
  acc32: number
}

/**
 * sum = popcount(record at p XOR query at qp) over w words. 16-byte chunks are XORed and counted
 * with i8x16.popcnt; byte lanes are summed with i8x16.add for at most 31 chunks (31·8 = 248 ≤ 255,
 * so no lane overflows), then widened pairwise to four 32-bit lanes and added to acc32, whose lanes
 * are summed at the end. The w mod 4 trailing words use scalar i32.popcnt. Loads are unaligned.
 */
export function xorPopcountRecord(l: CountLocals): Bytes {
  return [
    ...op.v128Zero, ...op.set(l.acc32),
    ...op.get(l.vecs), ...op.set(l.left),
    ...op.block,
    ...op.get(l.left), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop, // groups of at most 31 chunks
    ...op.i32(31), ...op.get(l.left), ...op.get(l.left), ...op.i32(31), ...op.i32GtU, ...op.select, ...op.set(l.group),
    ...op.get(l.left), ...op.get(l.group), ...op.i32Sub, ...op.set(l.left),
    ...op.v128Zero, ...op.set(l.acc8),
    ...op.loop, // chunks
    ...op.get(l.acc8),
    ...op.get(l.p), ...op.v128Load, ...op.get(l.qp), ...op.v128Load,
    ...op.v128Xor, ...op.i8x16Popcnt, ...op.i8x16Add, ...op.set(l.acc8),
    ...op.get(l.p), ...op.i32(16), ...op.i32Add, ...op.set(l.p),
    ...op.get(l.qp), ...op.i32(16), ...op.i32Add, ...op.set(l.qp),
    ...op.get(l.group), ...op.i32(1), ...op.i32Sub, ...op.tee(l.group), ...op.brIf(0),
    ...op.end,
    ...op.get(l.acc32), ...op.get(l.acc8),
    ...op.i16x8ExtaddPairwiseI8x16U, ...op.i32x4ExtaddPairwiseI16x8U, ...op.i32x4Add, ...op.set(l.acc32),
    ...op.get(l.left), ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.get(l.acc32), ...op.i32x4ExtractLane(0),
    ...op.get(l.acc32), ...op.i32x4ExtractLane(1), ...op.i32Add,
    ...op.get(l.acc32), ...op.i32x4ExtractLane(2), ...op.i32Add,
    ...op.get(l.acc32), ...op.i32x4ExtractLane(3), ...op.i32Add,
    ...op.set(l.sum),
    ...op.get(l.w), ...op.i32(3), ...op.i32And, ...op.set(l.left),
    ...op.block,
    ...op.get(l.left), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop, // trailing words
    ...op.get(l.sum),
    ...op.get(l.p), ...op.i32Load(), ...op.get(l.qp), ...op.i32Load(),
    ...op.i32Xor, ...op.i32Popcnt, ...op.i32Add, ...op.set(l.sum),
    ...op.get(l.p), ...op.i32(4), ...op.i32Add, ...op.set(l.p),
    ...op.get(l.qp), ...op.i32(4), ...op.i32Add, ...op.set(l.qp),
    ...op.get(l.left), ...op.i32(1), ...op.i32Sub, ...op.tee(l.left), ...op.brIf(0),
    ...op.end,
    ...op.end,
  ]
}

const I32 = 0x7f
const I64 = 0x7e
const V128 = 0x7b

export interface WasmFunction {
  name: string
  params: number
  /** Whether the function returns one i32. */
  returnsI32: boolean
  i32Locals: number
  /** i64 locals come after the i32 ones, v128 locals after those. */
  i64Locals?: number
  v128Locals: number
  body: Bytes
}

function section(id: number, content: Bytes): Bytes {
  return [id, ...uleb(content.length), ...content]
}

function vec(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()]
}

function name(text: string): Bytes {
  const bytes = [...new TextEncoder().encode(text)]
  return [...uleb(bytes.length), ...bytes]
}

/**
 * Where a module's memory comes from: its own, exported as "memory" (one page to start, no maximum);
 * imported as env.memory (so several modules work on one memory); or imported as a shared memory
 * (WebAssembly.Memory({ shared: true }), whose buffer is a SharedArrayBuffer other threads can read).
 */
export type MemoryKind = 'own' | 'imported' | 'shared'

/** Page limit of a shared import: the whole 32-bit address space (the memory provided may be smaller). */
const MAX_PAGES = 65_536

/**
 * A module with the given functions (all i32 parameters, exported under their names; one type per
 * function) and one memory of the given kind.
 */
export function assembleModule(functions: WasmFunction[], memory: MemoryKind = 'own'): Uint8Array {
  const importMemory = memory !== 'own'
  const importLimits = memory === 'shared' ? [0x03, 0x01, ...uleb(MAX_PAGES)] : [0x00, 0x01]
  const types = functions.map((f) => [0x60, ...vec(new Array<Bytes>(f.params).fill([I32])), ...(f.returnsI32 ? [0x01, I32] : [0x00])])
  const bodies = functions.map((f) => {
    const locals: Bytes[] = []
    if (f.i32Locals > 0) locals.push([...uleb(f.i32Locals), I32])
    if ((f.i64Locals ?? 0) > 0) locals.push([...uleb(f.i64Locals ?? 0), I64])
    if (f.v128Locals > 0) locals.push([...uleb(f.v128Locals), V128])
    const code = [...vec(locals), ...f.body, ...op.end]
    return [...uleb(code.length), ...code]
  })
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec(types)),
    ...(importMemory ? section(2, vec([[...name('env'), ...name('memory'), 0x02, ...importLimits]])) : []),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...(importMemory ? [] : section(5, vec([[0x00, 0x01]]))), // memory: min 1 page, no max
    ...section(7, vec(importMemory ? exports : [[...name('memory'), 0x02, 0x00], ...exports])),
    ...section(10, vec(bodies)),
  ])
}
