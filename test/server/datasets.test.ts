import t from 'tap'
import { formatBits, parseBits } from '../../sketch/bits.js'
import { ADMIN, dbSnapshot, testApp } from '../support/app.js'

const N = 20
const recs = [
  { id: 'a', bits: '10110011100011110000' },
  { id: 'b', bits: '00000000000000000001' },
  { id: 'c', bits: '11111111111111111111' },
]

t.test('health is public and says only ok; an admin token also sees what is loaded', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const res = await h.request({ method: 'GET', url: '/health', token: null })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' }, 'no token: ok, and nothing else')
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'hs', bits: N, epsilonBudget: 1 } })
  const analyst = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['hs'] } })).json().token as string
  t.same((await h.request({ method: 'GET', url: '/health', token: analyst })).json(), { status: 'ok' }, 'an analyst token: the same')
  t.same((await h.request({ method: 'GET', url: '/health', token: 'not-a-real-token' })).json(), { status: 'ok' }, 'a wrong token: the same')
  const admin = (await h.request({ method: 'GET', url: '/health' })).json()
  t.equal(admin.status, 'ok')
  t.equal(admin.sketchesLoaded, h.services.sketches.registry.stats().sketches, 'an admin token: the sketches in memory')
  t.type(admin.uptimeSeconds, 'number')
  h.db.close()
  const down = await h.request({ method: 'GET', url: '/health', token: null })
  t.equal(down.statusCode, 503, 'not ok when the database cannot be read')
  t.equal(down.json().type, '/problems/service-unavailable')
  t.notMatch(down.body, /connection|sqlite/i, 'without the internal reason')
})

t.test('authentication and roles', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const none = await h.request({ method: 'GET', url: '/v1/datasets', token: null })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(none.json().type, '/problems/unauthorized')
  const wrong = await h.request({ method: 'GET', url: '/v1/datasets', token: 'not-a-real-token' })
  t.equal(wrong.statusCode, 401)

  const unknown = await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['iris'] } })
  t.equal(unknown.statusCode, 404, 'a scope names an existing dataset (its identity, not a name for later)')
  t.equal(unknown.json().type, '/problems/not-found')
  t.equal((await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'iris', bits: 8, epsilonBudget: 1 } })).statusCode, 201)
  const created = await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['iris'] } })
  t.equal(created.statusCode, 201)
  const analyst = created.json().token as string
  t.match(analyst, /^dpd_/)
  const stored = h.db.prepare('SELECT hash FROM tokens WHERE id = ?').get(created.json().id) as { hash: string }
  t.not(stored.hash, analyst, 'only the hash is stored')
  t.notOk(JSON.stringify(h.db.prepare('SELECT * FROM tokens').all()).includes(analyst))

  const forbidden = await h.request({ method: 'POST', url: '/v1/datasets', token: analyst, payload: { name: 'x', bits: 8, epsilonBudget: 1 } })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().type, '/problems/forbidden')

  const list = await h.request({ method: 'GET', url: '/v1/tokens' })
  t.equal(list.statusCode, 200)
  t.notOk(list.body.includes(analyst), 'listing never shows secrets')

  const revoked = await h.request({ method: 'DELETE', url: `/v1/tokens/${created.json().id}` })
  t.equal(revoked.statusCode, 200)
  t.ok(revoked.json().revokedAt)
  const after = await h.request({ method: 'GET', url: '/v1/datasets', token: analyst })
  t.equal(after.statusCode, 401, 'a revoked token is refused')
})

