/**
 * A walk through the whole API with the generated client, as a client developer would write it:
 * `tsx clients/typescript/walkthrough.ts <baseUrl> <adminToken>`. Exits non-zero (with one line)
 * at the first answer that differs from what the types and the contract promise; test/clients
 * type-checks and runs it against a listening server.
 */
import { asIs, dpdistClient, type Problem } from './index.js'

const [baseUrl, token] = process.argv.slice(2)
const api = dpdistClient(baseUrl, token)
const name = `walk-${Date.now()}`
const bits = 16

function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`contract broken: ${what}`)
}

function isProblem(body: Problem | undefined, type: Problem['type'], status: number, response: Response): void {
  check(body && body.type === type && body.status === status, `expected a ${status} ${type} problem, got ${JSON.stringify(body)}`)
  check(response.headers.get('content-type')?.startsWith('application/problem+json'), 'problems are application/problem+json')
}

const params = { path: { name } }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function createAndUpload(): Promise<void> {
  const created = await api.POST('/v1/datasets', { body: { name, bits, epsilonBudget: 10, retainRaw: true } })
  check(created.response.status === 201 && created.data?.name === name && created.data.unitBits === 1, 'create dataset')

  const row = (i: number) => (i.toString(2).padStart(bits, '0'))
  const uploads = [
    await api.POST('/v1/datasets/{name}/records', { params, body: { records: [{ id: 'j0', bits: row(1) }, { id: 'j1', bits: row(2) }] } }),
    await api.POST('/v1/datasets/{name}/records', { params, body: `{"id":"n0","bits":"${row(3)}"}\n`, headers: { 'content-type': 'application/x-ndjson' }, ...asIs }),
    await api.POST('/v1/datasets/{name}/records', { params, body: `t0\t${row(4)}\n`, headers: { 'content-type': 'text/plain' }, ...asIs }),
    await api.POST('/v1/datasets/{name}/records', { params, body: `c0,${row(5)}\n`, headers: { 'content-type': 'text/csv' }, ...asIs }),
    await api.POST('/v1/datasets/{name}/records', {
      params: { ...params, header: { 'Record-Bits': String(bits), 'Record-Count': '2' } },
      body: new Uint8Array([0xff, 0x00, 0x0f, 0xf0]),
      headers: { 'content-type': 'application/octet-stream' },
      ...asIs,
    }),
    await api.POST('/v1/datasets/{name}/records', { params, body: { clks: [Buffer.from([0xaa, 0x55]).toString('base64')] } }),
  ]
  uploads.forEach((u, i) => check(u.response.status === 201 && u.data && u.data.loaded >= 1, `upload ${i}: ${u.response.status}`))
  check(uploads.at(-1)?.data?.records === 8, 'eight records after six uploads')

  const bad = await api.POST('/v1/datasets/{name}/records', { params, body: { records: [{ bits: '01' }] } })
  isProblem(bad.error, '/problems/invalid-records', 400, bad.response)
}

async function sketchAndQuery(): Promise<string> {
  const estimate = await api.POST('/v1/datasets/{name}/sketches:estimate', { params, body: { metric: 'hamming', epsilon: 1, k: bits, targetSd: 2 } })
  check(estimate.data && estimate.data.bytesPerRecord > 0, 'estimate')
  const built = await api.POST('/v1/datasets/{name}/sketches', { params, body: { metric: 'hamming', epsilon: 1, k: bits } })
  check(built.response.status === 202 && built.data, 'build sketch')
  check(built.response.headers.get('location') === `/v1/datasets/${name}/sketches/${built.data.id}`, 'Location of the sketch')
  const deadline = Date.now() + 120_000
  for (;;) {
    const s = await api.GET('/v1/datasets/{name}/sketches/{id}', { params: { path: { name, id: built.data.id } } })
    check(s.data && s.data.status !== 'failed', 'sketch builds')
    if (s.data.status === 'ready') break
    check(Date.now() < deadline, 'sketch ready within two minutes')
    await sleep(100)
  }
  const q = await api.POST('/v1/datasets/{name}/query', { params, body: { metric: 'hamming', query: '0'.repeat(bits), top: 3 } })
  check(q.data && q.data.results.length === 3 && q.data.epsilonCharged === 0, 'query on the sketch is free')
  const batch = await api.POST('/v1/datasets/{name}/query:batch', { params, body: { metric: 'hamming', queries: ['0'.repeat(bits), '1'.repeat(bits)] } })
  check(batch.data && batch.data.answers.length === 2, 'batch answers every query')
  const geo = await api.POST('/v1/datasets/{name}/query', { params, body: { metric: 'hamming', query: '0'.repeat(bits), mechanism: 'geometric', epsilon: 1 } })
  check(geo.data && geo.data.epsilonCharged === 1, `geometric query is charged: ${geo.response.status}`)
  const over = await api.POST('/v1/datasets/{name}/query', { params, body: { metric: 'hamming', query: '0'.repeat(bits), mechanism: 'geometric', epsilon: 9 } })
  isProblem(over.error, '/problems/budget-exhausted', 409, over.response)
  const budget = await api.GET('/v1/datasets/{name}/budget', { params })
  check(budget.data && budget.data.spentMicro === 2_000_000 && budget.data.ledger.length >= 2, `budget shows both charges: ${budget.data?.spentMicro} ${budget.data?.ledger.length}`)
  return built.data.id
}

async function tokens(): Promise<void> {
  const created = await api.POST('/v1/tokens', { body: { role: 'analyst', datasets: [name] } })
  const secret = created.data
  check(created.response.status === 201 && secret?.token, 'create token')
  const list = await api.GET('/v1/tokens')
  check(list.data?.tokens.some((t) => t.id === secret.id), 'token listed')
  const analyst = dpdistClient(baseUrl, secret.token)
  const self = await analyst.GET('/v1/tokens/self')
  check(self.data?.role === 'analyst', 'analyst sees itself')
  const denied = await analyst.POST('/v1/datasets', { body: { name: `${name}-x`, bits, epsilonBudget: 1 } })
  isProblem(denied.error, '/problems/forbidden', 403, denied.response)
  const revoked = await api.DELETE('/v1/tokens/{id}', { params: { path: { id: secret.id } } })
  check(revoked.data?.revokedAt, 'revoked')
  const after = await analyst.GET('/v1/tokens/self')
  isProblem(after.error, '/problems/unauthorized', 401, after.response)
}

async function main(): Promise<void> {
  await createAndUpload()
  const sketch = await sketchAndQuery()
  await tokens()
  const missing = await api.GET('/v1/datasets/{name}', { params: { path: { name: `${name}-missing` } } })
  isProblem(missing.error, '/problems/not-found', 404, missing.response)
  const detail = await api.GET('/v1/datasets/{name}', { params })
  check(detail.data?.sketches.some((s) => s.id === sketch), 'dataset lists its sketch')
  process.stdout.write(`walkthrough ok: ${name}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
})
