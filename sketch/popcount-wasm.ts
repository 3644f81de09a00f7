/**
 * Exact Hamming scan with a WebAssembly SIMD kernel: the same result as exactHammingScan
 * (sketch/hamming-exact.ts), out[r] = d_H(record r, query) = popcount(record r XOR query) over the
 * first wordsPerRecord words, for the m records stored contiguously in `records` (paper-notes §5.3:
 * the O(m·n/32) exact scan the sketches are measured against). The same module's `filter` is the
 * sketch scan's kernel (sketch/count-filter.ts): it returns only the records whose count is below a
 * cut, so the scan's JavaScript sees the few candidates for its top list, not every record.
 *
 * Both kernels count one record with xorPopcountRecord (sketch/wasm-asm.ts: i8x16.popcnt over
 * 16-byte chunks, byte lanes summed for at most 31 chunks, scalar i32.popcnt for the w mod 4
 * trailing words). Loads are unaligned: records of any stride are packed back to back.
 *
 * Why blocks are copied: `records` is a view into a buffer we do not own (often a SharedArrayBuffer
 * holding a whole data set), and a wasm instance can only read its own linear memory. So the query is
 * copied once per call and records are copied in blocks of about 128 KiB (small enough to stay in
 * cache between the copy and the kernel pass) with one Uint32Array.prototype.set per block; the
 * block's counts are read back with one set into `out`. The memory grows only when a larger
 * wordsPerRecord needs a bigger block.
 */
import { checkScanArguments, exactHammingScan } from './hamming-exact.js'
import { assembleModule, op, xorPopcountRecord } from './wasm-asm.js'

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

// prettier-ignore
export const MODULE_BYTES = assembleModule([
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
])

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
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { readonly exports: Record<string, unknown> }
}

export function roundUp16(bytes: number): number {
  return (bytes + 15) & ~15
}

/**
 * One instance of the kernel module with views of its memory. `ensureBytes` grows the memory and
 * refreshes the views (growth detaches the old ones), so read `words`/`ints` after calling it.
 */
export class KernelInstance {
  readonly scan: ScanKernel
  readonly filter: FilterKernel
  readonly #memory: WasmMemory
  words: Uint32Array
  ints: Int32Array

  constructor(wasm: WasmApi, module: object) {
    const instance = new wasm.Instance(module)
    this.#memory = instance.exports.memory as WasmMemory
    this.scan = instance.exports.scan as ScanKernel
    this.filter = instance.exports.filter as FilterKernel
    this.words = new Uint32Array(this.#memory.buffer)
    this.ints = new Int32Array(this.#memory.buffer)
  }

  ensureBytes(bytes: number): void {
    const have = this.#memory.buffer.byteLength
    if (bytes <= have) return
    this.#memory.grow(Math.ceil((bytes - have) / PAGE_BYTES))
    this.words = new Uint32Array(this.#memory.buffer)
    this.ints = new Int32Array(this.#memory.buffer)
  }
}

let compiled: { wasm: WasmApi; module: object } | null | undefined

/** A fresh instance (with its own memory) of the kernel module; null without WebAssembly SIMD. */
export function newKernelInstance(): KernelInstance | null {
  if (compiled === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    compiled = wasm !== undefined && wasm.validate(MODULE_BYTES) ? { wasm, module: new wasm.Module(MODULE_BYTES) } : null
  }
  return compiled === null ? null : new KernelInstance(compiled.wasm, compiled.module)
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
