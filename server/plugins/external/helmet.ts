import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

/** Security headers. The API serves JSON only; Swagger UI at /docs needs its inline assets. */
export default fp(async (app) => {
  await app.register(helmet, { contentSecurityPolicy: false, global: true })
})
