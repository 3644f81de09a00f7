import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Token } from '../../../db/tokens.js'
import { errorResponses } from '../../../core/schemas/common.js'
import { createdToken, createTokenBody, tokenList, tokenParams, tokenView } from '../../../core/schemas/tokens.js'

const view = (t: Token) => ({ id: t.id, role: t.role, datasets: t.datasets, label: t.label, createdAt: t.createdAt, revokedAt: t.revokedAt })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '',
    { schema: { tags: ['tokens'], summary: 'Create a token (admin); the secret is shown once', body: createTokenBody, response: { 201: createdToken, ...errorResponses } } },
    async (req, reply) => {
      const { token, secret } = await app.services.tokens.create(req.principal, req.body.role, req.body.datasets ?? null, req.body.label ?? null)
      return reply.code(201).send({ ...view(token), token: secret })
    },
  )
  app.get('', { schema: { tags: ['tokens'], summary: 'List tokens (admin; never secrets)', response: { 200: tokenList, ...errorResponses } } }, async (req) => ({
    tokens: app.services.tokens.list(req.principal).map(view),
  }))
  app.delete(
    '/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token (admin)', params: tokenParams, response: { 200: tokenView, ...errorResponses } } },
    async (req) => view(await app.services.tokens.revoke(req.principal, req.params.id)),
  )
}
export default routes
