import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { storeFiles } from '../../../db/database.js'
import { problem } from '../../../core/schemas/common.js'
import { ProblemError } from '../../errors.js'

const health = z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number(), sketchesLoaded: z.number().int() })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'Liveness and database check (no auth): 503 when the database cannot be read, or its files were deleted or replaced under the server',
        security: [],
        response: { 200: health, 503: problem },
      },
    },
    async () => {
      const { db } = app.services.ctx
      db.prepare('SELECT 1').get()
      const lost = storeFiles(db)?.check() ?? null
      if (lost !== null) throw new ProblemError(503, 'service-unavailable', `not ready: ${lost}; restart the server on an intact database`, { retryAfter: 60 })
      return {
        status: 'ok' as const,
        version: '0.1.0',
        uptimeSeconds: Math.round(process.uptime()),
        sketchesLoaded: app.services.sketches.registry.stats().sketches,
      }
    },
  )
}
export default routes
