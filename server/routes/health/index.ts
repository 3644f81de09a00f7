/**
 * GET /health, without authentication: ok (200) or not ok (503), nothing else, so it tells an
 * anonymous caller nothing about the data. With an admin token it also says how many sketches are
 * held in memory, the version and the uptime.
 */
import { VERSION } from '../../../core/version.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { storeFiles } from '../../../db/database.js'
import { ProblemError, problemSchema } from '../../errors.js'
import { bearerPrincipal } from '../../plugins/app/auth.js'

const health = z
  .object({
    status: z.literal('ok').describe('always "ok" when the server answers'),
    version: z.string().optional().describe('the server version (admin tokens only)'),
    uptimeSeconds: z.number().optional().describe('seconds since the process started (admin tokens only)'),
    sketchesLoaded: z.number().int().optional().describe('sketches held in memory (admin tokens only)'),
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
        summary: 'Liveness and database check (no auth: ok or not; an admin token also sees what is loaded)',
        description:
          'Answers 200 when the server is up and its database answers, 503 otherwise (also when the database files were deleted or replaced under the server). Needs no token; with an admin token it also gives the version, the uptime and the sketches loaded.',
        security: [],
        response: { 200: health, 500: problemSchema, 503: problemSchema },
      },
    },
    async (req) => {
      const { db } = app.services.ctx
      try {
        db.prepare('SELECT 1').get()
      } catch {
        throw new ProblemError(503, 'service-unavailable', 'not ok: the database cannot be read')
      }
      const lost = storeFiles(db)?.check() ?? null
      if (lost !== null) throw new ProblemError(503, 'service-unavailable', `not ready: ${lost}; restart the server on an intact database`, { retryAfter: 60 })
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
