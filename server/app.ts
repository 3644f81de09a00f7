/**
 * The Fastify application factory. Order: external plugins (security headers, rate limit, load
 * shedding, OpenAPI), then the app's own plugins (services, errors, auth), then the dashboard's
 * static assets at /ui and the routes, one folder per resource. Routes only parse, call a service
 * and shape the reply.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import { randomUUID } from 'node:crypto'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Config } from '../core/config.js'
import { ProblemError, problemBody } from './errors.js'
import { loggerOptions } from './logger.js'
import { Metrics } from './metrics.js'
import helmet from './plugins/external/helmet.js'
import rateLimit from './plugins/external/rate-limit.js'
import dashboard from './plugins/external/static.js'
import swagger from './plugins/external/swagger.js'
import underPressure from './plugins/external/under-pressure.js'
import auth from './plugins/app/auth.js'
import errors from './plugins/app/errors.js'
import servicesPlugin from './plugins/app/services.js'
import datasetRoutes from './routes/datasets/index.js'
import healthRoutes from './routes/health/index.js'
import linkageRoutes from './routes/linkage-runs/index.js'
import ledgerRoutes from './routes/ledger/index.js'
import metricsRoutes from './routes/metrics/index.js'
import queryRoutes from './routes/queries/index.js'
import recordRoutes from './routes/records/index.js'
import sketchRoutes from './routes/sketches/index.js'
import tokenRoutes from './routes/tokens/index.js'
import type { Services } from '../core/index.js'

export interface AppOptions {
  config: Config
  services: Services
  /** The metrics registry; the caller passes the same one to createServices as its scan listener. */
  metrics?: Metrics
  /** The pino logger (built with loggerOptions, so redaction is on); false disables logging. */
  logger?: Logger | false
  /** Skip load shedding and rate limiting (benchmarks of the raw pipeline). */
  disableLimits?: boolean
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: config.jsonBodyLimit,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.idleTimeoutMs,
    genReqId: () => randomUUID(),
    // the onRequest hook below answers with a problem+json instead
    return503OnClosing: false,
    // URLs the router cannot parse (a bad percent-escape, an over-long path segment) get problems too
    frameworkErrors(err, _req, reply) {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400
      void (reply as unknown as FastifyReply)
        .code(status)
        .type('application/problem+json')
        .send(problemBody(status, 'validation-error', status === 414 ? 'a path segment is too long' : 'the URL is malformed'))
    },
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // While the server closes: requests still arriving get a 503 problem (with Retry-After), and
  // answers carry `Connection: close`, so clients do not send another request on a connection that
  // is about to be closed (it would be reset, not answered).
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
    await options.services.stopAccepting()
  })
  app.addHook('onRequest', async () => {
    if (closing) throw new ProblemError(503, 'service-unavailable', 'the server is shutting down; retry later', { retryAfter: 5 })
  })
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close')
  })

  await app.register(servicesPlugin, { services: options.services, config, metrics: options.metrics ?? new Metrics() })
  await app.register(errors)
  await app.register(helmet)
  if (!options.disableLimits) {
    await app.register(rateLimit)
    await app.register(underPressure)
  }
  await app.register(swagger)
  await app.register(auth)

  await app.register(dashboard)
  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  await app.register(tokenRoutes, { prefix: '/v1/tokens' })
  await app.register(datasetRoutes, { prefix: '/v1/datasets' })
  await app.register(ledgerRoutes, { prefix: '/v1/ledger' })
  await app.register(recordRoutes, { prefix: '/v1/datasets' })
  await app.register(sketchRoutes, { prefix: '/v1/datasets' })
  await app.register(queryRoutes, { prefix: '/v1/datasets' })
  await app.register(linkageRoutes, { prefix: '/v1/datasets' })

  app.addHook('onClose', async () => {
    await options.services.close()
  })
  return app as unknown as FastifyInstance
}
