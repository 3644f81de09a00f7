/**
 * Exact Hamming scan with a WebAssembly SIMD kernel: the same result as exactHammingScan
 * (sketch/exact/hamming.ts), out[r] = d_H(record r, query) = popcount(record r XOR query) over the
 * first wordsPerRecord words, for the m records stored contiguously in `records` (docs/mechanisms/parity.md#estimator:
 * the O(m·n/32) exact scan the sketches are measured against). The same module's `filter` is the
 * sketch scan's kernel (sketch/kernels/count-filter.ts): it returns only the records whose count is below a
 * cut, so the scan's JavaScript sees the few candidates for its top list, not every record.
 *
 * Both kernels count one record with xorPopcountRecord (sketch/kernels/wasm-asm.ts: i8x16.popcnt over
 * 16-byte chunks, byte lanes summed for at most 31 chunks, scalar i32.popcnt for the w mod 4
 * trailing words). Loads are unaligned: records of any stride are packed back to back.
 *
 * Why the exact scan copies blocks: `records` is a view into a buffer we do not own, and a wasm
 * instance can only read its own linear memory. So the query is copied once per call and records
 * are copied in blocks of about 128 KiB (small enough to stay in cache between the copy and the
 * kernel pass) with one Uint32Array.prototype.set per block; the block's counts are read back with
 * one set into `out`. The memory grows only when a larger wordsPerRecord needs a bigger block.
 * Loaded sketches avoid that copy: they live in a shared memory the kernels are instantiated on
 * (sketch/kernels/sketch-memory.ts, KernelInstance with a shared memory).
 */
import { checkScanArguments, exactHammingScan } from '../exact/hamming.js'
import { assembleModule, type MemoryKind, op, xorPopcountRecord } from './wasm-asm.js'

const BLOCK_BYTES = 128 * 1024
export const PAGE_BYTES = 65_536

/*
 * scan(rec, m, w, q, out): out[r] = popcount(record r XOR query) for the m records of w words at byte
 * address rec, query of w words at byte address q, counts (i32) written from byte address out.
 *   if m = 0: return
 *   end = out + 4m; vecs = w >> 2; p = rec
 *   loop: qp = q; sum = xorPopcountRecord; store sum at out; out += 4; continue while out ≠ end
 *
 * filter(rec, m, w, q, cut, out) → hits: the records whose count is below cut, as (index, count)
 * pairs of i32 from byte address out, in record order.
 *   if m = 0: return 0
 *   vecs = w >> 2; p = rec; r = 0; hits = 0
 *   loop: qp = q; sum = xorPopcountRecord
 *         if sum < cut (unsigned): store r at out + 8·hits, sum at out + 8·hits + 4; hits += 1
 *         r += 1; continue while r ≠ m
 *   return hits
 */
const SCAN = { rec: 0, m: 1, w: 2, q: 3, out: 4, end: 5, vecs: 6, left: 7, group: 8, p: 9, qp: 10, sum: 11, acc8: 12, acc32: 13 }
const FILTER = { rec: 0, m: 1, w: 2, q: 3, cut: 4, out: 5, r: 6, vecs: 7, left: 8, group: 9, p: 10, qp: 11, sum: 12, hits: 13, acc8: 14, acc32: 15 }

