/**
 * The sketch scan: estimates the distance from one or more query strings to records [from, to) of a
 * loaded sketch, keeping for each query only the `top` smallest estimates (within maxDistance) in a
 * bounded max-heap, so a scan of m records costs O(m log top), never a sort of m. Records are visited
 * in blocks, and each block is scanned for every query of a batch while it is in cache.
 *
 * Used inline and by the worker pool (workers/scan-worker.ts); partial results from record ranges
 * are merged with mergeTop. Ties are broken by record ordinal so results never depend on how the
 * scan was split.
 */
import { type CountFilter, inPlaceCountFilter, nativeCountFilter, newCountFilter } from '../sketch/kernels/count-filter.js'
import type { WasmMemory } from '../sketch/kernels/popcount-wasm.js'
import type { NativePath } from '../sketch/kernels/native-count-filter.js'
import { editDistanceScan } from '../sketch/exact/edit.js'
import { getMechanism } from '../sketch/mechanisms/index.js'
import { bestXorPopcountScan } from '../sketch/kernels/popcount-wasm.js'
import { ESTIMATE_STATUSES, type Calibration, type Estimate, type EstimateStatus, type Metric, type Plan, type QueryOptions, type RecordEstimator } from '../sketch/mechanisms/mechanism.js'

export const statusCodes: readonly EstimateStatus[] = ESTIMATE_STATUSES
const statusIndex: Record<EstimateStatus, number> = { ok: 0, saturated: 1, above_k: 2, unreliable: 3 }

export interface ScanTask {
  data: Uint32Array
  /** The shared sketch memory `data` lives in, when it does (the kernels then read it in place). */
  memory?: WasmMemory | null
  plan: Plan
  pTilde: number
  calibration: Calibration
  queries: Uint32Array[]
  options: QueryOptions
  from: number
  to: number
  top: number
  maxDistance?: number
}

/** The best hits of one query, ascending by (estimate, ordinal). */
export interface TopHits {
  ordinals: Int32Array
  estimate: Float64Array
  ciLow: Float64Array
  ciHigh: Float64Array
  status: Uint8Array
  /** Estimate.unbiased, NaN where the mechanism has none. */
  unbiased: Float64Array
}

/**
 * Records per scan block: the queries of a batch each pass over a block while it is in cache, so a
 * block is at most about 1 MiB (half this machine class's L2), and at most 8192 records, which keeps
 * the per-call overhead of the filters small (64-byte parity records: 8192 = 512 KiB).
 */
function blockRecords(wordsPerRecord: number): number {
  return Math.max(64, Math.min(8192, Math.floor(2 ** 20 / (4 * wordsPerRecord))))
}

/**
 * A max-heap of at most `capacity` hits keyed by (estimate, ordinal): the root is the worst kept.
 * Hits stay in their slots (parallel arrays); the heap orders slot numbers, so a sift moves one
 * integer, not six fields.
 */
class HitHeap {
  readonly ord: Int32Array
  readonly est: Float64Array
  readonly lo: Float64Array
  readonly hi: Float64Array
  readonly st: Uint8Array
  readonly ub: Float64Array
  /** heap[i] is the slot of heap position i. */
  readonly #heap: Int32Array
  size = 0

  constructor(readonly capacity: number) {
    this.ord = new Int32Array(capacity)
    this.est = new Float64Array(capacity)
    this.lo = new Float64Array(capacity)
    this.hi = new Float64Array(capacity)
    this.st = new Uint8Array(capacity)
    this.ub = new Float64Array(capacity)
    this.#heap = new Int32Array(capacity)
  }

