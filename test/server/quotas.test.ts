/**
 * Per-token ε quotas through the real app (inject) on a real SQLite file: the token body's forms,
 * the debit of budget and quota together, the 409 `budget-exhausted` naming the limit hit (nothing
 * charged), batches charged in total against the quota, and the budget view per principal (admin)
 * and of the analyst's own quota.
 */
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { testApp, type TestApp } from '../support/app.js'

const N = 16
const bits = (i: number) => (i & 0xffff).toString(2).padStart(N, '0')

async function setup(t: Test, budget: number): Promise<TestApp> {
  const h = await testApp({ env: { DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  const ok = (res: LightMyRequestResponse, status: number) => {
    if (res.statusCode !== status) throw new Error(`setup: ${res.statusCode} ${res.body}`)
  }
  ok(await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'q', bits: N, epsilonBudget: budget, retainRaw: true } }), 201)
  ok(await h.request({ method: 'POST', url: '/v1/datasets/q/records', payload: { records: Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, bits: bits(i * 7919) })) } }), 201)
  ok(await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'other', bits: N, epsilonBudget: 1 } }), 201)
  return h
}

const charge = (h: TestApp, token: string, epsilon: string, url = '/v1/datasets/q/query') =>
  h.request({ method: 'POST', url, token, payload: { metric: 'hamming', mechanism: 'geometric', epsilon, query: bits(1) } })

const analyst = async (h: TestApp, datasets: unknown, label?: string) => {
  const res = await h.request({ method: 'POST', url: '/v1/tokens', payload: { role: 'analyst', datasets, ...(label ? { label } : {}) } })
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; token: string; datasets: string[]; scopes: { dataset: string; epsilonQuota: number | null; spent: number; remaining: number | null }[] }
}