/** The scan and filter module, with its own memory or on an imported (shared) one. */
// prettier-ignore
export const moduleBytes = (memory: MemoryKind = 'own'): Uint8Array => assembleModule([
  {
    name: 'scan', params: 5, returnsI32: false, i32Locals: 7, v128Locals: 2,
    body: [
      ...op.get(SCAN.m), ...op.i32Eqz, ...op.if, ...op.return, ...op.end,
      ...op.get(SCAN.out), ...op.get(SCAN.m), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(SCAN.end),
      ...op.get(SCAN.w), ...op.i32(2), ...op.i32ShrU, ...op.set(SCAN.vecs),
      ...op.get(SCAN.rec), ...op.set(SCAN.p),
      ...op.loop,
      ...op.get(SCAN.q), ...op.set(SCAN.qp),
      ...xorPopcountRecord(SCAN),
      ...op.get(SCAN.out), ...op.get(SCAN.sum), ...op.i32Store(),
      ...op.get(SCAN.out), ...op.i32(4), ...op.i32Add, ...op.tee(SCAN.out), ...op.get(SCAN.end), ...op.i32Ne, ...op.brIf(0),
      ...op.end,
    ],
  },
  {
    name: 'filter', params: 6, returnsI32: true, i32Locals: 8, v128Locals: 2,
    body: [
      ...op.get(FILTER.m), ...op.i32Eqz, ...op.if, ...op.i32(0), ...op.return, ...op.end,
      ...op.get(FILTER.w), ...op.i32(2), ...op.i32ShrU, ...op.set(FILTER.vecs),
      ...op.get(FILTER.rec), ...op.set(FILTER.p),
      ...op.loop,
      ...op.get(FILTER.q), ...op.set(FILTER.qp),
      ...xorPopcountRecord(FILTER),
      ...op.get(FILTER.sum), ...op.get(FILTER.cut), ...op.i32LtU, ...op.if,
      ...op.get(FILTER.out), ...op.get(FILTER.hits), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.get(FILTER.r), ...op.i32Store(0),
      ...op.get(FILTER.out), ...op.get(FILTER.hits), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.get(FILTER.sum), ...op.i32Store(4),
      ...op.get(FILTER.hits), ...op.i32(1), ...op.i32Add, ...op.set(FILTER.hits),
      ...op.end,
      ...op.get(FILTER.r), ...op.i32(1), ...op.i32Add, ...op.tee(FILTER.r), ...op.get(FILTER.m), ...op.i32Ne, ...op.brIf(0),
      ...op.end,
      ...op.get(FILTER.hits),
    ],
  },
], memory)

export const MODULE_BYTES = moduleBytes()

/** Longest record (in 32-bit words) that gets an unrolled filter; longer ones use the SIMD loop. */
export const MAX_UNROLLED_WORDS = 129

/**
 * filter specialised to records of exactly w words (w ≤ MAX_UNROLLED_WORDS), same signature and
 * results as the module's `filter` (its w argument is ignored). The query's ⌊w/2⌋ 64-bit words
 * are held in i64 locals, and each record is counted with ⌊w/2⌋ unrolled i64.popcnt of
 * (load XOR query word), plus one i32.popcnt for an odd last word: no inner loop, no pointer
 * arithmetic per word, no vector lane sums. Why not SIMD here: for short records the per-record
 * horizontal sum of the byte lanes costs as much as the counting, while scalar popcnt is one
 * instruction on x86-64 and arm64. Byte order does not matter to a popcount of an XOR.
 *
 *   q_j = i64.load(q + 8j) for j < ⌊w/2⌋;  qt = i32.load(q + 8⌊w/2⌋) when w is odd
 *   if m = 0: return 0
 *   p = rec
 *   loop: sum = Σ_j popcnt(i64.load(p + 8j) XOR q_j) [+ popcnt(i32.load(p + 8⌊w/2⌋) XOR qt)]
 *         if sum < cut: store r at out + 8·hits, sum at out + 8·hits + 4; hits += 1
 *         p += 4w; r += 1; continue while r ≠ m
 *   return hits
 */
