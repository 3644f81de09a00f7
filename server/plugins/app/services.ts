/** Decorates the instance with the application core and the metrics registry (both built by the caller). */
import fp from 'fastify-plugin'
import type { Config } from '../../../core/config.js'
import type { Metrics } from '../../metrics.js'
import type { Services } from '../../../core/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    config: Config
    metrics: Metrics
  }
}

export default fp<{ services: Services; config: Config; metrics: Metrics }>(async (app, opts) => {
  app.decorate('services', opts.services)
  app.decorate('config', opts.config)
  app.decorate('metrics', opts.metrics)
  app.addHook('onResponse', async (req, reply) => {
    app.metrics.countRequest(req.method, (req.routeOptions.url ?? 'unmatched').replaceAll('::', ':'), reply.statusCode)
  })
})
