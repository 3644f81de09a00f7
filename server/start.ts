/**
 * Starts dpdist: open (and migrate) the database, make sure an admin token exists, load ready
 * sketches into memory, build the app and listen. Used by `npm start` and `dpdist serve`.
 */
import { rmSync, writeFileSync } from 'node:fs'
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

/** How often memory held for deleted or changed datasets is released (Services.evictStale). */
const EVICT_MS = 2000

/** Where a generated admin token is written when stdout is not a terminal: beside the database. */
function adminTokenPath(dbPath: string): string {
  return `${dbPath}.admin-token`
}

/**
 * Hands the generated admin token over once. On a terminal it is printed. Otherwise stdout is
 * usually collected into logs (containers, services), so it goes to a file only its owner can
 * read, and the log says only where that file is. Only the token's hash is stored in the database.
 */
function handOver(secret: string, config: Config, logger: Logger): void {
  if (process.stdout.isTTY || config.dbPath === ':memory:') {
    process.stdout.write(`\nGenerated an admin token (shown once; set DPDIST_ADMIN_TOKEN to choose your own):\n\n  ${secret}\n\n`)
    return
  }
  const path = adminTokenPath(config.dbPath)
  rmSync(path, { force: true })
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  logger.warn({ path }, 'generated an admin token and wrote it to this file (mode 0600): read it, store it safely and delete the file; set DPDIST_ADMIN_TOKEN to choose your own')
}

/** The longest the start waits for the cleanups a dead process left (chunked, off the event loop). */
const START_CLEANUP_WAIT_MS = 60_000

export interface Running {
  app: FastifyInstance
  services: Services
  url: string
  close(): Promise<void>
}

export async function start(config: Config, logger: Logger = pino(loggerOptions(config.logLevel))): Promise<Running> {
  // Which inner loop scans use (the answers are the same either way; the speed is not). Checked
  // before the database opens: a DPDIST_NATIVE_PATH this CPU cannot run stops the start here.
  const native = nativeCountFilterModule()
  const db = openDatabase(config.dbPath, { busyTimeoutMs: config.busyTimeoutMs })
  const metrics = new Metrics()
  const services = createServices({ ...repositories(db), config, noise: productionNoiseSource(), log: logger }, { onScan: (records, seconds) => metrics.observeScan(records, seconds) })
  const { generated } = await services.tokens.bootstrap()
  if (generated) handOver(generated, config, logger)
  const loaded = services.sketches.loadAll()
  logger.info({ sketches: loaded.sketches, bytes: loaded.bytes, ms: loaded.ms }, 'sketches loaded into memory')
  logger.info({ countFilter: native === null ? 'webassembly' : `native ${native.path}` }, 'sketch scans count with this filter')
  const app = await buildApp({ config, services, metrics, logger })
  const evict = setInterval(() => {
    try {
      services.evictStale()
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'could not check cached datasets against the database')
    }
  }, EVICT_MS)
  evict.unref()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    clearInterval(evict)
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
    // uploads and deletions that a dead process left unfinished (then every 30 s): their rows and
    // the bits in the -wal go before the server answers, unless a full disk holds them up
    services.janitor.start()
    if (!(await services.janitor.idle(START_CLEANUP_WAIT_MS))) logger.warn({ waitedMs: START_CLEANUP_WAIT_MS }, 'start-up cleanups still running; serving meanwhile')
    const url = await app.listen({ host: config.host, port: config.port })
    return { app, services, url, close }
  } catch (err) {
    await close()
    throw err
  }
}