  /** Whether slot a's hit ranks after slot b's. */
  #worse(a: number, b: number): boolean {
    return this.est[a] > this.est[b] || (this.est[a] === this.est[b] && this.ord[a] > this.ord[b])
  }

  get full(): boolean {
    return this.size === this.capacity
  }

  /** The worst kept estimate (meaningful when full). */
  get rootEstimate(): number {
    return this.est[this.#heap[0]]
  }

  /** Whether a hit with this key would be kept. */
  admits(estimate: number, ordinal: number): boolean {
    if (this.size < this.capacity) return true
    const root = this.#heap[0]
    return estimate < this.est[root] || (estimate === this.est[root] && ordinal < this.ord[root])
  }

  push(ordinal: number, estimate: number, ciLow: number, ciHigh: number, status: number, unbiased: number): void {
    const heap = this.#heap
    // a new hit takes a fresh slot, or the slot of the root it replaces
    const full = this.size === this.capacity
    const slot = full ? heap[0] : this.size
    this.ord[slot] = ordinal; this.est[slot] = estimate; this.lo[slot] = ciLow; this.hi[slot] = ciHigh; this.st[slot] = status; this.ub[slot] = unbiased
    if (full) {
      this.#siftDown()
      return
    }
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#worse(slot, heap[parent])) break
      heap[i] = heap[parent]
      i = parent
    }
    heap[i] = slot
  }

  #siftDown(): void {
    const heap = this.#heap
    const slot = heap[0]
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= this.size) break
      const r = l + 1
      const worst = r < this.size && this.#worse(heap[r], heap[l]) ? r : l
      if (!this.#worse(heap[worst], slot)) break
      heap[i] = heap[worst]
      i = worst
    }
    heap[i] = slot
  }

  /** The kept hits, ascending by (estimate, ordinal). */
  sorted(): TopHits {
    const count = this.size
    const order = this.#heap.slice(0, count)
    order.sort((a, b) => this.est[a] - this.est[b] || this.ord[a] - this.ord[b])
    const out: TopHits = {
      ordinals: new Int32Array(count),
      estimate: new Float64Array(count),
      ciLow: new Float64Array(count),
      ciHigh: new Float64Array(count),
      status: new Uint8Array(count),
      unbiased: new Float64Array(count),
    }
    for (let i = 0; i < count; i++) {
      const j = order[i]
      out.ordinals[i] = this.ord[j]; out.estimate[i] = this.est[j]; out.ciLow[i] = this.lo[j]; out.ciHigh[i] = this.hi[j]; out.status[i] = this.st[j]; out.unbiased[i] = this.ub[j]
    }
    return out
  }
}

const countTables = new WeakMap<readonly Estimate[], CountTable>()

/**
 * A byCount answer table read as a function of the count. When the estimates never decrease with the
 * count (parity's do: more mismatching cells, larger distance), the heap's admission test and
 * maxDistance together become a count cut: a record can be kept only when its count is below
 * cutFor(root estimate, maxDistance). Within one range records arrive in ascending ordinal, so an
 * estimate equal to the root's never wins its tie.
 */
class CountTable {
  readonly estimates: readonly Estimate[]
  readonly #keys: Float64Array
  readonly monotone: boolean

  /** One table per answer array (mechanisms cache their arrays, so this is built once per sketch and level). */
  static for(estimates: readonly Estimate[]): CountTable {
    let table = countTables.get(estimates)
    if (table === undefined) {
      table = new CountTable(estimates)
      countTables.set(estimates, table)
    }
    return table
  }

