/**
 * Access control. Every route the app serves is enumerated from the router itself (and from the
 * OpenAPI document) and tried with: no token, a wrong token, a malformed header, a revoked analyst
 * and a revoked admin token (all 401), an analyst of another dataset (404 on dataset routes, exactly
 * as for a dataset that does not exist; 403 on admin routes that name no dataset), an analyst of the
 * dataset (403 on admin routes, success elsewhere) and the admin (success everywhere, which also
 * proves that the requests of the matrix are well formed). A route added later without an entry
 * here fails the test.
 */
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { testApp, type TestApp } from '../support/app.js'

const N = 32
const bits = (i: number) => (i >>> 0).toString(2).padStart(N, '0').split('').reverse().join('')

type Access = 'analyst' | 'admin'

interface RouteCase {
  access: Access
  /** Routes under /v1/datasets/:name answer 404 to a token that may not see the dataset. */
  scoped: boolean
  /** The URL for dataset `ds` (scoped routes) and the context of the run. */
  url(ds: string, ctx: Ctx): string
  body?(ctx: Ctx): unknown
  /** Prepares a throwaway target for a destructive request by the admin (returns the dataset). */
  adminTarget?(ctx: Ctx): Promise<string>
}

interface Ctx {
  h: TestApp
  sketchId: string
  otherSketchId: string
  spareTokenId: string
  seq: number
  /** A completed linkage run on `target`, one to delete next, and one marked failed (rerun). */
  runId: string
  deletableRunId: string
  failedRunId: string
}

const RUN_OPTIONS = 'similarity=dice&threshold=0.5&top=3'

/** Starts a linkage run on `target` as the admin and waits until it is done. */
async function finishedRun(h: TestApp, sketchId: string): Promise<string> {
  const res = await h.request({ method: 'POST', url: `/v1/datasets/target/linkage-runs?${RUN_OPTIONS}&sketch=${sketchId}`, payload: { records: [{ id: 'q', bits: bits(7) }] } })
  if (res.statusCode !== 202) throw new Error(`setup: ${res.statusCode} ${res.body}`)
  await h.services.linkage.idle()
  return res.json().id as string
}

/** A run as a restart leaves it (failed), so that rerun applies. */
async function failedRun(h: TestApp, sketchId: string): Promise<string> {
  const id = await finishedRun(h, sketchId)
  h.services.ctx.linkage.fail(id, 'interrupted: the test stopped it')
  return id
}

