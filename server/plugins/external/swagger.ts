import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { VERSION } from '../../../core/version.js'
import { openapiContract } from '../../openapi-contract.js'

export const openapiInfo = {
  title: 'dpdist',
  version: VERSION,
  description:
    'Differentially private Hamming and edit distance queries over databases of bit strings. ' +
    'Neighbouring databases differ in at most unitBits bit positions of one record; every release is pure ε-DP. ' +
    'Every error is an RFC 7807 problem (application/problem+json) with a stable `type`.',
  license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
}

export const openapiTags = [
  { name: 'health', description: 'Liveness and metrics' },
  { name: 'tokens', description: 'Bearer tokens: admin and analyst roles, optionally limited to datasets' },
  { name: 'datasets', description: 'Datasets of fixed-length bit strings with an ε budget' },
  { name: 'records', description: 'Record uploads (all or nothing)' },
  { name: 'budget', description: 'The ε budget and its append-only ledger' },
  { name: 'sketches', description: 'Private sketches: ε is charged once, at build; queries on them are free' },
  { name: 'queries', description: 'Distance and similarity estimates with confidence intervals' },
  { name: 'linkage', description: 'Private record linkage runs against a sketch (free: post-processing)' },
]

/**
 * OpenAPI document from the zod schemas (and the routes' `contract`, server/openapi-contract.ts);
 * Swagger UI at /docs. The server URL is relative, so "Try it out" calls the host and port the
 * page was loaded from.
 */
export default fp(async (app) => {
  const { transform, transformObject } = openapiContract()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openapiInfo,
      servers: [{ url: '/', description: 'the server that serves this document' }],
      tags: openapiTags,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from `dpdist token create` or POST /v1/tokens' } } },
      security: [{ bearer: [] }],
    },
    transform,
    transformObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
})
