/**
 * Opens the SQLite database: WAL, foreign keys, synchronous=FULL (every commit, ledger debits
 * included, is durable before it returns), secure_delete (deleted raw bits are overwritten on
 * disk), then applies pending migrations and cleans up work a crash may have interrupted.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { migrations } from './migrations.js'

export type Db = Database.Database

export interface OpenOptions {
  readonly?: boolean
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  db.pragma('busy_timeout = 10000')
  db.pragma('foreign_keys = ON')
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('secure_delete = ON')
    migrate(db)
    recoverInterruptedWork(db)
  }
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function migrate(db: Db): void {
  const current = schemaVersion(db)
  for (const m of migrations) {
    if (m.version <= current) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
  }
}

/**
 * After a crash: rows of an unfinished upload (ordinal ≥ the dataset's committed count) are
 * removed, and sketch builds that were queued or running are marked failed. Their ε stays spent:
 * the noise may have been drawn.
 */
export function recoverInterruptedWork(db: Db): void {
  db.transaction(() => {
    db.prepare(
      `DELETE FROM records WHERE ordinal >= (SELECT record_count FROM datasets d WHERE d.id = records.dataset_id)`,
    ).run()
    db.prepare(
      `UPDATE sketches SET status = 'failed', error = 'interrupted: the server stopped during the build'
       WHERE status IN ('queued', 'building')`,
    ).run()
    db.prepare(`DELETE FROM sketch_chunks WHERE sketch_id IN (SELECT id FROM sketches WHERE status = 'failed')`).run()
  }).immediate()
}
