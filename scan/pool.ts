/**
 * The worker pool for scans (node:worker_threads). A sketch query is split into one record range
 * per idle thread (one range when queries are waiting), scanned by the workers over the shared
 * sketch memory, and the ranges' top lists are merged; the geometric mechanism's exact distances
 * are computed in the workers too, so neither blocks the event loop. The queue in front of the pool
 * is bounded for sketch queries: when it is full the query is refused with 503 and Retry-After
 * instead of waiting without bound.
 *
 * Exact distances can cost seconds a query (edit distance with a large k: ~150 µs a record at
 * n = 4096, k = 256), so they are cut into tasks of about EXACT_TASK_UNITS of work each and wait
 * in a queue of their own; a free sketch query waits for at most one such task per thread, not for
 * a whole geometric batch (it used to wait 20 s behind one).
 */
import { Worker } from 'node:worker_threads'
import { ScanClosingError, ScanOverloadError } from './errors.js'
import { workerStart } from './workers/worker-url.js'
import type { ScanWorkerReply, WorkerTask } from './workers/scan-worker.js'
import { exactDistances, mergeTop, scanTop } from './engine.js'
import type { ExactScanner, ScanRequest, Scanner, SketchScanner } from './types.js'

/** Ranges smaller than this are not worth a worker round trip. */
const MIN_RANGE = 16_384
/** The same for exact distances (edit distance costs microseconds a record, Hamming much less). */
const MIN_EXACT_RANGE = 4096
/**
 * Work per exact task, in column-block updates of the banded edit distance (a few ns each; a
 * Hamming record costs one unit per word): about 25 ms on this machine class.
 */
const EXACT_TASK_UNITS = 2 ** 23
/** Sketch tasks dispatched in a row, at most, while exact tasks wait (so neither starves). */
const SKETCH_STREAK = 4

/** Records per exact task: about EXACT_TASK_UNITS of work. */
export function exactTaskRecords(metric: 'hamming' | 'edit', n: number, k: number): number {
  const words = Math.ceil(n / 32)
  const units = metric === 'hamming' ? words : n * (Math.min(words, Math.ceil((k + 1) / 32)) + 1)
  return Math.max(16, Math.floor(EXACT_TASK_UNITS / units))
}

export const scanInline: SketchScanner = (req: ScanRequest) =>
  scanTop({ ...scanFields(req), from: 0, to: req.sketch.recordCount })

/** Scans on the calling thread (no workers configured). */
export const inlineScanner: Scanner = { scan: scanInline, exact: exactDistances, queueDepth: () => 0, stopAccepting: () => {}, close: async () => {} }

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
  task: WorkerTask
  resolve: (reply: ScanWorkerReply) => void
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
export class ScanPool implements Scanner {
  readonly #threads: number
  readonly #maxQueue: number
  readonly #slots: Slot[] = []
  /** Sketch scan tasks (bounded by maxQueue). */
  readonly #queue: PendingTask[] = []
  /** Exact-distance tasks of charged queries (never refused). */
  readonly #exactQueue: PendingTask[] = []
  #sketchStreak = 0
  #closed = false
  #stopping = false

