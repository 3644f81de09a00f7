/** Decorates the instance with the service layer and the metrics registry. */
import fp from 'fastify-plugin'
import type { Config } from '../../../core/config.js'
import { Metrics } from '../../metrics.js'
import type { Services } from '../../../core/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    config: Config
    metrics: Metrics
  }
}

export default fp<{ services: Services; config: Config }>(async (app, opts) => {
  app.decorate('services', opts.services)
  app.decorate('config', opts.config)
  app.decorate('metrics', new Metrics())
  opts.services.queries.onScan((records, seconds) => app.metrics.observeScan(records, seconds))
  app.addHook('onResponse', async (req, reply) => {
    app.metrics.countRequest(req.method, (req.routeOptions.url ?? 'unmatched').replaceAll('::', ':'), reply.statusCode)
  })
})
