/**
 * Distance queries.
 * - `sketch`: post-processing of a ready noisy sketch: free, unlimited, never reads raw bits.
 * - `geometric`: exact distances from raw bits (retainRaw datasets) plus independent discrete
 *   Laplace noise per record (L1 sensitivity unitBits), charged per query; the debit is written
 *   before the exact distances are computed or any noise is drawn.
 *
 * The raw bits of a retained dataset are cached in memory after its first geometric query, keyed
 * by the dataset's id (never reused) and tagged with its generation: the cache is used only while
 * the store still has that generation (another process may have deleted or changed the dataset),
 * and an answer is released only if the dataset still exists once it is computed.
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
import { privacyReport } from './privacy-report.js'
import { statusCodes } from '../scan/engine.js'
import type { Scanner } from '../scan/types.js'
import type { SketchService } from './sketches.js'
import type { LoadedSketch } from './sketch-registry.js'
import { similarityScan, type SimilarityHit, type SimilarityOptions } from './similarity.js'
import type { SimilarityKind } from '../sketch/stats/similarity.js'
import type { z } from 'zod'
import type { batchResponse, queryResponse, queryResult } from './schemas/queries.js'

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
  /** Answer a similarity score (Hamming sketches with released popcounts), ranked by it. */
  similarity?: SimilarityKind
  /** Only records whose similarity estimate is at least this. */
  minSimilarity?: number
}

export type QueryResult = z.output<typeof queryResult>
export type QueryResponse = z.output<typeof queryResponse>
export type BatchResponse = z.output<typeof batchResponse>

/** A batch's answers and the micro-ε it charged. */
interface Answers {
  chargedMicro: number
  answers: QueryResponse[]
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
  generation: number
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

  /** Drops cached raw bits of datasets that are gone or changed (`live`: dataset id → generation). */
  retain(live: ReadonlyMap<number, number>): void {
    for (const [id, c] of this.#raw) if (live.get(id) !== c.generation) this.#raw.delete(id)
  }

  /** The dataset as the store has it now: 409 when it was deleted while a query ran. */
  #stillThere(dataset: Dataset): Dataset {
    const fresh = this.#ctx.datasets.findById(dataset.id)
    if (!fresh) {
      this.#raw.delete(dataset.id)
      throw conflict(`dataset "${dataset.name}" was deleted while the query ran`)
    }
    return fresh
  }

