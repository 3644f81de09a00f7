import { VERSION } from '../../../core/version.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const health = z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number(), sketchesLoaded: z.number().int() })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    { config: { public: true, rateLimit: false }, schema: { tags: ['health'], summary: 'Liveness and database check (no auth)', security: [], response: { 200: health } } },
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
