/**
 * The local backend: the service layer on a database file, as the local operator (admin). It
 * validates inputs with the same zod schemas as the HTTP routes and calls the services the same
 * way the routes do, so a command behaves identically with `--db` and with `--url`.
 */
import { existsSync } from 'node:fs'
import type { z } from 'zod'
import { openDatabase, type Db } from '../db/database.js'
import { EpsilonError, parseEpsilon } from '../privacy/epsilon.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { BitParseError } from '../sketch/bits.js'
import { loadConfig, type Config } from '../core/config.js'
import { storeFailure } from '../core/store-errors.js'
import { ScanClosingError, ScanOverloadError } from '../scan/errors.js'
import { createDatasetBody } from '../core/schemas/datasets.js'
import { queryBody } from '../core/schemas/queries.js'
import { estimateBody, sketchBody } from '../core/schemas/sketches.js'
import { createTokenBody } from '../core/schemas/tokens.js'
import { repositories, silentLog } from '../core/context.js'
import { summarize } from '../core/datasets.js'
import { createServices, type Services } from '../core/index.js'
import { localOperator } from '../core/principal.js'
import type { ParsedRecord } from '../ingest/index.js'
import { RecordFormatError } from '../ingest/index.js'
import type { SketchRequest } from '../core/sketches.js'
import type { LinkageOptions, LinkageResultPair, LinkageRunView } from '../core/linkage.js'
import { createDatasetInput, createTokenInput, datasetDetail, parseQueryBits, queryRequest, sketchRequest, tokenView } from '../core/requests.js'
import {
  BackendError,
  type Backend,
  type BudgetView,
  type CreateDatasetBody,
  type CreateTokenBody,
  type CreatedToken,
  type DatasetDetail,
  type DatasetSummary,
  type EstimateBody,
  type IdentityLedgers,
  type LoadResult,
  type QueryBody,
  type QueryResponse,
  type SketchBody,
  type SketchEstimate,
  type SketchView,
  type TokenView,
} from './backend.js'

const PROGRESS_POLL_MS = 200

export interface LocalOptions {
  /** Database file. */
  path: string
  /** False: refuse to create a database that does not exist yet (read commands on a wrong path). */
  create: boolean
  /** Environment for the remaining settings (DPDIST_MAX_EPSILON, DPDIST_WORKERS, ...). */
  env?: Record<string, string | undefined>
}

/**
 * Server settings that also bind the local operator (the per-release ε cap, worker threads, batch
 * size), read from the environment as the server reads them. Server-only settings (host, port,
 * admin token, log level) are left out so that they cannot make a local command fail.
 */
export function localConfig(path: string, env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('DPDIST_') && key !== 'DPDIST_ADMIN_TOKEN' && key !== 'DPDIST_URL' && key !== 'DPDIST_TOKEN') picked[key] = value
  }
  picked.DPDIST_DB = path
  return loadConfig(picked)
}

export function openLocalBackend(options: LocalOptions): LocalBackend {
  if (!options.create && options.path !== ':memory:' && !existsSync(options.path)) {
    throw new BackendError(`no database at ${options.path}: pass --db PATH (or set DPDIST_DB), or --url to use a server`, 0, 'not-found')
  }
  const config = localConfig(options.path, options.env)
  const db = openDatabase(config.dbPath)
  const services = createServices({ ...repositories(db), config, noise: productionNoiseSource(), log: silentLog }, { retryCleanups: false })
  return new LocalBackend(db, config, services)
}

/** The body after the route's schema (defaults applied), or the route's 400 message. */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BackendError(`/${issue.path.join('/')}: ${issue.message}`, 0, 'validation-error')
  }
  return parsed.data
}

/** Core errors as BackendErrors (the same code and message the server would send; no HTTP status locally). */
function translate(err: unknown): unknown {
  const domain = storeFailure(err)
  if (domain) return new BackendError(domain.message, 0, domain.code)
  if (err instanceof RecordFormatError) return new BackendError(err.message, 0, 'invalid-records')
  if (err instanceof EpsilonError || err instanceof BitParseError) return new BackendError(err.message, 0, 'validation-error')
  if (err instanceof ScanOverloadError) return new BackendError(err.message, 0, 'overloaded')
  if (err instanceof ScanClosingError) return new BackendError(err.message, 0, 'service-unavailable')
  return err
}

export class LocalBackend implements Backend {
  readonly mode = 'local' as const
  #sketchesLoaded = false
  readonly where: string

  constructor(
    readonly db: Db,
    readonly config: Config,
    readonly services: Services,
  ) {
    this.where = config.dbPath
  }