  private constructor(estimates: readonly Estimate[]) {
    this.estimates = estimates
    this.#keys = new Float64Array(estimates.length)
    for (let c = 0; c < estimates.length; c++) this.#keys[c] = estimates[c].estimate
    let monotone = true
    for (let c = 1; c < this.#keys.length; c++) if (this.#keys[c] < this.#keys[c - 1]) monotone = false
    this.monotone = monotone
  }

  /** Counts 0..size − 1 have an estimate. */
  get size(): number {
    return this.#keys.length
  }

  /** The first count whose estimate is ≥ root or > max (monotone tables only). */
  cutFor(root: number, max: number): number {
    let lo = 0
    let hi = this.#keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const x = this.#keys[mid]
      if (x >= root || x > max) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/**
 * Offers the records of the loaded block (ordinals from `block`) to query q's heap through the filter.
 * With a monotone table only counts below the cut can enter, and the cut follows the heap's root as
 * hits are pushed (the kernel saw the cut of its call, so hits are checked again). While the heap is
 * not full, the block is filtered in pieces just large enough to fill it, so the first block does not
 * push thousands of records through the heap before a cut exists; after that, in pieces as large as
 * everything the heap has seen (`seen` records before this block), because a cut taken from few
 * records is loose: the top 100 of the first 256 would let about 40 % of a whole block through.
 * A non-monotone table gets every record and tests each estimate like any other.
 */
function offerBlock(filter: CountFilter, q: number, block: number, blockCount: number, seen: number, table: CountTable, heap: HitHeap, max: number): void {
  let start = 0
  while (start < blockCount) {
    const filling = table.monotone && !heap.full
    const piece = filling ? Math.max(MIN_FILL, heap.capacity - heap.size) : table.monotone ? Math.max(MIN_FILL, seen + start) : blockCount
    const count = Math.min(blockCount - start, piece)
    const cut = table.monotone ? table.cutFor(heap.full ? heap.rootEstimate : Infinity, max) : table.size
    pushHits(filter.hits, 0, filter.filter(q, cut, start, count), block, table, heap, max)
    start += count
  }
}

/**
 * Pushes a filter call's hits (pairs from hits[at]: index within the block starting at ordinal
 * `block`, count) into the heap. The kernel used the cut of its call; the heap may have improved
 * since (ordinals ascend, so an estimate equal to the root's never wins).
 */
function pushHits(hits: Int32Array, at: number, hitCount: number, block: number, table: CountTable, heap: HitHeap, max: number): void {
  const estimates = table.estimates
  for (let h = at; h < at + 2 * hitCount; h += 2) {
    const r = block + hits[h]
    const e = estimates[hits[h + 1]]
    if (e.estimate > max || !heap.admits(e.estimate, r)) continue
    heap.push(r, e.estimate, e.ciLow, e.ciHigh, statusIndex[e.status], e.unbiased ?? NaN)
  }
}

/** Records per filter call while a heap fills (enough that a tiny top or a strict maxDistance stays cheap). */
const MIN_FILL = 256

/** This thread's native and copying count filters (a scan runs to completion, so one of each is enough). */
let threadNative: CountFilter | null | undefined
let threadFilter: CountFilter | undefined

/**
 * Whether this thread's scans may use the native count filter (default: whenever it was built and
 * DPDIST_NATIVE ≠ 0), and on which path (true: DPDIST_NATIVE_PATH or the fastest). Tests and
 * benchmarks switch it off to check the WebAssembly paths give the same answers, or name a path to
 * time it; a path this CPU cannot run is a RangeError.
 */
export function useNativeCountFilter(choice: boolean | NativePath): void {
  const filter = choice === false ? null : nativeCountFilter(choice === true ? undefined : choice)
  if (typeof choice === 'string' && filter === null) throw new RangeError(`the native count filter cannot run the ${choice} path here`)
  threadNative = filter
}

/**
 * The native filter when it was built (it reads any sketch in place), else the WebAssembly filter
 * in place on the sketch's shared memory when possible, else this thread's copying filter.
 */
function filterFor(task: ScanTask, queryCount: number, block: number): CountFilter {
  if (threadNative === undefined) threadNative = nativeCountFilter()
  if (threadNative !== null) return threadNative
  const inPlace = task.memory ? inPlaceCountFilter(task.memory, task.data, queryCount, task.plan.wordsPerRecord, block) : null
  return inPlace ?? (threadFilter ??= newCountFilter())
}

export function scanTop(task: ScanTask): TopHits[] {
  const mechanism = getMechanism(task.plan.mechanism)
  const estimators: RecordEstimator[] = task.queries.map((q) => mechanism.prepareQuery(task.plan, task.pTilde, task.calibration, q, task.options))
  const heaps = task.queries.map(() => new HitHeap(Math.max(1, Math.min(task.top, task.to - task.from))))
  const wpr = task.plan.wordsPerRecord
  const max = task.maxDistance ?? Infinity
  // Estimators that are a table on the XOR popcount go through the count filter, in bulk.
  const tables = estimators.map((e) => (e.byCount && e.byCount.query.length === wpr ? CountTable.for(e.byCount.estimates) : null))
  const filtered = estimators.flatMap((e, q) => (tables[q] === null ? [] : [{ q, query: e.byCount!.query, table: tables[q]! }]))
  const blockSize = blockRecords(wpr)
  const filter = filtered.length === 0 ? null : filterFor(task, filtered.length, blockSize)
  const cuts = new Uint32Array(filtered.length)
  let batching = false
  try {
    filter?.setQueries(filtered.map((f) => f.query), wpr, blockSize)
    for (let block = task.from; block < task.to; block += blockSize) {
      const end = Math.min(task.to, block + blockSize)
      if (filter !== null) {
        filter.loadBlock(task.data, block, end - block)
        // A batch kernel serves all queries in one pass over the block once every top list has its
        // cut, or from the second block on: a list that is still not full then (a strict maxDistance,
        // as in a linkage run with a threshold) takes maxDistance's cut, and only the records within it.
        batching ||= filter.filterEach !== undefined && filtered.every(({ q, table }) => table.monotone && (heaps[q].full || block > task.from))
        if (batching) {
          for (let f = 0; f < filtered.length; f++) {
            const heap = heaps[filtered[f].q]
            cuts[f] = filtered[f].table.cutFor(heap.full ? heap.rootEstimate : Infinity, max)
          }
          const { hits, stride, counts } = filter.filterEach!(cuts)
          for (let f = 0; f < filtered.length; f++) pushHits(hits, f * stride, counts[f], block, filtered[f].table, heaps[filtered[f].q], max)
        } else {
          for (let f = 0; f < filtered.length; f++) {
            const { q, table } = filtered[f]
            offerBlock(filter, f, block, end - block, block - task.from, table, heaps[q], max)
          }
        }
      }
      for (let q = 0; q < estimators.length; q++) {
        if (tables[q] !== null) continue
        const estimate = estimators[q]
        const heap = heaps[q]
        for (let r = block; r < end; r++) {
          const e = estimate(task.data, r * wpr)
          if (e.estimate > max || !heap.admits(e.estimate, r)) continue
          heap.push(r, e.estimate, e.ciLow, e.ciHigh, statusIndex[e.status], e.unbiased ?? NaN)
        }
      }
    }
  } finally {
    filter?.release()
  }
  return heaps.map((h) => h.sorted())
}

/** Merges partial top lists (each ascending) into the overall top. */
export function mergeTop(parts: TopHits[], top: number): TopHits {
  const heap = new HitHeap(Math.max(1, top))
  for (const p of parts) {
    for (let i = 0; i < p.ordinals.length; i++) {
      if (!heap.admits(p.estimate[i], p.ordinals[i])) break // each part is ascending
      heap.push(p.ordinals[i], p.estimate[i], p.ciLow[i], p.ciHigh[i], p.status[i], p.unbiased[i])
    }
  }
  return heap.sorted()
}

/**
 * Exact distances from one query to raw records [from, to) (the geometric mechanism's input, before
 * its noise): Hamming by XOR-popcount, edit distance capped at k + 1. Run inline or by the workers.
 */
export interface ExactTask {
  metric: Metric
  /** Raw records, wordsFor(n) words each. */
  data: Uint32Array
  n: number
  k: number
  query: Uint32Array
  from: number
  to: number
}

const hammingScan = bestXorPopcountScan()

export function exactDistances(task: ExactTask): Int32Array {
  const wpr = (task.n + 31) >>> 5
  const records = task.data.subarray(task.from * wpr, task.to * wpr)
  const m = task.to - task.from
  return task.metric === 'hamming' ? hammingScan(records, m, wpr, task.query) : editDistanceScan(records, m, wpr, task.n, task.query, task.k)
}
