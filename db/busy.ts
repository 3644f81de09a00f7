/**
 * Waiting for the write lock without blocking a thread for long.
 *
 * SQLite's busy timeout waits inside the statement, on the calling thread: on a server's event loop
 * a 10 s timeout behind another process's long write froze every request for 10 s. The server's
 * connection therefore has a busy timeout of a few milliseconds, and `retryBusy` retries a write
 * that found the lock taken after an asynchronous pause (other requests run meanwhile), until a
 * deadline; then it gives up with StoreBusyError, which the edges answer with 503 + Retry-After.
 *
 * A retried function must have no effect outside the database before its transaction commits:
 * a busy error rolls the transaction back, so running it again is safe.
 */

export class StoreBusyError extends Error {
  constructor(readonly waitedMs: number) {
    super(`the database is busy: another connection held its write lock for ${waitedMs} ms`)
  }
}

/** SQLITE_BUSY (another connection holds the lock) and SQLITE_LOCKED (the same, within one connection's shared cache), with their extended codes. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Runs `fn`, retrying it after short asynchronous pauses while the database is busy, for at most `deadlineMs`. */
export async function retryBusy<T>(fn: () => T, deadlineMs: number): Promise<T> {
  const started = Date.now()
  let pause = 2
  for (;;) {
    try {
      return fn()
    } catch (err) {
      if (!isBusy(err)) throw err
      const waited = Date.now() - started
      if (waited + pause > deadlineMs) throw new StoreBusyError(waited)
      await sleep(pause)
      pause = Math.min(pause * 2, 20)
    }
  }
}