/** The matrix: one entry per METHOD and route pattern, as the router prints them. */
const matrix: Record<string, RouteCase> = {
  'GET /metrics': { access: 'admin', scoped: false, url: () => '/metrics' },
  'POST /v1/tokens': { access: 'admin', scoped: false, url: () => '/v1/tokens', body: () => ({ role: 'analyst', datasets: ['target'] }) },
  'GET /v1/tokens': { access: 'admin', scoped: false, url: () => '/v1/tokens' },
  'GET /v1/tokens/self': { access: 'analyst', scoped: false, url: () => '/v1/tokens/self' },
  'DELETE /v1/tokens/:id': {
    access: 'admin',
    scoped: false,
    url: (_ds, ctx) => `/v1/tokens/${ctx.spareTokenId}`,
    async adminTarget(ctx) {
      const res = await ctx.h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst' } })
      ctx.spareTokenId = res.json().id
      return 'target'
    },
  },
  'POST /v1/datasets': {
    access: 'admin',
    scoped: false,
    url: () => '/v1/datasets',
    body: (ctx) => ({ name: `made-${ctx.seq++}`, bits: N, epsilonBudget: 1 }),
  },
  'GET /v1/datasets': { access: 'analyst', scoped: false, url: () => '/v1/datasets' },
  'GET /v1/datasets/:name': { access: 'analyst', scoped: true, url: (ds) => `/v1/datasets/${ds}` },
  'DELETE /v1/datasets/:name': {
    access: 'admin',
    scoped: true,
    url: (ds) => `/v1/datasets/${ds}`,
    async adminTarget(ctx) {
      const name = `doomed-${ctx.seq++}`
      await ctx.h.request({ method: 'POST', url: '/v1/datasets', payload: { name, bits: N, epsilonBudget: 1 } })
      return name
    },
  },
  'GET /v1/datasets/:name/budget': { access: 'analyst', scoped: true, url: (ds) => `/v1/datasets/${ds}/budget` },
  'GET /v1/ledger': { access: 'admin', scoped: false, url: () => '/v1/ledger?dataset=target' },
  'PUT /v1/datasets/:name/budget': { access: 'admin', scoped: true, url: (ds) => `/v1/datasets/${ds}/budget`, body: () => ({ epsilonBudget: 1000 }) },
  'POST /v1/datasets/:name/records': {
    access: 'admin',
    scoped: true,
    url: (ds) => `/v1/datasets/${ds}/records`,
    body: (ctx) => ({ records: [{ id: `late-${ctx.seq++}`, bits: bits(ctx.seq) }] }),
  },
  'POST /v1/datasets/:name/sketches': { access: 'admin', scoped: true, url: (ds) => `/v1/datasets/${ds}/sketches`, body: () => ({ metric: 'hamming', epsilon: 1, k: 4 }) },
  'GET /v1/datasets/:name/sketches': { access: 'analyst', scoped: true, url: (ds) => `/v1/datasets/${ds}/sketches` },
  'POST /v1/datasets/:name/sketches:estimate': {
    access: 'analyst',
    scoped: true,
    url: (ds) => `/v1/datasets/${ds}/sketches:estimate`,
    body: () => ({ metric: 'hamming', epsilon: 1, k: 4 }),
  },
  'GET /v1/datasets/:name/sketches/:id': { access: 'analyst', scoped: true, url: (ds, ctx) => `/v1/datasets/${ds}/sketches/${ctx.sketchId}` },
  'POST /v1/datasets/:name/query': { access: 'analyst', scoped: true, url: (ds) => `/v1/datasets/${ds}/query`, body: () => ({ metric: 'hamming', query: bits(5), top: 3 }) },
  'POST /v1/datasets/:name/linkage-runs': {
    access: 'analyst',
    scoped: true,
    url: (ds, ctx) => `/v1/datasets/${ds}/linkage-runs?${RUN_OPTIONS}&sketch=${ctx.sketchId}`,
    body: () => ({ records: [{ id: 'q', bits: bits(9) }] }),
  },
  'GET /v1/datasets/:name/linkage-runs': { access: 'analyst', scoped: true, url: (ds) => `/v1/datasets/${ds}/linkage-runs` },
  'GET /v1/datasets/:name/linkage-runs/:id': { access: 'analyst', scoped: true, url: (ds, ctx) => `/v1/datasets/${ds}/linkage-runs/${ctx.runId}` },
  'GET /v1/datasets/:name/linkage-runs/:id/result': { access: 'analyst', scoped: true, url: (ds, ctx) => `/v1/datasets/${ds}/linkage-runs/${ctx.runId}/result` },
  'DELETE /v1/datasets/:name/linkage-runs/:id': {
    access: 'analyst',
    scoped: true,
    url: (ds, ctx) => `/v1/datasets/${ds}/linkage-runs/${ctx.deletableRunId}`,
    async adminTarget(ctx) {
      ctx.deletableRunId = await finishedRun(ctx.h, ctx.sketchId)
      return 'target'
    },
  },
  'POST /v1/datasets/:name/linkage-runs/:id/rerun': {
    access: 'analyst',
    scoped: true,
    url: (ds, ctx) => `/v1/datasets/${ds}/linkage-runs/${ctx.failedRunId}/rerun`,
    async adminTarget(ctx) {
      await ctx.h.services.linkage.idle()
      ctx.failedRunId = await failedRun(ctx.h, ctx.sketchId)
      return 'target'
    },
  },
  'POST /v1/datasets/:name/query:batch': {
    access: 'analyst',
    scoped: true,
    url: (ds) => `/v1/datasets/${ds}/query:batch`,
    body: () => ({ metric: 'hamming', queries: [bits(5), bits(6)], top: 3 }),
  },
}