t.test('dataset lifecycle and uploads in every encoding', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const create = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: N, epsilonBudget: '2.5', retainRaw: true } })
  t.equal(create.statusCode, 201)
  t.same(create.json().metrics, ['hamming', 'edit'])
  const dup = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: N, epsilonBudget: 1 } })
  t.equal(dup.statusCode, 409)

  for (const encoding of ['binary', 'hex', 'base64'] as const) {
    const payload = {
      encoding,
      records: recs.map((r) => ({ id: `${encoding}-${r.id}`, bits: formatBits(parseBits(r.bits, 'binary', N), encoding, N) })),
    }
    const res = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload })
    t.equal(res.statusCode, 201, `json ${encoding}`)
  }
  const ndjson = recs.map((r) => JSON.stringify({ id: `nd-${r.id}`, bits: r.bits })).join('\n')
  let res = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson })
  t.equal(res.statusCode, 201, 'ndjson')
  res = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'text/plain' }, payload: recs.map((r) => `tx-${r.id}\t${r.bits}`).join('\n') })
  t.equal(res.statusCode, 201, 'text')
  res = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'text/csv' }, payload: `id,bits\n${recs.map((r) => `cs-${r.id},${r.bits}`).join('\n')}\n` })
  t.equal(res.statusCode, 201, 'csv')
  const packed = Buffer.concat(recs.map((r) => Buffer.from(parseBits(r.bits, 'binary', N))))
  res = await h.request({
    method: 'POST',
    url: '/v1/datasets/ds/records',
    headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N), 'record-count': '3' },
    payload: packed,
  })
  t.equal(res.statusCode, 201, 'packed')
  t.same(res.json(), { dataset: 'ds', loaded: 3, records: 21 })

  const show = await h.request({ method: 'GET', url: '/v1/datasets/ds' })
  t.equal(show.statusCode, 200)
  t.equal(show.json().records, 21)
  t.equal(show.json().budget.epsilonBudget, 2.5)
  t.equal(show.json().privacy.unitBits, 1)
  const ids = (h.db.prepare('SELECT id FROM records ORDER BY ordinal').all() as { id: string }[]).map((r) => r.id)
  t.same(ids.slice(-3), ['18', '19', '20'], 'packed records are numbered by position')
  const stored = h.db.prepare("SELECT bits FROM records WHERE id = 'hex-a'").get() as { bits: Buffer }
  t.equal(formatBits(stored.bits, 'binary', N), recs[0].bits)

  const list = await h.request({ method: 'GET', url: '/v1/datasets' })
  t.same(list.json().datasets.map((d: { name: string }) => d.name), ['ds'])

  const del = await h.request({ method: 'DELETE', url: '/v1/datasets/ds' })
  t.equal(del.statusCode, 204)
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/ds' })).statusCode, 404)
})

