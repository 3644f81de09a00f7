/**
 * The janitor finishes removals that must not block anything: the pending rows of an upload that
 * failed, was aborted or whose process died, and datasets being deleted (db/cleanup.ts). Each job
 * runs in chunks of short transactions in a worker thread (inline, with pauses, for an in-memory
 * database), is retried until it succeeds (after a failure such as a full disk: with a growing
 * pause, at once when the next write on that dataset asks, and by the periodic sweep), and is
 * finished by the next process to look when its owner died (instance ids, db/instance.ts).
 *
 * Until its cleanup is done a dataset with an abandoned upload takes no new upload; the next upload
 * waits for the cleanup (briefly) and gets a 503 with Retry-After if it is still running.
 */
import type { Worker } from 'node:worker_threads'
import { runCleanup, runStep, sketchBytes, type CleanupJob, type CleanupReport } from '../db/cleanup.js'
import { databasePath, ownerAlive, ownerInstance } from '../db/database.js'
import type { UploadOwner } from '../db/datasets.js'
import type { ServiceContext } from './context.js'
import type { CleanupWorkerData } from './workers/cleanup-worker.js'
import { startJob } from './workers/job.js'

const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 30_000
const SWEEP_MS = 30_000
/** At most this much is removed at once on the caller's connection (one short step); more goes to the background. */
const INLINE_ROWS = 1024
const INLINE_BYTES = 1 << 20

interface Entry {
  job: CleanupJob
  /** Resolves when the job's loop ends (finished, or stopped by close). */
  done: Promise<void>
  /** Resolves when the first attempt ends, whether it finished the job or failed (a busy lock, a full disk). */
  tried: Promise<void>
  /** Ends a pause between attempts now. */
  kick(): void
}