/** Routes that need no token: liveness, the API documentation and the dashboard's assets (which hold no data). */
const publicRoute = (key: string) => key === 'GET /health' || / \/(docs|ui)([/*]|$)/.test(key)

/** METHOD + full path of every route in `printRoutes({ commonPrefix: false })` (HEAD left out). */
export function routesFromTree(tree: string): string[] {
  const out: string[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!m) continue
    const depth = m[1].length / 4
    stack.length = depth
    stack.push(m[2])
    const path = stack.join('')
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) if (method !== 'HEAD') out.push(`${method} ${path}`)
  }
  return out
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  // builds inline (no worker threads): the build path plays no part in access control
  const h = await testApp({ env: { DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  const ok = (res: LightMyRequestResponse, status: number) => {
    if (res.statusCode !== status) throw new Error(`setup: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const records = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, bits: bits(i * 2654435761) }))
  for (const name of ['target', 'other']) {
    ok(await h.request({ method: 'POST', url: '/v1/datasets', payload: { name, bits: N, epsilonBudget: 1000, retainRaw: true } }), 201)
    ok(await h.request({ method: 'POST', url: `/v1/datasets/${name}/records`, payload: { records } }), 201)
  }
  const sketchOf = async (name: string) => {
    const job = ok(await h.request({ method: 'POST', url: `/v1/datasets/${name}/sketches`, payload: { metric: 'hamming', epsilon: 2, k: 8, popcounts: { epsilon: 1 } } }), 202)
    await h.services.sketches.whenDone(job.id)
    return job.id as string
  }
  const sketchId = await sketchOf('target')
  const otherSketchId = await sketchOf('other')
  const token = async (role: string, datasets?: string[]) =>
    ok(await h.request({ method: 'POST', url: '/v1/tokens', payload: { role, ...(datasets ? { datasets } : {}) } }), 201) as { id: string; token: string }
  const analyst = await token('analyst', ['target'])
  const other = await token('analyst', ['other'])
  const revokedAnalyst = await token('analyst', ['target'])
  const revokedAdmin = await token('admin')
  for (const r of [revokedAnalyst, revokedAdmin]) ok(await h.request({ method: 'DELETE', url: `/v1/tokens/${r.id}` }), 200)
  const ctx: Ctx = {
    h,
    sketchId,
    otherSketchId,
    spareTokenId: 'tok_does_not_matter',
    seq: 0,
    runId: await finishedRun(h, sketchId),
    deletableRunId: await finishedRun(h, sketchId),
    failedRunId: await failedRun(h, sketchId),
  }
  return { h, ctx, analyst, other, revokedAnalyst, revokedAdmin }
}

t.test('every route is in the matrix, and every matrix entry is a route', async (t) => {
  const { h } = await setup(t)
  const fromRouter = routesFromTree(h.app.printRoutes({ commonPrefix: false }))
  t.ok(fromRouter.length >= Object.keys(matrix).length, `the router lists ${fromRouter.length} routes`)
  const doc = h.app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const fromOpenApi = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
  )
  for (const key of new Set([...fromRouter, ...fromOpenApi])) {
    if (publicRoute(key)) continue
    t.ok(matrix[key], `${key} is in the access matrix`)
  }
  for (const key of Object.keys(matrix)) t.ok(fromRouter.includes(key), `matrix entry ${key} is a route`)
  t.ok(fromRouter.some((k) => k.startsWith('POST /v1/')), 'the parser found the /v1 routes')
})

t.test('the access matrix', async (t) => {
  const { h, ctx, analyst, other, revokedAnalyst, revokedAdmin } = await setup(t)
  /** token undefined: the admin's; null: none; raw: this exact Authorization header. */
  const send = (key: string, c: RouteCase, ds: string, token: string | null | undefined, raw?: string) => {
    const [method] = key.split(' ')
    return h.request({
      method: method as 'GET',
      url: c.url(ds, ctx),
      token: raw === undefined ? token : undefined,
      headers: raw === undefined ? {} : { authorization: raw },
      ...(c.body ? { payload: c.body(ctx) as object } : {}),
    })
  }
  const isProblem = (res: LightMyRequestResponse) => res.headers['content-type'] === 'application/problem+json; charset=utf-8'
  const withoutInstance = (res: LightMyRequestResponse) => {
    const { instance: _i, ...rest } = res.json()
    return JSON.stringify(rest)
  }
  const refusals: Record<string, [string | null, string | undefined]> = {
    'no token': [null, undefined],
    'a wrong token': [`dpd_${randomBytes(32).toString('base64url')}`, undefined],
    'a malformed header': [null, 'Basic YWRtaW46YWRtaW4='],
    'an empty bearer': [null, 'Bearer '],
    'a revoked analyst token': [revokedAnalyst.token, undefined],
    'a revoked admin token': [revokedAdmin.token, undefined],
  }
  const bodies401 = new Set<string>()

  for (const [key, c] of Object.entries(matrix)) {
    // 401 for every way of not being authenticated, with a body that names neither route nor data
    for (const [who, [token, raw]] of Object.entries(refusals)) {
      const res = await send(key, c, 'target', token, raw)
      t.equal(res.statusCode, 401, `${key} with ${who} → 401`)
      t.ok(isProblem(res), `${key} with ${who}: problem+json`)
      bodies401.add(withoutInstance(res))
      if (c.scoped) {
        const missing = await send(key, c, 'no-such-dataset', token, raw)
        t.equal(withoutInstance(missing), withoutInstance(res), `${key} with ${who}: same 401 for a dataset that does not exist`)
      }
    }

    // an analyst of another dataset
    if (c.scoped) {
      const existing = await send(key, c, 'target', other.token)
      const missing = await send(key, c, 'no-such-dataset', other.token)
      t.equal(existing.statusCode, 404, `${key} by an analyst of another dataset → 404`)
      t.ok(isProblem(existing), `${key}: problem+json`)
      const scrub = (r: LightMyRequestResponse) => withoutInstance(r).replaceAll('no-such-dataset', 'X').replaceAll('target', 'X')
      t.equal(missing.statusCode, existing.statusCode, `${key}: same status as for a dataset that does not exist`)
      t.equal(scrub(existing), scrub(missing), `${key}: same body as for a dataset that does not exist`)
    } else if (c.access === 'admin') {
      const res = await send(key, c, 'target', other.token)
      t.equal(res.statusCode, 403, `${key} by an analyst of another dataset → 403`)
      t.ok(isProblem(res), `${key}: problem+json`)
    } else {
      const res = await send(key, c, 'target', other.token)
      t.equal(res.statusCode, 200, `${key} by an analyst of another dataset → 200`)
      t.notOk(res.body.includes('"target"'), `${key}: the other dataset is not listed`)
    }

    // an analyst of this dataset
    const mine = await send(key, c, 'target', analyst.token)
    if (c.access === 'admin') {
      t.equal(mine.statusCode, 403, `${key} by an analyst → 403`)
      t.equal(mine.json().type, '/problems/forbidden', `${key}: forbidden problem`)
    } else {
      t.ok(mine.statusCode >= 200 && mine.statusCode < 300, `${key} by an analyst of the dataset → ${mine.statusCode}`)
    }

    // the admin (positive control: the request itself is well formed)
    const ds = c.adminTarget ? await c.adminTarget(ctx) : 'target'
    const admin = await send(key, c, ds, undefined)
    t.ok(admin.statusCode >= 200 && admin.statusCode < 300, `${key} by the admin → ${admin.statusCode}`)
  }
  t.equal(bodies401.size, 2, 'two 401 bodies in all: "no credentials" and "not valid or revoked"')
  t.equal((await h.request({ method: 'GET', url: '/health', token: null })).statusCode, 200, '/health needs no token')
})

t.test('a sketch id of another dataset is not revealed through a dataset the analyst can see', async (t) => {
  const { h, ctx, analyst } = await setup(t)
  const foreign = await h.request({ method: 'POST', url: '/v1/datasets/target/query', token: analyst.token, payload: { metric: 'hamming', query: bits(1), sketch: ctx.otherSketchId } })
  const made = await h.request({ method: 'POST', url: '/v1/datasets/target/query', token: analyst.token, payload: { metric: 'hamming', query: bits(1), sketch: 'sk_0000000000000000' } })
  t.equal(foreign.statusCode, 404)
  t.equal(made.statusCode, 404)
  t.equal(foreign.json().detail.replace(ctx.otherSketchId, 'X'), made.json().detail.replace('sk_0000000000000000', 'X'))
  const view = await h.request({ method: 'GET', url: `/v1/datasets/target/sketches/${ctx.otherSketchId}`, token: analyst.token })
  t.equal(view.statusCode, 404, 'nor through the sketch view')
})

t.test('tokens are stored only as SHA-256 hashes and revocation takes effect at once', async (t) => {
  const { h } = await setup(t)
  const secrets: string[] = [h.config.adminToken!]
  for (let i = 0; i < 3; i++) {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: i === 0 ? 'admin' : 'analyst', label: `t${i}` } })
    const created = res.json()
    secrets.push(created.token)
    const row = h.db.prepare('SELECT hash FROM tokens WHERE id = ?').get(created.id) as { hash: string }
    t.equal(row.hash, createHash('sha256').update(created.token, 'utf8').digest('hex'), 'the stored value is the SHA-256 of the secret')
    t.match(created.token, /^dpd_[A-Za-z0-9_-]{43}$/, '256 random bits')
  }
  h.db.pragma('wal_checkpoint(FULL)')
  const files = readdirSync(h.dir).filter((f) => f.startsWith('dpdist.db') && statSync(join(h.dir, f)).isFile())
  t.ok(files.length >= 1)
  for (const f of files) {
    const bytes = readFileSync(join(h.dir, f))
    for (const s of secrets) t.equal(bytes.indexOf(s), -1, `no secret in ${f}`)
  }
  const list = await h.request({ method: 'GET', url: '/v1/tokens' })
  for (const s of secrets) t.notOk(list.body.includes(s), 'the token list shows no secret')
  for (const s of secrets) t.notOk(list.body.includes(createHash('sha256').update(s).digest('hex')), 'nor a hash')
  t.notOk(h.logLines.some((l) => secrets.some((s) => l.includes(s))), 'no secret in the log')

  // revocation: the very next request is refused; a second revocation is harmless
  const tok = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'admin' } })).json()
  t.equal((await h.request({ method: 'GET', url: '/v1/tokens', token: tok.token })).statusCode, 200)
  t.equal((await h.request({ method: 'DELETE', url: `/v1/tokens/${tok.id}` })).statusCode, 200)
  t.equal((await h.request({ method: 'GET', url: '/v1/tokens', token: tok.token })).statusCode, 401)
  t.equal((await h.request({ method: 'DELETE', url: `/v1/tokens/${tok.id}` })).statusCode, 200, 'revoking twice is idempotent')
  t.equal((await h.request({ method: 'DELETE', url: '/v1/tokens/tok_missing' })).statusCode, 404)
  // a revoked admin cannot revoke anyone (or itself) back into service
  t.equal((await h.request({ method: 'POST', url: '/v1/tokens', token: tok.token, payload: { role: 'admin' } })).statusCode, 401)
})
