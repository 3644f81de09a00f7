/**
 * The sketch scan's inner loop: for a block of stored records and one or more query sketches, the
 * records whose XOR popcount with a query is below a cut. When an estimate is a non-decreasing
 * function of that count (parity with L = 1, see RecordEstimator.byCount), "could enter the top list"
 * is exactly "count below a cut", so the scan's JavaScript only sees the few candidates, not every
 * record: after the first block the cut sits at the top list's worst count.
 *
 * Usage per scan: setQueries once, then per block of records loadBlock once and filter once per query
 * while the block is in cache (that is what makes a batch cheaper than single queries). Hits are read
 * from `hits`: hits[2h] is the record's index within the block, hits[2h + 1] its count, in record
 * order.
 *
 * Four implementations, the same hits: nativeCountFilter runs the native filter
 * (native/count-filter.c: AVX-512 or AVX2 where the CPU has them) on the records where they are, when the addon
 * was built; inPlaceCountFilter reads a sketch held in a shared sketch
 * memory where it is (sketch/kernels/sketch-memory.ts; loadBlock only moves an address); newCountFilter's
 * WebAssembly filter copies each block into its thread's own kernel memory (a sketch in a plain
 * buffer); without WebAssembly, a JavaScript filter counts with exactHammingScan. The kernels are in
 * sketch/kernels/popcount-wasm.ts: records of up to 129 words get a kernel unrolled for their length.
 */
import { exactHammingScan } from '../exact/hamming.js'
import { type FilterKernel, KernelInstance, newKernelInstance, roundUp16, type WasmMemory, wasmApi } from './popcount-wasm.js'
import { DATA_OFFSET, SLOT_BYTES, takeSlot } from './sketch-memory.js'
import { type NativeFilter, type NativeFilterBatch, type NativePath, nativeCountFilterModule } from './native-count-filter.js'

export interface CountFilter {
  /** Stores the query sketches (each its first wordsPerRecord words) for blocks of up to maxBlock records. */
  setQueries(queries: readonly Uint32Array[], wordsPerRecord: number, maxBlock: number): void
  /** Copies records [first, first + count) of `records` in. */
  loadBlock(records: Uint32Array, first: number, count: number): void
  /**
   * Hits of query q among records [start, start + count) of the loaded block (default: all of it):
   * the records with count < cut; returns how many. Indices in `hits` are within the block.
   */
  filter(q: number, cut: number, start?: number, count?: number): number
  /** (index within block, count) pairs of the last filter call. */
  readonly hits: Int32Array
  /** Gives back what the filter holds (a shared scratch slot); the filter is not used afterwards. */
  release(): void
  /**
   * Only on filters with a batch kernel: every query at once on the loaded block, query q with cut
   * cuts[q]. Query q's hits are hits[q·stride + 2h], hits[q·stride + 2h + 1] for h < counts[q], as
   * from filter(q, cuts[q]). One pass over the block serves the whole batch.
   */
  filterEach?(cuts: Uint32Array): BatchHits
}

export interface BatchHits {
  hits: Int32Array
  stride: number
  counts: Uint32Array
}

/** Every filter's setQueries check: a positive record length, and every query at least one record long. */
function checkQueries(queries: readonly Uint32Array[], wordsPerRecord: number): void {
  if (!Number.isSafeInteger(wordsPerRecord) || wordsPerRecord < 1) throw new RangeError('wordsPerRecord must be a positive integer')
  for (const q of queries) if (q.length < wordsPerRecord) throw new RangeError('query shorter than one record')
}

/** Every filter's loadBlock check: the block must lie inside `records` (a subarray would silently shrink). */
function checkBlock(records: Uint32Array, first: number, count: number, wordsPerRecord: number): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || (first + count) * wordsPerRecord > records.length) {
    throw new RangeError('records out of range')
  }
}

/** Cuts as the kernel's unsigned i32: negative admits nothing, anything ≥ 2^31 everything a count can be. */
function clampCut(cut: number): number {
  return cut <= 0 ? 0 : Math.min(Math.floor(cut), 0x7fffffff)
}

class WasmCountFilter implements CountFilter {
  readonly #kernel: KernelInstance
  #wpr = 0
  #queryStride = 0
  #hitsAt = 0
  #recordsAt = 0
  #blockCount = 0
  #hits: Int32Array = new Int32Array(0)
  #filter: FilterKernel

  constructor(kernel: KernelInstance) {
    this.#kernel = kernel
    this.#filter = kernel.filter
  }

  setQueries(queries: readonly Uint32Array[], wordsPerRecord: number, maxBlock: number): void {
    checkQueries(queries, wordsPerRecord)
    const recordBytes = wordsPerRecord * 4
    // Layout: queries back to back (16-byte aligned each), then the hit pairs, then the block.
    const queryBytes = roundUp16(recordBytes)
    this.#hitsAt = queryBytes * queries.length
    this.#recordsAt = this.#hitsAt + roundUp16(maxBlock * 8)
    this.#kernel.ensureBytes(this.#recordsAt + maxBlock * recordBytes)
    for (let q = 0; q < queries.length; q++) this.#kernel.words.set(queries[q].subarray(0, wordsPerRecord), (q * queryBytes) >>> 2)
    this.#wpr = wordsPerRecord
    this.#filter = this.#kernel.filterFor(wordsPerRecord)
    this.#queryStride = queryBytes
    this.#blockCount = 0
    this.#hits = this.#kernel.ints.subarray(this.#hitsAt >>> 2, (this.#hitsAt >>> 2) + 2 * maxBlock)
  }