t.test('the token body: names, names with quotas, and what is refused', async (t) => {
  const h = await setup(t, 10)
  const mixed = await analyst(h, ['other', { name: 'q', epsilonQuota: '0.3' }])
  t.same([...mixed.datasets].sort(), ['other', 'q'], 'both datasets are in scope')
  t.same(
    mixed.scopes.map((s) => [s.dataset, s.epsilonQuota, s.spent, s.remaining]).sort(),
    [
      ['other', null, 0, null],
      ['q', 0.3, 0, 0.3],
    ],
    'q with its quota, other without',
  )
  const bad: [string, unknown, number][] = [
    ['a quota on an admin token', { role: 'admin', datasets: [{ name: 'q', epsilonQuota: 1 }] }, 400],
    ['a dataset that does not exist', { role: 'analyst', datasets: [{ name: 'nope', epsilonQuota: 1 }] }, 404],
    ['a dataset listed twice', { role: 'analyst', datasets: ['q', { name: 'q', epsilonQuota: 1 }] }, 400],
    ['a zero quota', { role: 'analyst', datasets: [{ name: 'q', epsilonQuota: 0 }] }, 400],
    ['a negative quota', { role: 'analyst', datasets: [{ name: 'q', epsilonQuota: '-1' }] }, 400],
    ['a quota that is not a number', { role: 'analyst', datasets: [{ name: 'q', epsilonQuota: 'lots' }] }, 400],
    ['an unknown field', { role: 'analyst', datasets: [{ name: 'q', quota: 1 }] }, 400],
  ]
  const before = (h.db.prepare('SELECT COUNT(*) AS c FROM tokens').get() as { c: number }).c
  for (const [what, payload, status] of bad) {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', payload: payload as object })
    t.equal(res.statusCode, status, `${what} → ${status}`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  t.equal((h.db.prepare('SELECT COUNT(*) AS c FROM tokens').get() as { c: number }).c, before, 'no token was created by a refused request')
})

t.test('a charge debits the quota and the budget together; the quota is the limit hit', async (t) => {
  const h = await setup(t, 10)
  const limited = await analyst(h, [{ name: 'q', epsilonQuota: '0.3' }], 'limited')
  const free = await analyst(h, ['q'], 'free')
  for (let i = 0; i < 3; i++) t.equal((await charge(h, limited.token, '0.1')).statusCode, 200, `charge ${i + 1} of 0.1 within the quota of 0.3`)
  const refused = await charge(h, limited.token, '0.1')
  t.equal(refused.statusCode, 409, 'the fourth would exceed the quota')
  t.match(refused.json(), { type: '/problems/budget-exhausted', limit: 'token-quota', requested: 0.1, remaining: 0 })
  t.match(refused.json().detail, /quota/, 'the message names the quota')
  t.equal((await charge(h, limited.token, '0.001')).statusCode, 409, 'nothing more, however small')
  t.equal((await charge(h, free.token, '0.5')).statusCode, 200, 'a token without a quota is limited by the budget only')

  const mine = (await h.request({ method: 'GET', url: '/v1/datasets/q/budget', token: limited.token })).json()
  t.same(mine.quota, { epsilonQuota: 0.3, spent: 0.3, remaining: 0, epsilonQuotaMicro: 300_000, spentMicro: 300_000, remainingMicro: 0 }, 'the analyst sees its own quota, exact to the micro-ε')
  t.notOk('principals' in mine, 'but not what others spent per principal')
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/q/budget', token: free.token })).json().quota, null, 'a token without a quota sees none')

  const admin = (await h.request({ method: 'GET', url: '/v1/datasets/q/budget' })).json()
  t.equal(admin.spentMicro, 800_000, 'the dataset spent 0.3 + 0.5')
  t.notOk('quota' in admin, 'an admin has no quota')
  t.same(
    admin.principals.map((p: { tokenId: string; label: string; spentMicro: number; epsilonQuota: number | null; remaining: number | null }) => [p.tokenId, p.label, p.spentMicro, p.epsilonQuota, p.remaining]),
    [
      [free.id, 'free', 500_000, null, null],
      [limited.id, 'limited', 300_000, 0.3, 0],
    ],
    'spent per principal, with quotas',
  )
  const rows = h.db.prepare("SELECT token_id AS t, SUM(epsilon_micro) AS s, COUNT(*) AS c FROM ledger WHERE kind = 'query' GROUP BY token_id ORDER BY token_id").all()
  t.same(rows, [free.id, limited.id].sort().map((id) => ({ t: id, s: id === free.id ? 500_000 : 300_000, c: id === free.id ? 1 : 3 })), 'refused charges left no ledger row')
  const listed = (await h.request({ method: 'GET', url: '/v1/tokens' })).json().tokens.find((x: { id: string }) => x.id === limited.id)
  t.match(listed.scopes, [{ dataset: 'q', epsilonQuota: 0.3, spent: 0.3, remaining: 0 }], 'the token list shows the quota used up')
})

t.test('the dataset budget is the limit hit when it runs out first', async (t) => {
  const h = await setup(t, 0.5)
  const tok = await analyst(h, [{ name: 'q', epsilonQuota: 2 }])
  for (let i = 0; i < 5; i++) t.equal((await charge(h, tok.token, '0.1')).statusCode, 200)
  const refused = await charge(h, tok.token, '0.1')
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { type: '/problems/budget-exhausted', limit: 'dataset-budget', remaining: 0 })
  t.match(refused.json().detail, /budget/)
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/q/budget', token: tok.token })).json().quota.remainingMicro, 1_500_000, 'the quota is charged only for what was released')
})

t.test('a batch is charged in total against the quota, all or nothing', async (t) => {
  const h = await setup(t, 10)
  const tok = await analyst(h, [{ name: 'q', epsilonQuota: '0.25' }])
  const batch = (n: number) =>
    h.request({ method: 'POST', url: '/v1/datasets/q/query:batch', token: tok.token, payload: { metric: 'hamming', mechanism: 'geometric', epsilon: '0.1', queries: Array.from({ length: n }, (_, i) => bits(i)) } })
  t.equal((await batch(2)).statusCode, 200, '2 × 0.1 within 0.25')
  const refused = await batch(2)
  t.equal(refused.statusCode, 409, 'another 2 × 0.1 would exceed it')
  t.match(refused.json(), { limit: 'token-quota', requested: 0.2 })
  const quota = (await h.request({ method: 'GET', url: '/v1/datasets/q/budget', token: tok.token })).json().quota
  t.equal(quota.spentMicro, 200_000, 'the refused batch charged nothing')
  t.equal((await batch(1)).statusCode, 409, 'one more query of 0.1 does not fit either')
  t.equal((await charge(h, tok.token, '0.05')).statusCode, 200, 'what is left, 0.05, can still be spent')
})
