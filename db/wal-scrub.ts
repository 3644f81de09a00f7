/**
 * Removes the write-ahead log's copies of deleted raw bits.
 *
 * With `secure_delete` SQLite zeroes deleted content in the pages it writes, but in WAL mode it
 * writes them as new frames of the -wal file: the frames holding the earlier versions (the raw
 * bits) stay in that file after a checkpoint, and after later commits, until they happen to be
 * overwritten. A TRUNCATE checkpoint copies every frame into the database file (where the zeroed
 * pages replace the old ones) and cuts the -wal file to zero bytes. It cannot complete while a
 * reader (of this or another process) still reads an older snapshot, so it is tried without
 * waiting and, while readers block it, retried in the background with growing pauses: a sealing,
 * a deletion or a discarded upload never waits for a reader, and no query waits for the
 * checkpoint. Opening the database tries once more (db/database.ts), which covers a crash between
 * such a transaction and its checkpoint. The -shm file holds only the log's index (page numbers
 * and frame positions), never page contents.
 */
import type { Db } from './database.js'

const FIRST_RETRY_MS = 25
const MAX_RETRY_MS = 2000

/**
 * One TRUNCATE checkpoint that does not wait for locks. True when the log is now empty (or the
 * database is not in WAL mode); false when a reader or a writer held it back.
 */
export function checkpointTruncate(db: Db): boolean {
  if (!db.open || db.inTransaction) return false
  const saved = db.pragma('busy_timeout', { simple: true }) as number
  db.pragma('busy_timeout = 0')
  try {
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[]
    return r.busy === 0 && r.log === r.checkpointed && r.log <= 0
  } catch (err) {
    const code = (err as { code?: string }).code ?? ''
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return false
    throw err
  } finally {
    db.pragma(`busy_timeout = ${saved}`)
  }
}

export interface ScrubLog {
  warn(obj: object, msg?: string): void
}

export class WalScrubber {
  readonly #db: Db
  readonly #log: ScrubLog | undefined
  #timer: NodeJS.Timeout | null = null
  #delay = FIRST_RETRY_MS
  #pendingSince: number | null = null
  #warned = false

  constructor(db: Db, log?: ScrubLog) {
    this.#db = db
    this.#log = log
  }

  /** True while a scrub is still to be done (readers have held it back so far). */
  get pending(): boolean {
    return this.#pendingSince !== null
  }

  /**
   * After a transaction that removed raw bits has committed: empties the -wal file now if no reader
   * holds it back, or keeps trying in the background. Returns whether it is done.
   */
  scrub(): boolean {
    if (checkpointTruncate(this.#db)) {
      this.#done()
      return true
    }
    this.#pendingSince ??= Date.now()
    if (this.#timer === null) this.#schedule()
    return false
  }

  /** Stops retrying (the database is closing) after one last attempt; returns whether it is done. */
  close(): boolean {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#pendingSince === null) return true
    const done = this.#db.open && checkpointTruncate(this.#db)
    if (done) this.#done()
    else this.#log?.warn({}, 'the write-ahead log could not be emptied before closing; the next start empties it')
    return done
  }

  #done(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#pendingSince = null
    this.#delay = FIRST_RETRY_MS
    this.#warned = false
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (!this.#db.open) return
      if (checkpointTruncate(this.#db)) {
        this.#done()
        return
      }
      if (!this.#warned && this.#pendingSince !== null && Date.now() - this.#pendingSince > 60_000) {
        this.#warned = true
        this.#log?.warn({}, 'a reader has kept the write-ahead log from being emptied for a minute; still trying')
      }
      this.#delay = Math.min(MAX_RETRY_MS, this.#delay * 2)
      this.#schedule()
    }, this.#delay)
    // a process that has nothing else to do may exit: its last close (or the next open) empties the log
    this.#timer.unref()
  }
}