  constructor(threads: number, maxQueue = threads * 64) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('a scan pool needs at least one thread')
    this.#threads = threads
    this.#maxQueue = maxQueue
    for (let i = 0; i < threads; i++) this.#slots.push(this.#start())
  }

  /** Tasks waiting for a thread. */
  queueDepth(): number {
    return this.#queue.length + this.#exactQueue.length
  }

  readonly scan: SketchScanner = async (req) => {
    if (this.#stopping) throw new ScanClosingError()
    const m = req.sketch.recordCount
    // Split over the threads that are idle now: with queries waiting, a whole query per thread
    // costs fewer messages and merges than every query cut in pieces, and a piece never waits
    // behind another query's work while its sibling is done.
    const idle = this.#queue.length + this.#exactQueue.length > 0 ? 0 : this.#slots.filter((slot) => slot.running === null).length
    const parts = Math.max(1, Math.min(idle, Math.floor(m / MIN_RANGE)))
    if (parts === 1 && m < MIN_RANGE) return scanInline(req)
    if (this.#queue.length + parts > this.#maxQueue) {
      throw new ScanOverloadError('too many queries are waiting for a scan worker; retry later', 1)
    }
    const { data, ...fields } = scanFields(req)
    const tasks: Promise<ScanWorkerReply>[] = []
    for (let p = 0; p < parts; p++) {
      const from = Math.floor((p * m) / parts)
      const to = Math.floor(((p + 1) * m) / parts)
      tasks.push(this.#submit({ kind: 'sketch', ...fields, buffer: data.buffer as SharedArrayBuffer, byteOffset: data.byteOffset, words: data.length, from, to }))
    }
    const results = (await Promise.all(tasks)).map((r) => {
      if (!('hits' in r)) throw new Error('a scan worker answered a sketch scan without hits')
      return r.hits
    })
    return req.queries.map((_, q) => mergeTop(results.map((r) => r[q]), req.top))
  }

  /**
   * Exact distances of the geometric mechanism, in tasks of bounded work (exactTaskRecords) spread
   * over the threads. Never refused for a full queue: the query has been charged when this runs,
   * so its answer must follow.
   */
  readonly exact: ExactScanner = async (task) => {
    const m = task.to - task.from
    const per = exactTaskRecords(task.metric, task.n, task.k)
    const small = m < MIN_EXACT_RANGE && m <= per
    if (!(task.data.buffer instanceof SharedArrayBuffer) || small) return exactDistances(task)
    const parts = Math.max(Math.min(this.#threads, Math.floor(m / MIN_EXACT_RANGE)), Math.ceil(m / per))
    const { data, ...fields } = task
    const replies = await Promise.all(
      Array.from({ length: parts }, (_, p) =>
        this.#submit(
          {
            ...fields,
            kind: 'exact',
            buffer: data.buffer as SharedArrayBuffer,
            byteOffset: data.byteOffset,
            words: data.length,
            from: task.from + Math.floor((p * m) / parts),
            to: task.from + Math.floor(((p + 1) * m) / parts),
          },
          this.#exactQueue,
        ),
      ),
    )
    const out = new Int32Array(m)
    let at = 0
    for (const r of replies) {
      if (!('distances' in r)) throw new Error('a scan worker answered an exact scan without distances')
      const part = r.distances
      out.set(part, at)
      at += part.length
    }
    if (at !== m) throw new Error('a scan worker returned too few distances')
    return out
  }

  #submit(task: WorkerTask, queue = this.#queue): Promise<ScanWorkerReply> {
    const done = new Promise<ScanWorkerReply>((resolve, reject) => queue.push({ task, resolve, reject }))
    this.#dispatch()
    return done
  }

  /** The next task to run: sketch tasks first, oldest first, but an exact task after SKETCH_STREAK of them. */
  #next(): PendingTask | undefined {
    const sketchFirst = this.#queue.length > 0 && (this.#exactQueue.length === 0 || this.#sketchStreak < SKETCH_STREAK)
    if (sketchFirst) {
      this.#sketchStreak++
      return this.#queue.shift()
    }
    this.#sketchStreak = 0
    return this.#exactQueue.shift()
  }

  /** Gives waiting tasks to idle threads. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.running !== null) continue
      const next = this.#next()
      if (next === undefined) return
      slot.running = next
      slot.worker.postMessage(next.task)
    }
  }

  #start(): Slot {
    const start = workerStart('./workers/scan-worker', import.meta.url)
    const slot: Slot = { worker: new Worker(start.url, { env: start.env }), running: null }
    slot.worker.on('message', (reply: ScanWorkerReply) => {
      const done = slot.running
      slot.running = null
      if (done !== null) {
        if ('error' in reply) done.reject(new Error(reply.error))
        else done.resolve(reply)
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

  stopAccepting(): void {
    this.#stopping = true
    // sketch scans are free and can be asked again; a charged geometric query's distances stay queued
    const refused = this.#queue.filter((p) => p.task.kind === 'sketch')
    this.#queue.splice(0, this.#queue.length, ...this.#queue.filter((p) => p.task.kind !== 'sketch'))
    for (const pending of refused) pending.reject(new ScanClosingError())
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const pending of [...this.#queue.splice(0), ...this.#exactQueue.splice(0)]) pending.reject(new Error('the scan pool is closing'))
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()))
  }
}
