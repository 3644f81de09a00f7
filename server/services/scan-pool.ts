/**
 * The worker pool for sketch scans (node:worker_threads). A query is split into one record range per
 * thread, scanned by the workers over the shared sketch memory, and the ranges' top lists are merged.
 * The queue in front of the pool is bounded: when it is full the query is refused with 503 and
 * Retry-After instead of waiting without bound.
 */
import { Worker } from 'node:worker_threads'
import { ProblemError } from '../errors.js'
import { workerStart } from '../workers/worker-url.js'
import type { ScanWorkerReply, ScanWorkerTask } from '../workers/scan-worker.js'
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

interface PendingTask {
  task: ScanWorkerTask
  resolve: (hits: TopHits[]) => void
  reject: (err: Error) => void
}

/** One worker thread and the task it is running (at most one at a time). */
interface Slot {
  worker: Worker
  running: PendingTask | null
}

/**
 * A fixed set of scan threads fed from one first-in, first-out queue. Each thread runs one task at a
 * time and takes the oldest waiting task when it finishes, so under load every query waits for the
 * ones that came before it and no longer. (piscina was used before: under a closed loop of 16
 * concurrent queries its queueing let single tasks wait for seconds, p99 ≈ 7 × p50.)
 */
export class ScanPool {
  readonly #threads: number
  readonly #maxQueue: number
  readonly #slots: Slot[] = []
  readonly #queue: PendingTask[] = []
  #closed = false

  constructor(threads: number, maxQueue = threads * 64) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('a scan pool needs at least one thread')
    this.#threads = threads
    this.#maxQueue = maxQueue
    for (let i = 0; i < threads; i++) this.#slots.push(this.#start())
  }

  /** Tasks waiting for a thread. */
  get queueSize(): number {
    return this.#queue.length
  }

  readonly scan: SketchScanner = async (req) => {
    const m = req.sketch.recordCount
    const parts = Math.max(1, Math.min(this.#threads, Math.floor(m / MIN_RANGE)))
    if (parts === 1 && m < MIN_RANGE) return scanInline(req)
    if (this.#queue.length + parts > this.#maxQueue) {
      throw new ProblemError(503, 'overloaded', 'too many queries are waiting for a scan worker; retry later', { retryAfter: 1 })
    }
    const { data, ...fields } = scanFields(req)
    const tasks: Promise<TopHits[]>[] = []
    for (let p = 0; p < parts; p++) {
      const from = Math.floor((p * m) / parts)
      const to = Math.floor(((p + 1) * m) / parts)
      const task: ScanWorkerTask = { ...fields, buffer: data.buffer as SharedArrayBuffer, byteOffset: data.byteOffset, words: data.length, from, to }
      tasks.push(new Promise((resolve, reject) => this.#queue.push({ task, resolve, reject })))
    }
    this.#dispatch()
    const results = await Promise.all(tasks)
    return req.queries.map((_, q) => mergeTop(results.map((r) => r[q]), req.top))
  }

  /** Gives waiting tasks to idle threads, oldest first. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return
      if (slot.running !== null) continue
      slot.running = this.#queue.shift()!
      slot.worker.postMessage(slot.running.task)
    }
  }

  #start(): Slot {
    const start = workerStart('scan-worker')
    const slot: Slot = { worker: new Worker(start.url, { env: start.env }), running: null }
    slot.worker.on('message', (reply: ScanWorkerReply) => {
      const done = slot.running
      slot.running = null
      if (done !== null) {
        if ('hits' in reply) done.resolve(reply.hits)
        else done.reject(new Error(reply.error))
      }
      this.#dispatch()
    })
    slot.worker.on('error', (err) => {
      slot.running?.reject(err)
      slot.running = null
    })
    slot.worker.on('exit', () => {
      slot.running?.reject(new Error('the scan worker stopped'))
      slot.running = null
      if (this.#closed) return
      // a crashed thread is replaced, and the queue goes on
      const i = this.#slots.indexOf(slot)
      if (i >= 0) this.#slots[i] = this.#start()
      this.#dispatch()
    })
    return slot
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const pending of this.#queue.splice(0)) pending.reject(new Error('the scan pool is closing'))
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()))
  }
}