/** Waits for `p` for at most `ms`; the timer is cleared either way, so it never holds a process open. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  try {
    await Promise.race([p.then(() => undefined, () => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}

const keyOf = (job: CleanupJob) => `${job.kind}:${job.datasetId}`

export class Janitor {
  readonly #ctx: ServiceContext
  readonly #dbPath: string
  /** Uploads this process is running (their rows are not abandoned). */
  readonly #active = new Set<number>()
  readonly #jobs = new Map<string, Entry>()
  readonly #workers = new Set<Worker>()
  readonly #retry: boolean
  #sweepTimer: NodeJS.Timeout | null = null
  #closing = false

  /**
   * `retry: false` (a CLI command): a job that fails is left for the next process instead of being
   * retried, so that a command never waits for free disk space.
   */
  readonly #afterCleanup: () => void

  /**
   * `afterCleanup` runs after every finished job: the removed rows' bits may still be in the
   * write-ahead log, so the caller empties it (db/wal-scrub.ts).
   */
  constructor(ctx: ServiceContext, options: { retry?: boolean; afterCleanup?: () => void } = {}) {
    this.#ctx = ctx
    this.#dbPath = databasePath(ctx.db)
    this.#retry = options.retry ?? true
    this.#afterCleanup = options.afterCleanup ?? (() => {})
  }

  /**
   * Waits for the cleanups scheduled so far, for at most `ms` (a full disk can keep one waiting for
   * space). True when none is left.
   */
  async idle(ms: number): Promise<boolean> {
    const all = Promise.allSettled([...this.#jobs.values()].map((e) => e.done))
    await within(all, ms)
    return this.#jobs.size === 0
  }

  uploadStarted(datasetId: number): void {
    this.#active.add(datasetId)
  }

  uploadEnded(datasetId: number): void {
    this.#active.delete(datasetId)
  }

  /** Whether an upload row is abandoned: ours but no longer running, or its owner is gone. */
  abandoned(datasetId: number, owner: UploadOwner): boolean {
    if (owner.instance === ownerInstance) return !this.#active.has(datasetId)
    return !ownerAlive(this.#dbPath, owner)
  }

  /**
   * Starts (or joins) the job. A small job (one short step: a failed upload of a few records) is
   * done at once, on this connection; the rest runs in the background until it is done.
   */
  schedule(job: CleanupJob): Promise<void> {
    const key = keyOf(job)
    const existing = this.#jobs.get(key)
    if (existing) return existing.done
    if (this.#firstStepFinished(job)) {
      this.#afterCleanup()
      return Promise.resolve()
    }
    let wake: (() => void) | null = null
    let tried = () => {}
    const entry: Entry = {
      job,
      done: Promise.resolve(),
      tried: new Promise<void>((resolve) => (tried = resolve)),
      kick: () => wake?.(),
    }
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    entry.done = this.#loop(job, pause, tried)
      .then(() => this.#afterCleanup())
      .finally(() => {
        tried()
        this.#jobs.delete(key)
      })
    this.#jobs.set(key, entry)
    return entry.done
  }

  /**
   * Resolves once the scheduled job is done or its first attempt has failed (then it goes on in
   * the background): what a request that removed rows waits for before it answers, so that it
   * answers after the rows are gone, yet never waits on a lock another process holds.
   */
  firstAttempt(job: CleanupJob): Promise<void> {
    return this.#jobs.get(keyOf(job))?.tried ?? Promise.resolve()
  }

  /**
   * Before an upload: clears the dataset of an abandoned upload, waiting for its cleanup for at most
   * `waitMs`. 'free' when no upload row is left, 'in-progress' when a live upload holds it,
   * 'cleaning' when the cleanup is still running (or waiting for disk space).
   */
  async freeForUpload(datasetId: number, waitMs: number): Promise<'free' | 'in-progress' | 'cleaning'> {
    const owner = this.#ctx.datasets.uploadOwner(datasetId)
    if (!owner) return 'free'
    if (!this.abandoned(datasetId, owner)) return 'in-progress'
    const done = this.schedule({ kind: 'discard-upload', datasetId })
    this.#jobs.get(keyOf({ kind: 'discard-upload', datasetId }))?.kick()
    await within(done, waitMs)
    return this.#ctx.datasets.uploadOwner(datasetId) ? 'cleaning' : 'free'
  }

  /** Schedules every abandoned upload and every deletion nobody alive is running. */
  sweep(): void {
    if (this.#closing) return
    try {
      for (const u of this.#ctx.datasets.uploads()) {
        if (this.abandoned(u.datasetId, u)) void this.schedule({ kind: 'discard-upload', datasetId: u.datasetId })
      }
      for (const d of this.#ctx.datasets.deletions()) {
        const job: CleanupJob = { kind: 'delete-dataset', datasetId: d.datasetId }
        if (this.#jobs.has(keyOf(job))) continue
        const ours = d.instance === ownerInstance
        if (ours || (!ownerAlive(this.#dbPath, { instance: d.instance, pid: null }) && this.#ctx.datasets.adoptDeletion(d.datasetId, d.instance))) {
          void this.schedule(job)
        }
      }
    } catch (err) {
      // a busy lock or a vanished file: the next sweep tries again
      this.#ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cleanup sweep failed; it will run again')
    }
  }

  /** Sweeps now and then periodically (the server). */
  start(): void {
    this.sweep()
    this.#sweepTimer = setInterval(() => this.sweep(), SWEEP_MS)
    this.#sweepTimer.unref()
  }

  /**
   * Stops sweeping and retrying. Running jobs stop after their current step, or with `finish` run
   * to their end; unfinished jobs are picked up by the next process (this instance is then gone).
   */
  async close(finish = false): Promise<void> {
    this.#closing = true
    if (this.#sweepTimer) clearInterval(this.#sweepTimer)
    if (!finish) for (const w of this.#workers) w.postMessage('stop')
    for (const e of this.#jobs.values()) e.kick()
    await Promise.allSettled([...this.#jobs.values()].map((e) => e.done))
  }

  #firstStepFinished(job: CleanupJob): boolean {
    const bits = this.#ctx.datasets.bitsOf(job.datasetId)
    if (bits === undefined) return true // nothing left to clean
    const rows = Math.max(1, Math.min(INLINE_ROWS, Math.floor(INLINE_BYTES / Math.ceil(bits / 8))))
    try {
      if (job.kind === 'delete-dataset' && sketchBytes(this.#ctx.db, job.datasetId) > INLINE_BYTES) return false
      const step = runStep(this.#ctx.db, job, rows)
      if (step.done) this.#ctx.log.info({ cleanup: job.kind, datasetId: job.datasetId, removed: step.removed }, 'cleanup finished')
      return step.done
    } catch {
      return false // busy, or the disk is full: the background job retries
    }
  }

  async #loop(job: CleanupJob, pause: (ms: number) => Promise<void>, tried: () => void): Promise<void> {
    let wait = RETRY_MIN_MS
    while (!this.#closing) {
      try {
        const report = await this.#attempt(job)
        if (report !== null) this.#report(job, report)
        return
      } catch (err) {
        tried()
        const code = (err as { code?: unknown }).code
        this.#ctx.log.warn(
          { cleanup: job.kind, datasetId: job.datasetId, err: err instanceof Error ? err.message : String(err), code, retryInMs: this.#retry ? wait : null },
          this.#retry ? 'cleanup failed; it will be retried' : 'cleanup failed; the next process to open the database finishes it',
        )
        if (!this.#retry) return
        await pause(wait)
        wait = Math.min(RETRY_MAX_MS, wait * 2)
      }
    }
  }

  #report(job: CleanupJob, r: CleanupReport): void {
    this.#ctx.log.info(
      { cleanup: job.kind, datasetId: job.datasetId, removed: r.removed, steps: r.steps, ms: r.ms, freedBytes: r.freedBytes, freePagesLeft: r.freePagesLeft },
      r.freedBytes > 0 ? 'cleanup finished; space given back to the file system' : 'cleanup finished',
    )
  }

  #attempt(job: CleanupJob): Promise<CleanupReport | null> {
    if (this.#dbPath === ':memory:') return runCleanup(this.#ctx.db, job)
    const data: CleanupWorkerData = { dbPath: this.#dbPath, job }
    return startJob<CleanupReport | null>('cleanup-worker', data, { track: this.#workers, exitReason: (code) => `the cleanup worker exited with code ${code}` }).result
  }
}