  async #run<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw translate(err)
    }
  }

  #dataset(name: string) {
    return this.services.datasets.get(localOperator, name)
  }

  #sketchRequest(body: z.output<typeof sketchBody>): SketchRequest {
    return sketchRequest(body, this.config.maxEpsilonMicro)
  }

  createDataset(input: CreateDatasetBody): Promise<DatasetSummary> {
    return this.#run(async () => {
      const created = await this.services.datasets.create(localOperator, createDatasetInput(validate(createDatasetBody, input)))
      return summarize(created)
    })
  }

  listDatasets(): Promise<DatasetSummary[]> {
    return this.#run(() => this.services.datasets.list(localOperator).map(summarize))
  }

  getDataset(name: string): Promise<DatasetDetail> {
    return this.#run(() => datasetDetail(this.services, this.#dataset(name)))
  }

  deleteDataset(name: string): Promise<void> {
    // the rows go in chunks of short transactions (a server on the same file keeps its lock waits
    // short); the command waits for the end (if it fails, the next process to open the file finishes)
    return this.#run(async () => {
      const { finished } = await this.services.datasets.delete(localOperator, name)
      await finished
    })
  }

  load(name: string, _bits: number, batches: AsyncIterable<ParsedRecord[]>, onProgress?: (loaded: number) => void): Promise<LoadResult> {
    return this.#run(() => this.services.datasets.load(localOperator, name, batches, onProgress))
  }

  /** Ready sketches are read into memory on first use only (most commands never scan). */
  #loadSketches(): void {
    if (this.#sketchesLoaded) return
    this.services.sketches.loadAll()
    this.#sketchesLoaded = true
  }

  startLink(name: string, _bits: number, batches: AsyncIterable<ParsedRecord[]>, options: LinkageOptions): Promise<LinkageRunView> {
    this.#loadSketches()
    return this.#run(() => this.services.linkage.create(localOperator, this.#dataset(name), batches, options))
  }

  waitForLink(name: string, id: string, onProgress?: (view: LinkageRunView) => void): Promise<LinkageRunView> {
    return this.#run(async () => {
      for (;;) {
        const view = this.services.linkage.get(localOperator, this.#dataset(name), id)
        onProgress?.(view)
        if (view.status === 'completed' || view.status === 'failed') return view
        await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS))
      }
    })
  }

  linkResult(name: string, id: string): Promise<LinkageResultPair[]> {
    return this.#run(() => [...this.services.linkage.result(localOperator, this.#dataset(name), id)])
  }

  estimateSketch(name: string, input: EstimateBody): Promise<SketchEstimate> {
    return this.#run(() => {
      const body = validate(estimateBody, input)
      return this.services.sketches.estimate(this.#dataset(name), this.#sketchRequest(body), body.targetSd)
    })
  }

  buildSketch(name: string, input: SketchBody): Promise<SketchView> {
    return this.#run(() => {
      const body = validate(sketchBody, input)
      return this.services.sketches.build(localOperator, this.#dataset(name), this.#sketchRequest(body))
    })
  }

  getSketch(name: string, id: string): Promise<SketchView> {
    return this.#run(() => this.services.sketches.get(this.#dataset(name), id))
  }

  listSketches(name: string): Promise<SketchView[]> {
    return this.#run(() => this.services.sketches.list(this.#dataset(name)))
  }

  /** Waits for the in-process build (services.sketches.whenDone), polling the stored progress. */
  waitForSketch(name: string, id: string, onProgress?: (done: number, total: number) => void): Promise<SketchView> {
    return this.#run(async () => {
      const dataset = this.#dataset(name)
      let finished = false
      const done = this.services.sketches.whenDone(id).then(() => {
        finished = true
      })
      while (!finished) {
        const view = this.services.sketches.get(dataset, id)
        onProgress?.(view.progress, view.records)
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS))])
      }
      const view = this.services.sketches.get(dataset, id)
      if (view.status === 'ready') onProgress?.(view.records, view.records)
      return view
    })
  }

  query(name: string, input: QueryBody): Promise<QueryResponse> {
    return this.#run(async () => {
      const body = validate(queryBody, input)
      const d = this.#dataset(name)
      this.#loadSketches()
      const { query, ...options } = body
      return this.services.queries.query(localOperator, d, queryRequest(options, parseQueryBits(query, body.encoding, d.bits), this.config.maxEpsilonMicro))
    })
  }

  budget(name: string): Promise<BudgetView> {
    return this.#run(() => this.services.budget.view(localOperator, this.#dataset(name)))
  }

  ledgers(name: string, deletedOnly: boolean): Promise<IdentityLedgers> {
    return this.#run(() => ({ datasets: this.services.budget.ledgers(localOperator, name, deletedOnly) }))
  }

  setBudget(name: string, epsilonBudget: string): Promise<BudgetView> {
    return this.#run(() => this.services.budget.setBudget(localOperator, this.#dataset(name), parseEpsilon(epsilonBudget)))
  }

  createToken(input: CreateTokenBody): Promise<CreatedToken> {
    return this.#run(async () => {
      const body = validate(createTokenBody, input)
      const { token, secret } = await this.services.tokens.create(localOperator, createTokenInput(body))
      return { ...tokenView(token), token: secret }
    })
  }

  listTokens(): Promise<TokenView[]> {
    return this.#run(() => this.services.tokens.list(localOperator).map(tokenView))
  }

  revokeToken(id: string): Promise<TokenView> {
    return this.#run(async () => tokenView(await this.services.tokens.revoke(localOperator, id)))
  }

  async close(): Promise<void> {
    await this.services.close({ finishCleanups: true })
    this.db.close()
  }
}
