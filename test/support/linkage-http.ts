/** HTTP helpers for the similarity and linkage tests: CLK datasets, sketches with popcounts, waiting on jobs. */
import type { TestApp } from './app.js'
import { CLK_BITS } from './clk.js'

const DEADLINE_MS = 600_000

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** Polls `url` until `done(body)` holds (generous overall deadline; the machine is shared). */
export async function waitFor<T>(h: TestApp, url: string, done: (body: T) => boolean): Promise<T> {
  const until = Date.now() + DEADLINE_MS
  for (;;) {
    const res = await h.request({ method: 'GET', url })
    const body = res.json() as T
    if (done(body)) return body
    if (Date.now() > until) throw new Error(`${url} did not finish: ${res.body}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A 1024-bit dataset holding `clks` (loaded with anonlink's {"clks": [...]} JSON). */
export async function clkDataset(h: TestApp, name: string, clks: Uint8Array[], budget = 20): Promise<void> {
  let res = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name, bits: CLK_BITS, epsilonBudget: budget, retainRaw: true } })
  if (res.statusCode !== 201) throw new Error(res.body)
  res = await h.request({ method: 'POST', url: `/v1/datasets/${name}/records`, payload: { clks: clks.map(b64) } })
  if (res.statusCode !== 201) throw new Error(res.body)
}

/** Builds a Hamming sketch (with popcounts unless told otherwise) and waits until it is ready. */
export async function readySketch(h: TestApp, name: string, body: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const res = await h.request({ method: 'POST', url: `/v1/datasets/${name}/sketches`, payload: { metric: 'hamming', ...body } })
  if (res.statusCode !== 202) throw new Error(res.body)
  const id = (res.json() as { id: string }).id
  const s = await waitFor<{ id: string; status: string }>(h, `/v1/datasets/${name}/sketches/${id}`, (s) => s.status === 'ready' || s.status === 'failed')
  if (s.status !== 'ready') throw new Error(`sketch ${id} ${s.status}`)
  return s
}
