/**
 * Datasets and their records. Raw bits are written and read only through this repository.
 *
 * A dataset's id is its identity and is never handed out again: a new dataset gets one more than
 * the largest id of a live or a deleted dataset (deleted_datasets keeps a row per deleted one). Its
 * `generation` grows with every write that changes what a cache of it holds (records committed,
 * raw bits deleted, a sketch ready), so any process can check a cache against the store.
 */
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
  generation: number
  createdAt: string
}

/** What stays of a deleted dataset (rows deleted before identities were kept have only id and name). */
export interface DeletedDataset {
  id: number
  name: string
  budgetMicro: number | null
  spentMicro: number | null
  createdAt: string | null
  deletedAt: string | null
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
  generation: number
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
    generation: row.generation,
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
  readonly #generation

  constructor(db: Db) {
    this.#db = db
    this.#byName = db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE name = ?')
    this.#byId = db.prepare<[number], DatasetRow>('SELECT * FROM datasets WHERE id = ?')
    this.#list = db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY name')
    this.#insert = db.prepare(
      `INSERT INTO datasets (id, name, bits, unit_bits, budget_micro, retain_raw, metrics, created_at)
       VALUES ((SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m FROM datasets UNION ALL SELECT MAX(id) FROM deleted_datasets)),
               @name, @bits, @unitBits, @budgetMicro, @retainRaw, @metrics, @createdAt)`,
    )
    this.#setCount = db.prepare('UPDATE datasets SET record_count = ?, generation = generation + 1 WHERE id = ? AND record_count = ?')
    this.#generation = db.prepare<[number], { generation: number }>('SELECT generation FROM datasets WHERE id = ?')
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

  /** The dataset's current generation; undefined once it is deleted. */
  generationOf(id: number): number | undefined {
    return this.#generation.get(id)?.generation
  }

  /** Every live dataset's id and generation. */
  generations(): Map<number, number> {
    const rows = this.#db.prepare<[], { id: number; generation: number }>('SELECT id, generation FROM datasets').all()
    return new Map(rows.map((r) => [r.id, r.generation]))
  }

  /** Deleted datasets that had this name, oldest first. */
  deletedByName(name: string): DeletedDataset[] {
    return this.#db
      .prepare<[string], { id: number; name: string; budget_micro: number | null; spent_micro: number | null; created_at: string | null; deleted_at: string | null }>(
        'SELECT * FROM deleted_datasets WHERE name = ? ORDER BY id',
      )
      .all(name)
      .map((r) => ({ id: r.id, name: r.name, budgetMicro: r.budget_micro, spentMicro: r.spent_micro, createdAt: r.created_at, deletedAt: r.deleted_at }))
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

  /**
   * Deletes the dataset, its records and sketches, and leaves its tombstone (so its id is never
   * reused). The ledger rows stay (append-only).
   */
  delete(id: number): boolean {
    return this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO deleted_datasets (id, name, budget_micro, spent_micro, created_at, deleted_at)
           SELECT id, name, budget_micro, spent_micro, created_at, ? FROM datasets WHERE id = ?`,
        )
        .run(new Date().toISOString(), id)
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

  /**
   * The ids of the given committed records (point lookups: cheap for a top-k answer); null when one
   * of them is gone (the dataset was deleted meanwhile, by this or another process).
   */
  idsOf(datasetId: number, ordinals: ArrayLike<number>): string[] | null {
    const out = new Array<string>(ordinals.length)
    for (let i = 0; i < ordinals.length; i++) {
      const row = this.#idOf.get(datasetId, ordinals[i])
      if (!row) return null
      out[i] = row.id
    }
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
      this.#db.prepare('UPDATE datasets SET raw_deleted = 1, generation = generation + 1 WHERE id = ?').run(datasetId)
    }).immediate()
  }
}
