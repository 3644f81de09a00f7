import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorResponses } from '../../../core/schemas/common.js'
import { createdToken, createTokenBody, tokenList, tokenParams, tokenView as tokenViewSchema } from '../../../core/schemas/tokens.js'
import { createTokenInput, tokenView } from '../../../core/requests.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create a token (admin); the secret is shown once. Analyst tokens may be limited to datasets, each with an ε quota',
        body: createTokenBody,
        response: { 201: createdToken, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { token, secret } = app.services.tokens.create(req.principal, createTokenInput(req.body))
      return reply.code(201).send({ ...tokenView(token), token: secret })
    },
  )
  app.get('', { schema: { tags: ['tokens'], summary: 'List tokens (admin; never secrets)', response: { 200: tokenList, ...errorResponses } } }, async (req) => ({
    tokens: app.services.tokens.list(req.principal).map(tokenView),
  }))
  app.get(
    '/self',
    { schema: { tags: ['tokens'], summary: 'The calling token: its role and the datasets it may see (never its secret)', response: { 200: tokenViewSchema, ...errorResponses } } },
    async (req) => tokenView(app.services.tokens.self(req.principal)),
  )
  app.delete(
    '/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token (admin)', params: tokenParams, response: { 200: tokenViewSchema, ...errorResponses } } },
    async (req) => tokenView(app.services.tokens.revoke(req.principal, req.params.id)),
  )
}
export default routes
