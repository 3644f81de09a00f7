/**
 * GET /health, without authentication: ok (200) or not ok (503), nothing else, so it tells an
 * anonymous caller nothing about the data. With an admin token it also says how many sketches are
 * held in memory, the version and the uptime.
 */
import { VERSION } from '../../../core/version.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problem } from '../../../core/schemas/common.js'
import { ProblemError } from '../../errors.js'
import { bearerPrincipal } from '../../plugins/app/auth.js'

const health = z.object({
  status: z.literal('ok'),
  version: z.string().optional().describe('admin tokens only'),
  uptimeSeconds: z.number().optional().describe('admin tokens only'),
  sketchesLoaded: z.number().int().optional().describe('admin tokens only'),
})

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true, rateLimit: false },
      schema: { tags: ['health'], summary: 'Liveness and database check (no auth: ok or not; an admin token also sees what is loaded)', security: [], response: { 200: health, 503: problem } },
    },
    async (req) => {
      try {
        app.services.ctx.db.prepare('SELECT 1').get()
      } catch {
        throw new ProblemError(503, 'service-unavailable', 'not ok: the database cannot be read')
      }
      if (bearerPrincipal(app, req)?.role !== 'admin') return { status: 'ok' as const }
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
