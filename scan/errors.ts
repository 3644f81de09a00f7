/** A scan refused because the process is shutting down (queued, not started). Mapped to HTTP 503 with Retry-After. */
export class ScanClosingError extends Error {
  override readonly name = 'ScanClosingError'
  readonly retryAfterSeconds = 5

  constructor() {
    super('the server is shutting down; retry later')
  }
}

/** The scan pool's own refusal: too many queries wait for a worker. Mapped at the edge (HTTP 503 with Retry-After). */
export class ScanOverloadError extends Error {
  override readonly name = 'ScanOverloadError'

  constructor(
    message: string,
    /** Seconds after which a retry is likely to be served. */
    readonly retryAfterSeconds: number,
  ) {
    super(message)
  }
}
