import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { epsilonFromMicro } from '../../../privacy/epsilon.js'
import { renderMetrics } from '../../metrics.js'
import { requireAdmin } from '../../../core/principal.js'
import { problemSchema } from '../../errors.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (admin)',
        description: 'Request counts and latencies, scan pool queue depth, sketches in memory and ε spent per dataset, in the Prometheus text format.',
        contract: {
          responses: {
            200: {
              description: 'Prometheus text exposition format 0.0.4',
              content: { 'text/plain': { schema: z.string().describe('Prometheus text exposition format 0.0.4') } },
            },
          },
        },
        response: { 401: problemSchema, 403: problemSchema, 429: problemSchema, 500: problemSchema, 503: problemSchema },
      },
    },
    async (req, reply) => {
      requireAdmin(req.principal)
      const stats = app.services.sketches.registry.stats()
      const text = renderMetrics(app.metrics, {
        sketchesLoaded: stats.sketches,
        sketchBytes: stats.bytes,
        poolQueueDepth: app.services.queries.queueDepth(),
        epsilonSpent: app.services.ctx.datasets.list().map((d) => ({
          dataset: d.name,
          spent: epsilonFromMicro(d.spentMicro),
          budget: epsilonFromMicro(d.budgetMicro),
        })),
      })
      // text, not a serialised object (the 200 is documented in `contract`)
      return reply.type('text/plain; version=0.0.4').send(text as never)
    },
  )
}
export default routes
