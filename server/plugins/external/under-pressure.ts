import underPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'

/** Sheds load with 503 + Retry-After instead of queueing without bound. */
export default fp(async (app) => {
  await app.register(underPressure, {
    maxEventLoopDelay: 1000,
    maxHeapUsedBytes: 0,
    maxRssBytes: 0,
    maxEventLoopUtilization: 0.98,
    retryAfter: 5,
    pressureHandler(_req, _reply, type, value) {
      throw new ProblemError(503, 'overloaded', `the server is overloaded (${type}${value === undefined ? '' : ` = ${Math.round(Number(value))}`}); retry later`, {
        retryAfter: 5,
      })
    },
  })
})
