import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { formatBits } from '../../sketch/bits.js'
import { dbSnapshot, testApp, type TestApp } from '../support/app.js'

const N = 64

function bitsAt(distance: number, offset: number): string {
  // records at a known Hamming distance from the all-zero query
  return Array.from({ length: N }, (_, i) => (i >= offset && i < offset + distance ? '1' : '0')).join('')
}

async function setup(h: TestApp, budget: number | string, m = 40): Promise<void> {
  const res = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'g', bits: N, epsilonBudget: budget, retainRaw: true } })
  if (res.statusCode !== 201) throw new Error(res.body)
  const records = Array.from({ length: m }, (_, i) => ({ id: `r${i}`, bits: bitsAt(i % 33, i % 7) }))
  const up = await h.request({ method: 'POST', url: '/v1/datasets/g/records', payload: { records } })
  if (up.statusCode !== 201) throw new Error(up.body)
}

const zero = '0'.repeat(N)

t.test('geometric answers: charged, noisy around the exact distance, with intervals', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 100)
  const res = await h.request({
    method: 'POST',
    url: '/v1/datasets/g/query',
    payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon: 2, top: 1000 },
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.epsilonCharged, 2)
  t.equal(body.results.length, 40)
  t.equal(body.privacy.epsilonSpent, 2)
  t.equal(body.privacy.profile[0].changedBits, 1)
  let covered = 0
  for (const r of body.results) {
    const truth = Number(r.id.slice(1)) % 33
    t.ok(r.ciLow <= r.estimate && r.estimate <= r.ciHigh)
    if (r.ciLow <= truth && truth <= r.ciHigh) covered++
    t.ok(Number.isInteger(r.unbiasedEstimate), 'the unbiased estimate is the noisy integer')
    t.equal(Math.min(Math.max(r.unbiasedEstimate, 0), N), r.estimate, 'and the estimate is it clipped to [0, n]')
  }
  t.ok(covered >= 34, `most 95 % intervals cover the truth (${covered}/40)`)
  const sorted = body.results.map((r: { estimate: number }) => r.estimate)
  t.same(sorted, [...sorted].sort((a, b) => a - b), 'sorted by the noisy estimate')
  const budget = (await h.request({ method: 'GET', url: '/v1/datasets/g/budget' })).json()
  t.equal(budget.spent, 2)
  t.equal(budget.ledger.length, 1)
  t.equal(budget.ledger[0].kind, 'query')
  t.notOk(JSON.stringify(budget).includes(zero), 'no bits in the ledger')

  const top = await h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon: 1, top: 5, maxDistance: 10 } })
  t.ok(top.json().results.length <= 5)
  for (const r of top.json().results) t.ok(r.estimate <= 10, 'maxDistance applies to the noisy value')

  const edit = await h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'edit', query: zero, mechanism: 'geometric', epsilon: 1, k: 40 } })
  t.equal(edit.statusCode, 200)
  t.equal(edit.json().epsilonCharged, 1)
})

t.test('bad ε is a 400 and changes nothing', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 1)
  const before = dbSnapshot(h.db)
  for (const epsilon of ['NaN', -1, 0, '1e400', 'abc', true, 1e9, '0x10', null] as unknown[]) {
    const res = await h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon } })
    t.equal(res.statusCode, 400, `epsilon ${JSON.stringify(epsilon)}`)
    t.equal(dbSnapshot(h.db), before)
  }
  const absent = await h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric' } })
  t.equal(absent.statusCode, 400)
  t.equal(dbSnapshot(h.db), before)
})

t.test('geometric needs retained raw bits', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'noraw', bits: N, epsilonBudget: 5 } })
  await h.request({ method: 'POST', url: '/v1/datasets/noraw/records', payload: { records: [{ bits: zero }] } })
  const res = await h.request({ method: 'POST', url: '/v1/datasets/noraw/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon: 1 } })
  t.equal(res.statusCode, 409)
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/noraw/budget' })).json().spent, 0, 'nothing charged')
})