t.test('bad uploads are refused, name the record and change nothing', async (t) => {
  const h = await testApp({ env: { DPDIST_JSON_LIMIT: '2048' } })
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: N, epsilonBudget: 1 } })
  await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'keep', bits: recs[0].bits }] } })
  const before = dbSnapshot(h.db)
  const secret = recs[2].bits

  const cases: { name: string; opts: Parameters<typeof h.request>[0]; status: number; detail?: RegExp }[] = [
    { name: 'wrong length', opts: { method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: secret }, { id: 'y', bits: '0101' }] } }, status: 400, detail: /record 1 \(id "y"\)/ },
    { name: 'bad character', opts: { method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: secret.slice(0, 19) + '2' }] } }, status: 400, detail: /record 0/ },
    { name: 'duplicate id in request', opts: { method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: secret }, { id: 'x', bits: secret }] } }, status: 400, detail: /duplicate/ },
    { name: 'duplicate of a stored id', opts: { method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'new', bits: secret }, { id: 'keep', bits: secret }] } }, status: 400, detail: /"keep"/ },
    { name: 'malformed JSON', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/json' }, payload: '{"records": [' }, status: 400 },
    { name: 'bad ndjson line', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/x-ndjson' }, payload: `{"id":"p","bits":"${secret}"}\n{oops}\n` }, status: 400, detail: /line 2/ },
    { name: 'truncated packed body', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) }, payload: Buffer.alloc(5) }, status: 400 },
    { name: 'packed count mismatch', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N), 'record-count': '2' }, payload: Buffer.alloc(3) }, status: 400, detail: /Record-Count/ },
    { name: 'packed wrong bits header', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/octet-stream', 'record-bits': '21' }, payload: Buffer.alloc(3) }, status: 400 },
    { name: 'unknown dataset', opts: { method: 'POST', url: '/v1/datasets/nope/records', payload: { records: [{ bits: secret }] } }, status: 404 },
    { name: 'unsupported type', opts: { method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/xml' }, payload: '<a/>' }, status: 415 },
    { name: 'body over the JSON limit', opts: { method: 'POST', url: '/v1/datasets', payload: { name: 'big', bits: 8, epsilonBudget: 1, pad: 'x'.repeat(4000) } }, status: 413 },
    { name: 'invalid dataset body', opts: { method: 'POST', url: '/v1/datasets', payload: { name: '../x', bits: -1, epsilonBudget: 'NaN' } }, status: 400 },
    { name: 'unitBits above bits', opts: { method: 'POST', url: '/v1/datasets', payload: { name: 'u', bits: 4, unitBits: 5, epsilonBudget: 1 } }, status: 400 },
    { name: 'non-finite budget', opts: { method: 'POST', url: '/v1/datasets', payload: { name: 'nb', bits: 4, epsilonBudget: '1e400' } }, status: 400 },
  ]
  for (const c of cases) {
    const res = await h.request(c.opts)
    t.equal(res.statusCode, c.status, `${c.name}: status`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${c.name}: problem+json`)
    const body = res.json()
    t.type(body.detail, 'string', `${c.name}: has a detail`)
    if (c.detail) t.match(body.detail, c.detail, `${c.name}: detail names the problem`)
    t.notOk(res.body.includes(secret), `${c.name}: no bits in the response`)
    t.equal(dbSnapshot(h.db), before, `${c.name}: database unchanged`)
  }
  t.notOk(h.logLines.some((l) => l.includes(secret)), 'no bits in any log line')
  t.notOk(h.logLines.some((l) => l.includes(ADMIN)), 'no token in any log line')
})

t.test('budget view and admin-only budget changes leave ledger rows', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: N, epsilonBudget: 1 } })
  let res = await h.request({ method: 'GET', url: '/v1/datasets/ds/budget' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { epsilonBudget: 1, spent: 0, remaining: 1, ledger: [] })
  res = await h.request({ method: 'PUT', url: '/v1/datasets/ds/budget', payload: { epsilonBudget: '3' } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().epsilonBudget, 3)
  t.equal(res.json().ledger.length, 1)
  t.equal(res.json().ledger[0].kind, 'budget')
  t.equal(res.json().ledger[0].epsilon, 2)
  const tok = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst' } })).json().token
  res = await h.request({ method: 'PUT', url: '/v1/datasets/ds/budget', token: tok, payload: { epsilonBudget: 10 } })
  t.equal(res.statusCode, 403)
  t.throws(() => h.db.prepare('DELETE FROM ledger').run(), /append-only/, 'the ledger cannot be deleted from')
  t.throws(() => h.db.prepare('UPDATE ledger SET epsilon_micro = 0').run(), /append-only/, 'nor rewritten')
})

t.test('analysts see only their datasets', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'mine', bits: N, epsilonBudget: 1 } })
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'theirs', bits: N, epsilonBudget: 1 } })
  const tok = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['mine'] } })).json().token
  const list = await h.request({ method: 'GET', url: '/v1/datasets', token: tok })
  t.same(list.json().datasets.map((d: { name: string }) => d.name), ['mine'])
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/theirs', token: tok })).statusCode, 404)
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/theirs/budget', token: tok })).statusCode, 404)
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/mine/budget', token: tok })).statusCode, 200)
})

t.test('a token scope follows the dataset, not its name: a new dataset of the same name is not opened', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const create = () => h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'demo', bits: N, epsilonBudget: 1 } })
  t.equal((await create()).statusCode, 201)
  const tok = (await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets: ['demo'] } })).json()
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/demo', token: tok.token })).statusCode, 200, 'the analyst opens "demo"')
  t.equal((await h.request({ method: 'DELETE', url: '/v1/datasets/demo' })).statusCode, 204)
  t.equal((await create()).statusCode, 201, 'a new "demo"')
  for (const url of ['/v1/datasets/demo', '/v1/datasets/demo/budget', '/v1/datasets/demo/sketches']) {
    t.equal((await h.request({ method: 'GET', url, token: tok.token })).statusCode, 404, `${url}: the old token does not open the new "demo"`)
  }
  t.same((await h.request({ method: 'GET', url: '/v1/datasets', token: tok.token })).json().datasets, [], 'nor lists it')
  const listed = (await h.request({ method: 'GET', url: '/v1/tokens' })).json().tokens.find((x: { id: string }) => x.id === tok.id)
  t.same(listed.datasets, [], 'the token lists no live dataset')
  t.match(listed.scopes, [{ dataset: 'demo', deleted: true }], 'its scope is the deleted "demo"')
})
