import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { VERSION } from '../../../core/version.js'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

export const openapiInfo = {
  title: 'dpdist',
  version: VERSION,
  description:
    'Differentially private Hamming and edit distance queries over databases of bit strings. ' +
    'Neighbouring databases differ in at most unitBits bit positions of one record; every release is pure ε-DP.',
}

/** OpenAPI document from the zod schemas; Swagger UI at /docs. */
export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openapiInfo,
      servers: [{ url: 'http://127.0.0.1:8080' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
})