export function unrolledFilterBytes(w: number, memory: MemoryKind = 'imported'): Uint8Array {
  if (!Number.isSafeInteger(w) || w < 1 || w > MAX_UNROLLED_WORDS) throw new RangeError(`no unrolled filter for ${w} words`)
  const L = { rec: 0, m: 1, q: 3, cut: 4, out: 5, r: 6, p: 7, hits: 8, sum: 9, qt: 10, q0: 11 }
  const pairs = w >>> 1
  const odd = (w & 1) === 1
  const loadQuery: number[] = []
  for (let j = 0; j < pairs; j++) loadQuery.push(...op.get(L.q), ...op.i64Load(8 * j), ...op.set(L.q0 + j))
  if (odd) loadQuery.push(...op.get(L.q), ...op.i32Load(8 * pairs), ...op.set(L.qt))
  const count: number[] = []
  for (let j = 0; j < pairs; j++) {
    count.push(...op.get(L.p), ...op.i64Load(8 * j), ...op.get(L.q0 + j), ...op.i64Xor, ...op.i64Popcnt)
    if (j > 0) count.push(...op.i64Add)
  }
  if (pairs > 0) count.push(...op.i32WrapI64)
  if (odd) {
    count.push(...op.get(L.p), ...op.i32Load(8 * pairs), ...op.get(L.qt), ...op.i32Xor, ...op.i32Popcnt)
    if (pairs > 0) count.push(...op.i32Add)
  }
  // prettier-ignore
  const body = [
    ...loadQuery,
    ...op.get(L.m), ...op.i32Eqz, ...op.if, ...op.i32(0), ...op.return, ...op.end,
    ...op.get(L.rec), ...op.set(L.p),
    ...op.loop,
    ...count, ...op.set(L.sum),
    ...op.get(L.sum), ...op.get(L.cut), ...op.i32LtU, ...op.if,
    ...op.get(L.out), ...op.get(L.hits), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.get(L.r), ...op.i32Store(0),
    ...op.get(L.out), ...op.get(L.hits), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.get(L.sum), ...op.i32Store(4),
    ...op.get(L.hits), ...op.i32(1), ...op.i32Add, ...op.set(L.hits),
    ...op.end,
    ...op.get(L.p), ...op.i32(4 * w), ...op.i32Add, ...op.set(L.p),
    ...op.get(L.r), ...op.i32(1), ...op.i32Add, ...op.tee(L.r), ...op.get(L.m), ...op.i32Ne, ...op.brIf(0),
    ...op.end,
    ...op.get(L.hits),
  ]
  return assembleModule([{ name: 'filter', params: 6, returnsI32: true, i32Locals: 5, i64Locals: pairs, v128Locals: 0, body }], memory)
}

/** The scan's signature: exactHammingScan's, with the same argument checks and results. */
export type XorPopcountScan = (
  records: Uint32Array,
  m: number,
  wordsPerRecord: number,
  query: Uint32Array,
  out?: Int32Array,
) => Int32Array

type ScanKernel = (rec: number, m: number, w: number, q: number, out: number) => void
/** filter(rec, m, w, q, cut, out) → number of (index, count) pairs written at out. */
export type FilterKernel = (rec: number, m: number, w: number, q: number, cut: number, out: number) => number

/** The part of the WebAssembly JS API used here (the project's type libraries do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory
}

let api: WasmApi | null | undefined

/** The runtime's WebAssembly when it validates the SIMD kernels, else null (checked once). */
export function wasmApi(): WasmApi | null {
  if (api === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    api = wasm !== undefined && wasm.validate(MODULE_BYTES) ? wasm : null
  }
  return api
}

/** Compiled modules by (memory kind, record length or "generic"): compiling is the slow part. */
const compiledModules = new Map<string, object>()

function compiled(wasm: WasmApi, key: string, bytes: () => Uint8Array): object {
  let module = compiledModules.get(key)
  if (module === undefined) {
    module = new wasm.Module(bytes())
    compiledModules.set(key, module)
  }
  return module
}

export function roundUp16(bytes: number): number {
  return (bytes + 15) & ~15
}

/**
 * The kernels on one memory: the instance's own (growable, with `ensureBytes`) or a shared sketch
 * memory provided by the caller (sketch/kernels/sketch-memory.ts), which the kernels read in place. Views
 * `words`/`ints` are refreshed when the memory grows (growth detaches the old ones).
 */
export class KernelInstance {
  readonly scan: ScanKernel
  readonly filter: FilterKernel
  readonly #memory: WasmMemory
  readonly #wasm: WasmApi
  readonly #kind: MemoryKind
  readonly #unrolled = new Map<number, FilterKernel>()
  words: Uint32Array
  ints: Int32Array

