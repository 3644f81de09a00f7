/**
 * Datasets and their records. Raw bits are written and read only through this repository.
 *
 * A dataset's id is its identity and is never handed out again: a new dataset gets one more than
 * the largest id of a live or a deleted dataset (deleted_datasets keeps a row per deleted one). Its
 * `generation` grows with every write that changes what a cache of it holds (records committed,
 * raw bits deleted, a sketch ready), so any process can check a cache against the store.
 */
import { ownerInstance, type Db } from './database.js'

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

/** Who runs an upload in progress (db/database.ts ownerAlive tells whether it still runs). */
export interface UploadOwner {
  instance: string | null
  pid: number | null
}

/** Not deleted, nor being deleted (db/cleanup.ts finishes a deletion in chunks). */
const LIVE = 'id NOT IN (SELECT dataset_id FROM dataset_deletions)'

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
  readonly #rawRange
  readonly #idOf
  readonly #generation
  readonly #bitsOf

  constructor(db: Db) {
    this.#db = db
    this.#byName = db.prepare<[string], DatasetRow>(`SELECT * FROM datasets WHERE name = ? AND ${LIVE}`)
    this.#byId = db.prepare<[number], DatasetRow>(`SELECT * FROM datasets WHERE id = ? AND ${LIVE}`)
    this.#bitsOf = db.prepare<[number], { bits: number }>('SELECT bits FROM datasets WHERE id = ?')
    this.#list = db.prepare<[], DatasetRow>(`SELECT * FROM datasets WHERE ${LIVE} ORDER BY name`)
    this.#insert = db.prepare(
      `INSERT INTO datasets (id, name, bits, unit_bits, budget_micro, retain_raw, metrics, created_at)
       VALUES ((SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m FROM datasets UNION ALL SELECT MAX(id) FROM deleted_datasets)),
               @name, @bits, @unitBits, @budgetMicro, @retainRaw, @metrics, @createdAt)`,
    )
    this.#setCount = db.prepare('UPDATE datasets SET record_count = ?, generation = generation + 1 WHERE id = ? AND record_count = ?')
    this.#generation = db.prepare<[number], { generation: number }>(`SELECT generation FROM datasets WHERE id = ? AND ${LIVE}`)
    this.#insertRecord = db.prepare('INSERT INTO records (dataset_id, ordinal, id, bits) VALUES (?, ?, ?, ?)')
    this.#idOf = db.prepare<[number, number], { id: string }>('SELECT id FROM records WHERE dataset_id = ? AND ordinal = ?')
    this.#rawRange = db.prepare<[number, number, number], { ordinal: number; bits: Buffer | null }>(
      'SELECT ordinal, bits FROM records WHERE dataset_id = ? AND ordinal >= ? AND ordinal < ? ORDER BY ordinal',
    )
  }

  findByName(name: string): Dataset | undefined {
    const row = this.#byName.get(name)
    return row && toDataset(row)
  }

  /** The record length of a dataset, live or being deleted (the cleanup of its rows needs it). */
  bitsOf(id: number): number | undefined {
    return this.#bitsOf.get(id)?.bits
  }

  /** The live dataset with this id (undefined once it is deleted, even while its rows are being removed). */
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
    const rows = this.#db.prepare<[], { id: number; generation: number }>(`SELECT id, generation FROM datasets WHERE ${LIVE}`).all()
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
   * Starts deleting a dataset: in one short transaction it stops being listed or found by name, and
   * its name is free for a new dataset; db/cleanup.ts removes its rows in chunks and then the row
   * itself. The ledger rows stay (append-only). `uploadMayGo` decides, inside the transaction, about
   * an upload in progress (true: it is abandoned and goes with the dataset); false refuses.
   */
  markDeleted(id: number, uploadMayGo: (owner: UploadOwner) => boolean): 'marked' | 'gone' | 'upload-in-progress' {
    return this.#db.transaction(() => {
      const row = this.#db.prepare<[number], { name: string }>(`SELECT name FROM datasets WHERE id = ? AND ${LIVE}`).get(id)
      if (!row) return 'gone'
      const owner = this.uploadOwner(id)
      if (owner && !uploadMayGo(owner)) return 'upload-in-progress'
      const now = new Date().toISOString()
      // the tombstone (the id is never handed out again, and the audit trail keeps the name)
      this.#db
        .prepare(
          `INSERT INTO deleted_datasets (id, name, budget_micro, spent_micro, created_at, deleted_at)
           SELECT id, name, budget_micro, spent_micro, created_at, ? FROM datasets WHERE id = ?`,
        )
        .run(now, id)
      this.#db.prepare('INSERT INTO dataset_deletions (dataset_id, name, owner_instance, started_at) VALUES (?, ?, ?, ?)').run(id, row.name, ownerInstance, now)
      this.#db.prepare('UPDATE datasets SET generation = generation + 1 WHERE id = ?').run(id)
      // a name no dataset can have (names start with a letter or digit), so the old one is free at once
      this.#db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(`~deleted/${id}`, id)
      return 'marked'
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
      this.#db
        .prepare('INSERT INTO uploads (dataset_id, owner_pid, owner_instance, started_at) VALUES (?, ?, ?, ?)')
        .run(datasetId, process.pid, ownerInstance, new Date().toISOString())
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

  /** The owner of the dataset's upload in progress, if there is one. */
  uploadOwner(datasetId: number): UploadOwner | undefined {
    const row = this.#db
      .prepare<[number], { owner_instance: string | null; owner_pid: number | null }>('SELECT owner_instance, owner_pid FROM uploads WHERE dataset_id = ?')
      .get(datasetId)
    return row && { instance: row.owner_instance, pid: row.owner_pid }
  }

  /** Every upload in progress, with its owner (the janitor looks for dead ones). */
  uploads(): ({ datasetId: number } & UploadOwner)[] {
    return this.#db
      .prepare<[], { dataset_id: number; owner_instance: string | null; owner_pid: number | null }>('SELECT dataset_id, owner_instance, owner_pid FROM uploads')
      .all()
      .map((r) => ({ datasetId: r.dataset_id, instance: r.owner_instance, pid: r.owner_pid }))
  }

  /** Datasets being deleted, with who runs the deletion. */
  deletions(): { datasetId: number; name: string; instance: string | null }[] {
    return this.#db
      .prepare<[], { dataset_id: number; name: string; owner_instance: string | null }>('SELECT dataset_id, name, owner_instance FROM dataset_deletions')
      .all()
      .map((r) => ({ datasetId: r.dataset_id, name: r.name, instance: r.owner_instance }))
  }

  /** Takes over a deletion whose owner is gone; false when another process took it first. */
  adoptDeletion(datasetId: number, from: string | null): boolean {
    return (
      this.#db
        .prepare('UPDATE dataset_deletions SET owner_instance = ? WHERE dataset_id = ? AND owner_instance IS ?')
        .run(ownerInstance, datasetId, from).changes === 1
    )
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
