/**
 * Sketch planning, charged builds as jobs, and the in-memory registry of ready sketches.
 *
 * Order of operations for a build (docs/ledger.md#debit-before-noise): plan (public parameters, a public hash seed drawn
 * independently of the data) → debit ε and insert the job row in the same transaction → only then
 * draw noise, in a worker (the calibration, which needs only the public plan, runs meanwhile in a
 * worker of its own) → store the whole noisy sketch and mark it ready in one transaction →
 * when the dataset does not retain raw bits, delete them in that same transaction, and then empty
 * the write-ahead log of them (db/wal-scrub.ts).
 */
import { randomBytes } from 'node:crypto'
import type { Worker } from 'node:worker_threads'
import type { Dataset } from '../db/datasets.js'
import type { SketchChunk, SketchRecord } from '../db/sketches.js'
import type { WalScrubber } from '../db/wal-scrub.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { flipProbability } from '../privacy/randomized-response.js'
import { getMechanism } from '../sketch/mechanisms/index.js'
import { allocateSketchMemory } from '../sketch/kernels/sketch-memory.js'
import type { MechanismName, Metric, Plan } from '../sketch/mechanisms/mechanism.js'
import { conflict, invalid, notFound } from './errors.js'
import type { BudgetService } from './budget.js'
import { buildSketchData, type PopcountRelease } from './build.js'
import { write, type ServiceContext } from './context.js'
import type { BuildJob } from './workers/build-worker.js'
import type { CalibrationJob } from './workers/calibration-worker.js'
import { startJob, type WorkerJob } from './workers/job.js'
import { type Principal, requireAdmin } from './principal.js'
import { SketchRegistry, type LoadedSketch } from './sketch-registry.js'
import type { z } from 'zod'
import type { sketchEstimate, sketchView } from './schemas/sketches.js'

export const defaultMechanism: Record<Metric, MechanismName> = { hamming: 'parity', edit: 'noisy-bits' }

export interface SketchRequest {
  metric: Metric
  mechanism?: MechanismName
  epsilonMicro: number
  k: number
  options?: Record<string, unknown>
  /** Also release every record's popcount at this ε (Hamming only), charged in the same debit. */
  popcountsEpsilonMicro?: number
}

export type SketchEstimate = z.output<typeof sketchEstimate>

export type SketchView = z.output<typeof sketchView>

/** Bytes a sketch stores: per record and for all its records. */
function storage(plan: Plan, records: number): { bytesPerRecord: number; totalBytes: number } {
  return { bytesPerRecord: plan.wordsPerRecord * 4, totalBytes: plan.wordsPerRecord * 4 * records }
}

const CHUNK_RECORDS = 8192
const PROGRESS_WRITE_MS = 250

export class SketchService {
  readonly #ctx: ServiceContext
  readonly #budget: BudgetService
  readonly #wal: WalScrubber
  readonly registry = new SketchRegistry()
  readonly #running = new Map<string, Promise<void>>()
  readonly #workers = new Set<Worker>()
  #closing = false

  constructor(ctx: ServiceContext, budget: BudgetService, wal: WalScrubber) {
    this.#ctx = ctx
    this.#budget = budget
    this.#wal = wal
  }

