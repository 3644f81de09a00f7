import rateLimit from '@fastify/rate-limit'
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'

/** Per-token request limit (per client address without a token). */
export default fp(async (app) => {
  await app.register(rateLimit, {
    max: app.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator(req) {
      const auth = req.headers.authorization
      // the key is a hash: the secret itself never sits in the limiter's store
      return auth ? `t:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}` : `ip:${req.ip}`
    },
    errorResponseBuilder(_req, context) {
      return Object.assign(
        new ProblemError(429, 'rate-limited', `more than ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`),
        { statusCode: 429 },
      )
    },
  })
})
