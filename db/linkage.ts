/** Linkage runs: the run, the other party's records it compares (bits cleared on completion), its candidate pairs. */
import type { Db } from './database.js'
import { processAlive } from './database.js'

export type LinkageStatus = 'queued' | 'running' | 'completed' | 'failed'

export interface LinkageRunRecord {
  id: string
  datasetId: number
  sketchId: string
  status: LinkageStatus
  options: Record<string, unknown>
  queryCount: number
  uploaded: boolean
  progress: number
  pairsCompared: number
  candidates: number
  matches: number | null
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

interface RunRow {
  id: string
  dataset_id: number
  sketch_id: string
  status: LinkageStatus
  options: string
  query_count: number
  uploaded: number
  progress: number
  pairs_compared: number
  candidates: number
  matches: number | null
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

const toRun = (r: RunRow): LinkageRunRecord => ({
  id: r.id,
  datasetId: r.dataset_id,
  sketchId: r.sketch_id,
  status: r.status,
  options: JSON.parse(r.options) as Record<string, unknown>,
  queryCount: r.query_count,
  uploaded: r.uploaded === 1,
  progress: r.progress,
  pairsCompared: r.pairs_compared,
  candidates: r.candidates,
  matches: r.matches,
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
})

export interface LinkagePair {
  queryOrdinal: number
  recordOrdinal: number
  score: number
  low: number
  high: number
  matched: boolean
}

export class LinkageRepository {
  readonly #db: Db

  constructor(db: Db) {
    this.#db = db
  }

  insert(run: { id: string; datasetId: number; sketchId: string; options: object }, instance: string): void {
    this.#db
      .prepare(
        `INSERT INTO linkage_runs (id, dataset_id, sketch_id, status, options, query_count, owner_pid, owner_instance, created_at)
         VALUES (?, ?, ?, 'queued', ?, 0, ?, ?, ?)`,
      )
      .run(run.id, run.datasetId, run.sketchId, JSON.stringify(run.options), process.pid, instance, new Date().toISOString())
  }

  /** Appends a batch of the run's queries (ordinals from `first`) and counts them, in one transaction. */
  appendQueries(runId: string, first: number, rows: { id: string; bytes: Uint8Array }[]): void {
    const insert = this.#db.prepare('INSERT INTO linkage_queries (run_id, ordinal, id, bits) VALUES (?, ?, ?, ?)')
    this.#db.transaction(() => {
      rows.forEach((r, i) => insert.run(runId, first + i, r.id, r.bytes))
      this.#db.prepare('UPDATE linkage_runs SET query_count = ? WHERE id = ?').run(first + rows.length, runId)
    })()
  }

  /** The upload is whole: the run may run. */
  setUploaded(id: string): void {
    this.#db.prepare('UPDATE linkage_runs SET uploaded = 1 WHERE id = ?').run(id)
  }

  /** A failed run queued again by this instance. False unless it was failed with its upload whole. */
  requeue(id: string, instance: string): boolean {
    return (
      this.#db
        .prepare("UPDATE linkage_runs SET status = 'queued', error = NULL, owner_pid = ?, owner_instance = ? WHERE id = ? AND status = 'failed' AND uploaded = 1")
        .run(process.pid, instance, id).changes === 1
    )
  }

  get(id: string): LinkageRunRecord | undefined {
    const row = this.#db.prepare<[string], RunRow>('SELECT * FROM linkage_runs WHERE id = ?').get(id)
    return row && toRun(row)
  }

  list(datasetId: number): LinkageRunRecord[] {
    return this.#db.prepare<[number], RunRow>('SELECT * FROM linkage_runs WHERE dataset_id = ? ORDER BY created_at, id').all(datasetId).map(toRun)
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM linkage_runs WHERE id = ?').run(id)
  }

  /** Queries [from, to) with their bits (null once cleared). */
  queries(runId: string, from: number, to: number): { ordinal: number; id: string; bits: Uint8Array | null }[] {
    return this.#db
      .prepare<[string, number, number], { ordinal: number; id: string; bits: Buffer | null }>(
        'SELECT ordinal, id, bits FROM linkage_queries WHERE run_id = ? AND ordinal >= ? AND ordinal < ? ORDER BY ordinal',
      )
      .all(runId, from, to)
  }