  /** Loads every ready sketch into memory (start-up). */
  loadAll(): { sketches: number; bytes: number; ms: number } {
    const t0 = performance.now()
    for (const d of this.#ctx.datasets.list()) this.registry.sync(d.id, d.generation, this.#ctx.sketches)
    const stats = this.registry.stats()
    return { sketches: stats.sketches, bytes: stats.bytes, ms: Math.round(performance.now() - t0) }
  }

  plan(dataset: Dataset, req: SketchRequest, hashSeed: string): Plan {
    if (!dataset.metrics.includes(req.metric)) {
      throw invalid(`dataset "${dataset.name}" does not allow metric "${req.metric}"`)
    }
    const name = req.mechanism ?? defaultMechanism[req.metric]
    let mechanism
    try {
      mechanism = getMechanism(name)
    } catch {
      throw invalid(`unknown mechanism "${name}"`)
    }
    if (mechanism.metric !== req.metric) {
      throw invalid(`mechanism "${name}" answers ${mechanism.metric} distance, not ${req.metric}`)
    }
    if (req.epsilonMicro > this.#ctx.config.maxEpsilonMicro) {
      throw invalid(`epsilon exceeds the per-release cap of ${epsilonFromMicro(this.#ctx.config.maxEpsilonMicro)}`)
    }
    if (req.k > dataset.bits) throw invalid(`k cannot exceed the record length ${dataset.bits}`)
    try {
      return mechanism.plan(
        { n: dataset.bits, k: req.k, epsilonMicro: req.epsilonMicro, unitBits: dataset.unitBits, options: req.options ?? {} },
        hashSeed,
      )
    } catch (err) {
      if (err instanceof RangeError) throw invalid(err.message)
      throw err
    }
  }

  /** The dry run: what a build would cost and how accurate it would be. Charges nothing. */
  estimate(dataset: Dataset, req: SketchRequest, targetSd?: number): SketchEstimate {
    const plan = this.plan(dataset, req, 'estimate')
    const flip = flipProbability(plan.epsilonMicro, plan.delta)
    const out: SketchEstimate = {
      metric: plan.metric,
      mechanism: plan.mechanism,
      epsilon: epsilonFromMicro(plan.epsilonMicro),
      k: plan.k,
      delta: plan.delta,
      flipProbability: flip.pTilde,
      realisedEpsilonPerCell: flip.realisedEpsilonPerCell,
      ...storage(plan, dataset.recordCount),
      records: dataset.recordCount,
      predictedSd: plan.predictedSd,
      reliable: plan.reliable,
      notes: plan.notes,
      params: withoutSeed(plan.params),
    }
    if (targetSd !== undefined) out.minEpsilonForTargetSd = this.#minEpsilon(dataset, req, targetSd)
    return out
  }

  #minEpsilon(dataset: Dataset, req: SketchRequest, targetSd: number): number | null {
    const meets = (micro: number) => {
      const sd = this.plan(dataset, { ...req, epsilonMicro: micro }, 'estimate').predictedSd
      return Math.max(sd.atZero, sd.atHalfK, sd.atK) <= targetSd
    }
    let hi = this.#ctx.config.maxEpsilonMicro
    if (!meets(hi)) return null
    let lo = 0 // does not meet (ε = 0 is never enough)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (mid > 0 && meets(mid)) hi = mid
      else lo = mid
    }
    return epsilonFromMicro(hi)
  }

  /** Debits ε, records the job, and starts the build. Returns the queued job. */
  async build(principal: Principal, dataset: Dataset, req: SketchRequest): Promise<SketchView> {
    requireAdmin(principal)
    if (dataset.recordCount === 0) throw conflict(`dataset "${dataset.name}" has no records to sketch`)
    if (dataset.rawDeleted) {
      throw conflict(`dataset "${dataset.name}" no longer stores raw bits (retainRaw is false), so it cannot be sketched again`)
    }
    const hashSeed = randomBytes(16).toString('hex')
    const plan = this.plan(dataset, req, hashSeed)
    const popcountMicro = this.#popcountEpsilon(req)
    const flip = flipProbability(plan.epsilonMicro, plan.delta)
    const id = `sk_${randomBytes(8).toString('hex')}`
    await this.#budget.debit(
      {
        datasetId: dataset.id,
        epsilonMicro: plan.epsilonMicro + (popcountMicro ?? 0),
        kind: 'sketch',
        tokenId: principal.tokenId,
        details: {
          sketchId: id,
          metric: plan.metric,
          mechanism: plan.mechanism,
          k: plan.k,
          delta: plan.delta,
          records: dataset.recordCount,
          ...(popcountMicro === null ? {} : { epsilonSketch: epsilonFromMicro(plan.epsilonMicro), epsilonPopcounts: epsilonFromMicro(popcountMicro) }),
        },
      },
      (ledgerId) => {
        // in the debit's transaction: another process may have sealed the dataset meanwhile
        if (this.#ctx.datasets.findById(dataset.id)?.rawDeleted !== false) {
          throw conflict(`dataset "${dataset.name}" no longer stores raw bits (retainRaw is false), so it cannot be sketched again`)
        }
        this.#ctx.sketches.insert({
          id,
          datasetId: dataset.id,
          metric: plan.metric,
          mechanism: plan.mechanism,
          epsilonMicro: plan.epsilonMicro,
          plan,
          pTilde: flip.pTilde,
          recordCount: dataset.recordCount,
          ledgerId,
          popcountEpsilonMicro: popcountMicro,
        })
      },
    )
    this.#ctx.log.info({ dataset: dataset.name, sketchId: id, mechanism: plan.mechanism, epsilonMicro: plan.epsilonMicro }, 'sketch build charged')
    const job = this.#run(id, dataset).finally(() => this.#running.delete(id))
    this.#running.set(id, job)
    return this.view(dataset, this.#ctx.sketches.get(id)!)
  }

  /** The popcount release's ε, validated (Hamming sketches only, at most the per-release cap), or null. */
  #popcountEpsilon(req: SketchRequest): number | null {
    if (req.popcountsEpsilonMicro === undefined) return null
    if (req.metric !== 'hamming') throw invalid('popcounts are released only with Hamming sketches')
    if (req.popcountsEpsilonMicro > this.#ctx.config.maxEpsilonMicro) {
      throw invalid(`popcounts.epsilon exceeds the per-release cap of ${epsilonFromMicro(this.#ctx.config.maxEpsilonMicro)}`)
    }
    return req.popcountsEpsilonMicro
  }

  /** Resolves when the build has finished (ready or failed). */
  async whenDone(id: string): Promise<void> {
    await this.#running.get(id)
  }

  get(dataset: Dataset, id: string): SketchView {
    const s = this.#ctx.sketches.get(id)
    if (!s || s.datasetId !== dataset.id) throw notFound(`no sketch "${id}" in dataset "${dataset.name}"`)
    return this.view(dataset, s)
  }

  list(dataset: Dataset): SketchView[] {
    return this.#ctx.sketches.listForDataset(dataset.id).map((s) => this.view(dataset, s))
  }

  /**
   * The sketch a query uses: the one named, or the latest ready one for the metric, as the store
   * has them now (the registry is synced with the dataset's current generation first).
   */
  forQuery(dataset: Dataset, metric: Metric, id?: string): LoadedSketch {
    const generation = this.#ctx.datasets.generationOf(dataset.id)
    if (generation === undefined) throw notFound(`no dataset named "${dataset.name}"`)
    this.registry.sync(dataset.id, generation, this.#ctx.sketches)
    if (id) {
      const s = this.registry.get(id)
      if (!s || s.datasetId !== dataset.id) {
        const stored = this.#ctx.sketches.get(id)
        if (stored && stored.datasetId === dataset.id) throw conflict(`sketch "${id}" is ${stored.status}, not ready`)
        throw notFound(`no sketch "${id}" in dataset "${dataset.name}"`)
      }
      if (s.metric !== metric) throw invalid(`sketch "${id}" answers ${s.metric} distance, not ${metric}`)
      return s
    }
    const s = this.registry.latest(dataset.id, metric)
    if (!s) throw conflict(
        `dataset "${dataset.name}" has no ready ${metric} sketch: build one with \`dpdist sketch build ${dataset.name} --metric ${metric} --epsilon E --k K\` or POST /v1/datasets/${dataset.name}/sketches`,
      )
    return s
  }

  view(dataset: Dataset, s: SketchRecord): SketchView {
    const plan = s.plan as unknown as Plan
    return {
      id: s.id,
      dataset: dataset.name,
      metric: s.metric,
      mechanism: s.mechanism,
      status: s.status,
      epsilon: epsilonFromMicro(s.epsilonMicro),
      k: plan.k,
      records: s.recordCount,
      progress: s.progress,
      progressFraction: s.recordCount === 0 ? 1 : s.progress / s.recordCount,
      error: s.error,
      params: plan.params,
      delta: plan.delta,
      flipProbability: s.pTilde,
      predictedSd: plan.predictedSd ?? null,
      ...storage(plan, s.recordCount),
      reliable: plan.reliable,
      createdAt: s.createdAt,
      readyAt: s.readyAt,
      popcounts: s.popcountEpsilonMicro === null ? null : { epsilon: epsilonFromMicro(s.popcountEpsilonMicro) },
    }
  }

  /** Stops running builds (shutdown): they are marked failed; their ε stays spent. */
  async close(): Promise<void> {
    this.#closing = true
    await Promise.all([...this.#workers].map((w) => w.terminate()))
    await Promise.allSettled([...this.#running.values()])
  }

  async #run(id: string, dataset: Dataset): Promise<void> {
    const record = this.#ctx.sketches.get(id)!
    const plan = record.plan as unknown as Plan
    const held = allocateSketchMemory(record.recordCount * plan.wordsPerRecord)
    const output = held.data
    const popcounts: PopcountRelease | undefined =
      record.popcountEpsilonMicro === null
        ? undefined
        : { epsilonMicro: record.popcountEpsilonMicro, unitBits: dataset.unitBits, out: new Int32Array(new SharedArrayBuffer(4 * record.recordCount)) }
    let calibration: WorkerJob<object> | null = null
    try {
      await Promise.resolve() // let the caller answer 202 first
      await write(this.#ctx, () => this.#ctx.sketches.setBuilding(id))
      // the calibration needs only the public plan and p̃: it runs in a worker while the build runs
      calibration = this.#job<object>('calibration-worker', { plan, pTilde: record.pTilde } satisfies CalibrationJob)
      calibration.result.catch(() => {}) // awaited below; a failed build must not leave it unhandled
      let lastWrite = 0
      const progress = (done: number) => {
        const now = performance.now()
        if (now - lastWrite >= PROGRESS_WRITE_MS || done === record.recordCount) {
          lastWrite = now
          // progress is advisory: a busy lock skips this write, the next one will do
          void write(this.#ctx, () => this.#ctx.sketches.setProgress(id, done)).catch(() => {})
        }
      }
      if (this.#ctx.config.workers > 0 && this.#ctx.config.dbPath !== ':memory:') {
        const data: BuildJob = {
          dbPath: this.#ctx.config.dbPath,
          datasetId: dataset.id,
          count: record.recordCount,
          plan,
          output: output.buffer as SharedArrayBuffer,
          outputOffset: output.byteOffset,
          outputWords: output.length,
          popcounts: popcounts && { epsilonMicro: popcounts.epsilonMicro, unitBits: popcounts.unitBits, buffer: popcounts.out.buffer as SharedArrayBuffer },
        }
        await this.#job<null>('build-worker', data, (msg) => progress(msg.done as number)).result
      } else {
        buildSketchData(this.#ctx.datasets.rawRecords(dataset.id, 0, record.recordCount), record.recordCount, plan, this.#ctx.noise, output, progress, popcounts)
      }
      const calibrated = await calibration.result
      if (this.#closing) throw new Error('interrupted: the server is shutting down')
      const deleteRaw = !dataset.retainRaw
      await write(this.#ctx, () =>
        this.#ctx.sketches.storeReady(id, chunksOf(output, record.recordCount, plan.wordsPerRecord), calibrated, () => {
          if (deleteRaw) this.#ctx.datasets.deleteRawBits(dataset.id)
        }, popcounts?.out),
      )
      if (deleteRaw) this.#wal.scrub()
      this.registry.add(this.#ctx.sketches.get(id)!, held, popcounts?.out ?? null)
      this.#ctx.log.info({ dataset: dataset.name, sketchId: id, records: record.recordCount }, 'sketch ready')
    } catch (err) {
      void calibration?.worker.terminate()
      const message = err instanceof Error ? err.message : String(err)
      this.#ctx.log.error({ dataset: dataset.name, sketchId: id, err: message }, 'sketch build failed')
      try {
        await write(this.#ctx, () => this.#ctx.sketches.setFailed(id, message.startsWith('interrupted') ? message : 'the build failed; the charged ε stays spent'))
      } catch {
        // the database is closing (or still busy): start-up recovery marks the build failed
      }
    }
  }

  #job<T>(script: string, data: unknown, onProgress?: (msg: Record<string, unknown>) => void): WorkerJob<T> {
    return startJob<T>(script, data, {
      track: this.#workers,
      onProgress,
      exitReason: (code) => (this.#closing ? 'interrupted: the server is shutting down' : `the ${script} exited with code ${code}`),
    })
  }
}

function* chunksOf(data: Uint32Array, records: number, wordsPerRecord: number): Generator<SketchChunk> {
  for (let first = 0; first < records; first += CHUNK_RECORDS) {
    const count = Math.min(CHUNK_RECORDS, records - first)
    const words = data.subarray(first * wordsPerRecord, (first + count) * wordsPerRecord)
    yield { firstOrdinal: first, count, data: new Uint8Array(words.buffer, words.byteOffset, words.byteLength) }
  }
}

function withoutSeed(params: Record<string, unknown>): Record<string, unknown> {
  const { hashSeed: _seed, ...rest } = params
  return rest
}
