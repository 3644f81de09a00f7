/**
 * RFC 7807 problems. Every error a client sees has a stable `type` (`/problems/<code>`), a `title`
 * per type, and a `detail` that names what was wrong without echoing submitted bits. Domain errors
 * (core/errors.ts) become problems through `domainStatus`; ProblemError is for what only the HTTP
 * layer knows (authentication, body limits, media types, rate limits, shutdown).
 */
import { z } from 'zod'
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

/** The stable problem types (`/problems/<code>`), one per entry of problemTitles. */
export const problemTypes = Object.keys(problemTitles).map((code) => `/problems/${code}`) as [string, ...string[]]

/** The body of every error response (problem+json), documented once as the `Problem` component. */
export const problemSchema = z
  .object({
    type: z.enum(problemTypes).describe('stable problem type, `/problems/<code>`; clients branch on this'),
    title: z.string().describe('the title of the type (the same for every problem of one type)'),
    status: z.number().int().describe('the HTTP status code'),
    detail: z.string().describe('what was wrong with this request (never echoes submitted bits)'),
    instance: z.string().optional().describe('the request path'),
  })
  .catchall(z.unknown())
  .meta({
    id: 'Problem',
    description: 'RFC 7807 problem details. Extensions carry facts a client needs (e.g. `issues` for validation errors, ε requested and remaining for budget-exhausted, `retryAfter` for 503).',
  })

/** Error responses of every authenticated route. */
const common = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 429: problemSchema, 500: problemSchema, 503: problemSchema }

/** Error responses of a read (no body, no state change). */
export const readErrors = common
/** Error responses of a route that takes a body or changes state (adds 409 conflict/budget, 413, 415, 507 a full disk). */
export const errorResponses = { ...common, 409: problemSchema, 413: problemSchema, 415: problemSchema, 507: problemSchema }
