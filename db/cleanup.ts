/**
 * Long removals in bounded chunks of short transactions: the pending rows of an abandoned upload, a
 * deleted dataset's rows, and then the freed pages (incremental vacuum). One transaction holding
 * the write lock for seconds (a 3.6 M-record delete took 14 s) stalls every other writer, on this
 * connection's process and on every other; here each step holds it for about STEP_TARGET_MS, and
 * the runner pauses between steps so that other connections get the lock.
 *
 * Every step is safe to interrupt (a crash, SQLITE_FULL, a busy lock) and to run again: what a
 * step removed is gone, what it did not is still there, and the end (the upload row, the dataset
 * row) is removed only in the step that finds nothing left. Run in a worker (core/workers/
 * cleanup-worker.ts) by the janitor (core/janitor.ts), or inline for an in-memory database.
 */
import type { Db } from './database.js'

export type CleanupJob = { kind: 'discard-upload'; datasetId: number } | { kind: 'delete-dataset'; datasetId: number }

export interface StepResult {
  /** Rows (or sketch chunks) removed by this step. */
  removed: number
  done: boolean
}

/** Removes up to `limit` pending rows of the dataset's upload; the step that finds none left ends the upload. */
export function discardUploadStep(db: Db, datasetId: number, limit: number): StepResult {
  return db.transaction(() => {
    const d = db.prepare<[number], { record_count: number }>('SELECT record_count FROM datasets WHERE id = ?').get(datasetId)
    if (!d) return { removed: 0, done: true } // the dataset went (its deletion removed the rows)
    const removed = db
      .prepare('DELETE FROM records WHERE rowid IN (SELECT rowid FROM records WHERE dataset_id = ? AND ordinal >= ? ORDER BY ordinal DESC LIMIT ?)')
      .run(datasetId, d.record_count, limit).changes
    if (removed < limit) {
      db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(datasetId)
      return { removed, done: true }
    }
    return { removed, done: false }
  }).immediate()
}

/** Records per sketch chunk (core/sketches.ts): a chunk row weighs about as much as that many record rows. */
const RECORDS_PER_SKETCH_CHUNK = 8192

/**
 * One step of a dataset deletion: sketch data first, then records, and when nothing is left the
 * sketches, the upload row and the dataset row (whose deletion row goes with it).
 */
export function deleteDatasetStep(db: Db, datasetId: number, limit: number): StepResult {
  return db.transaction(() => {
    const chunkLimit = Math.max(1, Math.floor(limit / RECORDS_PER_SKETCH_CHUNK))
    const chunks = db
      .prepare('DELETE FROM sketch_chunks WHERE rowid IN (SELECT c.rowid FROM sketch_chunks c JOIN sketches s ON s.id = c.sketch_id WHERE s.dataset_id = ? LIMIT ?)')
      .run(datasetId, chunkLimit).changes
    if (chunks > 0) return { removed: chunks, done: false }
    const removed = db.prepare('DELETE FROM records WHERE rowid IN (SELECT rowid FROM records WHERE dataset_id = ? LIMIT ?)').run(datasetId, limit).changes
    if (removed === limit) return { removed, done: false }
    db.prepare('DELETE FROM sketch_chunks WHERE sketch_id IN (SELECT id FROM sketches WHERE dataset_id = ?)').run(datasetId)
    db.prepare('DELETE FROM sketches WHERE dataset_id = ?').run(datasetId)
    db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(datasetId)
    db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId)
    return { removed, done: true }
  }).immediate()
}

/** Bytes of sketch data a dataset holds (a sketch chunk row can weigh megabytes). */
export function sketchBytes(db: Db, datasetId: number): number {
  return (
    db
      .prepare<[number], { bytes: number }>('SELECT COALESCE(SUM(length(c.data)), 0) AS bytes FROM sketch_chunks c JOIN sketches s ON s.id = c.sketch_id WHERE s.dataset_id = ?')
      .get(datasetId)!.bytes
  )
}

export function runStep(db: Db, job: CleanupJob, limit: number): StepResult {
  return job.kind === 'discard-upload' ? discardUploadStep(db, job.datasetId, limit) : deleteDatasetStep(db, job.datasetId, limit)
}