  constructor(wasm: WasmApi, shared: WasmMemory | null = null) {
    this.#wasm = wasm
    this.#kind = shared === null ? 'own' : 'shared'
    const module = compiled(wasm, `${this.#kind}/generic`, () => moduleBytes(this.#kind))
    const instance = shared === null ? new wasm.Instance(module) : new wasm.Instance(module, { env: { memory: shared } })
    this.#memory = shared ?? (instance.exports.memory as WasmMemory)
    this.scan = instance.exports.scan as ScanKernel
    this.filter = instance.exports.filter as FilterKernel
    this.words = new Uint32Array(this.#memory.buffer)
    this.ints = new Int32Array(this.#memory.buffer)
  }

  /** The fastest filter for records of w words on this memory: unrolled when w is short enough. */
  filterFor(w: number): FilterKernel {
    if (w > MAX_UNROLLED_WORDS) return this.filter
    let kernel = this.#unrolled.get(w)
    if (kernel === undefined) {
      const kind: MemoryKind = this.#kind === 'own' ? 'imported' : 'shared'
      const module = compiled(this.#wasm, `${kind}/${w}`, () => unrolledFilterBytes(w, kind))
      kernel = new this.#wasm.Instance(module, { env: { memory: this.#memory } }).exports.filter as FilterKernel
      this.#unrolled.set(w, kernel)
    }
    return kernel
  }

  ensureBytes(bytes: number): void {
    const have = this.#memory.buffer.byteLength
    if (bytes <= have) return
    if (this.#kind === 'shared') throw new RangeError('a shared sketch memory does not grow')
    this.#memory.grow(Math.ceil((bytes - have) / PAGE_BYTES))
    this.words = new Uint32Array(this.#memory.buffer)
    this.ints = new Int32Array(this.#memory.buffer)
  }
}

/** A fresh instance with its own memory; null without WebAssembly SIMD. */
export function newKernelInstance(): KernelInstance | null {
  const wasm = wasmApi()
  return wasm === null ? null : new KernelInstance(wasm)
}

/** Wraps an instance's `scan` in the block-copying scan. */
function createScan(kernel: KernelInstance): XorPopcountScan {
  return function wasmXorPopcount(records, m, wordsPerRecord, query, out) {
    const result = checkScanArguments(records, m, wordsPerRecord, query, out)
    if (m === 0) return result
    if (wordsPerRecord === 0) {
      result.fill(0, 0, m)
      return result
    }

    // Layout: query at 0, then the block's counts, then the block's records (all 16-byte aligned).
    const recordBytes = wordsPerRecord * 4
    const blockRecords = Math.min(m, Math.max(1, Math.floor(BLOCK_BYTES / recordBytes)))
    const countsAt = roundUp16(recordBytes)
    const recordsAt = countsAt + roundUp16(blockRecords * 4)
    kernel.ensureBytes(recordsAt + blockRecords * recordBytes)

    const { words, ints } = kernel
    words.set(query.subarray(0, wordsPerRecord), 0)
    const countsIndex = countsAt >>> 2
    const recordsIndex = recordsAt >>> 2
    for (let first = 0; first < m; first += blockRecords) {
      const n = Math.min(blockRecords, m - first)
      words.set(records.subarray(first * wordsPerRecord, (first + n) * wordsPerRecord), recordsIndex)
      kernel.scan(recordsAt, n, wordsPerRecord, 0, countsAt)
      result.set(ints.subarray(countsIndex, countsIndex + n), first)
    }
    return result
  }
}

let cached: XorPopcountScan | null | undefined

/**
 * Same contract and results as exactHammingScan; null when WebAssembly SIMD is unavailable. The
 * instance (and its memory) is created on the first call and shared by later calls.
 */
export function wasmXorPopcountScan(): XorPopcountScan | null {
  if (cached === undefined) {
    const kernel = newKernelInstance()
    cached = kernel === null ? null : createScan(kernel)
  }
  return cached
}

/** The fastest XOR-popcount scan this runtime offers: the SIMD kernel, else the JavaScript one. */
export function bestXorPopcountScan(): XorPopcountScan {
  return wasmXorPopcountScan() ?? exactHammingScan
}
