/**
 * Starts dpdist: open (and migrate) the database, make sure an admin token exists, load ready
 * sketches into memory, build the app and listen. Used by `npm start` and `dpdist serve`.
 */
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { openDatabase } from '../db/database.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { nativeCountFilterModule } from '../sketch/kernels/native-count-filter.js'
import { buildApp } from './app.js'
import type { Config } from '../core/config.js'
import { loggerOptions } from './logger.js'
import { Metrics } from './metrics.js'
import { repositories } from '../core/context.js'
import { createServices, type Services } from '../core/index.js'

export interface Running {
  app: FastifyInstance
  services: Services
  url: string
  close(): Promise<void>
}

export async function start(config: Config, logger: Logger = pino(loggerOptions(config.logLevel))): Promise<Running> {
  const db = openDatabase(config.dbPath, { busyTimeoutMs: config.busyTimeoutMs })
  const metrics = new Metrics()
  const services = createServices({ ...repositories(db), config, noise: productionNoiseSource(), log: logger }, { onScan: (records, seconds) => metrics.observeScan(records, seconds) })
  const { generated } = await services.tokens.bootstrap()
  if (generated) {
    // Printed once, to the terminal only (never to the log): only its hash is stored.
    process.stdout.write(
      `\nGenerated an admin token (shown once; set DPDIST_ADMIN_TOKEN to choose your own):\n\n  ${generated}\n\n`,
    )
  }
  const loaded = services.sketches.loadAll()
  logger.info({ sketches: loaded.sketches, bytes: loaded.bytes, ms: loaded.ms }, 'sketches loaded into memory')
  // Which inner loop scans use (the answers are the same either way; the speed is not).
  const native = nativeCountFilterModule()
  logger.info({ countFilter: native === null ? 'webassembly' : `native ${native.path}` }, 'sketch scans count with this filter')
  const app = await buildApp({ config, services, metrics, logger })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    // Requests in flight when closing begins are answered, but their keep-alive connections stay
    // open afterwards and the server would wait for them until the grace delay runs out: close
    // each connection as soon as it has no request in progress.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
    try {
      await app.close()
    } finally {
      clearInterval(sweep)
    }
    db.close()
  }
  try {
    const url = await app.listen({ host: config.host, port: config.port })
    // uploads and deletions that a dead process left unfinished, then every 30 s
    services.janitor.start()
    return { app, services, url, close }
  } catch (err) {
    await close()
    throw err
  }
}
