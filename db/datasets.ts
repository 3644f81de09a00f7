/** Datasets and their records. Raw bits are written and read only through this repository. */
import type { Db } from './database.js'

import type { Metric } from '../sketch/mechanisms/mechanism.js'

export type MetricName = Metric

export interface Dataset {
  id: number
  name: string
  bits: number
  unitBits: number
  budgetMicro: number
  spentMicro: number
  retainRaw: boolean
  metrics: MetricName[]
  recordCount: number
  rawDeleted: boolean
  createdAt: string
}

interface DatasetRow {
  id: number
  name: string
  bits: number
  unit_bits: number
  budget_micro: number
  spent_micro: number
  retain_raw: number
  metrics: string
  record_count: number
  raw_deleted: number
  created_at: string
}

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    bits: row.bits,
    unitBits: row.unit_bits,
    budgetMicro: row.budget_micro,
    spentMicro: row.spent_micro,
    retainRaw: row.retain_raw === 1,
    metrics: JSON.parse(row.metrics) as MetricName[],
    recordCount: row.record_count,
    rawDeleted: row.raw_deleted === 1,
    createdAt: row.created_at,
  }
}

export interface NewDataset {
  name: string
  bits: number
  unitBits: number
  budgetMicro: number
  retainRaw: boolean
  metrics: MetricName[]
}

export interface StoredRecord {
  ordinal: number
  id: string
  bits: Uint8Array | null
}

export class DatasetRepository {
  readonly #db: Db
  readonly #byName
  readonly #byId
  readonly #list
  readonly #insert
  readonly #setCount
  readonly #insertRecord
  readonly #deleteFrom
  readonly #rawRange
  readonly #idOf

  constructor(db: Db) {
    this.#db = db
    this.#byName = db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE name = ?')
    this.#byId = db.prepare<[number], DatasetRow>('SELECT * FROM datasets WHERE id = ?')
    this.#list = db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY name')
    this.#insert = db.prepare(
      `INSERT INTO datasets (name, bits, unit_bits, budget_micro, retain_raw, metrics, created_at)
       VALUES (@name, @bits, @unitBits, @budgetMicro, @retainRaw, @metrics, @createdAt)`,
    )
    this.#setCount = db.prepare('UPDATE datasets SET record_count = ? WHERE id = ? AND record_count = ?')
    this.#insertRecord = db.prepare('INSERT INTO records (dataset_id, ordinal, id, bits) VALUES (?, ?, ?, ?)')
    this.#deleteFrom = db.prepare('DELETE FROM records WHERE dataset_id = ? AND ordinal >= ?')
    this.#idOf = db.prepare<[number, number], { id: string }>('SELECT id FROM records WHERE dataset_id = ? AND ordinal = ?')
    this.#rawRange = db.prepare<[number, number, number], { ordinal: number; bits: Buffer | null }>(
      'SELECT ordinal, bits FROM records WHERE dataset_id = ? AND ordinal >= ? AND ordinal < ? ORDER BY ordinal',
    )
  }

  findByName(name: string): Dataset | undefined {
    const row = this.#byName.get(name)
    return row && toDataset(row)
  }

  findById(id: number): Dataset | undefined {
    const row = this.#byId.get(id)
    return row && toDataset(row)
  }

  list(): Dataset[] {
    return this.#list.all().map(toDataset)
  }

  /** Returns undefined when the name is taken. */
  create(input: NewDataset, now: string): Dataset | undefined {
    try {
      const info = this.#insert.run({
        ...input,
        retainRaw: input.retainRaw ? 1 : 0,
        metrics: JSON.stringify(input.metrics),
        createdAt: now,
      })
      return this.findById(Number(info.lastInsertRowid))
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return undefined
      throw err
    }
  }

  /** Deletes the dataset, its records and sketches. The ledger rows stay (append-only). */
  delete(id: number): boolean {
    return this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM sketch_chunks WHERE sketch_id IN (SELECT id FROM sketches WHERE dataset_id = ?)').run(id)
      this.#db.prepare('DELETE FROM sketches WHERE dataset_id = ?').run(id)
      this.#db.prepare('DELETE FROM records WHERE dataset_id = ?').run(id)
      this.#db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(id)
      return this.#db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes === 1
    }).immediate()
  }

  /**
   * Inserts pending records (ordinals at or above the committed count, invisible to every reader)
   * in one short transaction. Throws the SQLite error on a duplicate id.
   */
  insertPending(datasetId: number, firstOrdinal: number, records: { id: string; bytes: Uint8Array }[]): void {
    this.#db.transaction(() => {
      let ordinal = firstOrdinal
      for (const r of records) this.#insertRecord.run(datasetId, ordinal++, r.id, r.bytes)
    })()
  }

  /**
   * Claims the dataset for one upload (across processes: the uploads table has one row per dataset).
   * Returns false when another upload holds it.
   */
  beginUpload(datasetId: number): boolean {
    try {
      this.#db.prepare('INSERT INTO uploads (dataset_id, owner_pid, started_at) VALUES (?, ?, ?)').run(datasetId, process.pid, new Date().toISOString())
      return true
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false
      throw err
    }
  }

  /** Makes pending records visible at once and ends the upload; false when the count changed meanwhile. */
  commitPending(datasetId: number, expectedCount: number, newCount: number): boolean {
    return this.#db.transaction(() => {
      const pending = this.#db.prepare<[number, number], { c: number }>('SELECT COUNT(*) AS c FROM records WHERE dataset_id = ? AND ordinal >= ?').get(datasetId, expectedCount)!.c
      // every pending row must still be there: if some vanished, publishing the count would expose a gap
      if (pending !== newCount - expectedCount) return false
      if (this.#setCount.run(newCount, datasetId, expectedCount).changes !== 1) return false
      this.#db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(datasetId)
      return true
    }).immediate()
  }

  /** Removes an aborted upload's pending records and ends the upload. */
  discardPending(datasetId: number, fromOrdinal: number): void {
    this.#db.transaction(() => {
      this.#deleteFrom.run(datasetId, fromOrdinal)
      this.#db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(datasetId)
    }).immediate()
  }

  hasUpload(datasetId: number): boolean {
    return this.#db.prepare('SELECT 1 FROM uploads WHERE dataset_id = ?').get(datasetId) !== undefined
  }

  /** The ids of the given committed records (point lookups: cheap for a top-k answer). */
  idsOf(datasetId: number, ordinals: ArrayLike<number>): string[] {
    const out = new Array<string>(ordinals.length)
    for (let i = 0; i < ordinals.length; i++) out[i] = this.#idOf.get(datasetId, ordinals[i])!.id
    return out
  }


  /**
   * Raw packed bytes of committed records [from, to), in ordinal order (null once deleted). Read in
   * pages, so no cursor stays open while the caller works: the same connection may write meanwhile
   * (a build's progress), which an open better-sqlite3 iterator forbids.
   */
  *rawRecords(datasetId: number, from: number, to: number, pageSize = 4096): Generator<StoredRecord> {
    for (let start = from; start < to; start += pageSize) {
      for (const row of this.#rawRange.all(datasetId, start, Math.min(to, start + pageSize))) {
        yield { ordinal: row.ordinal, id: '', bits: row.bits }
      }
    }
  }

  /** Overwrites every raw record with NULL (secure_delete scrubs the pages). */
  deleteRawBits(datasetId: number): void {
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE records SET bits = NULL WHERE dataset_id = ?').run(datasetId)
      this.#db.prepare('UPDATE datasets SET raw_deleted = 1 WHERE id = ?').run(datasetId)
    }).immediate()
  }
}
