import underPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'

/** Sheds load with 503 + Retry-After instead of queueing without bound. */
export default fp(async (app) => {
  await app.register(underPressure, {
    // Event-loop delay, not utilisation: a CPU-busy server at full utilisation is healthy, one whose
    // loop cannot answer within a second is not.
    maxEventLoopDelay: app.config.maxEventLoopDelayMs,
    maxHeapUsedBytes: app.config.maxHeapBytes,
    maxRssBytes: app.config.maxRssBytes,
    retryAfter: 5,
    pressureHandler(_req, _reply, type, value) {
      throw new ProblemError(503, 'overloaded', `the server is overloaded (${type}${value === undefined ? '' : ` = ${Math.round(Number(value))}`}); retry later`, {
        retryAfter: 5,
      })
    },
  })
})
