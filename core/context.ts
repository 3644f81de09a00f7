/** Everything a service needs, built once per process (server or local CLI). */
import { retryBusy } from '../db/busy.js'
import type { Db } from '../db/database.js'
import { DatasetRepository } from '../db/datasets.js'
import { Ledger } from '../db/ledger.js'
import { LinkageRepository } from '../db/linkage.js'
import { SketchRepository } from '../db/sketches.js'
import { TokenRepository } from '../db/tokens.js'
import type { NoiseSource } from '../privacy/noise-source.js'
import type { Config } from './config.js'

/** The subset of pino's logger the services use. */
export interface Log {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface Repositories {
  db: Db
  datasets: DatasetRepository
  tokens: TokenRepository
  ledger: Ledger
  sketches: SketchRepository
  linkage: LinkageRepository
}

export interface ServiceContext extends Repositories {
  config: Config
  noise: NoiseSource
  log: Log
}

export function repositories(db: Db): Repositories {
  return {
    db,
    datasets: new DatasetRepository(db),
    tokens: new TokenRepository(db),
    ledger: new Ledger(db),
    sketches: new SketchRepository(db),
    linkage: new LinkageRepository(db),
  }
}

export const silentLog: Log = { info() {}, warn() {}, error() {} }

/**
 * Runs a write on the service's connection, retrying it asynchronously while another connection
 * holds the lock (db/busy.ts), for at most the configured lock wait; then StoreBusyError (a 503).
 */
export function write<T>(ctx: Pick<ServiceContext, 'config'>, fn: () => T): Promise<T> {
  return retryBusy(fn, ctx.config.lockWaitMs)
}