/** Free pages, and whether the file gives them back to the file system (incremental auto-vacuum). */
export function freeSpace(db: Db): { freePages: number; pageSize: number; incremental: boolean } {
  return {
    freePages: db.pragma('freelist_count', { simple: true }) as number,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    incremental: (db.pragma('auto_vacuum', { simple: true }) as number) === 2,
  }
}

/** Gives back up to `pages` free pages (incremental_vacuum runs as one write transaction). */
export function vacuumStep(db: Db, pages: number): number {
  const before = db.pragma('freelist_count', { simple: true }) as number
  db.pragma(`incremental_vacuum(${pages})`)
  return before - (db.pragma('freelist_count', { simple: true }) as number)
}

/** Each step aims at holding the write lock about this long. */
export const STEP_TARGET_MS = 20

/**
 * Rows per step, adapted so that a step takes about STEP_TARGET_MS (it depends on the record
 * length, secure_delete and the disk): doubled after a quick step, halved after a slow one.
 */
export class StepSizer {
  #limit: number

  constructor(
    initial = 512,
    readonly min = 16,
    readonly max = 65_536,
  ) {
    this.#limit = initial
  }

  get limit(): number {
    return this.#limit
  }

  observe(ms: number): void {
    if (ms < STEP_TARGET_MS / 2) this.#limit = Math.min(this.max, this.#limit * 2)
    else if (ms > STEP_TARGET_MS * 2) this.#limit = Math.max(this.min, Math.floor(this.#limit / 2))
  }

  /** The pause after a step that took `ms`: others get the lock for at least half as long as this side held it. */
  static pauseAfter(ms: number): number {
    return Math.min(25, Math.max(5, Math.ceil(ms / 2)))
  }
}

export interface CleanupReport {
  removed: number
  steps: number
  ms: number
  /** Bytes given back to the file system by the incremental vacuum (0 when the file does not use it). */
  freedBytes: number
  /** Free pages left in the file (reused by later writes) when it does not use incremental vacuum. */
  freePagesLeft: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs a job to its end in steps, then vacuums. `shouldStop` is asked between steps (shutdown): a
 * stopped job is simply unfinished and runs again later. Errors propagate (the janitor retries).
 */
export async function runCleanup(db: Db, job: CleanupJob, onStep?: (removed: number) => void, shouldStop: () => boolean = () => false): Promise<CleanupReport | null> {
  const t0 = performance.now()
  const sizer = new StepSizer()
  let removed = 0
  let steps = 0
  for (;;) {
    if (shouldStop()) return null
    const s0 = performance.now()
    const step = runStep(db, job, sizer.limit)
    const ms = performance.now() - s0
    sizer.observe(ms)
    removed += step.removed
    steps++
    onStep?.(removed)
    if (step.done) break
    await sleep(StepSizer.pauseAfter(ms))
  }
  const vacuum = await vacuumAll(db, shouldStop)
  return { removed, steps, ms: Math.round(performance.now() - t0), ...vacuum }
}

/** Incremental vacuum in steps of bounded size, then a checkpoint that truncates the WAL, so the freed bytes leave the disk. */
async function vacuumAll(db: Db, shouldStop: () => boolean): Promise<{ freedBytes: number; freePagesLeft: number }> {
  const space = freeSpace(db)
  if (!space.incremental) return { freedBytes: 0, freePagesLeft: space.freePages }
  const sizer = new StepSizer(256, 16, 16_384)
  let freed = 0
  while (!shouldStop()) {
    const s0 = performance.now()
    const n = vacuumStep(db, sizer.limit)
    const ms = performance.now() - s0
    sizer.observe(ms)
    freed += n
    if (n === 0) break
    await sleep(StepSizer.pauseAfter(ms))
  }
  try {
    // the pages leave the main file when the WAL is checkpointed into it; TRUNCATE also empties the WAL
    db.pragma('wal_checkpoint(TRUNCATE)')
  } catch {
    // readers still on old snapshots: a later checkpoint does it
  }
  return { freedBytes: freed * space.pageSize, freePagesLeft: freeSpace(db).freePages }
}