t.test('50 concurrent charged queries against a budget for exactly 10', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 1)
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon: '0.1' } }),
    ),
  )
  const ok = results.filter((r) => r.statusCode === 200)
  const refused = results.filter((r) => r.statusCode === 409)
  t.equal(ok.length, 10)
  t.equal(refused.length, 40)
  t.equal(refused[0].json().type, '/problems/budget-exhausted')
  t.equal(refused[0].json().remaining, 0, 'the problem says what remains')
  const row = h.db.prepare("SELECT spent_micro, budget_micro FROM datasets WHERE name = 'g'").get() as { spent_micro: number; budget_micro: number }
  t.equal(row.spent_micro, 1_000_000, 'spent = 10 × 0.1 to the micro-ε')
  const ledger = h.db.prepare("SELECT SUM(epsilon_micro) AS s, COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { s: number; c: number }
  t.same(ledger, { s: 1_000_000, c: 10 })
})

function runChild(dbPath: string, epsilonMicro: number, max?: number) {
  return spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'charge-loop.ts'), dbPath, 'g', String(epsilonMicro), ...(max ? [String(max)] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

t.test('several processes debiting one database never overspend', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 1)
  const children = Array.from({ length: 4 }, () => runChild(h.config.dbPath, 100_000))
  const outputs = await Promise.all(
    children.map(
      (c) =>
        new Promise<string>((resolve, reject) => {
          let out = ''
          let err = ''
          c.stdout.on('data', (d) => (out += d))
          c.stderr.on('data', (d) => (err += d))
          c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))))
        }),
    ),
  )
  const released = outputs.join('').split('\n').filter(Boolean).length
  t.equal(released, 10, 'exactly 10 answers across 4 processes')
  const row = h.db.prepare("SELECT spent_micro FROM datasets WHERE name = 'g'").get() as { spent_micro: number }
  t.equal(row.spent_micro, 1_000_000)
})

t.test('SIGKILL in the middle of a debit loop loses no ledger row', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 1000, 200)
  const dbPath = h.config.dbPath
  for (let round = 0; round < 3; round++) {
    const before = (h.db.prepare("SELECT COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { c: number }).c
    const child = runChild(dbPath, 1000)
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await new Promise<void>((resolve) => {
      child.stdout.on('data', () => {
        if (out.split('\n').length > 20 + round * 15) child.kill('SIGKILL')
      })
      child.on('exit', () => resolve())
    })
    const released = out.split('\n').filter((l) => l.startsWith('released')).length
    const check = openDatabase(dbPath)
    const integrity = check.pragma('integrity_check', { simple: true })
    const rows = (check.prepare("SELECT COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { c: number }).c - before
    const spent = check.prepare("SELECT spent_micro AS s FROM datasets WHERE name = 'g'").get() as { s: number }
    const sum = check.prepare("SELECT SUM(epsilon_micro) AS s FROM ledger WHERE dataset_name = 'g' AND kind = 'query'").get() as { s: number }
    check.close()
    t.equal(integrity, 'ok', `round ${round}: integrity_check`)
    t.ok(released > 0, `round ${round}: the child released answers before the kill (${released})`)
    t.ok(rows >= released, `round ${round}: every released answer has its ledger row (${rows} rows ≥ ${released} released)`)
    t.ok(rows <= released + 1, `round ${round}: at most the one debit in flight is unreleased`)
    t.equal(spent.s, sum.s, `round ${round}: spent equals the ledger sum`)
  }
})

t.test('records are never read back in responses', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await setup(h, 10)
  const secret = bitsAt(17, 3)
  const res = await h.request({ method: 'POST', url: '/v1/datasets/g/query', payload: { metric: 'hamming', query: zero, mechanism: 'geometric', epsilon: 1, top: 1000 } })
  for (const enc of ['binary', 'hex', 'base64'] as const) {
    const text = enc === 'binary' ? secret : formatBits(Buffer.from(BigInt('0b' + secret).toString(16).padStart(16, '0'), 'hex'), enc, N)
    t.notOk(res.body.includes(text), `no ${enc} bits in the answer`)
    t.notOk(h.logLines.some((l) => l.includes(text)), `no ${enc} bits in the logs`)
  }
})