  queryIds(runId: string, ordinals: number[]): string[] {
    const stmt = this.#db.prepare<[string, number], { id: string }>('SELECT id FROM linkage_queries WHERE run_id = ? AND ordinal = ?')
    return ordinals.map((o) => stmt.get(runId, o)?.id ?? String(o))
  }

  /** Starts (or restarts) a run: its old pairs are removed. False when the run is gone. */
  start(id: string, instance: string): boolean {
    return this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM linkage_pairs WHERE run_id = ?').run(id)
      return (
        this.#db
          .prepare(
            `UPDATE linkage_runs SET status = 'running', progress = 0, pairs_compared = 0, candidates = 0, matches = NULL, error = NULL,
               owner_pid = ?, owner_instance = ?, started_at = ?, finished_at = NULL WHERE id = ? AND uploaded = 1`,
          )
          .run(process.pid, instance, new Date().toISOString(), id).changes === 1
      )
    }).immediate()
  }

  /** Stores one chunk's candidate pairs and the progress after it. False when the run is gone. */
  addChunk(id: string, pairs: LinkagePair[], progress: number, pairsCompared: number): boolean {
    const insert = this.#db.prepare('INSERT INTO linkage_pairs (run_id, query_ordinal, record_ordinal, score, low, high) VALUES (?, ?, ?, ?, ?, ?)')
    return this.#db.transaction(() => {
      const changed = this.#db
        .prepare("UPDATE linkage_runs SET progress = ?, pairs_compared = ?, candidates = candidates + ? WHERE id = ? AND status = 'running'")
        .run(progress, pairsCompared, pairs.length, id).changes
      if (changed !== 1) return false
      for (const p of pairs) insert.run(id, p.queryOrdinal, p.recordOrdinal, p.score, p.low, p.high)
      return true
    }).immediate()
  }

  /** Candidate pairs, best score first (ties by query, then record ordinal). */
  *pairsByScore(runId: string): Generator<LinkagePair> {
    const stmt = this.#db.prepare<[string], { q: number; r: number; score: number; low: number; high: number; matched: number }>(
      `SELECT query_ordinal AS q, record_ordinal AS r, score, low, high, matched FROM linkage_pairs WHERE run_id = ?
       ORDER BY score DESC, query_ordinal, record_ordinal`,
    )
    for (const row of stmt.iterate(runId)) yield { queryOrdinal: row.q, recordOrdinal: row.r, score: row.score, low: row.low, high: row.high, matched: row.matched === 1 }
  }

  /** Marks the solver's one-to-one pairs, completes the run and clears the queries' bits, in one transaction. */
  complete(id: string, matched: { queryOrdinal: number; recordOrdinal: number }[] | null): boolean {
    const mark = this.#db.prepare('UPDATE linkage_pairs SET matched = 1 WHERE run_id = ? AND query_ordinal = ? AND record_ordinal = ?')
    return this.#db.transaction(() => {
      for (const p of matched ?? []) mark.run(id, p.queryOrdinal, p.recordOrdinal)
      this.#db.prepare('UPDATE linkage_queries SET bits = NULL WHERE run_id = ?').run(id)
      return (
        this.#db
          .prepare("UPDATE linkage_runs SET status = 'completed', matches = ?, finished_at = ? WHERE id = ? AND status = 'running'")
          .run(matched === null ? null : matched.length, new Date().toISOString(), id).changes === 1
      )
    }).immediate()
  }

  fail(id: string, error: string): void {
    this.#db.prepare("UPDATE linkage_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, new Date().toISOString(), id)
  }

  /**
   * Start-up recovery: a queued or running run whose owner is another instance that is gone (its
   * process is not running, or it had this process's id: a restarted container) is marked failed.
   */
  recover(instance: string): number {
    const rows = this.#db
      .prepare<[], { id: string; owner_pid: number | null; owner_instance: string | null }>(
        "SELECT id, owner_pid, owner_instance FROM linkage_runs WHERE status IN ('queued', 'running')",
      )
      .all()
    let failed = 0
    for (const r of rows) {
      if (r.owner_instance === instance) continue
      if (r.owner_pid !== process.pid && processAlive(r.owner_pid)) continue
      this.fail(r.id, 'interrupted: the process stopped during the run; start it again with POST …/rerun')
      failed++
    }
    return failed
  }
}
