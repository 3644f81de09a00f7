/**
 * The worker pool for sketch scans (piscina). A query is split into record ranges, one task per
 * range, scanned by the workers over the shared sketch memory, and the ranges' top lists are merged.
 * The queue in front of the pool is bounded: when it is full the query is refused with 503 and
 * Retry-After instead of waiting without bound.
 */
import { Piscina } from 'piscina'
import { ProblemError } from '../errors.js'
import { workerStart } from '../workers/worker-url.js'
import type { ScanWorkerTask } from '../workers/scan-worker.js'
import { mergeTop, scanTop, type TopHits } from './scan.js'
import type { ScanRequest, SketchScanner } from './queries.js'

/** Ranges smaller than this are not worth a worker round trip. */
const MIN_RANGE = 16_384

export const scanInline: SketchScanner = (req: ScanRequest) =>
  scanTop({ ...scanFields(req), from: 0, to: req.sketch.recordCount })

function scanFields(req: ScanRequest) {
  const s = req.sketch
  return {
    data: s.data,
    memory: s.memory,
    plan: s.plan,
    pTilde: s.pTilde,
    calibration: s.calibration,
    queries: req.queries,
    options: req.options,
    top: req.top,
    maxDistance: req.maxDistance,
  }
}

export class ScanPool {
  readonly #pool: Piscina
  readonly #threads: number

  constructor(threads: number, maxQueue = threads * 64) {
    this.#threads = threads
    const start = workerStart('scan-worker')
    // Every worker stays started: with fewer, piscina's balancer can hand all of a query's ranges to
    // the one worker that is up, one after another (measured: a query then takes the inline time).
    this.#pool = new Piscina({ filename: start.url.href, env: start.env, minThreads: threads, maxThreads: threads, maxQueue })
  }

  get queueSize(): number {
    return this.#pool.queueSize
  }

  readonly scan: SketchScanner = async (req) => {
    const m = req.sketch.recordCount
    const parts = Math.max(1, Math.min(this.#threads, Math.floor(m / MIN_RANGE)))
    if (parts === 1 && m < MIN_RANGE) return scanInline(req)
    const fields = scanFields(req)
    const tasks: Promise<TopHits[]>[] = []
    for (let p = 0; p < parts; p++) {
      const from = Math.floor((p * m) / parts)
      const to = Math.floor(((p + 1) * m) / parts)
      const { data, ...rest } = fields
      const task: ScanWorkerTask = { ...rest, buffer: data.buffer as SharedArrayBuffer, byteOffset: data.byteOffset, words: data.length, from, to }
      tasks.push(this.#run(task))
    }
    const results = await Promise.all(tasks)
    return req.queries.map((_, q) => mergeTop(results.map((r) => r[q]), req.top))
  }

  async #run(task: ScanWorkerTask): Promise<TopHits[]> {
    try {
      return (await this.#pool.run(task)) as TopHits[]
    } catch (err) {
      if (err instanceof Error && /task queue is at limit/i.test(err.message)) {
        throw new ProblemError(503, 'overloaded', 'too many queries are waiting for a scan worker; retry later', { retryAfter: 1 })
      }
      throw err
    }
  }

  async close(): Promise<void> {
    await this.#pool.destroy()
  }
}
