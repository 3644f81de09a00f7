import { VERSION } from '../../../core/version.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemSchema } from '../../errors.js'

const health = z
  .object({
    status: z.literal('ok').describe('always "ok" when the server answers'),
    version: z.string().describe('the server version'),
    uptimeSeconds: z.number().describe('seconds since the process started'),
    sketchesLoaded: z.number().int().describe('sketches held in memory'),
  })
  .meta({ id: 'Health' })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness and database check (no auth)',
        description: 'Answers 200 when the server is up and its database answers. Needs no token and is not rate limited.',
        security: [],
        response: { 200: health, 500: problemSchema, 503: problemSchema },
      },
    },
    async () => {
      app.services.ctx.db.prepare('SELECT 1').get()
      return {
        status: 'ok' as const,
        version: VERSION,
        uptimeSeconds: Math.round(process.uptime()),
        sketchesLoaded: app.services.sketches.registry.stats().sketches,
      }
    },
  )
}
export default routes
