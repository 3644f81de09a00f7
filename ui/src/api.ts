/**
 * The dashboard's only way to the server: fetch with the session's token as a Bearer header,
 * problem+json errors as ApiError. The response types are the server's own zod schemas (type-only
 * imports: nothing of zod reaches the bundle), so the page and the API cannot drift apart silently.
 */
import type { z } from 'zod'
import type { budgetView } from '../../core/schemas/budget.js'
import type { datasetDetail, datasetSummary } from '../../core/schemas/datasets.js'
import type { queryBody, queryResponse } from '../../core/schemas/queries.js'
import type { estimateBody, sketchEstimate, sketchView } from '../../core/schemas/sketches.js'
import type { tokenView } from '../../core/schemas/tokens.js'

export type Budget = z.output<typeof budgetView>
export type LedgerRow = Budget['ledger'][number]
export type DatasetSummary = z.output<typeof datasetSummary>
export type DatasetDetail = z.output<typeof datasetDetail>
export type Sketch = z.output<typeof sketchView>
export type SketchEstimate = z.output<typeof sketchEstimate>
export type EstimateRequest = z.input<typeof estimateBody>
export type QueryRequest = z.input<typeof queryBody>
export type QueryResponse = z.output<typeof queryResponse>
export type TokenView = z.output<typeof tokenView>

/** An answer other than 2xx, with the problem's detail (the server never puts bits in one). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
  ) {
    super(detail)
  }
}

const TOKEN_KEY = 'dpdist.token'

/** The token lives in this tab's sessionStorage only: never in a URL, a cookie or localStorage. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
}

async function failure(res: Response): Promise<ApiError> {
  let type = 'about:blank'
  let detail = `${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { type?: string; detail?: string; title?: string }
    type = body.type ?? type
    detail = body.detail ?? body.title ?? detail
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, type, detail)
}

/** One authenticated request; the raw Response for callers that need a body other than JSON. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const token = session.token()
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
  if (!res.ok) throw await failure(res)
  return res
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await request(method, path, body)).json() as Promise<T>
}

const ds = (name: string) => `/v1/datasets/${encodeURIComponent(name)}`

export const api = {
  self: () => call<TokenView>('GET', '/v1/tokens/self'),
  datasets: async () => (await call<{ datasets: DatasetSummary[] }>('GET', '/v1/datasets')).datasets,
  dataset: (name: string) => call<DatasetDetail>('GET', ds(name)),
  budget: (name: string) => call<Budget>('GET', `${ds(name)}/budget`),
  sketches: async (name: string) => (await call<{ sketches: Sketch[] }>('GET', `${ds(name)}/sketches`)).sketches,
  estimate: (name: string, body: EstimateRequest) => call<SketchEstimate>('POST', `${ds(name)}/sketches:estimate`, body),
  build: (name: string, body: Omit<EstimateRequest, 'targetSd'>) => call<Sketch>('POST', `${ds(name)}/sketches`, body),
  query: (name: string, body: QueryRequest) => call<QueryResponse>('POST', `${ds(name)}/query`, body),
  path: ds,
}

/**
 * The API paths this server documents (its live OpenAPI document at /docs/json, which needs no
 * token). Parts of the page for resources a server may not have yet (linkage runs) are shown only
 * when their path is listed, so the page never probes with requests that fail.
 */
export async function documentedPaths(): Promise<Set<string>> {
  const res = await fetch('/docs/json', { headers: { accept: 'application/json' } })
  if (!res.ok) return new Set()
  const doc = (await res.json()) as { paths?: Record<string, unknown> }
  return new Set(Object.keys(doc.paths ?? {}))
}
