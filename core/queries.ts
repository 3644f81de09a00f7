/**
 * Distance queries.
 * - `sketch`: post-processing of a ready noisy sketch: free, unlimited, never reads raw bits.
 * - `geometric`: exact distances from raw bits (retainRaw datasets) plus independent discrete
 *   Laplace noise per record (L1 sensitivity unitBits), charged per query; the debit is written
 *   before the exact distances are computed or any noise is drawn.
 */
import type { Dataset } from '../db/datasets.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { geometricRelease, type GeometricAnswer } from '../privacy/geometric.js'
import { bytesToWords, wordsFor } from '../sketch/bits.js'
import type { EstimateStatus, Metric } from '../sketch/mechanisms/mechanism.js'
import { conflict, invalid, notFound } from './errors.js'
import type { BudgetService } from './budget.js'
import type { ServiceContext } from './context.js'
import { canAccess, type Principal } from './principal.js'
import { privacyReport, type PrivacyReport } from './privacy-report.js'
import { statusCodes } from '../scan/engine.js'
import type { Scanner } from '../scan/types.js'
import type { SketchService } from './sketches.js'

export interface QueryRequest {
  metric: Metric
  /** The query string, already parsed to canonical packed bytes. */
  query: Uint8Array
  mechanism: 'sketch' | 'geometric'
  sketch?: string
  epsilonMicro?: number
  /** Edit-distance cap for the geometric mechanism (answers estimate min(d, k + 1)). */
  k?: number
  top: number
  maxDistance?: number
  confidence: number
  simultaneous: boolean
}

export interface QueryResult {
  id: string
  estimate: number
  ciLow: number
  ciHigh: number
  status: EstimateStatus
  unbiasedEstimate: number | null
}

export interface QueryResponse {
  dataset: string
  metric: Metric
  mechanism: 'sketch' | 'geometric'
  sketch: { id: string; mechanism: string; epsilon: number; k: number; params: Record<string, unknown> } | null
  epsilonCharged: number
  records: number
  returned: number
  confidence: number
  simultaneous: boolean
  results: QueryResult[]
  privacy: PrivacyReport
}

/** Told the records scanned and the seconds taken after every sketch scan (metrics). */
export type ScanListener = (records: number, seconds: number) => void

/** Indices of the `top` smallest estimates within maxDistance, ascending (ties by record order). */
export function selectTop(estimates: ArrayLike<number>, top: number, maxDistance?: number): number[] {
  const idx: number[] = []
  for (let i = 0; i < estimates.length; i++) if (maxDistance === undefined || estimates[i] <= maxDistance) idx.push(i)
  idx.sort((a, b) => estimates[a] - estimates[b] || a - b)
  return idx.length > top ? idx.slice(0, top) : idx
}

/** Records released (noise drawn) per turn of the event loop. */
const RELEASE_SLICE = 4096

/** Raw bytes read per turn of the event loop when the raw records are loaded for the geometric mechanism. */
const RAW_PAGE_BYTES = 4 << 20

interface RawCache {
  count: number
  data: Uint32Array
}

export class QueryService {
  readonly #ctx: ServiceContext
  readonly #budget: BudgetService
  readonly #sketches: SketchService
  readonly #raw = new Map<number, RawCache>()
  readonly #scanner: Scanner
  readonly #onScan: ScanListener | undefined

  constructor(ctx: ServiceContext, budget: BudgetService, sketches: SketchService, scanner: Scanner, onScan?: ScanListener) {
    this.#ctx = ctx
    this.#budget = budget
    this.#sketches = sketches
    this.#scanner = scanner
    this.#onScan = onScan
  }

  /** Scan tasks waiting for a worker. */
  queueDepth(): number {
    return this.#scanner.queueDepth()
  }

  forgetDataset(datasetId: number): void {
    this.#raw.delete(datasetId)
  }

