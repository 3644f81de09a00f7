/**
 * Failures of the store itself, in the application's words: a write lock that could not be had in
 * time (503, retry shortly), a full disk (507 insufficient-storage; nothing of the write is kept),
 * database files that vanished under the process (503: charges are refused, see core/budget.ts).
 * None of them is a bug, so none may leave as a bare 500.
 */
import { isBusy, StoreBusyError } from '../db/busy.js'
import { DomainError, insufficientStorage, unavailable } from './errors.js'

/** Seconds a client should wait after a busy lock. */
const BUSY_RETRY_AFTER = 1

/** SQLITE_FULL (the database or its WAL could not grow), and ENOSPC / EDQUOT from the file system. */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT'
}

/** The domain error for a store failure, or undefined when `err` is not one. */
export function storeFailure(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err
  if (isStorageFull(err)) return insufficientStorage('the server\'s disk is full: nothing of this request was stored; retry once space is freed')
  if (err instanceof StoreBusyError || isBusy(err)) {
    return unavailable('the database is busy (another process holds its write lock); retry shortly', BUSY_RETRY_AFTER)
  }
  return undefined
}
