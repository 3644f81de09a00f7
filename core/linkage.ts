/**
 * Linkage runs: a whole file of the other party's records compared with a dataset's Hamming sketch
 * and its released popcounts, by similarity (core/similarity.ts), keeping each query's `top`
 * candidates at or above the threshold, then, with `solve: "greedy"`, anonlink's greedy one-to-one
 * solver. Post-processing of the sketch: free. Runs are stored (db/linkage.ts), run one at a time in
 * the background, in chunks through the scan pool's batch kernels, so the event loop stays free; a
 * full scan queue makes a chunk wait and retry, never fail. A run interrupted by a stop is marked
 * failed at the next start-up and can be started again (its queries are kept until it completes).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Dataset } from '../db/datasets.js'
import type { LinkagePair, LinkageRepository, LinkageRunRecord } from '../db/linkage.js'
import type { ParsedRecord } from '../ingest/index.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { ScanOverloadError } from '../scan/errors.js'
import type { SimilarityKind } from '../sketch/stats/similarity.js'
import type { ServiceContext } from './context.js'
import { conflict, invalid, notFound } from './errors.js'
import { canAccess, type Principal } from './principal.js'
import type { QueryService } from './queries.js'
import { requirePopcounts, type SimilarityHit } from './similarity.js'
import type { SketchService } from './sketches.js'

export type Solver = 'none' | 'greedy'

export interface LinkageOptions {
  sketch?: string
  similarity: SimilarityKind
  threshold: number
  top: number
  solve: Solver
}

export interface LinkageRunView {
  id: string
  dataset: string
  sketch: string
  status: LinkageRunRecord['status']
  similarity: SimilarityKind
  threshold: number
  top: number
  solve: Solver
  queries: number
  records: number
  progress: number
  progressFraction: number
  pairsCompared: number
  pairsTotal: number
  pairsPerSecond: number | null
  etaSeconds: number | null
  candidates: number
  matches: number | null
  error: string | null
  epsilonCharged: 0
  epsilonOfSketch: number
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

export interface LinkageResultPair {
  queryIndex: number
  queryId: string
  recordIndex: number
  recordId: string
  score: number
  low: number
  high: number
  matched: boolean
}

const CSV_HEADER = 'query_index,query_id,record_index,record_id,score,low,high,matched\n'
const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** A run's result as CSV lines (HTTP with Accept: text/csv, and `dpdist link --out`). */
export function* linkageCsvLines(pairs: Iterable<LinkageResultPair>): Generator<string> {
  yield CSV_HEADER
  for (const p of pairs) {
    yield `${p.queryIndex},${csvField(p.queryId)},${p.recordIndex},${csvField(p.recordId)},${p.score},${p.low},${p.high},${p.matched ? 1 : 0}\n`
  }
}

/** Greedy one-to-one solver (anonlink's): pairs by score, best first; a pair whose endpoint is taken is skipped. */
export function greedySolve<P extends { queryOrdinal: number; recordOrdinal: number }>(bestFirst: Iterable<P>): P[] {
  const usedQ = new Set<number>()
  const usedR = new Set<number>()
  const out: P[] = []
  for (const p of bestFirst) {
    if (usedQ.has(p.queryOrdinal) || usedR.has(p.recordOrdinal)) continue
    usedQ.add(p.queryOrdinal)
    usedR.add(p.recordOrdinal)
    out.push(p)
  }
  return out
}

/** Pairs per scan call: enough queries to amortise a pass, few enough that a chunk takes well under a second. */
const CHUNK_PAIRS = 2 ** 26
/** How long a chunk waits before it asks a full scan queue again. */
const OVERLOAD_RETRY_MS = 100

/** What linkageChunks reads and where it writes (the service: SQLite; bench/linkage.ts: memory). */
export interface LinkageChunkIo {
  queryCount: number
  recordCount: number
  /** Queries [from, to) of the run, in ordinal order. */
  rows(from: number, to: number): Array<{ ordinal: number; bits: Uint8Array }>
  /** One similarity scan of a chunk's queries (one hit list per query). */
  scan(bits: Uint8Array[]): Promise<SimilarityHit[][]>
  /** Stores a chunk's pairs; false stops the run (it was deleted). */
  chunk(pairs: LinkagePair[], progress: number, compared: number): boolean
}

/** A run's scan: its queries in chunks, each chunk one similarity scan; false when a chunk's store said stop. */
export async function linkageChunks(io: LinkageChunkIo): Promise<boolean> {
  const perChunk = Math.max(16, Math.min(1024, Math.floor(CHUNK_PAIRS / Math.max(1, io.recordCount))))
  let compared = 0
  for (let from = 0; from < io.queryCount; from += perChunk) {
    const rows = io.rows(from, Math.min(io.queryCount, from + perChunk))
    const lists = await io.scan(rows.map((r) => r.bits))
    const pairs: LinkagePair[] = []
    lists.forEach((hits, i) => {
      for (const h of hits) pairs.push({ queryOrdinal: rows[i].ordinal, recordOrdinal: h.ordinal, score: h.similarity, low: h.low, high: h.high, matched: false })
    })
    compared += rows.length * io.recordCount
    if (!io.chunk(pairs, from + rows.length, compared)) return false
  }
  return true
}


