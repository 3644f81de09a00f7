/**
 * Domain errors: what went wrong, in the application's words. Every error core/ throws on purpose
 * carries a stable code and a message that names what was wrong without echoing submitted bits,
 * plus the data a client needs (`details`, e.g. the ε requested and remaining).
 *
 * core/ knows nothing of HTTP: server/errors.ts maps each code to a status and an RFC 7807 problem
 * type, and cli/errors.ts maps it to an exit code and one line. Errors of the pure layers are
 * mapped the same way at the edge: RecordFormatError (ingest/), BitParseError (sketch/bits.ts),
 * EpsilonError (privacy/epsilon.ts) and ScanOverloadError (scan/errors.ts); failures of the store
 * itself (a busy lock, a full disk, a vanished file) through `storeFailure` (core/store-errors.ts).
 */
export const domainErrorCodes = [
  'validation-error',
  'invalid-records',
  'forbidden',
  'not-found',
  'conflict',
  'budget-exhausted',
  'service-unavailable',
  'insufficient-storage',
] as const

export type DomainErrorCode = (typeof domainErrorCodes)[number]

export class DomainError extends Error {
  override readonly name = 'DomainError'

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra facts for the client (problem extensions over HTTP, `--json` fields in the CLI). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) => new DomainError('validation-error', message, details)
export const notFound = (message: string) => new DomainError('not-found', message)
export const conflict = (message: string, details?: Record<string, unknown>) => new DomainError('conflict', message, details)
export const forbidden = (message: string) => new DomainError('forbidden', message)
/** Try again later: `retryAfter` seconds become the Retry-After header over HTTP. */
export const unavailable = (message: string, retryAfter: number, details?: Record<string, unknown>) =>
  new DomainError('service-unavailable', message, { ...details, retryAfter })
export const insufficientStorage = (message: string) => new DomainError('insufficient-storage', message)
