/**
 * Opens the SQLite database: WAL, foreign keys, synchronous=FULL (every commit, ledger debits
 * included, is durable before it returns), secure_delete (deleted raw bits are overwritten on
 * disk), journal_size_limit 0 (a -wal file that is reset is cut back instead of keeping stale
 * frames), incremental auto-vacuum on new files (space freed by a cleanup is given back, see
 * db/cleanup.ts), then applies pending migrations, marks builds a crash interrupted as failed and
 * empties the -wal file (db/wal-scrub.ts: a crash may have left deleted bits in it). Uploads and
 * deletions a crash interrupted are finished in chunks by the janitor (core/janitor.ts).
 */
import Database from 'better-sqlite3'
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { claimInstance, instanceAlive, instanceId, sweepInstanceLocks } from './instance.js'
import { migrations } from './migrations.js'
import { checkpointTruncate } from './wal-scrub.js'
import { StoreFiles } from './store-files.js'

export type Db = Database.Database

export interface OpenOptions {
  readonly?: boolean
  /**
   * How long one statement may wait for another connection's write lock, blocking its thread
   * (default 10 s). The server uses a few milliseconds and retries asynchronously (db/busy.ts).
   */
  busyTimeoutMs?: number
  /**
   * A second read-write connection of a process that already opened the file (a cleanup worker):
   * no migrations, no recovery, no instance lock of its own.
   */
  secondary?: boolean
}

interface Opened {
  path: string
  files: StoreFiles | null
}

const opened = new WeakMap<Db, Opened>()

/** Refuses, before SQLite creates a `-wal` or `-shm` beside it, a file or folder this process may not write. */
function checkWritable(path: string): void {
  const target = existsSync(path) ? path : dirname(path)
  try {
    accessSync(target, constants.R_OK | constants.W_OK)
  } catch {
    throw new Error(`the database ${target === path ? 'file' : 'folder'} is not writable by this process: fix its permissions (read-write for the user the server runs as)`)
  }
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false
  const file = path !== ':memory:'
  if (file && !readonly) {
    mkdirSync(dirname(path), { recursive: true })
    checkWritable(path)
  }
  // what a failed open must not leave behind (a -shm created with a read-only file's mode would
  // make every later open fail, even once the mode is fixed)
  const sidecars = file && !readonly ? [`${path}-wal`, `${path}-shm`].filter((p) => !existsSync(p)) : []
  const db = new Database(path, { readonly, fileMustExist: readonly })
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`)
    db.pragma('foreign_keys = ON')
    if (!readonly) {
      if (!options.secondary && schemaVersion(db) === 0) db.pragma('auto_vacuum = INCREMENTAL') // before the first table
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('secure_delete = ON')
      db.pragma('journal_size_limit = 0')
      if (!options.secondary) {
        claimInstance(path)
        migrate(db)
        recoverInterruptedWork(db, path)
        sweepInstanceLocks(path)
        checkpointTruncate(db)
      }
    }
    opened.set(db, { path, files: file && !readonly ? new StoreFiles(path) : null })
    return db
  } catch (err) {
    db.close()
    for (const p of sidecars) removeIfEmptyOrShm(p)
    throw err
  }
}

/** A sidecar this open created: the -shm is only an index (rebuilt by the next open), a -wal only if it holds nothing. */
function removeIfEmptyOrShm(p: string): void {
  try {
    if (p.endsWith('-shm') || statSync(p).size === 0) rmSync(p, { force: true })
  } catch {
    // not there
  }
}

/** The path the connection was opened on. */
export function databasePath(db: Db): string {
  return opened.get(db)?.path ?? db.name
}

/** The identity check of the connection's files (null for read-only and in-memory connections). */
export function storeFiles(db: Db): StoreFiles | null {
  return opened.get(db)?.files ?? null
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
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether the owner of a row is still running. Rows carry the owner's instance id (db/instance.ts);
 * rows written before instance ids existed carry only a PID, which this process never matches (it
 * writes instance ids), so a PID equal to ours is a dead predecessor's (a container's PID 1).
 */
export function ownerAlive(dbPath: string, owner: { instance: string | null; pid: number | null }): boolean {
  if (owner.instance !== null) return instanceAlive(dbPath, owner.instance)
  return owner.pid !== null && owner.pid !== process.pid && processAlive(owner.pid)
}

/** This process's owner id for rows it writes. */
export const ownerInstance = instanceId

/**
 * After a crash: sketch builds whose process is gone are marked failed. Their ε stays spent: the
 * noise may have been drawn. Work of processes that are still running (a server and a CLI on the
 * same file, say) is left alone.
 */
export function recoverInterruptedWork(db: Db, dbPath: string): void {
  const builds = db
    .prepare<[], { id: string; owner_pid: number | null; owner_instance: string | null }>(
      "SELECT id, owner_pid, owner_instance FROM sketches WHERE status IN ('queued', 'building')",
    )
    .all()
  const dead = builds.filter((b) => !ownerAlive(dbPath, { instance: b.owner_instance, pid: b.owner_pid }))
  if (dead.length === 0) return
  db.transaction(() => {
    for (const b of dead) {
      db.prepare('DELETE FROM sketch_chunks WHERE sketch_id = ?').run(b.id)
      db.prepare("UPDATE sketches SET status = 'failed', error = 'interrupted: the process stopped during the build' WHERE id = ?").run(b.id)
    }
  }).immediate()
}
