import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { createdToken, createTokenBody, tokenList, tokenParams, tokenView as tokenViewSchema } from '../../../core/schemas/tokens.js'
import { createTokenInput, tokenView } from '../../../core/requests.js'
import { errorResponses, readErrors } from '../../errors.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'createToken',
        summary: 'Create a token (admin); the secret is shown once. Analyst tokens may be limited to datasets, each with an ε quota',
        description: 'Creates an admin or analyst token, optionally limited to some datasets (each with an optional ε quota). Only a hash of the secret is stored.',
        body: createTokenBody,
        response: { 201: createdToken, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { token, secret } = await app.services.tokens.create(req.principal, createTokenInput(req.body))
      return reply.code(201).send({ ...tokenView(token), token: secret })
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
    async (req) => ({ tokens: app.services.tokens.list(req.principal).map(tokenView) }),
  )
  app.get(
    '/self',
    {
      schema: {
        tags: ['tokens'],
        operationId: 'getSelfToken',
        summary: 'The calling token: its role and the datasets it may see (never its secret)',
        description: 'Lets a client find out what its token may do.',
        response: { 200: tokenViewSchema, ...readErrors },
      },
    },
    async (req) => tokenView(app.services.tokens.self(req.principal)),
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
        response: { 200: tokenViewSchema, ...errorResponses },
      },
    },
    async (req) => tokenView(await app.services.tokens.revoke(req.principal, req.params.id)),
  )
}
export default routes
