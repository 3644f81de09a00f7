/**
 * A real app on a real SQLite file in a temp folder, for inject tests. Logs are captured line by
 * line so tests can check that no bits ever reach them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { openDatabase, type Db } from '../../db/database.js'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { productionNoiseSource } from '../../privacy/noise-source.js'
import { buildApp } from '../../server/app.js'
import { loadConfig, type Config } from '../../core/config.js'
import { loggerOptions } from '../../server/logger.js'
import { Metrics } from '../../server/metrics.js'
import { repositories } from '../../core/context.js'
import { createServices, type Services } from '../../core/index.js'

export const ADMIN = 'test-admin-token-0123456789abcdef'

export interface TestApp {
  app: FastifyInstance
  services: Services
  db: Db
  config: Config
  dir: string
  logLines: string[]
  /** inject with the admin token unless headers.authorization is given. */
  request(opts: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export interface TestAppOptions {
  env?: Record<string, string>
  noise?: NoiseSource
  disableLimits?: boolean
  dir?: string
}

export function tempDir(prefix = 'dpdist-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? tempDir()
  const config = loadConfig({
    DPDIST_DB: join(dir, 'dpdist.db'),
    DPDIST_ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'info',
    // Event-loop shedding off unless a test asks for it: on a loaded CI machine a test process's own
    // start-up can stall its loop past a second and every request would get 503.
    DPDIST_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...options.env,
  })
  const db = openDatabase(config.dbPath, { busyTimeoutMs: config.busyTimeoutMs })
  const logLines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean))
      cb()
    },
  })
  const logger = pino(loggerOptions(config.logLevel), sink)
  const metrics = new Metrics()
  const services = createServices({ ...repositories(db), config, noise: options.noise ?? productionNoiseSource(), log: logger }, { onScan: (records, seconds) => metrics.observeScan(records, seconds) })
  await services.tokens.bootstrap()
  services.sketches.loadAll()
  const app = await buildApp({ config, services, metrics, logger, disableLimits: options.disableLimits })
  await app.ready()
  return {
    app,
    services,
    db,
    config,
    dir,
    logLines,
    request({ token, ...opts }) {
      const headers = { ...(opts.headers ?? {}) } as Record<string, string>
      if (token !== null && headers.authorization === undefined) headers.authorization = `Bearer ${token ?? ADMIN}`
      return app.inject({ ...opts, headers })
    },
    async close() {
      await app.close()
      db.close()
      if (!options.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A stable fingerprint of every table, to assert that a failed request changed nothing. */
export function dbSnapshot(db: Db): string {
  const tables = ['datasets', 'records', 'tokens', 'ledger', 'sketches', 'sketch_chunks']
  return tables
    .map((t) => {
      const rows = db.prepare(`SELECT * FROM ${t}`).raw().all() as unknown[][]
      return `${t}:${JSON.stringify(rows, (_k, v) => (v instanceof Buffer ? v.toString('hex') : v))}`
    })
    .join('\n')
}
