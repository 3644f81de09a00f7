/**
 * The remote backend: the HTTP API of a dpdist server (openapi.yaml) with a bearer token. Errors come
 * back as problem+json; their `detail` becomes the BackendError message.
 *
 * Record loads are one streamed request, so the server's all-or-nothing guarantee covers the whole
 * file: the CLI parses the file locally (exact line numbers in messages, bounded memory) and
 * re-encodes the records on the fly, as packed octet-stream when they have no ids, otherwise as
 * NDJSON with base64 bits. If the local parser fails midway the request is aborted before its end,
 * so the server discards everything it received.
 */
import { Buffer } from 'node:buffer'
import { bytesFor } from '../sketch/bits.js'
import type { LinkageOptions, LinkageResultPair, LinkageRunView } from '../core/linkage.js'
import type { ParsedRecord } from '../ingest/index.js'
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

const POLL_MS = 250
/** Attempts of a request the server refused with 503 `overloaded` (a refusal before any work). */
const OVERLOAD_ATTEMPTS = 3
const MAX_RETRY_AFTER_S = 10

export interface HttpOptions {
  url: string
  token: string
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch
}

interface RequestOptions {
  json?: unknown
  body?: AsyncIterable<Uint8Array>
  headers?: Record<string, string>
}

const seg = encodeURIComponent

export class HttpBackend implements Backend {
  readonly mode = 'remote' as const
  readonly where: string
  readonly #token: string
  readonly #fetch: typeof fetch

