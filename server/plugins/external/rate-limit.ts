import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'
import { bearerPrincipal } from '../app/auth.js'

/**
 * Per-token request limit, per client address for requests without a valid token. The key is the
 * token's id (never its secret), and only for a token that verifies: keying on the raw header would
 * give every made-up token a fresh bucket, so guessing tokens would never be limited.
 *
 * The limit runs as an application-wide onRequest hook registered before authentication (the
 * plugin's own per-route hooks would run after it, so refused tokens would never be counted).
 * Routes opt out with `config: { rateLimit: false }`, for requests without credentials only: a
 * request that presents a token is counted everywhere, so no route (such as /health, which shows
 * more to an admin) lets tokens be tried without limit.
 */
export default fp(async (app) => {
  await app.register(rateLimit, {
    global: false,
    max: app.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator(req) {
      const principal = bearerPrincipal(app, req)
      return principal?.tokenId ? `t:${principal.tokenId}` : `ip:${req.ip}`
    },
    errorResponseBuilder(_req, context) {
      return Object.assign(
        new ProblemError(429, 'rate-limited', `more than ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`),
        { statusCode: 429 },
      )
    },
  })
  const limit = app.rateLimit()
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.rateLimit === false && req.headers.authorization === undefined) return
    await limit.call(app, req, reply)
  })
})
