/**
 * What the server does for the dashboard: the built assets at /ui without a token and under the
 * strict Content-Security-Policy (and /docs unchanged), GET /v1/tokens/self (which the page asks
 * to learn its role and scope), and the storage sizes on sketch views.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { uiContentSecurityPolicy, uiRoot } from '../../server/plugins/external/static.js'
import { testApp } from '../support/app.js'

t.test('the assets are served at /ui without a token, under the strict CSP', async (t) => {
  t.ok(existsSync(join(uiRoot, 'index.html')), 'the dashboard is built (npm run build)')
  const h = await testApp()
  t.teardown(h.close)
  const bare = await h.request({ method: 'GET', url: '/ui', token: null })
  t.equal(bare.statusCode, 301)
  t.equal(bare.headers.location, '/ui/', '/ui redirects to the page, so its relative asset paths resolve')
  const page = await h.request({ method: 'GET', url: '/ui/', token: null })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.body, readFileSync(join(uiRoot, 'index.html'), 'utf8'))
  t.equal(page.headers['content-security-policy'], uiContentSecurityPolicy)
  t.notMatch(uiContentSecurityPolicy, /unsafe/, 'nothing inline, nothing evaluated')
  t.equal(page.headers['x-content-type-options'], 'nosniff', "helmet's headers still apply")
  t.notMatch(page.body, /<script>|\son\w+=|style=/, 'no inline script, handler or style in the page')
  t.notMatch(page.body, /https?:\/\//, 'the page loads nothing from elsewhere')
  for (const [file, type] of [
    ['app.js', /javascript/],
    ['app.css', /text\/css/],
    ['favicon.svg', /image\/svg/],
  ] as const) {
    const res = await h.request({ method: 'GET', url: `/ui/${file}`, token: null })
    t.equal(res.statusCode, 200, `${file} is served`)
    t.match(res.headers['content-type'], type)
  }
  const js = await h.request({ method: 'GET', url: '/ui/app.js', token: null })
  t.notMatch(js.body, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'the bundle names no other origin (but the SVG namespace)')
  const missing = await h.request({ method: 'GET', url: '/ui/nope.js', token: null })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8')
  for (const url of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json']) {
    const res = await h.request({ method: 'GET', url, token: null })
    t.not(res.statusCode, 200, `${url} does not leave dist/ui`)
    t.notMatch(res.body, /"name": "dpdist"/)
  }
  const docs = await h.request({ method: 'GET', url: '/docs/', token: null })
  t.equal(docs.statusCode, 200, '/docs still works')
  t.equal(docs.headers['content-security-policy'], undefined, 'and keeps its inline assets (no CSP there)')
  const api = await h.request({ method: 'GET', url: '/v1/datasets', token: null })
  t.equal(api.statusCode, 401, 'the API still needs a token')
})

t.test('GET /v1/tokens/self names the calling token, its role and scope, never its secret', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'a', bits: 8, epsilonBudget: 1 } })
  const created = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['a'], label: 'team' } })).json()
  const admin = await h.request({ method: 'GET', url: '/v1/tokens/self' })
  t.equal(admin.statusCode, 200)
  t.match(admin.json(), { role: 'admin', datasets: null, revokedAt: null })
  const analyst = await h.request({ method: 'GET', url: '/v1/tokens/self', token: created.token })
  t.match(analyst.json(), { id: created.id, role: 'analyst', datasets: ['a'], label: 'team', createdAt: created.createdAt, revokedAt: null })
  t.notOk(analyst.body.includes(created.token), 'no secret')
  await h.request({ method: 'DELETE', url: `/v1/tokens/${created.id}` })
  t.equal((await h.request({ method: 'GET', url: '/v1/tokens/self', token: created.token })).statusCode, 401, 'a revoked token is refused')
})

t.test('a sketch view names the bytes it stores, as its estimate predicted', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'b', bits: 64, epsilonBudget: 5 } })
  const records = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, bits: (i * 2654435761).toString(2).padStart(64, '0').slice(-64) }))
  await h.request({ method: 'POST', url: '/v1/datasets/b/records', payload: { records } })
  const plan = { metric: 'hamming', mechanism: 'parity', epsilon: 2, k: 8 }
  const estimate = (await h.request({ method: 'POST', url: '/v1/datasets/b/sketches:estimate', payload: plan })).json()
  const job = (await h.request({ method: 'POST', url: '/v1/datasets/b/sketches', payload: plan })).json()
  await h.services.sketches.whenDone(job.id)
  const view = (await h.request({ method: 'GET', url: `/v1/datasets/b/sketches/${job.id}` })).json()
  t.equal(view.status, 'ready')
  t.ok(view.bytesPerRecord > 0)
  t.equal(view.bytesPerRecord, estimate.bytesPerRecord)
  t.equal(view.totalBytes, estimate.totalBytes)
  t.equal(view.totalBytes, view.bytesPerRecord * 40)
})
