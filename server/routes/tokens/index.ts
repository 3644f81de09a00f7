import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Token } from '../../../db/tokens.js'
import { createdToken, createTokenBody, tokenList, tokenParams, tokenView } from '../../../core/schemas/tokens.js'
import { errorResponses, readErrors } from '../../errors.js'

const view = (t: Token) => ({ id: t.id, role: t.role, datasets: t.datasets, label: t.label, createdAt: t.createdAt, revokedAt: t.revokedAt })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'createToken',
        summary: 'Create a token (admin); the secret is shown once',
        description: 'Creates an admin or analyst token, optionally limited to some datasets. Only a hash of the secret is stored.',
        body: createTokenBody,
        response: { 201: createdToken, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { token, secret } = app.services.tokens.create(req.principal, req.body.role, req.body.datasets ?? null, req.body.label ?? null)
      return reply.code(201).send({ ...view(token), token: secret })
    },
  )
  app.get(
    '',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'listTokens',
        summary: 'List tokens (admin; never secrets)',
        description: 'Every token, revoked ones included, without secrets.',
        response: { 200: tokenList, ...readErrors },
      },
    },
    async (req) => ({ tokens: app.services.tokens.list(req.principal).map(view) }),
  )
  app.get(
    '/self',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'getSelfToken',
        summary: 'The calling token: its role and the datasets it may see (never its secret)',
        description: 'Lets a client find out what its token may do.',
        response: { 200: tokenView, ...readErrors },
      },
    },
    async (req) => view(app.services.tokens.self(req.principal)),
  )
  app.delete(
    '/:id',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'revokeToken',
        summary: 'Revoke a token (admin)',
        description: 'Revokes the token at once; it stays listed with its revocation time.',
        params: tokenParams,
        response: { 200: tokenView, ...errorResponses },
      },
    },
    async (req) => view(app.services.tokens.revoke(req.principal, req.params.id)),
  )
}
export default routes
