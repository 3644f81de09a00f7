/**
 * Property-based fuzzing through inject (fixed seeds, so every run is the same): near-valid,
 * arbitrary and malformed JSON bodies against every POST/PUT route, and broken uploads in every
 * streamed format. Properties: never a 5xx, never an uncaught exception, every 4xx is an RFC 7807
 * problem+json whose status matches; uploads are all-or-nothing (no pending rows, the record count
 * moves only by what a 201 reports). Afterwards the database passes integrity_check and every
 * dataset's ledger sums to its spent ε.
 */
import t from 'tap'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { testApp, type TestApp } from '../support/app.js'
import { jsonRoutes, uploads, type FuzzContext, type FuzzRequest } from './fuzz-requests.js'

const N = 24
const SEED = Number(process.env.FUZZ_SEED ?? 20_241_107)
/** Runs per route; FUZZ_RUNS=2000 for a deeper search. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

interface Tally {
  [status: string]: number
}

async function setup() {
  const h = await testApp({ env: { DPDIST_WORKERS: '0', DPDIST_RATE_LIMIT: '10000000', LOG_LEVEL: 'warn' } })
  const must = async (method: 'POST' | 'GET', url: string, payload: object | undefined, status: number) => {
    const res = await h.request({ method, url, payload })
    if (res.statusCode !== status) throw new Error(`setup ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  for (const name of ['fz', 'fz-other']) {
    await must('POST', '/v1/datasets', { name, bits: N, epsilonBudget: 1_000_000, retainRaw: true }, 201)
    const records = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, bits: ((i * 2654435761) >>> 0).toString(2).padStart(32, '0').slice(0, N) }))
    await must('POST', `/v1/datasets/${name}/records`, { records }, 201)
  }
  const sketchIds: string[] = []
  for (const body of [{ metric: 'hamming', epsilon: 2, k: 8 }, { metric: 'edit', epsilon: 4, k: 4 }]) {
    const job = await must('POST', '/v1/datasets/fz/sketches', body, 202)
    await h.services.sketches.whenDone(job.id)
    sketchIds.push(job.id)
  }
  const other = await must('POST', '/v1/datasets/fz-other/sketches', { metric: 'hamming', epsilon: 2, k: 8 }, 202)
  await h.services.sketches.whenDone(other.id)
  sketchIds.push(other.id, 'sk_0000000000000000')
  const analyst = (await must('POST', '/v1/tokens', { role: 'analyst', datasets: ['fz'] }, 201)).token as string
  const ctx: FuzzContext = { dataset: 'fz', n: N, otherNames: ['fz-other', 'nope', 'x'.repeat(65)], sketchIds }
  const send = (r: FuzzRequest) =>
    h.request({
      method: r.method as 'POST',
      url: r.url,
      headers: r.headers,
      payload: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : Buffer.from(r.body),
      token: r.who === 'admin' ? undefined : r.who === 'analyst' ? analyst : r.who === 'wrong' ? 'dpd_not-a-token' : null,
    })
  return { h, ctx, send }
}

/** The per-response property; returns a description of the violation, or null. */
function violation(res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`
  if (res.statusCode >= 400) {
    if (res.headers['content-type'] !== 'application/problem+json; charset=utf-8') return `4xx without problem+json: ${res.headers['content-type']}`
    let body: Record<string, unknown>
    try {
      body = res.json()
    } catch {
      return 'a problem body that is not JSON'
    }
    if (body.status !== res.statusCode) return `problem status ${String(body.status)} ≠ ${res.statusCode}`
    if (typeof body.type !== 'string' || !body.type.startsWith('/problems/')) return `problem type ${String(body.type)}`
    if (typeof body.title !== 'string' || typeof body.detail !== 'string') return 'problem without title or detail'
  }
  return null
}

/** The database invariants after a fuzz run, as [holds, description] pairs. */
function invariants(h: TestApp): [boolean, string][] {
  const out: [boolean, string][] = []
  out.push([h.db.pragma('integrity_check', { simple: true }) === 'ok', 'integrity_check'])
  out.push([(h.db.pragma('foreign_key_check') as unknown[]).length === 0, 'foreign_key_check'])
  const rows = h.db
    .prepare(
      `SELECT d.name, d.spent_micro AS spent, d.budget_micro AS budget,
              COALESCE((SELECT SUM(epsilon_micro) FROM ledger l WHERE l.dataset_id = d.id AND l.kind <> 'budget'), 0) AS charged,
              (SELECT COUNT(*) FROM records r WHERE r.dataset_id = d.id AND r.ordinal >= d.record_count) AS pending
       FROM datasets d`,
    )
    .all() as { name: string; spent: number; budget: number; charged: number; pending: number }[]
  for (const r of rows) {
    out.push([r.charged === r.spent, `${r.name}: the ledger (${r.charged}) sums to spent (${r.spent})`])
    out.push([r.spent <= r.budget, `${r.name}: spent ≤ budget`])
    out.push([r.pending === 0, `${r.name}: no pending rows`])
  }
  return out
}

const uncaught: unknown[] = []
const onUncaught = (err: unknown) => uncaught.push(err)
process.on('uncaughtException', onUncaught)
process.on('unhandledRejection', onUncaught)

t.test('JSON bodies: never a 5xx, always problem+json for a 4xx', async (t) => {
  const { h, ctx, send } = await setup()
  t.teardown(h.close)
  const routes = jsonRoutes(ctx)
  let i = 0
  for (const [route, arbitrary] of Object.entries(routes)) {
    const tally: Tally = {}
    const run = fc.assert(
      fc.asyncProperty(arbitrary, async (r) => {
        const res = await send(r)
        tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1
        const bad = violation(res)
        if (bad) throw new Error(`${r.method} ${r.url} ${JSON.stringify(r.body)?.slice(0, 300)} → ${bad}`)
      }),
      { seed: SEED + i++, numRuns: RUNS },
    )
    await run.then(
      () => t.pass(`${route}: ${JSON.stringify(tally)}`),
      (err: Error) => t.fail(`${route}: ${err.message.slice(0, 2000)}`),
    )
    const ok = Object.entries(tally).filter(([s]) => Number(s) < 300).reduce((a, [, c]) => a + c, 0)
    t.ok(ok > 0, `${route}: some generated requests were valid (${ok})`)
  }
  for (const [holds, what] of invariants(h)) t.ok(holds, what)
})

t.test('uploads in every streamed format: never a 5xx, problem+json, all or nothing', async (t) => {
  const { h, ctx, send } = await setup()
  t.teardown(h.close)
  const count = () => (h.db.prepare("SELECT record_count AS c FROM datasets WHERE name = 'fz'").get() as { c: number }).c
  const tally: Tally = {}
  let expected = count()
  await fc
    .assert(
      fc.asyncProperty(uploads(ctx), async (r) => {
        const res = await send(r)
        tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1
        const bad = violation(res)
        if (bad) throw new Error(`${r.url} ${JSON.stringify(r.headers)} ${JSON.stringify(typeof r.body === 'string' ? r.body : Buffer.from(r.body ?? []).toString('hex')).slice(0, 300)} → ${bad}`)
        if (res.statusCode === 201 && res.json().dataset === 'fz') expected += res.json().loaded as number
        if (count() !== expected) throw new Error(`record count ${count()} ≠ ${expected} after ${res.statusCode}`)
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    )
    .then(
      () => t.pass(`uploads: ${JSON.stringify(tally)}`),
      (err: Error) => t.fail(`uploads: ${err.message.slice(0, 2000)}`),
    )
  t.ok((tally[201] ?? 0) > 0, 'some uploads were valid')
  t.ok((tally[400] ?? 0) > 0, 'many were not')
  for (const [holds, what] of invariants(h)) t.ok(holds, what)
})

t.test('no uncaught exception or unhandled rejection', async (t) => {
  t.same(uncaught.map(String), [])
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})
