/**
 * Opens the SQLite database: WAL, foreign keys, synchronous=FULL (every commit, ledger debits
 * included, is durable before it returns), secure_delete (deleted raw bits are overwritten on
 * disk), journal_size_limit 0 (a -wal file that is reset is cut back instead of keeping stale
 * frames), then applies pending migrations, cleans up work a crash may have interrupted and empties
 * the -wal file (db/wal-scrub.ts: a crash may have left deleted bits in it).
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { migrations } from './migrations.js'
import { checkpointTruncate } from './wal-scrub.js'

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
    db.pragma('journal_size_limit = 0')
    migrate(db)
    recoverInterruptedWork(db)
    checkpointTruncate(db)
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

/** Whether a process with this id is running on this machine (EPERM: it exists, owned by another user). */
export function processAlive(pid: number | null): boolean {
  if (pid === null) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * After a crash: the pending rows of an upload whose process is gone (ordinal ≥ the dataset's
 * committed count) are removed, and sketch builds whose process is gone are marked failed. Their ε
 * stays spent: the noise may have been drawn. Work of processes that are still running (a server
 * and a CLI on the same file, say) is left alone.
 */
export function recoverInterruptedWork(db: Db): void {
  db.transaction(() => {
    const uploads = db.prepare<[], { dataset_id: number; owner_pid: number }>('SELECT dataset_id, owner_pid FROM uploads').all()
    for (const u of uploads) {
      if (!processAlive(u.owner_pid)) db.prepare('DELETE FROM uploads WHERE dataset_id = ?').run(u.dataset_id)
    }
    // pending rows that no live upload owns
    db.prepare(
      `DELETE FROM records WHERE ordinal >= (SELECT record_count FROM datasets d WHERE d.id = records.dataset_id)
         AND dataset_id NOT IN (SELECT dataset_id FROM uploads)`,
    ).run()
    const builds = db.prepare<[], { id: string; owner_pid: number | null }>(
      "SELECT id, owner_pid FROM sketches WHERE status IN ('queued', 'building')",
    ).all()
    for (const b of builds) {
      if (processAlive(b.owner_pid)) continue
      db.prepare('DELETE FROM sketch_chunks WHERE sketch_id = ?').run(b.id)
      db.prepare("UPDATE sketches SET status = 'failed', error = 'interrupted: the process stopped during the build' WHERE id = ?").run(b.id)
    }
  }).immediate()
}
