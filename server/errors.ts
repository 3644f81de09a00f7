/**
 * RFC 7807 problems. Every error a client sees has a stable `type` (`/problems/<code>`), a `title`
 * per type, and a `detail` that names what was wrong without echoing submitted bits.
 */
export const problemTitles = {
  'validation-error': 'The request is not valid',
  'invalid-records': 'The records are not valid',
  unauthorized: 'Authentication is required',
  forbidden: 'This token may not do that',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'budget-exhausted': 'The privacy budget would be exceeded',
  'payload-too-large': 'The request body is too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  overloaded: 'The server is overloaded',
  'service-unavailable': 'The service is unavailable',
  'internal-error': 'Internal server error',
} as const

export type ProblemCode = keyof typeof problemTitles

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  [extension: string]: unknown
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail)
  }

  toBody(instance?: string): ProblemBody {
    return problemBody(this.status, this.code, this.message, instance, this.extensions)
  }
}

export function problemBody(
  status: number,
  code: ProblemCode,
  detail: string,
  instance?: string,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  return { type: `/problems/${code}`, title: problemTitles[code], status, detail, ...(instance ? { instance } : {}), ...extensions }
}

export const badRequest = (detail: string, ext?: Record<string, unknown>) => new ProblemError(400, 'validation-error', detail, ext)
export const notFound = (detail: string) => new ProblemError(404, 'not-found', detail)
export const conflict = (detail: string, ext?: Record<string, unknown>) => new ProblemError(409, 'conflict', detail, ext)
export const forbidden = (detail: string) => new ProblemError(403, 'forbidden', detail)
