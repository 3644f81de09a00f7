/**
 * What a `dpdist` command talks to. Two implementations share this interface and the HTTP API's
 * JSON shapes (the zod schemas in core/schemas are the single source of both):
 * - local (cli/local-backend.ts): the service layer on a database file, acting as the local
 *   operator (admin: whoever holds the database file owns it);
 * - remote (cli/http-backend.ts): the HTTP API of a running server, with a bearer token.
 * Commands parse their flags, call one or two methods and print the result; they never know which
 * backend they have.
 */
import type { z } from 'zod'
import type { budgetView, identityLedgers } from '../core/schemas/budget.js'
import type { createDatasetBody, datasetDetail, datasetSummary } from '../core/schemas/datasets.js'
import type { queryBody, queryResponse } from '../core/schemas/queries.js'
import type { loadResult } from '../core/schemas/records.js'
import type { estimateBody, sketchBody, sketchEstimate, sketchView } from '../core/schemas/sketches.js'
import type { createTokenBody, createdToken, tokenView } from '../core/schemas/tokens.js'
import type { ParsedRecord } from '../ingest/index.js'
import type { LinkageOptions, LinkageResultPair, LinkageRunView } from '../core/linkage.js'

export type CreateDatasetBody = z.input<typeof createDatasetBody>
export type DatasetSummary = z.output<typeof datasetSummary>
export type DatasetDetail = z.output<typeof datasetDetail>
export type LoadResult = z.output<typeof loadResult>
export type SketchBody = z.input<typeof sketchBody>
export type EstimateBody = z.input<typeof estimateBody>
export type SketchEstimate = z.output<typeof sketchEstimate>
export type SketchView = z.output<typeof sketchView>
export type QueryBody = z.input<typeof queryBody>
export type QueryResponse = z.output<typeof queryResponse>
export type BudgetView = z.output<typeof budgetView>
export type IdentityLedgers = z.output<typeof identityLedgers>
export type CreateTokenBody = z.input<typeof createTokenBody>
export type TokenView = z.output<typeof tokenView>
export type CreatedToken = z.output<typeof createdToken>

export interface Backend {
  readonly mode: 'local' | 'remote'
  /** The database path or the server URL, for messages. */
  readonly where: string

  createDataset(body: CreateDatasetBody): Promise<DatasetSummary>
  listDatasets(): Promise<DatasetSummary[]>
  getDataset(name: string): Promise<DatasetDetail>
  deleteDataset(name: string): Promise<void>
  /**
   * Loads parsed records, all or nothing: when `batches` throws (a malformed line) or the store
   * refuses a record, nothing of this load is kept. `onProgress` receives the records handed over.
   */
  load(name: string, bits: number, batches: AsyncIterable<ParsedRecord[]>, onProgress?: (loaded: number) => void): Promise<LoadResult>

  estimateSketch(name: string, body: EstimateBody): Promise<SketchEstimate>
  /** Charges ε and starts the build; returns the queued job. */
  buildSketch(name: string, body: SketchBody): Promise<SketchView>
  getSketch(name: string, id: string): Promise<SketchView>
  listSketches(name: string): Promise<SketchView[]>
  /** Resolves with the final view (ready or failed), reporting progress (records done) meanwhile. */
  waitForSketch(name: string, id: string, onProgress?: (done: number, total: number) => void): Promise<SketchView>

  /** Uploads the other party's records and starts a linkage run (free). */
  startLink(name: string, bits: number, batches: AsyncIterable<ParsedRecord[]>, options: LinkageOptions): Promise<LinkageRunView>
  /** Resolves with the final view (completed or failed), reporting the run's view meanwhile. */
  waitForLink(name: string, id: string, onProgress?: (view: LinkageRunView) => void): Promise<LinkageRunView>
  linkResult(name: string, id: string): Promise<LinkageResultPair[]>

  query(name: string, body: QueryBody): Promise<QueryResponse>
  budget(name: string): Promise<BudgetView>
  setBudget(name: string, epsilonBudget: string): Promise<BudgetView>
  /** The ledgers of every dataset that bore the name (admin); deletedOnly: of deleted ones only. */
  ledgers(name: string, deletedOnly: boolean): Promise<IdentityLedgers>

  createToken(body: CreateTokenBody): Promise<CreatedToken>
  listTokens(): Promise<TokenView[]>
  revokeToken(id: string): Promise<TokenView>

  close(): Promise<void>
}

/** A problem reported by the backend (problem+json `detail` remotely, the service's message locally). */
export class BackendError extends Error {
  constructor(
    message: string,
    /** The HTTP status of the server's answer; 0 when there was none (a local command, or no server reached). */
    readonly status: number,
    /** Problem type code, e.g. `budget-exhausted`. */
    readonly code: string,
  ) {
    super(message)
    this.name = 'BackendError'
  }
}
