/**
 * Every error leaves as RFC 7807 problem+json. Client errors carry their detail; a 5xx never shows
 * its internals (they are logged with the request id instead). Validation messages name fields,
 * never submitted values.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { EpsilonError } from '../../../privacy/epsilon.js'
import { BitParseError } from '../../../sketch/bits.js'
import { DomainError } from '../../../core/errors.js'
import { storeFailure } from '../../../core/store-errors.js'
import { RecordFormatError } from '../../../ingest/index.js'
import { ScanClosingError, ScanOverloadError } from '../../../scan/errors.js'
import { ProblemError, domainStatus, problemBody, type ProblemCode } from '../../errors.js'

/** What is read and thrown away of a refused upload before the answer is sent (see drainRest). */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024
const DRAIN_MAX_MS = 5000

/**
 * An upload refused before its end (a bad record, a duplicate id, no access): a client still
 * sending would get a broken pipe instead of the answer if the connection closed at once. So the
 * rest of the body is read and discarded, within a bound of bytes and time, and then the problem is
 * sent. Resolves false when the bound was hit.
 */
function drainRest(req: FastifyRequest): Promise<boolean> {
  const raw = req.raw
  if (raw.complete !== false) return Promise.resolve(true)
  if (raw.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    let seen = 0
    const finish = (drained: boolean) => {
      clearTimeout(timer)
      raw.off('data', onData)
      raw.off('end', onEnd)
      raw.off('error', onError)
      if (!drained) raw.pause()
      resolve(drained)
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > DRAIN_MAX_BYTES) finish(false)
    }
    const onEnd = () => finish(true)
    const onError = () => finish(false)
    const timer = setTimeout(() => finish(false), DRAIN_MAX_MS)
    raw.on('data', onData)
    raw.once('end', onEnd)
    raw.once('error', onError)
    raw.resume()
  })
}

function send(reply: FastifyReply, req: FastifyRequest, status: number, code: ProblemCode, detail: string, ext: Record<string, unknown> = {}) {
  // Still not read to its end (the drain bound was hit): close the connection, or it stays open
  // (and blocks a graceful shutdown) until the client gives up.
  if (req.raw.complete === false) reply.header('connection', 'close')
  return reply.code(status).type('application/problem+json').send(problemBody(status, code, detail, req.url.split('?')[0], ext))
}

/** The client went away before its request was read to the end (it closed or reset the connection): not an error of ours. */
function clientGone(err: FastifyError, req: FastifyRequest): boolean {
  const gone = req.raw.destroyed || req.raw.socket?.destroyed === true
  return gone && (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted')
}

export default fp(async (app) => {
  app.setErrorHandler(async (raw: FastifyError, req, reply) => {
    if (clientGone(raw, req)) {
      req.log.info('the client closed the connection before its request was read; nothing of it is kept')
      return reply.code(400).send()
    }
    await drainRest(req)
    // a busy lock, a full disk: answered as the domain errors they are, never as a 500
    const err = (storeFailure(raw) ?? raw) as FastifyError
    if (err instanceof DomainError) {
      const status = domainStatus[err.code]
      if (status === 503 && typeof err.details.retryAfter === 'number') reply.header('Retry-After', String(err.details.retryAfter))
      return send(reply, req, status, err.code, err.message, err.details)
    }
    if (err instanceof ProblemError) {
      if (err.status === 503 && typeof err.extensions.retryAfter === 'number') reply.header('Retry-After', String(err.extensions.retryAfter))
      return send(reply, req, err.status, err.code, err.message, err.extensions)
    }
    if (err instanceof ScanClosingError) {
      reply.header('Retry-After', String(err.retryAfterSeconds))
      return send(reply, req, 503, 'service-unavailable', err.message, { retryAfter: err.retryAfterSeconds })
    }
    if (err instanceof ScanOverloadError) {
      reply.header('Retry-After', String(err.retryAfterSeconds))
      return send(reply, req, 503, 'overloaded', err.message, { retryAfter: err.retryAfterSeconds })
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }))
      const detail = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
      return send(reply, req, 400, 'validation-error', detail, { issues })
    }
    if (err instanceof RecordFormatError) {
      return send(reply, req, 400, 'invalid-records', err.message, { recordIndex: err.recordIndex, line: err.line, recordId: err.recordId })
    }
    if (err instanceof BitParseError || err instanceof EpsilonError) return send(reply, req, 400, 'validation-error', err.message)
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, req, 413, 'payload-too-large', `the body exceeds this route's limit of ${req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes`)
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, req, 415, 'unsupported-media-type', `unsupported Content-Type "${req.headers['content-type'] ?? ''}"`)
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, req, 400, 'validation-error', 'the request body is empty or its length is wrong')
      default:
        break
    }
    if (err instanceof SyntaxError || (err.statusCode === 400 && err.message?.includes('JSON'))) {
      return send(reply, req, 400, 'validation-error', 'the body is not valid JSON')
    }
    if (err.statusCode === 429) return send(reply, req, 429, 'rate-limited', err.message)
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, req, err.statusCode, 'validation-error', 'the request could not be processed')
    }
    req.log.error({ err: { message: err.message, stack: err.stack, code: err.code } }, 'unhandled error')
    return send(reply, req, 500, 'internal-error', `an internal error occurred (request ${req.id})`)
  })

  app.setNotFoundHandler((req, reply) => send(reply, req, 404, 'not-found', `no route ${req.method} ${req.url.split('?')[0]}`))
})
