/**
 * Which process owns a piece of unfinished work (an upload, a sketch build, a dataset deletion).
 *
 * A PID is not an identity: in a container the server is PID 1 on every start, so after a kill -9
 * and a restart the dead process's work would look like the live process's own. Instead every
 * process that writes to a database gets a random instance id, and holds an exclusive lock on a file
 * named after it (`<db>-instances/<id>.lock`) for as long as it runs. The kernel drops the lock when
 * the process dies, however it dies, so "is instance X alive" is "is X's lock file still locked".
 * The lock is a SQLite exclusive transaction on that (empty) file: POSIX record locks, as SQLite takes
 * them, work across processes and PID namespaces on one machine, with no native module of our own.
 */
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** This process's instance id (the same for every database it opens). */
export const instanceId = randomBytes(12).toString('hex')

const ID_PATTERN = /^[0-9a-f]{24}$/

interface HeldLock {
  file: string
  lock: Database.Database
}

/** Lock held per database path (resolved), for the life of the process. */
const held = new Map<string, HeldLock>()

export function instanceDir(dbPath: string): string {
  return `${dbPath}-instances`
}

function lockFile(dbPath: string, id: string): string {
  return join(instanceDir(dbPath), `${id}.lock`)
}

/**
 * Takes this process's instance lock for the database at `dbPath` (once per path; later calls are
 * no-ops). Throws when the folder cannot be written: a process that cannot prove it is alive must
 * not write work that others would then clean up under it.
 */
export function claimInstance(dbPath: string): void {
  if (dbPath === ':memory:') return
  const key = resolve(dbPath)
  if (held.has(key)) return
  mkdirSync(instanceDir(dbPath), { recursive: true })
  const file = lockFile(dbPath, instanceId)
  const lock = new Database(file, { timeout: 0 })
  try {
    lock.pragma('locking_mode = EXCLUSIVE')
    lock.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    lock.close()
    throw err
  }
  held.set(key, { file, lock })
  if (held.size === 1) process.once('exit', releaseAll)
}

/** Gives up every lock and removes their files (process exit; a crash leaves them to the sweep). */
function releaseAll(): void {
  for (const { file, lock } of held.values()) {
    try {
      lock.close()
      rmSync(file, { force: true })
    } catch {
      // exiting anyway: the lock goes with the process, the file with the next sweep
    }
  }
  held.clear()
}

/** Whether the instance `id` is running (on this machine: its lock is held). */
export function instanceAlive(dbPath: string, id: string): boolean {
  if (id === instanceId) return true
  if (!ID_PATTERN.test(id) || dbPath === ':memory:') return false
  let probe: Database.Database
  try {
    probe = new Database(lockFile(dbPath, id), { fileMustExist: true, timeout: 0 })
  } catch {
    return false // no lock file: the instance ended (or never ran here)
  }
  try {
    probe.exec('BEGIN EXCLUSIVE')
    probe.exec('ROLLBACK')
    return false
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true
    throw err
  } finally {
    probe.close()
  }
}

/** Removes the lock files of instances that are gone. */
export function sweepInstanceLocks(dbPath: string): void {
  if (dbPath === ':memory:') return
  let names: string[]
  try {
    names = readdirSync(instanceDir(dbPath))
  } catch {
    return
  }
  for (const name of names) {
    const id = name.replace(/\.lock$/, '')
    if (ID_PATTERN.test(id) && !instanceAlive(dbPath, id)) rmSync(lockFile(dbPath, id), { force: true })
  }
}
