/** Sketch metadata and the noisy sketch data (never the clean sketch). */
import { ownerInstance, type Db } from './database.js'

export type SketchStatus = 'queued' | 'building' | 'ready' | 'failed'

export interface SketchRecord {
  id: string
  datasetId: number
  metric: string
  mechanism: string
  status: SketchStatus
  epsilonMicro: number
  plan: Record<string, unknown>
  pTilde: number
  calibration: Record<string, unknown> | null
  recordCount: number
  progress: number
  error: string | null
  ledgerId: number
  createdAt: string
  readyAt: string | null
  /** ε of the popcounts released with the sketch (in its debit), null when none were. */
  popcountEpsilonMicro: number | null
}

interface SketchRow {
  id: string
  dataset_id: number
  metric: string
  mechanism: string
  status: SketchStatus
  epsilon_micro: number
  plan: string
  p_tilde: number
  calibration: string | null
  record_count: number
  progress: number
  error: string | null
  ledger_id: number
  created_at: string
  ready_at: string | null
  popcount_epsilon_micro: number | null
}

/** Every column but the popcounts blob (read on its own, by popcounts()). */
const COLUMNS =
  'id, dataset_id, metric, mechanism, status, epsilon_micro, plan, p_tilde, calibration, record_count, progress, error, ledger_id, created_at, ready_at, popcount_epsilon_micro'

function toSketch(row: SketchRow): SketchRecord {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    metric: row.metric,
    mechanism: row.mechanism,
    status: row.status,
    epsilonMicro: row.epsilon_micro,
    plan: JSON.parse(row.plan) as Record<string, unknown>,
    pTilde: row.p_tilde,
    calibration: row.calibration === null ? null : (JSON.parse(row.calibration) as Record<string, unknown>),
    recordCount: row.record_count,
    progress: row.progress,
    error: row.error,
    ledgerId: row.ledger_id,
    createdAt: row.created_at,
    readyAt: row.ready_at,
    popcountEpsilonMicro: row.popcount_epsilon_micro,
  }
}

export interface NewSketch {
  id: string
  datasetId: number
  metric: string
  mechanism: string
  epsilonMicro: number
  plan: object
  pTilde: number
  recordCount: number
  ledgerId: number
  popcountEpsilonMicro: number | null
}

export interface SketchChunk {
  firstOrdinal: number
  count: number
  data: Uint8Array
}

export class SketchRepository {
  readonly #db: Db

  constructor(db: Db) {
    this.#db = db
  }

  insert(s: NewSketch): void {
    this.#db
      .prepare(
        `INSERT INTO sketches (id, dataset_id, metric, mechanism, status, epsilon_micro, plan, p_tilde, record_count, ledger_id, created_at, owner_pid, owner_instance, popcount_epsilon_micro)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.datasetId, s.metric, s.mechanism, s.epsilonMicro, JSON.stringify(s.plan), s.pTilde, s.recordCount, s.ledgerId, new Date().toISOString(), process.pid, ownerInstance, s.popcountEpsilonMicro)
  }

  get(id: string): SketchRecord | undefined {
    const row = this.#db.prepare<[string], SketchRow>(`SELECT ${COLUMNS} FROM sketches WHERE id = ?`).get(id)
    return row && toSketch(row)
  }

  listForDataset(datasetId: number): SketchRecord[] {
    return this.#db
      .prepare<[number], SketchRow>(`SELECT ${COLUMNS} FROM sketches WHERE dataset_id = ? ORDER BY created_at, id`)
      .all(datasetId)
      .map(toSketch)
  }

  /** The ready sketches of a dataset. */
  listReady(datasetId: number): SketchRecord[] {
    return this.#db
      .prepare<[number], SketchRow>(`SELECT ${COLUMNS} FROM sketches WHERE dataset_id = ? AND status = 'ready' ORDER BY created_at`)
      .all(datasetId)
      .map(toSketch)
  }

  setBuilding(id: string): void {
    this.#db.prepare("UPDATE sketches SET status = 'building' WHERE id = ? AND status = 'queued'").run(id)
  }

  setProgress(id: string, progress: number): void {
    this.#db.prepare('UPDATE sketches SET progress = ? WHERE id = ?').run(progress, id)
  }

  setFailed(id: string, error: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM sketch_chunks WHERE sketch_id = ?').run(id)
      this.#db.prepare("UPDATE sketches SET status = 'failed', error = ? WHERE id = ?").run(error, id)
    }).immediate()
  }

  /**
   * Stores the whole noisy sketch and marks it ready in one transaction: a reader (or a crash)
   * sees either no sketch data or all of it. The dataset's generation moves on in the same
   * transaction (other processes' sketch registries see the new sketch). `afterReady` runs inside
   * the same transaction. `popcounts`: the released popcounts (one int32 per record), stored with the sketch.
   */
  storeReady(id: string, chunks: Iterable<SketchChunk>, calibration: object, afterReady?: () => void, popcounts?: Int32Array): void {
    const insert = this.#db.prepare('INSERT INTO sketch_chunks (sketch_id, chunk, first_ordinal, count, data) VALUES (?, ?, ?, ?, ?)')
    this.#db.transaction(() => {
      let i = 0
      let records = 0
      for (const c of chunks) {
        insert.run(id, i++, c.firstOrdinal, c.count, c.data)
        records += c.count
      }
      this.#db
        .prepare("UPDATE sketches SET status = 'ready', progress = ?, calibration = ?, ready_at = ?, popcounts = ? WHERE id = ?")
        .run(records, JSON.stringify(calibration), new Date().toISOString(), popcounts ? int32Bytes(popcounts) : null, id)
      this.#db.prepare('UPDATE datasets SET generation = generation + 1 WHERE id = (SELECT dataset_id FROM sketches WHERE id = ?)').run(id)
      afterReady?.()
    }).immediate()
  }

  /** The released popcounts of a sketch, or null when it has none. */
  popcounts(id: string): Int32Array | null {
    const row = this.#db.prepare<[string], { popcounts: Buffer | null }>('SELECT popcounts FROM sketches WHERE id = ?').get(id)
    if (!row || row.popcounts === null) return null
    const out = new Int32Array(row.popcounts.byteLength >>> 2)
    const view = new DataView(row.popcounts.buffer, row.popcounts.byteOffset, row.popcounts.byteLength)
    for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true)
    return out
  }

  *chunks(id: string): Generator<SketchChunk> {
    const stmt = this.#db.prepare<[string], { first_ordinal: number; count: number; data: Buffer }>(
      'SELECT first_ordinal, count, data FROM sketch_chunks WHERE sketch_id = ? ORDER BY chunk',
    )
    for (const row of stmt.iterate(id)) yield { firstOrdinal: row.first_ordinal, count: row.count, data: row.data }
  }
}

function int32Bytes(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i], true)
  return out
}
