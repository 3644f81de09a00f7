/**
 * Bearer-token authentication for every route except those marked `config: { public: true }`.
 * Sets `request.principal`. Admin-only checks live in the services (requireAdmin), so the CLI's
 * local mode and HTTP enforce the same rules.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'
import type { Principal } from '../../../core/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    public?: boolean
  }
}

const verified = new WeakMap<object, Principal | null>()

/**
 * The principal of a request's `Authorization: Bearer` token, or null when it has none that
 * verifies. Verified once per request (the rate limiter keys on it before authentication runs).
 */
export function bearerPrincipal(app: FastifyInstance, req: FastifyRequest): Principal | null {
  let principal = verified.get(req)
  if (principal === undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(req.headers.authorization ?? '')
    principal = (match && app.services.tokens.authenticate(match[1])) || null
    verified.set(req, principal)
  }
  return principal
}

export default fp(async (app) => {
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]
    if (req.routeOptions.config.public || path === '/docs' || path.startsWith('/docs/')) return
    if (!req.headers.authorization) throw new ProblemError(401, 'unauthorized', 'send Authorization: Bearer <token>')
    const principal = bearerPrincipal(app, req)
    if (!principal) throw new ProblemError(401, 'unauthorized', 'the token is not valid or has been revoked')
    req.principal = principal
  })
})
