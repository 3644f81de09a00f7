import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { epsilonFromMicro } from '../../../privacy/epsilon.js'
import { renderMetrics } from '../../metrics.js'
import { requireAdmin } from '../../../core/principal.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics (admin)' } }, async (req, reply) => {
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
    return reply.type('text/plain; version=0.0.4').send(text)
  })
}
export default routes
