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
import { bestXorPopcountScan } from '../../sketch/popcount-wasm.js'
import { getMechanism } from '../../sketch/mechanisms.js'
import type { Calibration, EstimateStatus, Plan, QueryOptions, RecordEstimator } from '../../sketch/mechanism.js'

export const statusCodes: EstimateStatus[] = ['ok', 'saturated', 'above_k', 'unreliable']
const statusIndex: Record<EstimateStatus, number> = { ok: 0, saturated: 1, above_k: 2, unreliable: 3 }

export interface ScanTask {
  data: Uint32Array
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
}

const BLOCK = 2048
/** The bulk XOR-popcount: the WebAssembly SIMD kernel where the runtime has it. */
const countBlock = bestXorPopcountScan()

/** A max-heap of at most `capacity` hits keyed by (estimate, ordinal): the root is the worst kept. */
class HitHeap {
  readonly ord: Int32Array
  readonly est: Float64Array
  readonly lo: Float64Array
  readonly hi: Float64Array
  readonly st: Uint8Array
  size = 0

  constructor(readonly capacity: number) {
    this.ord = new Int32Array(capacity)
    this.est = new Float64Array(capacity)
    this.lo = new Float64Array(capacity)
    this.hi = new Float64Array(capacity)
    this.st = new Uint8Array(capacity)
  }

  #worse(i: number, j: number): boolean {
    return this.est[i] > this.est[j] || (this.est[i] === this.est[j] && this.ord[i] > this.ord[j])
  }

  #swap(i: number, j: number): void {
    const o = this.ord[i]; this.ord[i] = this.ord[j]; this.ord[j] = o
    const e = this.est[i]; this.est[i] = this.est[j]; this.est[j] = e
    const l = this.lo[i]; this.lo[i] = this.lo[j]; this.lo[j] = l
    const h = this.hi[i]; this.hi[i] = this.hi[j]; this.hi[j] = h
    const s = this.st[i]; this.st[i] = this.st[j]; this.st[j] = s
  }

  /** Whether a hit with this key would be kept. */
  admits(estimate: number, ordinal: number): boolean {
    if (this.size < this.capacity) return true
    return estimate < this.est[0] || (estimate === this.est[0] && ordinal < this.ord[0])
  }

  push(ordinal: number, estimate: number, ciLow: number, ciHigh: number, status: number): void {
    let i: number
    if (this.size < this.capacity) {
      i = this.size++
      this.ord[i] = ordinal; this.est[i] = estimate; this.lo[i] = ciLow; this.hi[i] = ciHigh; this.st[i] = status
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (!this.#worse(i, parent)) break
        this.#swap(i, parent)
        i = parent
      }
      return
    }
    this.ord[0] = ordinal; this.est[0] = estimate; this.lo[0] = ciLow; this.hi[0] = ciHigh; this.st[0] = status
    i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let worst = i
      if (l < this.size && this.#worse(l, worst)) worst = l
      if (r < this.size && this.#worse(r, worst)) worst = r
      if (worst === i) break
      this.#swap(i, worst)
      i = worst
    }
  }

  /** The kept hits, ascending. */
  sorted(): TopHits {
    const idx = Array.from({ length: this.size }, (_, i) => i)
    idx.sort((a, b) => this.est[a] - this.est[b] || this.ord[a] - this.ord[b])
    return {
      ordinals: Int32Array.from(idx, (i) => this.ord[i]),
      estimate: Float64Array.from(idx, (i) => this.est[i]),
      ciLow: Float64Array.from(idx, (i) => this.lo[i]),
      ciHigh: Float64Array.from(idx, (i) => this.hi[i]),
      status: Uint8Array.from(idx, (i) => this.st[i]),
    }
  }
}

export function scanTop(task: ScanTask): TopHits[] {
  const mechanism = getMechanism(task.plan.mechanism)
  const estimators: RecordEstimator[] = task.queries.map((q) => mechanism.prepareQuery(task.plan, task.pTilde, task.calibration, q, task.options))
  const heaps = task.queries.map(() => new HitHeap(Math.max(1, Math.min(task.top, task.to - task.from))))
  const wpr = task.plan.wordsPerRecord
  const max = task.maxDistance ?? Infinity
  const counts = new Int32Array(BLOCK)
  for (let block = task.from; block < task.to; block += BLOCK) {
    const end = Math.min(task.to, block + BLOCK)
    for (let q = 0; q < estimators.length; q++) {
      const estimate = estimators[q]
      const heap = heaps[q]
      const byCount = estimate.byCount
      if (byCount && byCount.query.length === wpr) {
        // the estimate is a table lookup on the XOR popcount: count the whole block in one tight loop
        countBlock(task.data.subarray(block * wpr, end * wpr), end - block, wpr, byCount.query, counts)
        const table = byCount.estimates
        for (let r = block; r < end; r++) {
          const e = table[counts[r - block]]
          if (e.estimate > max || !heap.admits(e.estimate, r)) continue
          heap.push(r, e.estimate, e.ciLow, e.ciHigh, statusIndex[e.status])
        }
        continue
      }
      for (let r = block; r < end; r++) {
        const e = estimate(task.data, r * wpr)
        if (e.estimate > max || !heap.admits(e.estimate, r)) continue
        heap.push(r, e.estimate, e.ciLow, e.ciHigh, statusIndex[e.status])
      }
    }
  }
  return heaps.map((h) => h.sorted())
}

/** Merges partial top lists (each ascending) into the overall top. */
export function mergeTop(parts: TopHits[], top: number): TopHits {
  const heap = new HitHeap(Math.max(1, top))
  for (const p of parts) {
    for (let i = 0; i < p.ordinals.length; i++) {
      if (!heap.admits(p.estimate[i], p.ordinals[i])) break // each part is ascending
      heap.push(p.ordinals[i], p.estimate[i], p.ciLow[i], p.ciHigh[i], p.status[i])
    }
  }
  return heap.sorted()
}