  async query(principal: Principal, dataset: Dataset, req: QueryRequest): Promise<QueryResponse> {
    if (!canAccess(principal, dataset.name)) throw notFound(`no dataset named "${dataset.name}"`)
    if (!dataset.metrics.includes(req.metric)) {
      throw invalid(`dataset "${dataset.name}" does not allow metric "${req.metric}"`)
    }
    return (req.mechanism === 'geometric' ? await this.#geometric(principal, dataset, [req]) : await this.#sketch(dataset, [req]))[0]
  }

  /** Many query strings sharing the same options. Geometric batches are charged once, in total, up front. */
  async batch(principal: Principal, dataset: Dataset, reqs: QueryRequest[]): Promise<QueryResponse[]> {
    if (!canAccess(principal, dataset.name)) throw notFound(`no dataset named "${dataset.name}"`)
    if (reqs.length === 0) return []
    if (!dataset.metrics.includes(reqs[0].metric)) {
      throw invalid(`dataset "${dataset.name}" does not allow metric "${reqs[0].metric}"`)
    }
    return reqs[0].mechanism === 'geometric' ? this.#geometric(principal, dataset, reqs) : this.#sketch(dataset, reqs)
  }

  async #sketch(dataset: Dataset, reqs: QueryRequest[]): Promise<QueryResponse[]> {
    const first = reqs[0]
    if (first.epsilonMicro !== undefined) {
      throw invalid('epsilon applies only to the geometric mechanism: sketch answers are free')
    }
    const sketch = this.#sketches.forQuery(dataset, first.metric, first.sketch)
    const t0 = performance.now()
    const hits = await this.#scanner.scan({
      sketch,
      queries: reqs.map((r) => toWords(r.query, dataset.bits)),
      options: { confidence: first.confidence, simultaneousM: first.simultaneous ? sketch.recordCount : null },
      top: first.top,
      maxDistance: first.maxDistance,
    })
    this.#onScan?.(sketch.recordCount * reqs.length, (performance.now() - t0) / 1000)
    const fresh = this.#ctx.datasets.findById(dataset.id) ?? dataset
    const notes = ['answers are post-processing of a sketch released once: queries on it charge no ε']
    if (!sketch.plan.reliable) notes.push('this sketch was built below the ε where its error bound holds: estimates are unreliable')
    const privacy = privacyReport(fresh, 0, notes, sketch.epsilonMicro)
    const sketchInfo = {
      id: sketch.id,
      mechanism: sketch.mechanism,
      epsilon: epsilonFromMicro(sketch.epsilonMicro),
      k: sketch.plan.k,
      params: sketch.plan.params,
    }
    return hits.map((h) => {
      const ids = this.#ctx.datasets.idsOf(dataset.id, h.ordinals)
      return {
      dataset: dataset.name,
      metric: first.metric,
      mechanism: 'sketch' as const,
      sketch: sketchInfo,
      epsilonCharged: 0,
      records: sketch.recordCount,
      returned: h.ordinals.length,
      confidence: first.confidence,
      simultaneous: first.simultaneous,
      results: Array.from(h.ordinals, (_ordinal, i) => ({
        id: ids[i],
        estimate: h.estimate[i],
        ciLow: h.ciLow[i],
        ciHigh: h.ciHigh[i],
        status: statusCodes[h.status[i]],
        unbiasedEstimate: Number.isNaN(h.unbiased[i]) ? null : h.unbiased[i],
      })),
      privacy,
      }
    })
  }

  async #geometric(principal: Principal, dataset: Dataset, reqs: QueryRequest[]): Promise<QueryResponse[]> {
    const first = reqs[0]
    if (first.epsilonMicro === undefined) throw invalid('the geometric mechanism needs epsilon (charged per query)')
    if (first.epsilonMicro > this.#ctx.config.maxEpsilonMicro) {
      throw invalid(`epsilon exceeds the per-release cap of ${epsilonFromMicro(this.#ctx.config.maxEpsilonMicro)}`)
    }
    if (!dataset.retainRaw || dataset.rawDeleted) {
      throw conflict(`the geometric mechanism needs raw bits, and dataset "${dataset.name}" does not retain them (retainRaw is false)`)
    }
    if (dataset.recordCount === 0) throw conflict(`dataset "${dataset.name}" has no records`)
    if (first.sketch !== undefined) throw invalid('sketch applies only to the sketch mechanism')
    const k = first.metric === 'edit' ? Math.min(first.k ?? 64, dataset.bits) : dataset.bits
    const perQuery = first.epsilonMicro
    const total = perQuery * reqs.length
    if (!Number.isSafeInteger(total)) throw invalid('the total ε of this batch is too large')
    const count = dataset.recordCount
    // Debit first: nothing below runs unless the charge is on disk.
    await this.#budget.debit({
      datasetId: dataset.id,
      epsilonMicro: total,
      kind: 'query',
      tokenId: principal.tokenId,
      details: { mechanism: 'geometric', metric: first.metric, queries: reqs.length, epsilonPerQuery: epsilonFromMicro(perQuery), records: count, ...(first.metric === 'edit' ? { k } : {}) },
    })
    const raw = await this.#rawWords(dataset, count)
    const fresh = this.#ctx.datasets.findById(dataset.id) ?? dataset
    // Exact distances in the worker pool (the event loop stays free); noise here, after the debit.
    const exacts = await Promise.all(
      reqs.map((req) => this.#scanner.exact({ metric: req.metric, data: raw.data, n: dataset.bits, k, query: toWords(req.query, dataset.bits), from: 0, to: count })),
    )
    const out: QueryResponse[] = []
    for (let r = 0; r < reqs.length; r++) {
      const req = reqs[r]
      const released = await this.#release(exacts[r], perQuery, dataset, req.confidence, req.simultaneous ? count : null)
      const values = Float64Array.from(released, (r) => r.estimate)
      const chosen = selectTop(values, req.top, req.maxDistance)
      const ids = this.#ctx.datasets.idsOf(dataset.id, chosen)
      const status: EstimateStatus = 'ok'
      out.push({
        dataset: dataset.name,
        metric: req.metric,
        mechanism: 'geometric' as const,
        sketch: null,
        epsilonCharged: epsilonFromMicro(perQuery),
        records: count,
        returned: chosen.length,
        confidence: req.confidence,
        simultaneous: req.simultaneous,
        results: chosen.map((i, j) => {
          const r = released[i]
          return { id: ids[j], estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh, status, unbiasedEstimate: r.unbiased }
        }),
        privacy: privacyReport(fresh, perQuery, [
          'exact distances plus independent two-sided geometric noise per record; each query is charged',
          ...(req.metric === 'edit' ? [`edit distances are capped: the estimate is of min(d, ${k + 1})`] : []),
        ]),
      })
    }
    return out
  }

  /**
   * The geometric release of one query's exact distances, in slices with a turn of the event loop
   * between them (sampling costs microseconds a record). Each distance gets its own independent
   * noise either way; every slice's noise is drawn before any answer leaves.
   */
  async #release(exact: Int32Array, perQuery: number, dataset: Dataset, confidence: number, simultaneousM: number | null): Promise<GeometricAnswer[]> {
    const out: GeometricAnswer[] = []
    for (let from = 0; from < exact.length; from += RELEASE_SLICE) {
      const slice = exact.subarray(from, Math.min(exact.length, from + RELEASE_SLICE))
      for (const a of geometricRelease(this.#ctx.noise, slice, perQuery, dataset.unitBits, dataset.bits, confidence, simultaneousM)) out.push(a)
      if (from + RELEASE_SLICE < exact.length) await new Promise((resolve) => setImmediate(resolve))
    }
    return out
  }

  /** The raw records as words, read in pages with a turn of the event loop between them (a big dataset takes seconds to read). */
  async #rawWords(dataset: Dataset, count: number): Promise<RawCache> {
    const cached = this.#raw.get(dataset.id)
    if (cached && cached.count === count) return cached
    const wpr = wordsFor(dataset.bits)
    // shared, so the scan workers read it without a copy
    const data = new Uint32Array(new SharedArrayBuffer(count * wpr * 4))
    const page = Math.max(64, Math.floor(RAW_PAGE_BYTES / (wpr * 4)))
    for (let from = 0; from < count; from += page) {
      for (const r of this.#ctx.datasets.rawRecords(dataset.id, from, Math.min(count, from + page), page)) {
        if (r.bits === null) throw conflict(`dataset "${dataset.name}" no longer stores raw bits`)
        bytesToWords(r.bits, dataset.bits, data, r.ordinal * wpr)
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    const entry = { count, data }
    this.#raw.set(dataset.id, entry)
    return entry
  }
}

function toWords(bytes: Uint8Array, n: number): Uint32Array {
  return bytesToWords(bytes, n, new Uint32Array(wordsFor(n)), 0)
}

