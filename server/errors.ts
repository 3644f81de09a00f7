/**
 * RFC 7807 problems. Every error a client sees has a stable `type` (`/problems/<code>`), a `title`
 * per type, and a `detail` that names what was wrong without echoing submitted bits. Domain errors
 * (core/errors.ts) become problems through `domainStatus`; ProblemError is for what only the HTTP
 * layer knows (authentication, body limits, media types, rate limits, shutdown).
 */
import type { DomainErrorCode } from '../core/errors.js'

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
  'insufficient-storage': 'The server has no room to store this',
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

/** The HTTP status of each domain error code. */
export const domainStatus: Record<DomainErrorCode, number> = {
  'validation-error': 400,
  'invalid-records': 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'budget-exhausted': 409,
  'service-unavailable': 503,
  'insufficient-storage': 507,
}