export class LinkageService {
  readonly #ctx: ServiceContext
  readonly #repo: LinkageRepository
  readonly #sketches: SketchService
  readonly #queries: QueryService
  readonly #instance = randomUUID()
  readonly #queue: string[] = []
  #current: Promise<void> | null = null
  #closing = false

  constructor(ctx: ServiceContext, repo: LinkageRepository, sketches: SketchService, queries: QueryService) {
    this.#ctx = ctx
    this.#repo = repo
    this.#sketches = sketches
    this.#queries = queries
    const failed = repo.recover(this.#instance)
    if (failed > 0) ctx.log.warn({ runs: failed }, 'linkage runs interrupted by a stop were marked failed')
  }

  /** Throws the 404/409 a run would get (no such sketch, not ready, no popcounts) before any upload is read. */
  checkRunnable(dataset: Dataset, sketchId?: string): void {
    requirePopcounts(this.#sketches.forQuery(dataset, 'hamming', sketchId))
  }

  /** Stores the run and its queries (all or nothing), then queues it. */
  async create(principal: Principal, dataset: Dataset, batches: AsyncIterable<ParsedRecord[]>, o: LinkageOptions): Promise<LinkageRunView> {
    if (!canAccess(principal, dataset)) throw notFound(`no dataset named "${dataset.name}"`)
    if (!(o.threshold >= 0 && o.threshold <= 1)) throw invalid('threshold must be in [0, 1]')
    const sketch = this.#sketches.forQuery(dataset, 'hamming', o.sketch)
    requirePopcounts(sketch)
    if (!dataset.metrics.includes('hamming')) throw invalid(`dataset "${dataset.name}" does not allow metric "hamming"`)
    const id = `lr_${randomBytes(8).toString('hex')}`
    this.#repo.insert({ id, datasetId: dataset.id, sketchId: sketch.id, options: { ...o, sketch: sketch.id } }, this.#instance)
    let next = 0
    try {
      for await (const batch of batches) {
        this.#repo.appendQueries(id, next, batch.map((r, i) => ({ id: r.id ?? String(next + i), bytes: r.bytes })))
        next += batch.length
      }
      if (next === 0) throw invalid('the upload holds no records')
      this.#repo.setUploaded(id)
    } catch (err) {
      this.#repo.delete(id)
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw invalid('duplicate query ordinal')
      throw err
    }
    this.#ctx.log.info({ dataset: dataset.name, runId: id, queries: next }, 'linkage run queued')
    this.#enqueue(id)
    return this.view(dataset, this.#repo.get(id)!)
  }

  /** Starts a failed run again (its queries are kept until a run completes). */
  rerun(principal: Principal, dataset: Dataset, id: string): LinkageRunView {
    const run = this.#find(principal, dataset, id)
    if (run.status !== 'failed') throw conflict(`linkage run "${id}" is ${run.status}: only a failed run can be started again`)
    if (!this.#repo.requeue(id, this.#instance)) throw conflict(`linkage run "${id}" was interrupted during its upload: create a new run`)
    this.#enqueue(id)
    return this.view(dataset, this.#repo.get(id)!)
  }

  get(principal: Principal, dataset: Dataset, id: string): LinkageRunView {
    return this.view(dataset, this.#find(principal, dataset, id))
  }

  list(principal: Principal, dataset: Dataset): LinkageRunView[] {
    if (!canAccess(principal, dataset)) throw notFound(`no dataset named "${dataset.name}"`)
    return this.#repo.list(dataset.id).map((r) => this.view(dataset, r))
  }

  delete(principal: Principal, dataset: Dataset, id: string): void {
    this.#find(principal, dataset, id)
    this.#repo.delete(id) // a running chunk notices on its next write
  }

  /** The candidate pairs (best first) and, after `greedy`, which are the one-to-one matches. */
  result(principal: Principal, dataset: Dataset, id: string): Iterable<LinkageResultPair> {
    const run = this.#find(principal, dataset, id)
    if (run.status !== 'completed') throw conflict(`linkage run "${id}" is ${run.status}, not completed`)
    return this.#pages(dataset, id)
  }

  *#pages(dataset: Dataset, id: string): Generator<LinkageResultPair> {
    const page: LinkagePair[] = []
    const flush = function* (this: LinkageService): Generator<LinkageResultPair> {
      const qids = this.#repo.queryIds(id, page.map((p) => p.queryOrdinal))
      const rids = this.#ctx.datasets.idsOf(dataset.id, page.map((p) => p.recordOrdinal))
      if (rids === null) throw conflict(`dataset "${dataset.name}" was deleted while its run's result was read`)
      for (let i = 0; i < page.length; i++) {
        const p = page[i]
        yield { queryIndex: p.queryOrdinal, queryId: qids[i], recordIndex: p.recordOrdinal, recordId: rids[i], score: p.score, low: p.low, high: p.high, matched: p.matched }
      }
      page.length = 0
    }
    for (const p of this.#repo.pairsByScore(id)) {
      page.push(p)
      if (page.length === 4096) yield* flush.call(this)
    }
    yield* flush.call(this)
  }

  view(dataset: Dataset, r: LinkageRunRecord): LinkageRunView {
    const o = r.options as unknown as LinkageOptions
    const records = dataset.recordCount
    const pairsTotal = r.queryCount * records
    const elapsed = r.startedAt === null ? 0 : ((r.finishedAt === null ? Date.now() : Date.parse(r.finishedAt)) - Date.parse(r.startedAt)) / 1000
    const rate = elapsed > 0 && r.pairsCompared > 0 ? r.pairsCompared / elapsed : null
    const sketch = this.#ctx.sketches.get(r.sketchId)
    return {
      id: r.id,
      dataset: dataset.name,
      sketch: r.sketchId,
      status: r.status,
      similarity: o.similarity,
      threshold: o.threshold,
      top: o.top,
      solve: o.solve,
      queries: r.queryCount,
      records,
      progress: r.progress,
      progressFraction: r.queryCount === 0 ? 0 : r.progress / r.queryCount,
      pairsCompared: r.pairsCompared,
      pairsTotal,
      pairsPerSecond: rate,
      etaSeconds: r.status === 'running' && rate !== null ? (pairsTotal - r.pairsCompared) / rate : r.status === 'completed' ? 0 : null,
      candidates: r.candidates,
      matches: r.matches,
      error: r.error,
      epsilonCharged: 0,
      epsilonOfSketch: sketch ? epsilonFromMicro(sketch.epsilonMicro + (sketch.popcountEpsilonMicro ?? 0)) : 0,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    }
  }

  /** Resolves when no run is queued or running in this process. */
  async idle(): Promise<void> {
    while (this.#current !== null) await this.#current
  }

  /** Stops after the current chunk; the run is marked failed (interrupted). */
  async close(): Promise<void> {
    this.#closing = true
    this.#queue.length = 0
    await this.#current
  }

  #find(principal: Principal, dataset: Dataset, id: string): LinkageRunRecord {
    if (!canAccess(principal, dataset)) throw notFound(`no dataset named "${dataset.name}"`)
    const run = this.#repo.get(id)
    if (!run || run.datasetId !== dataset.id) throw notFound(`no linkage run "${id}" in dataset "${dataset.name}"`)
    return run
  }

  #enqueue(id: string): void {
    this.#queue.push(id)
    if (this.#current === null) this.#current = this.#drain()
  }

  async #drain(): Promise<void> {
    await Promise.resolve() // let the caller answer 202 first
    while (this.#queue.length > 0 && !this.#closing) {
      const id = this.#queue.shift()!
      try {
        await this.#run(id)
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        this.#ctx.log.error({ runId: id, err: message }, 'linkage run failed')
        try {
          this.#repo.fail(id, message.startsWith('interrupted') ? message : `the run failed: ${message}`)
        } catch {
          // the database is closing: start-up recovery marks the run failed
        }
      }
    }
    this.#current = null
  }

  async #run(id: string): Promise<void> {
    const run = this.#repo.get(id)
    if (!run) return
    const dataset = this.#ctx.datasets.findById(run.datasetId)
    if (!dataset) return
    const o = run.options as unknown as LinkageOptions
    const sketch = this.#sketches.forQuery(dataset, 'hamming', run.sketchId)
    if (!this.#repo.start(id, this.#instance)) return
    const ok = await linkageChunks({
      queryCount: run.queryCount,
      recordCount: sketch.recordCount,
      rows: (from, to) => {
        if (this.#closing) throw new Error('interrupted: the process is stopping; start the run again with POST …/rerun')
        const rows = this.#repo.queries(id, from, to)
        if (rows.some((r) => r.bits === null)) throw new Error('the queries of this run are no longer stored')
        return rows.map((r) => ({ ordinal: r.ordinal, bits: r.bits! }))
      },
      scan: (bits) =>
        this.#scanRetrying(() =>
          this.#queries.similarityScan(sketch, bits, dataset, { kind: o.similarity, minSimilarity: o.threshold, top: o.top, confidence: 0.95, simultaneous: false }),
        ),
      chunk: (pairs, progress, compared) => this.#repo.addChunk(id, pairs, progress, compared),
    })
    if (!ok) return // deleted meanwhile
    const matched = o.solve === 'greedy' ? greedySolve(this.#repo.pairsByScore(id)) : null
    if (this.#repo.complete(id, matched)) this.#ctx.log.info({ runId: id, queries: run.queryCount, matches: matched?.length ?? null }, 'linkage run completed')
  }

  /** A chunk waits while the scan queue is full (interactive queries go first), and is never refused. */
  async #scanRetrying<T>(scan: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await scan()
      } catch (err) {
        if (!(err instanceof ScanOverloadError) || this.#closing) throw err
        await new Promise((r) => setTimeout(r, OVERLOAD_RETRY_MS))
      }
    }
  }
}
