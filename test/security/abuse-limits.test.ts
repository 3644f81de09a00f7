/**
 * Abuse limits: the per-token rate limit (429 problem+json with Retry-After; other tokens
 * unaffected; made-up tokens share their address's bucket, so guessing tokens is limited too),
 * body limits per route (JSON routes by DPDIST_JSON_LIMIT, record uploads by DPDIST_UPLOAD_LIMIT,
 * streamed and refused with 413 leaving nothing stored), access checked before an upload body is
 * read, the batch size cap, request/connection timeouts, and the security headers.
 */
import t from 'tap'
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { ADMIN, dbSnapshot, testApp, type TestApp } from '../support/app.js'

const problemJson = 'application/problem+json; charset=utf-8'

async function createDataset(h: TestApp, name: string, bits: number, extra: Record<string, unknown> = {}) {
  const res = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name, bits, epsilonBudget: 100, ...extra } })
  if (res.statusCode !== 201) throw new Error(res.body)
}

async function token(h: TestApp, role: 'admin' | 'analyst', datasets?: string[]): Promise<string> {
  const res = await h.request({ method: 'POST', url: '/v1/tokens', payload: { role, ...(datasets ? { datasets } : {}) } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().token
}

t.test('rate limit: the (limit+1)th request of a token is 429, other tokens are unaffected', async (t) => {
  const LIMIT = 5
  const h = await testApp({ env: { DPDIST_RATE_LIMIT: String(LIMIT), DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  // set-up requests use the admin token's own bucket
  await createDataset(h, 'ds', 8)
  const a = await token(h, 'analyst')
  const b = await token(h, 'analyst')
  for (let i = 0; i < LIMIT; i++) {
    const res = await h.request({ method: 'GET', url: '/v1/datasets', token: a })
    t.equal(res.statusCode, 200, `request ${i + 1} of ${LIMIT}`)
    t.equal(res.headers['x-ratelimit-remaining'], String(LIMIT - i - 1), 'remaining count')
  }
  const over = await h.request({ method: 'GET', url: '/v1/datasets/ds', token: a })
  t.equal(over.statusCode, 429, 'request limit + 1 is refused')
  t.equal(over.headers['content-type'], problemJson)
  t.equal(over.json().type, '/problems/rate-limited')
  t.equal(over.json().status, 429)
  const retryAfter = Number(over.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After is a number of seconds (${over.headers['retry-after']})`)
  t.notOk(over.body.includes(a), 'the problem does not echo the token')

  const other = await h.request({ method: 'GET', url: '/v1/datasets', token: b })
  t.equal(other.statusCode, 200, 'another token is unaffected')
  t.equal(other.headers['x-ratelimit-remaining'], String(LIMIT - 1), 'and has its own full bucket')
  t.equal((await h.request({ method: 'GET', url: '/health', token: null })).statusCode, 200, '/health is not rate limited')
  // /health shows more to an admin, so with a token it counts like any request (no free token oracle)
  t.equal((await h.request({ method: 'GET', url: '/health', token: a })).statusCode, 429, '/health with a token is counted against it')
})

t.test('rate limit: made-up tokens share one bucket per address (guessing is limited)', async (t) => {
  const LIMIT = 5
  const h = await testApp({ env: { DPDIST_RATE_LIMIT: String(LIMIT), DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  const real = await token(h, 'analyst')
  const guesses: number[] = []
  for (let i = 0; i < LIMIT + 3; i++) {
    const res = await h.request({ method: 'GET', url: '/v1/datasets', token: `dpd_${randomBytes(32).toString('base64url')}` })
    guesses.push(res.statusCode)
  }
  t.same(guesses, [...Array(LIMIT).fill(401), 429, 429, 429], 'after the limit, a new guess is 429 before it is even checked')
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets', token: null })).statusCode, 429, 'no token: the same address bucket')
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets', token: real })).statusCode, 200, 'a valid token keeps its own bucket')
})

t.test('JSON routes refuse bodies over DPDIST_JSON_LIMIT with 413 and change nothing', async (t) => {
  const h = await testApp({ env: { DPDIST_JSON_LIMIT: '2048', DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  await createDataset(h, 'ds', 16, { retainRaw: true })
  await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ bits: '0'.repeat(16) }] } })
  const pad = 'x'.repeat(3000)
  const cases: [string, string, Record<string, unknown>][] = [
    ['POST', '/v1/tokens', { role: 'analyst', label: pad }],
    ['POST', '/v1/datasets', { name: 'big', bits: 8, epsilonBudget: 1, pad }],
    ['PUT', '/v1/datasets/ds/budget', { epsilonBudget: `1${' '.repeat(3000)}` }],
    ['POST', '/v1/datasets/ds/sketches', { metric: 'hamming', epsilon: 1, k: 4, options: { pad } }],
    ['POST', '/v1/datasets/ds/sketches:estimate', { metric: 'hamming', epsilon: 1, k: 4, options: { pad } }],
    ['POST', '/v1/datasets/ds/query', { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: '0'.repeat(3000) }],
    ['POST', '/v1/datasets/ds/query:batch', { metric: 'hamming', mechanism: 'geometric', epsilon: 1, queries: Array(200).fill('0'.repeat(16)) }],
  ]
  const before = dbSnapshot(h.db)
  for (const [method, url, payload] of cases) {
    const res = await h.request({ method: method as 'POST', url, payload })
    t.equal(res.statusCode, 413, `${method} ${url} → 413`)
    t.equal(res.headers['content-type'], problemJson)
    t.equal(res.json().type, '/problems/payload-too-large')
  }
  t.equal(dbSnapshot(h.db), before, 'nothing changed')
  const small = await h.request({ method: 'POST', url: '/v1/datasets/ds/query', payload: { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: '0'.repeat(16) } })
  t.equal(small.statusCode, 200, 'the same request under the limit is served')
})

t.test('record uploads over DPDIST_UPLOAD_LIMIT are refused with 413 in every format; nothing is stored', async (t) => {
  const LIMIT = 100_000
  const h = await testApp({ env: { DPDIST_UPLOAD_LIMIT: String(LIMIT), DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  // 8-bit records: a 150 kB body holds tens of thousands of records, so several batches are
  // already written as pending rows when the limit is hit, and must be removed again
  await createDataset(h, 'ds', 8)
  await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'keep', bits: '10101010' }] } })
  const before = dbSnapshot(h.db)
  const m = 30_000
  const bitsOf = (i: number) => (i & 255).toString(2).padStart(8, '0')
  const bodies: [string, string | Buffer, Record<string, string>][] = [
    ['application/json', JSON.stringify({ records: Array.from({ length: m }, (_, i) => ({ bits: bitsOf(i) })) }), {}],
    ['application/x-ndjson', Array.from({ length: m }, (_, i) => JSON.stringify({ id: `n${i}`, bits: bitsOf(i) })).join('\n'), {}],
    ['text/plain', Array.from({ length: m }, (_, i) => `t${i}\t${bitsOf(i)}`).join('\n'), {}],
    ['text/csv', Array.from({ length: m }, (_, i) => `c${i},${bitsOf(i)}`).join('\n'), {}],
    ['application/octet-stream', randomBytes(150_000), { 'record-bits': '8' }],
  ]
  for (const [type, payload, headers] of bodies) {
    t.ok(Buffer.byteLength(payload) > LIMIT, `${type}: the body (${Buffer.byteLength(payload)} bytes) exceeds the limit`)
    const res = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': type, ...headers }, payload })
    t.equal(res.statusCode, 413, `${type} → 413`)
    t.equal(res.headers['content-type'], problemJson)
    t.equal(res.json().type, '/problems/payload-too-large')
    t.equal(dbSnapshot(h.db), before, `${type}: nothing stored, no pending rows left`)
  }
  // the limit counts bytes actually received, not a declared length: streamed, no Content-Length
  const exact = randomBytes(LIMIT)
  const atLimit = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/octet-stream', 'record-bits': '8' }, payload: exact })
  t.equal(atLimit.statusCode, 201, 'a body of exactly the limit is accepted')
  t.equal(atLimit.json().loaded, LIMIT)
})

t.test('upload access is checked before the body is read; JSON uploads are capped below V8 string size', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  await createDataset(h, 'mine', 8)
  await createDataset(h, 'theirs', 8)
  const analyst = await token(h, 'analyst', ['mine'])
  const before = dbSnapshot(h.db)
  // 65 MiB of JSON: above the JSON upload cap (64 MiB)
  const huge = `{"records":[${' '.repeat(65 * 1024 * 1024)}{"bits":"00000000"}]}`
  const own = await h.request({ method: 'POST', url: '/v1/datasets/mine/records', token: analyst, headers: { 'content-type': 'application/json' }, payload: huge })
  t.equal(own.statusCode, 403, 'an analyst gets 403 (not 413): refused before the body is considered')
  const foreign = await h.request({ method: 'POST', url: '/v1/datasets/theirs/records', token: analyst, headers: { 'content-type': 'application/json' }, payload: huge })
  t.equal(foreign.statusCode, 404, 'another dataset: 404')
  const admin = await h.request({ method: 'POST', url: '/v1/datasets/mine/records', headers: { 'content-type': 'application/json' }, payload: huge })
  t.equal(admin.statusCode, 413, 'the admin: 413 for a JSON upload over the cap')
  t.equal(admin.headers['content-type'], problemJson)
  t.equal(dbSnapshot(h.db), before)
})

t.test('a batch larger than DPDIST_BATCH_MAX is refused before anything is charged', async (t) => {
  const h = await testApp({ env: { DPDIST_BATCH_MAX: '4', DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  await createDataset(h, 'ds', 8, { retainRaw: true })
  await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ bits: '00000000' }] } })
  const before = dbSnapshot(h.db)
  const res = await h.request({ method: 'POST', url: '/v1/datasets/ds/query:batch', payload: { metric: 'hamming', mechanism: 'geometric', epsilon: 1, queries: Array(5).fill('00000000') } })
  t.equal(res.statusCode, 400)
  t.match(res.json().detail, /at most 4/)
  t.equal(dbSnapshot(h.db), before)
})

t.test('request and connection timeouts are configured; stalled requests are cut off', async (t) => {
  const h = await testApp({ env: { DPDIST_REQUEST_TIMEOUT_MS: '5000', DPDIST_IDLE_TIMEOUT_MS: '1000', DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  await createDataset(h, 'ds', 8)
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  const server = h.app.server
  t.equal(server.requestTimeout, 5000, 'requestTimeout (DPDIST_REQUEST_TIMEOUT_MS)')
  t.equal(server.timeout, 1000, 'connection idle timeout (DPDIST_IDLE_TIMEOUT_MS)')
  t.ok(server.headersTimeout > 0 && server.headersTimeout <= 60_000, `headersTimeout ${server.headersTimeout} ms`)
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const auth = `Authorization: Bearer ${ADMIN}\r\n`
  const stalls: Record<string, string> = {
    'half-sent headers': 'POST /v1/datasets HTTP/1.1\r\nHost: x\r\n',
    'half-sent JSON body': `POST /v1/datasets HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`,
    'stalled streamed upload': `POST /v1/datasets/ds/records HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n13\r\n{"bits":"00000000"}\r\n`,
  }
  const stall = (request: string) =>
    new Promise<{ ms: number; reply: string }>((resolve, reject) => {
      const t0 = Date.now()
      let reply = ''
      const socket = connect(port, '127.0.0.1', () => socket.write(request))
      socket.on('data', (d) => (reply += d))
      socket.on('error', () => {})
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error('the stalled connection was not closed'))
      }, 10_000)
      socket.on('close', () => {
        clearTimeout(timer)
        resolve({ ms: Date.now() - t0, reply })
      })
    })
  const results = await Promise.all(Object.values(stalls).map(stall))
  Object.keys(stalls).forEach((name, i) => {
    const { ms, reply } = results[i]
    t.ok(ms >= 900 && ms < 5000, `${name}: closed after ${ms} ms`)
    t.equal(reply, '', `${name}: nothing was answered`)
  })
  await new Promise((r) => setTimeout(r, 100))
  const rows = h.db.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }
  t.equal(rows.c, 0, 'the cut-off upload left no rows (pending rows were removed)')
  const show = await h.request({ method: 'GET', url: '/v1/datasets/ds' })
  t.equal(show.json().records, 0)
  const again = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ bits: '00000000' }] } })
  t.equal(again.statusCode, 201, 'the dataset is not left locked by the dead upload')
})

t.test('security headers on successes and on every kind of error', async (t) => {
  const h = await testApp({ env: { DPDIST_RATE_LIMIT: '3', DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  const analyst = await token(h, 'analyst')
  const responses: [string, LightMyRequestResponse][] = [
    ['200', await h.request({ method: 'GET', url: '/v1/datasets' })],
    ['health', await h.request({ method: 'GET', url: '/health', token: null })],
    ['401', await h.request({ method: 'GET', url: '/v1/datasets', token: null })],
    ['403', await h.request({ method: 'GET', url: '/v1/tokens', token: analyst })],
    ['404', await h.request({ method: 'GET', url: '/v1/nowhere' })],
    ['400', await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: '' } })],
    ['415', await h.request({ method: 'POST', url: '/v1/datasets', headers: { 'content-type': 'application/xml' }, payload: '<a/>' })],
  ]
  for (let i = 0; i < 3; i++) await h.request({ method: 'GET', url: '/v1/datasets', token: analyst })
  responses.push(['429', await h.request({ method: 'GET', url: '/v1/datasets', token: analyst })])
  t.equal(responses.at(-1)![1].statusCode, 429)
  for (const [name, res] of responses) {
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${name}: frame options`)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, `${name}: HSTS`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${name}: referrer policy`)
    t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', `${name}: CORP`)
    t.notOk(res.headers['x-powered-by'], `${name}: no x-powered-by`)
  }
})
