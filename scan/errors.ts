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