  constructor(options: HttpOptions) {
    let base: URL
    try {
      base = new URL(options.url)
    } catch {
      throw new BackendError('--url must be an absolute http(s) URL', 400, 'validation-error')
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new BackendError('--url must be an http or https URL', 400, 'validation-error')
    this.where = base.href.replace(/\/+$/, '')
    this.#token = options.token
    this.#fetch = options.fetch ?? fetch
  }

  /**
   * One API call. A 503 `overloaded` (load shedding or a full scan queue) is refused before the
   * request is handled, so nothing was charged or stored: requests with a JSON or empty body are
   * retried after the server's Retry-After (capped), up to OVERLOAD_ATTEMPTS in all. A streamed
   * upload cannot be replayed and is not retried.
   */
  async #request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#requestOnce<T>(method, path, options)
      } catch (err) {
        const retryAfter = err instanceof OverloadedError ? err.retryAfterSeconds : null
        if (retryAfter === null || options.body !== undefined || attempt >= OVERLOAD_ATTEMPTS) throw err
        await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(MAX_RETRY_AFTER_S, retryAfter)))
      }
    }
  }

  async #requestOnce<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json', ...options.headers }
    const init: RequestInit & { duplex?: 'half' } = { method, headers }
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(options.json)
    } else if (options.body !== undefined) {
      init.body = options.body as unknown as RequestInit['body']
      init.duplex = 'half'
    }
    let response: Response
    try {
      response = await this.#fetch(`${this.where}${path}`, init)
    } catch (err) {
      throw new BackendError(`cannot reach ${this.where}: ${networkReason(err)}`, 0, 'unreachable')
    }
    const text = await response.text()
    if (!response.ok) throw problemError(response, text)
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new BackendError(`${this.where} answered ${method} ${path} with a body that is not JSON`, response.status, 'bad-response')
    }
  }

  createDataset(body: CreateDatasetBody): Promise<DatasetSummary> {
    return this.#request('POST', '/v1/datasets', { json: body })
  }

  async listDatasets(): Promise<DatasetSummary[]> {
    return (await this.#request<{ datasets: DatasetSummary[] }>('GET', '/v1/datasets')).datasets
  }

  getDataset(name: string): Promise<DatasetDetail> {
    return this.#request('GET', `/v1/datasets/${seg(name)}`)
  }

  async deleteDataset(name: string): Promise<void> {
    await this.#request('DELETE', `/v1/datasets/${seg(name)}`)
  }

  async startLink(name: string, bits: number, batches: AsyncIterable<ParsedRecord[]>, options: LinkageOptions): Promise<LinkageRunView> {
    const q = new URLSearchParams({ similarity: options.similarity, threshold: String(options.threshold), top: String(options.top), solve: options.solve })
    if (options.sketch !== undefined) q.set('sketch', options.sketch)
    return this.#upload<LinkageRunView>(`/v1/datasets/${seg(name)}/linkage-runs`, q, bits, batches)
  }

  async waitForLink(name: string, id: string, onProgress?: (view: LinkageRunView) => void): Promise<LinkageRunView> {
    for (;;) {
      const view = await this.#request<LinkageRunView>('GET', `/v1/datasets/${seg(name)}/linkage-runs/${seg(id)}`)
      onProgress?.(view)
      if (view.status === 'completed' || view.status === 'failed') return view
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  async linkResult(name: string, id: string): Promise<LinkageResultPair[]> {
    return (await this.#request<{ pairs: LinkageResultPair[] }>('GET', `/v1/datasets/${seg(name)}/linkage-runs/${seg(id)}/result`)).pairs
  }

  load(name: string, bits: number, batches: AsyncIterable<ParsedRecord[]>, onProgress?: (loaded: number) => void): Promise<LoadResult> {
    return this.#upload<LoadResult>(`/v1/datasets/${seg(name)}/records`, new URLSearchParams(), bits, batches, onProgress)
  }

  /** Streams parsed records as NDJSON (when they have ids) or packed bytes. */
  async #upload<T>(path: string, query: URLSearchParams, bits: number, batches: AsyncIterable<ParsedRecord[]>, onProgress?: (sent: number) => void): Promise<T> {
    const iterator = batches[Symbol.asyncIterator]()
    const first = await iterator.next()
    const withIds = !first.done && first.value.length > 0 && first.value[0].id !== null
    let parseError: unknown = null
    let sent = 0
    const encode = withIds ? ndjsonChunk : packedChunk(bytesFor(bits))
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        let next = first
        while (!next.done) {
          if (next.value.length > 0) {
            yield encode(next.value)
            sent += next.value.length
            onProgress?.(sent)
          }
          next = await iterator.next()
        }
      } catch (err) {
        parseError = err
        throw err
      }
    }
    if (withIds) query.set('encoding', 'base64')
    const qs = query.toString()
    try {
      return await this.#request<T>('POST', qs ? `${path}?${qs}` : path, {
        body: body(),
        headers: withIds ? { 'content-type': 'application/x-ndjson' } : { 'content-type': 'application/octet-stream', 'record-bits': String(bits) },
      })
    } catch (err) {
      // The local parser failed: the aborted request left nothing on the server; report the parser's reason.
      if (parseError !== null) throw parseError
      throw err
    }
  }

  estimateSketch(name: string, body: EstimateBody): Promise<SketchEstimate> {
    return this.#request('POST', `/v1/datasets/${seg(name)}/sketches:estimate`, { json: body })
  }

  buildSketch(name: string, body: SketchBody): Promise<SketchView> {
    return this.#request('POST', `/v1/datasets/${seg(name)}/sketches`, { json: body })
  }

  getSketch(name: string, id: string): Promise<SketchView> {
    return this.#request('GET', `/v1/datasets/${seg(name)}/sketches/${seg(id)}`)
  }

  async listSketches(name: string): Promise<SketchView[]> {
    return (await this.#request<{ sketches: SketchView[] }>('GET', `/v1/datasets/${seg(name)}/sketches`)).sketches
  }

  async waitForSketch(name: string, id: string, onProgress?: (done: number, total: number) => void): Promise<SketchView> {
    for (;;) {
      const view = await this.getSketch(name, id)
      onProgress?.(view.progress, view.records)
      if (view.status === 'ready' || view.status === 'failed') return view
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  query(name: string, body: QueryBody): Promise<QueryResponse> {
    return this.#request('POST', `/v1/datasets/${seg(name)}/query`, { json: body })
  }

  budget(name: string): Promise<BudgetView> {
    return this.#request('GET', `/v1/datasets/${seg(name)}/budget`)
  }

  setBudget(name: string, epsilonBudget: string): Promise<BudgetView> {
    return this.#request('PUT', `/v1/datasets/${seg(name)}/budget`, { json: { epsilonBudget } })
  }

  ledgers(name: string, deletedOnly: boolean): Promise<IdentityLedgers> {
    return this.#request('GET', `/v1/ledger?dataset=${seg(name)}&deleted=${deletedOnly}`)
  }

  createToken(body: CreateTokenBody): Promise<CreatedToken> {
    return this.#request('POST', '/v1/tokens', { json: body })
  }

  async listTokens(): Promise<TokenView[]> {
    return (await this.#request<{ tokens: TokenView[] }>('GET', '/v1/tokens')).tokens
  }

  revokeToken(id: string): Promise<TokenView> {
    return this.#request('DELETE', `/v1/tokens/${seg(id)}`)
  }

  async close(): Promise<void> {}
}

/** One NDJSON line per record: {"id": ..., "bits": "<base64>"} (the request says encoding=base64). */
function ndjsonChunk(batch: ParsedRecord[]): Uint8Array {
  let text = ''
  for (const r of batch) {
    const bits = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).toString('base64')
    text += r.id === null ? `{"bits":"${bits}"}\n` : `{"id":${JSON.stringify(r.id)},"bits":"${bits}"}\n`
  }
  return Buffer.from(text, 'utf8')
}

/** The packed bytes of a batch, concatenated. */
function packedChunk(recordBytes: number): (batch: ParsedRecord[]) => Uint8Array {
  return (batch) => {
    const out = new Uint8Array(batch.length * recordBytes)
    for (let i = 0; i < batch.length; i++) out.set(batch[i].bytes, i * recordBytes)
    return out
  }
}

/** 503 `overloaded`: the server refused the request before handling it. */
class OverloadedError extends BackendError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 503, 'overloaded')
  }
}

function problemError(response: Response, text: string): BackendError {
  let detail: string | undefined
  let code = 'http-error'
  try {
    const body = JSON.parse(text) as { detail?: unknown; type?: unknown }
    if (typeof body.detail === 'string') detail = body.detail
    if (typeof body.type === 'string') code = body.type.replace(/^\/problems\//, '')
  } catch {
    // not problem+json (a proxy's error page, for instance)
  }
  const message = detail ?? `the server answered ${response.status} ${response.statusText}`.trim()
  const retryAfter = Number(response.headers.get('retry-after') ?? '1')
  if (response.status === 503 && code === 'overloaded') return new OverloadedError(message, Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1)
  return new BackendError(message, response.status, code)
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  if (cause?.code) return cause.code
  if (cause?.message) return cause.message
  return err instanceof Error ? err.message : String(err)
}
