/**
 * Whether the files a connection has open are still the ones its path names.
 *
 * SQLite keeps writing to a database file, WAL or shared-memory file that was unlinked (or renamed
 * over) under it: every commit "succeeds", into an inode nobody will ever open again, and a restart
 * finds the older file or none. So a connection records the device and inode of each file when it
 * opens them, and `check()` compares them with what the paths name now. A charge is never released
 * unless the check passes (core/budget.ts), and /health reports not ready while it fails.
 */
import { statSync } from 'node:fs'

interface Identity {
  path: string
  dev: number
  ino: number
}

function identity(path: string): Identity | null {
  try {
    const st = statSync(path)
    return { path, dev: st.dev, ino: st.ino }
  } catch {
    return null
  }
}

export class StoreFiles {
  readonly #files: Identity[]

  /** Records the database file and, when they exist, its `-wal` and `-shm` (call after the connection opened them). */
  constructor(dbPath: string) {
    const main = identity(dbPath)
    if (main === null) throw new Error('the database file is not there right after it was opened')
    this.#files = [main, identity(`${dbPath}-wal`), identity(`${dbPath}-shm`)].filter((f): f is Identity => f !== null)
  }

  /** Null when every path still names the file that was opened; else which one changed and how. */
  check(): string | null {
    for (const f of this.#files) {
      const now = identity(f.path)
      if (now === null) return `${kind(f.path)} was deleted while the server had it open`
      if (now.dev !== f.dev || now.ino !== f.ino) return `${kind(f.path)} was replaced while the server had it open`
    }
    return null
  }
}

function kind(path: string): string {
  if (path.endsWith('-wal')) return 'the database\'s write-ahead log'
  if (path.endsWith('-shm')) return 'the database\'s shared-memory file'
  return 'the database file'
}
