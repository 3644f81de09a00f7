/**
 * Bearer-token authentication for every route except those marked `config: { public: true }`.
 * Sets `request.principal`. Admin-only checks live in the services (requireAdmin), so the CLI's
 * local mode and HTTP enforce the same rules.
 */
import fp from 'fastify-plugin'
import { ProblemError } from '../../errors.js'
import type { Principal } from '../../services/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    public?: boolean
  }
}

export default fp(async (app) => {
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]
    if (req.routeOptions.config.public || path === '/docs' || path.startsWith('/docs/')) return
    const header = req.headers.authorization
    if (!header) throw new ProblemError(401, 'unauthorized', 'send Authorization: Bearer <token>')
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header)
    const principal = match ? app.services.tokens.authenticate(match[1]) : undefined
    if (!principal) throw new ProblemError(401, 'unauthorized', 'the token is not valid or has been revoked')
    req.principal = principal
  })
})