  #idsOf(dataset: Dataset, ordinals: ArrayLike<number>): string[] {
    const ids = this.#ctx.datasets.idsOf(dataset.id, ordinals)
    if (ids === null) throw conflict(`dataset "${dataset.name}" was deleted while the query ran`)
    return ids
  }

  async query(principal: Principal, dataset: Dataset, req: QueryRequest): Promise<QueryResponse> {
    if (!canAccess(principal, dataset)) throw notFound(`no dataset named "${dataset.name}"`)
    if (!dataset.metrics.includes(req.metric)) {
      throw invalid(`dataset "${dataset.name}" does not allow metric "${req.metric}"`)
    }
    checkSimilarity(req)
    const { answers } = req.mechanism === 'geometric' ? await this.#geometric(principal, dataset, [req]) : await this.#sketch(dataset, [req])
    return answers[0]
  }

  /** Many query strings sharing the same options. Geometric batches are charged once, in total, up front. */
  async batch(principal: Principal, dataset: Dataset, reqs: QueryRequest[]): Promise<BatchResponse> {
    if (!canAccess(principal, dataset)) throw notFound(`no dataset named "${dataset.name}"`)
    if (reqs.length === 0) return { epsilonCharged: 0, answers: [] }
    if (!dataset.metrics.includes(reqs[0].metric)) {
      throw invalid(`dataset "${dataset.name}" does not allow metric "${reqs[0].metric}"`)
    }
    checkSimilarity(reqs[0])
    const { chargedMicro, answers } = reqs[0].mechanism === 'geometric' ? await this.#geometric(principal, dataset, reqs) : await this.#sketch(dataset, reqs)
    return { epsilonCharged: epsilonFromMicro(chargedMicro), answers }
  }

  async #sketch(dataset: Dataset, reqs: QueryRequest[]): Promise<Answers> {
    const first = reqs[0]
    if (first.epsilonMicro !== undefined) {
      throw invalid('epsilon applies only to the geometric mechanism: sketch answers are free')
    }
    const sketch = this.#sketches.forQuery(dataset, first.metric, first.sketch)
    const t0 = performance.now()
    const answers = first.similarity === undefined ? await this.#distances(dataset, sketch, reqs) : await this.#similarities(dataset, sketch, reqs, first.similarity)
    this.#onScan?.(sketch.recordCount * reqs.length, (performance.now() - t0) / 1000)
    const fresh = this.#stillThere(dataset)
    const notes = ['answers are post-processing of a sketch released once: queries on it charge no ε']
    if (!sketch.plan.reliable) notes.push('this sketch was built below the ε where its error bound holds: estimates are unreliable')
    if (first.similarity !== undefined) {
      notes.push(`${first.similarity} similarity uses the popcounts released with the sketch; the release's ε is the sketch's plus the popcounts'`)
    }
    const privacy = privacyReport(fresh, 0, notes, sketch.epsilonMicro + (sketch.popcountEpsilonMicro ?? 0))
    const sketchInfo = {
      id: sketch.id,
      mechanism: sketch.mechanism,
      epsilon: epsilonFromMicro(sketch.epsilonMicro),
      k: sketch.plan.k,
      params: sketch.plan.params,
      popcountsEpsilon: sketch.popcountEpsilonMicro === null ? null : epsilonFromMicro(sketch.popcountEpsilonMicro),
    }
    const responses = answers.map((results) => ({
      dataset: dataset.name,
      metric: first.metric,
      mechanism: 'sketch' as const,
      sketch: sketchInfo,
      ...(first.similarity === undefined ? {} : { similarity: first.similarity }),
      epsilonCharged: 0,
      records: sketch.recordCount,
      returned: results.length,
      confidence: first.confidence,
      simultaneous: first.simultaneous,
      results,
      privacy,
    }))
    return { chargedMicro: 0, answers: responses }
  }

  async #distances(dataset: Dataset, sketch: LoadedSketch, reqs: QueryRequest[]): Promise<QueryResult[][]> {
    const first = reqs[0]
    const hits = await this.#scanner.scan({
      sketch,
      queries: reqs.map((r) => toWords(r.query, dataset.bits)),
      options: { confidence: first.confidence, simultaneousM: first.simultaneous ? sketch.recordCount : null },
      top: first.top,
      maxDistance: first.maxDistance,
    })
    return hits.map((h) => {
      const ids = this.#idsOf(dataset, h.ordinals)
      return Array.from(h.ordinals, (_ordinal, i) => ({
        id: ids[i],
        estimate: h.estimate[i],
        ciLow: h.ciLow[i],
        ciHigh: h.ciHigh[i],
        status: statusCodes[h.status[i]],
        unbiasedEstimate: Number.isNaN(h.unbiased[i]) ? null : h.unbiased[i],
      }))
    })
  }

  async #similarities(dataset: Dataset, sketch: LoadedSketch, reqs: QueryRequest[], kind: SimilarityKind): Promise<QueryResult[][]> {
    const first = reqs[0]
    const lists = await this.similarityScan(sketch, reqs.map((r) => r.query), dataset, {
      kind,
      minSimilarity: first.minSimilarity,
      top: first.top,
      confidence: first.confidence,
      simultaneous: first.simultaneous,
    })
    return lists.map((hits) => {
      const ids = this.#idsOf(dataset, hits.map((h) => h.ordinal))
      return hits.map((h, i) => ({
        id: ids[i],
        estimate: h.estimate,
        ciLow: h.ciLow,
        ciHigh: h.ciHigh,
        status: h.status,
        unbiasedEstimate: h.unbiased,
        similarity: h.similarity,
        similarityLow: h.low,
        similarityHigh: h.high,
      }))
    })
  }

  /** Similarity candidates of many queries (packed bytes) on a sketch with popcounts: linkage runs use this. */
  similarityScan(sketch: LoadedSketch, queries: Uint8Array[], dataset: Dataset, o: Omit<SimilarityOptions, 'unitBits'>): Promise<SimilarityHit[][]> {
    return similarityScan(this.#scanner, sketch, queries, dataset.bits, { ...o, unitBits: dataset.unitBits })
  }

  async #geometric(principal: Principal, dataset: Dataset, reqs: QueryRequest[]): Promise<Answers> {
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
    // Exact distances in the worker pool (the event loop stays free); noise here, after the debit.
    const exacts = await Promise.all(
      reqs.map((req) => this.#scanner.exact({ metric: req.metric, data: raw.data, n: dataset.bits, k, query: toWords(req.query, dataset.bits), from: 0, to: count })),
    )
    const releases: GeometricAnswer[][] = []
    for (let r = 0; r < reqs.length; r++) releases.push(await this.#release(exacts[r], perQuery, dataset, reqs[r].confidence, reqs[r].simultaneous ? count : null))
    // from here on nothing awaits: the answer is released only if the dataset still exists now
    const fresh = this.#stillThere(dataset)
    const out: QueryResponse[] = []
    for (let r = 0; r < reqs.length; r++) {
      const req = reqs[r]
      const released = releases[r]
      const values = Float64Array.from(released, (r) => r.estimate)
      const chosen = selectTop(values, req.top, req.maxDistance)
      const ids = this.#idsOf(dataset, chosen)
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
    return { chargedMicro: total, answers: out }
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

  /**
   * The first `count` records' raw bits as words, from the cache when the store still has its
   * generation; read in pages with a turn of the event loop between them (a big dataset takes
   * seconds to read).
   */
  async #rawWords(dataset: Dataset, count: number): Promise<RawCache> {
    const generation = this.#ctx.datasets.generationOf(dataset.id)
    const cached = this.#raw.get(dataset.id)
    if (cached && cached.generation === generation && cached.count === count) return cached
    this.#raw.delete(dataset.id)
    const gone = () => conflict(`dataset "${dataset.name}" no longer stores raw bits`)
    if (generation === undefined) throw gone()
    const wpr = wordsFor(dataset.bits)
    // shared, so the scan workers read it without a copy
    const data = new Uint32Array(new SharedArrayBuffer(count * wpr * 4))
    const page = Math.max(64, Math.floor(RAW_PAGE_BYTES / (wpr * 4)))
    let read = 0
    for (let from = 0; from < count; from += page) {
      for (const r of this.#ctx.datasets.rawRecords(dataset.id, from, Math.min(count, from + page), page)) {
        if (r.bits === null || r.ordinal !== read) throw gone()
        bytesToWords(r.bits, dataset.bits, data, r.ordinal * wpr)
        read++
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    // fewer rows: the dataset was deleted while they were read
    if (read !== count) throw gone()
    const entry = { generation, count, data }
    this.#raw.set(dataset.id, entry)
    return entry
  }
}

function checkSimilarity(req: QueryRequest): void {
  if (req.similarity === undefined) {
    if (req.minSimilarity !== undefined) throw invalid('minSimilarity needs similarity (dice or jaccard)')
    return
  }
  if (req.metric !== 'hamming') throw invalid('similarity is computed from Hamming distances: use metric "hamming"')
  if (req.mechanism !== 'sketch') throw invalid('similarity is answered from a sketch with released popcounts, not by the geometric mechanism')
  if (req.maxDistance !== undefined) throw invalid('with similarity, cut with minSimilarity instead of maxDistance')
}

function toWords(bytes: Uint8Array, n: number): Uint32Array {
  return bytesToWords(bytes, n, new Uint32Array(wordsFor(n)), 0)
}