  loadBlock(records: Uint32Array, first: number, count: number): void {
    const w = this.#wpr
    checkBlock(records, first, count, w)
    if ((this.#recordsAt - this.#hitsAt) / 8 < count) throw new RangeError('block larger than declared in setQueries')
    this.#kernel.words.set(records.subarray(first * w, (first + count) * w), this.#recordsAt >>> 2)
    this.#blockCount = count
  }

  filter(q: number, cut: number, start = 0, count = this.#blockCount - start): number {
    const hits = this.#filter(this.#recordsAt + start * this.#wpr * 4, count, this.#wpr, q * this.#queryStride, clampCut(cut), this.#hitsAt)
    if (start !== 0) for (let h = 0; h < 2 * hits; h += 2) this.#hits[h] += start
    return hits
  }

  get hits(): Int32Array {
    return this.#hits
  }

  release(): void {}
}

/**
 * The filter on a sketch held in a shared sketch memory (sketch/kernels/sketch-memory.ts): the kernels read
 * the records where they are, so loadBlock only moves an address. Queries and hits live in a scratch
 * slot taken for the duration of one scan.
 */
class InPlaceCountFilter implements CountFilter {
  readonly #kernel: KernelInstance
  readonly #data: Uint32Array
  readonly #slot: { at: number; release: () => void }
  readonly #filter: FilterKernel
  readonly #wpr: number
  readonly #queryBytes: number
  readonly #queriesAt: number
  readonly #hitsAt: number
  readonly hits: Int32Array
  #recordsAt = 0
  #blockCount = 0

  constructor(kernel: KernelInstance, data: Uint32Array, slot: { at: number; release: () => void }, wordsPerRecord: number, maxBlock: number) {
    this.#kernel = kernel
    this.#data = data
    this.#slot = slot
    this.#wpr = wordsPerRecord
    this.#filter = kernel.filterFor(wordsPerRecord)
    this.#queryBytes = roundUp16(wordsPerRecord * 4)
    this.#hitsAt = slot.at
    this.#queriesAt = slot.at + maxBlock * 8
    this.hits = kernel.ints.subarray(this.#hitsAt >>> 2, (this.#hitsAt >>> 2) + 2 * maxBlock)
  }

  setQueries(queries: readonly Uint32Array[], wordsPerRecord: number): void {
    if (wordsPerRecord !== this.#wpr) throw new RangeError('the filter was made for another record length')
    checkQueries(queries, wordsPerRecord)
    for (let q = 0; q < queries.length; q++) {
      this.#kernel.words.set(queries[q].subarray(0, wordsPerRecord), (this.#queriesAt + q * this.#queryBytes) >>> 2)
    }
  }

  loadBlock(records: Uint32Array, first: number, count: number): void {
    if (records !== this.#data) throw new RangeError('the filter reads only the sketch it was made for')
    checkBlock(records, first, count, this.#wpr)
    this.#recordsAt = this.#data.byteOffset + first * this.#wpr * 4
    this.#blockCount = count
  }

  filter(q: number, cut: number, start = 0, count = this.#blockCount - start): number {
    const hits = this.#filter(this.#recordsAt + start * this.#wpr * 4, count, this.#wpr, this.#queriesAt + q * this.#queryBytes, clampCut(cut), this.#hitsAt)
    if (start !== 0) for (let h = 0; h < 2 * hits; h += 2) this.hits[h] += start
    return hits
  }

  release(): void {
    this.#slot.release()
  }
}

/** Kernels per shared memory object, for this thread (a worker gets a new object per task). */
const sharedKernels = new WeakMap<WasmMemory, KernelInstance>()

/**
 * A filter reading `data` in place in its shared sketch memory, for `queryCount` queries of
 * wordsPerRecord words and blocks of up to maxBlock records; null when the data is not in that
 * memory, the scratch would not fit a slot, or every slot is taken (then use newCountFilter).
 * The caller must release() it when the scan ends.
 */
export function inPlaceCountFilter(
  memory: WasmMemory,
  data: Uint32Array,
  queryCount: number,
  wordsPerRecord: number,
  maxBlock: number,
): CountFilter | null {
  const wasm = wasmApi()
  if (wasm === null || data.buffer !== memory.buffer || data.byteOffset !== DATA_OFFSET) return null
  if (!Number.isSafeInteger(wordsPerRecord) || wordsPerRecord < 1) throw new RangeError('wordsPerRecord must be a positive integer')
  if (maxBlock * 8 + queryCount * roundUp16(wordsPerRecord * 4) > SLOT_BYTES) return null
  const slot = takeSlot(memory)
  if (slot === null) return null
  let kernel = sharedKernels.get(memory)
  if (kernel === undefined) {
    kernel = new KernelInstance(wasm, memory)
    sharedKernels.set(memory, kernel)
  }
  return new InPlaceCountFilter(kernel, data, slot, wordsPerRecord, maxBlock)
}

/** The native filter: reads records where they are (any typed array), writes hits to its own arrays. */
class NativeCountFilter implements CountFilter {
  readonly #filter: NativeFilter
  readonly #filterBatch: NativeFilterBatch
  #queries: Uint32Array[] = []
  /** The queries back to back, wordsPerRecord words each (the batch kernel's input). */
  #packed: Uint32Array = new Uint32Array(0)
  #wpr = 0
  #data: Uint32Array = new Uint32Array(0)
  #first = 0
  #blockCount = 0
  hits: Int32Array = new Int32Array(0)
  #batch: BatchHits = { hits: new Int32Array(0), stride: 0, counts: new Uint32Array(0) }

  constructor(filter: NativeFilter, filterBatch: NativeFilterBatch) {
    this.#filter = filter
    this.#filterBatch = filterBatch
  }

  setQueries(queries: readonly Uint32Array[], wordsPerRecord: number, maxBlock: number): void {
    checkQueries(queries, wordsPerRecord)
    this.#queries = [...queries]
    this.#wpr = wordsPerRecord
    this.#packed = new Uint32Array(queries.length * wordsPerRecord)
    queries.forEach((q, i) => this.#packed.set(q.subarray(0, wordsPerRecord), i * wordsPerRecord))
    if (this.hits.length < 2 * maxBlock) this.hits = new Int32Array(2 * maxBlock)
    // kept between scans of this thread: a batch's hit space is allocated once, not per scan
    const stride = 2 * maxBlock
    const batch = this.#batch
    this.#batch = {
      hits: batch.hits.length >= stride * queries.length ? batch.hits : new Int32Array(stride * queries.length),
      stride,
      counts: batch.counts.length >= queries.length ? batch.counts : new Uint32Array(queries.length),
    }
    this.#blockCount = 0
  }

  loadBlock(records: Uint32Array, first: number, count: number): void {
    checkBlock(records, first, count, this.#wpr)
    if (2 * count > this.#batch.stride) throw new RangeError('block larger than declared in setQueries')
    this.#data = records
    this.#first = first
    this.#blockCount = count
  }

  filter(q: number, cut: number, start = 0, count = this.#blockCount - start): number {
    return this.#filter(this.#data, this.#first + start, count, this.#wpr, this.#queries[q], clampCut(cut), this.hits, start)
  }

  filterEach(cuts: Uint32Array): BatchHits {
    const b = this.#batch
    this.#filterBatch(this.#data, this.#first, this.#blockCount, this.#wpr, this.#packed, this.#queries.length, cuts, b.hits, b.stride, b.counts)
    return b
  }

  release(): void {
    this.#queries = []
    this.#data = new Uint32Array(0)
  }
}

/**
 * The native filter when the addon is loaded, on its chosen path (DPDIST_NATIVE_PATH or the fastest)
 * or on `path` (tests and benchmarks compare paths); null without the addon or when this CPU cannot
 * run `path`. One object may serve one scan at a time.
 */
export function nativeCountFilter(path?: NativePath): CountFilter | null {
  const native = nativeCountFilterModule()
  if (native === null) return null
  const kernels = path === undefined ? native : native.paths[path]
  return kernels === undefined ? null : new NativeCountFilter(kernels.filter, kernels.filterBatch)
}

class JsCountFilter implements CountFilter {
  #queries: readonly Uint32Array[] = []
  #wpr = 0
  #block: Uint32Array = new Uint32Array(0)
  #count = 0
  #counts = new Int32Array(0)
  readonly hits: Int32Array = new Int32Array(0)

  setQueries(queries: readonly Uint32Array[], wordsPerRecord: number, maxBlock: number): void {
    this.#queries = queries
    this.#wpr = wordsPerRecord
    this.#counts = new Int32Array(maxBlock)
    ;(this as { hits: Int32Array }).hits = new Int32Array(2 * maxBlock)
  }

  loadBlock(records: Uint32Array, first: number, count: number): void {
    checkBlock(records, first, count, this.#wpr)
    this.#block = records.subarray(first * this.#wpr, (first + count) * this.#wpr)
    this.#count = count
  }

  filter(q: number, cut: number, start = 0, count = this.#count - start): number {
    const w = this.#wpr
    exactHammingScan(this.#block.subarray(start * w, (start + count) * w), count, w, this.#queries[q], this.#counts)
    let h = 0
    for (let r = 0; r < count; r++) {
      if (this.#counts[r] < cut) {
        this.hits[2 * h] = start + r
        this.hits[2 * h + 1] = this.#counts[r]
        h++
      }
    }
    return h
  }

  release(): void {}
}

/** A filter on the WebAssembly SIMD kernel (its own memory), or the JavaScript one without it. */
export function newCountFilter(useWasm = true): CountFilter {
  const kernel = useWasm ? newKernelInstance() : null
  return kernel === null ? new JsCountFilter() : new WasmCountFilter(kernel)
}
