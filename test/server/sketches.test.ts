import t from 'tap'
import { LCP_TREE_DEFAULT_STRIDE } from '../../sketch/mechanisms/lcp-tree/layout.js'
import { formatBits, randomBits, wordsToBytes } from '../../sketch/bits.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { dbSnapshot, testApp, type TestApp } from '../support/app.js'
import { localOperator } from '../../core/principal.js'

const N = 256
const M = 300

/** Records at planted Hamming distances 0..63 from a random query (and their truths). */
function plantedRecords(seed: string) {
  const rng = new SeededNoiseSource(seed)
  const query = randomBits(N, () => rng.nextUint32())
  const truth = new Map<string, number>()
  const records = Array.from({ length: M }, (_, r) => {
    const bits = query.slice()
    const d = r % 64
    const positions = new Set<number>()
    while (positions.size < d) positions.add(rng.nextUint32() % N)
    for (const p of positions) bits[p >>> 5] ^= 1 << (31 - (p & 31))
    truth.set(`rec${r}`, d)
    return { id: `rec${r}`, bits: formatBits(wordsToBytes(bits, N), 'hex', N) }
  })
  return { query: formatBits(wordsToBytes(query, N), 'hex', N), records, truth }
}

/** The build's final view: waits for the build itself (an event), then reads its status over HTTP. */
async function waitReady(h: TestApp, dataset: string, id: string) {
  await h.services.sketches.whenDone(id)
  return (await h.request({ method: 'GET', url: `/v1/datasets/${dataset}/sketches/${id}` })).json()
}

async function createLoaded(h: TestApp, name: string, budget: number, retainRaw: boolean, data = plantedRecords(name)) {
  let res = await h.request({ method: 'POST', url: '/v1/datasets', payload: { name, bits: N, epsilonBudget: budget, retainRaw } })
  if (res.statusCode !== 201) throw new Error(res.body)
  res = await h.request({ method: 'POST', url: `/v1/datasets/${name}/records`, payload: { encoding: 'hex', records: data.records } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return data
}

t.test('estimate, build, poll, query and budget through HTTP (parity)', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = await createLoaded(h, 'ham', 10, true)

  const before = dbSnapshot(h.db)
  const est = await h.request({ method: 'POST', url: '/v1/datasets/ham/sketches:estimate', payload: { metric: 'hamming', epsilon: 5, k: 64, targetSd: 8 } })
  t.equal(est.statusCode, 200, est.body)
  const e = est.json()
  t.equal(e.mechanism, 'parity')
  t.equal(e.epsilon, 5)
  t.ok(e.bytesPerRecord > 0)
  t.ok(e.predictedSd.atK >= e.predictedSd.atZero)
  t.type(e.minEpsilonForTargetSd, 'number')
  t.equal(dbSnapshot(h.db), before, 'the dry run charges and writes nothing')

  const build = await h.request({ method: 'POST', url: '/v1/datasets/ham/sketches', payload: { metric: 'hamming', epsilon: 5, k: 64 } })
  t.equal(build.statusCode, 202, build.body)
  t.match(build.headers.location, /\/v1\/datasets\/ham\/sketches\/sk_/)
  const budgetNow = (await h.request({ method: 'GET', url: '/v1/datasets/ham/budget' })).json()
  t.equal(budgetNow.spent, 5, 'charged when the job is accepted, before any noise')
  t.equal(budgetNow.ledger[0].kind, 'sketch')
  t.equal(budgetNow.ledger[0].details.sketchId, build.json().id)

  const ready = await waitReady(h, 'ham', build.json().id)
  t.equal(ready.status, 'ready')
  t.equal(ready.progress, M)
  t.equal(ready.progressFraction, 1)

  const q = await h.request({ method: 'POST', url: '/v1/datasets/ham/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex', top: M } })
  t.equal(q.statusCode, 200, q.body)
  const body = q.json()
  t.equal(body.epsilonCharged, 0)
  t.equal(body.privacy.epsilonOfRelease, 5, 'the answer names the ε of the sketch it comes from')
  t.same(body.privacy.profile[0], { changedBits: 1, epsilon: 5 })
  t.equal(body.results.length, M)
  t.equal(body.sketch.id, build.json().id)
  let covered = 0
  let absErr = 0
  for (const r of body.results) {
    const truth = data.truth.get(r.id)!
    absErr += Math.abs(r.estimate - truth)
    if (r.ciLow <= truth && truth <= r.ciHigh) covered++
    t.ok(r.ciLow <= r.estimate && r.estimate <= r.ciHigh)
    if (r.status === 'ok') {
      t.equal(typeof r.unbiasedEstimate, 'number', 'an ok record has an unbiased estimate')
      t.equal(Math.min(Math.max(r.unbiasedEstimate, 0), N), r.estimate, 'the estimate is the unbiased one clipped at 0')
    } else t.equal(r.unbiasedEstimate, null, 'a saturated record has none')
  }
  t.comment(`parity ε=5 k=64: mean |error| ${(absErr / M).toFixed(2)}, 95 % coverage ${((100 * covered) / M).toFixed(1)} %`)
  t.ok(covered / M > 0.85, 'intervals cover the truth for most records')
  const top = await h.request({ method: 'POST', url: '/v1/datasets/ham/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex', top: 5, maxDistance: 40 } })
  t.equal(top.json().results.length, 5)
  t.ok(top.json().results.every((r: { estimate: number }) => r.estimate <= 40))

  const batch = await h.request({
    method: 'POST',
    url: '/v1/datasets/ham/query:batch',
    payload: { metric: 'hamming', encoding: 'hex', top: 3, queries: [data.query, data.records[10].bits] },
  })
  t.equal(batch.statusCode, 200, batch.body)
  t.equal(batch.json().answers.length, 2)
  const single = await h.request({ method: 'POST', url: '/v1/datasets/ham/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex', top: 3 } })
  t.same(batch.json().answers[0].results, single.json().results, 'a batch answers like single queries')
  t.equal(batch.json().epsilonCharged, 0)
  const after = (await h.request({ method: 'GET', url: '/v1/datasets/ham/budget' })).json()
  t.equal(after.spent, 5, 'sketch queries are free')
})

t.test('a build over the remaining budget is refused and nothing is built', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  await createLoaded(h, 'small', 1, true)
  const before = dbSnapshot(h.db)
  const res = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches', payload: { metric: 'hamming', epsilon: 2, k: 16 } })
  t.equal(res.statusCode, 409)
  t.equal(res.json().type, '/problems/budget-exhausted')
  t.equal(dbSnapshot(h.db), before, 'no sketch row, no ledger row, nothing spent')
  const bad = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches', payload: { metric: 'hamming', epsilon: 'NaN', k: 16 } })
  t.equal(bad.statusCode, 400)
  const badK = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches', payload: { metric: 'hamming', epsilon: 0.5, k: N + 1 } })
  t.equal(badK.statusCode, 400)
  const typo = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches', payload: { metric: 'hamming', epsilon: 0.5, k: 8, options: { cels: 64 } } })
  t.equal(typo.statusCode, 400, 'an unknown option is refused, not ignored')
  t.match(typo.json().detail, /unknown parity option "cels" \(it takes: cells, repetitions, maxBytesPerRecord\)/)
  const noOptions = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches:estimate', payload: { metric: 'edit', epsilon: 8, k: 8, options: { band: 3 } } })
  t.equal(noOptions.statusCode, 400)
  t.match(noOptions.json().detail, /unknown noisy-bits option "band" \(it takes none\)/)
  const badMech = await h.request({ method: 'POST', url: '/v1/datasets/small/sketches', payload: { metric: 'hamming', mechanism: 'noisy-bits', epsilon: 0.5, k: 8 } })
  t.equal(badMech.statusCode, 400)
  const noSketch = await h.request({ method: 'POST', url: '/v1/datasets/small/query', payload: { metric: 'hamming', query: '00'.repeat(N / 8), encoding: 'hex' } })
  t.equal(noSketch.statusCode, 409, 'querying before any sketch exists')
  t.equal(dbSnapshot(h.db), before)
})

t.test('without retainRaw the raw bits are deleted once the first sketch is ready', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = await createLoaded(h, 'sealed', 10, false)
  const build = await h.request({ method: 'POST', url: '/v1/datasets/sealed/sketches', payload: { metric: 'hamming', epsilon: 2, k: 32 } })
  const ready = await waitReady(h, 'sealed', build.json().id)
  t.equal(ready.status, 'ready')
  const raw = h.db.prepare('SELECT COUNT(*) AS c FROM records WHERE bits IS NOT NULL').get() as { c: number }
  t.equal(raw.c, 0, 'no raw bits remain')
  const show = (await h.request({ method: 'GET', url: '/v1/datasets/sealed' })).json()
  t.equal(show.rawDeleted, true)
  const again = await h.request({ method: 'POST', url: '/v1/datasets/sealed/sketches', payload: { metric: 'hamming', epsilon: 2, k: 32 } })
  t.equal(again.statusCode, 409, 'cannot be sketched again')
  const upload = await h.request({ method: 'POST', url: '/v1/datasets/sealed/records', payload: { records: [{ id: 'late', bits: '0'.repeat(N) }] } })
  t.equal(upload.statusCode, 409, 'a sealed dataset takes no new records')
  const q = await h.request({ method: 'POST', url: '/v1/datasets/sealed/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex' } })
  t.equal(q.statusCode, 200, 'queries still work from the sketch')
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/sealed/budget' })).json().spent, 2)
})

t.test('sketches survive a restart: loaded from the database into memory', async (t) => {
  const h = await testApp()
  const dir = h.dir
  const data = await createLoaded(h, 'persist', 10, true)
  const build = await h.request({ method: 'POST', url: '/v1/datasets/persist/sketches', payload: { metric: 'hamming', epsilon: 3, k: 64 } })
  await waitReady(h, 'persist', build.json().id)
  const first = (await h.request({ method: 'POST', url: '/v1/datasets/persist/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex', top: 20 } })).json()
  await h.app.close()
  h.db.close()
  const h2 = await testApp({ dir })
  t.teardown(h2.close)
  const second = (await h2.request({ method: 'POST', url: '/v1/datasets/persist/query', payload: { metric: 'hamming', query: data.query, encoding: 'hex', top: 20 } })).json()
  t.same(second.results, first.results, 'the same frozen answers after a restart')
})

t.test('edit-distance sketches through the same surface (noisy-bits)', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = await createLoaded(h, 'ed', 20, true)
  const est = await h.request({ method: 'POST', url: '/v1/datasets/ed/sketches:estimate', payload: { metric: 'edit', epsilon: 8, k: 16 } })
  t.equal(est.statusCode, 200, est.body)
  t.equal(est.json().mechanism, 'noisy-bits')
  const build = await h.request({ method: 'POST', url: '/v1/datasets/ed/sketches', payload: { metric: 'edit', epsilon: 8, k: 16 } })
  t.equal(build.statusCode, 202, build.body)
  const ready = await waitReady(h, 'ed', build.json().id)
  t.equal(ready.status, 'ready', JSON.stringify(ready))
  const q = await h.request({ method: 'POST', url: '/v1/datasets/ed/query', payload: { metric: 'edit', query: data.query, encoding: 'hex', top: M } })
  t.equal(q.statusCode, 200, q.body)
  const near = q.json().results.filter((r: { id: string }) => data.truth.get(r.id)! <= 8)
  t.ok(near.length > 0)
  // edit distance ≤ Hamming distance for equal lengths, so the planted Hamming distance bounds it
  for (const r of near) t.ok(r.estimate <= data.truth.get(r.id)! + 6, `edit estimate within the planted bound for ${r.id}`)
  const lcp = await h.request({ method: 'POST', url: '/v1/datasets/ed/sketches:estimate', payload: { metric: 'edit', mechanism: 'lcp-tree', epsilon: 5, k: 16 } })
  t.equal(lcp.statusCode, 200)
  t.equal(lcp.json().reliable, false, 'lcp-tree below its reliable ε is flagged before anyone spends')
})

t.test('lcp-tree through HTTP: build, query, flagged unreliable below its ε', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = await createLoaded(h, 'lcp', 200, true)
  const build = await h.request({ method: 'POST', url: '/v1/datasets/lcp/sketches', payload: { metric: 'edit', mechanism: 'lcp-tree', epsilon: 20, k: 16 } })
  t.equal(build.statusCode, 202, build.body)
  t.equal(build.json().reliable, false)
  t.equal(build.json().params.levelStride, LCP_TREE_DEFAULT_STRIDE, 'the default level stride is part of the public plan')
  const ready = await waitReady(h, 'lcp', build.json().id)
  t.equal(ready.status, 'ready', JSON.stringify(ready))
  const q = await h.request({ method: 'POST', url: '/v1/datasets/lcp/query', payload: { metric: 'edit', query: data.query, encoding: 'hex', top: 20 } })
  t.equal(q.statusCode, 200, q.body)
  t.equal(q.json().sketch.mechanism, 'lcp-tree')
  t.ok(q.json().results.length > 0)
  t.ok(q.json().results.every((r: { status: string }) => r.status === 'unreliable'), 'every estimate carries the flag')
  t.ok(q.json().privacy.notes.some((n: string) => /unreliable/.test(n)))
  // every dyadic level stored, as in the paper: a plan option
  const big = await h.request({ method: 'POST', url: '/v1/datasets/lcp/sketches', payload: { metric: 'edit', mechanism: 'lcp-tree', epsilon: 130, k: 16, options: { levelStride: 1 } } })
  t.equal(big.statusCode, 202)
  t.equal(big.json().params.levelStride, 1)
  t.ok(big.json().delta > build.json().delta, 'every level stored: a larger Δ')
  const ok = await waitReady(h, 'lcp', big.json().id)
  const q2 = await h.request({ method: 'POST', url: '/v1/datasets/lcp/query', payload: { metric: 'edit', query: data.query, encoding: 'hex', top: 50, sketch: ok.id } })
  t.equal(q2.statusCode, 200)
  for (const r of q2.json().results) {
    if (r.status === 'ok') t.ok(r.estimate <= data.truth.get(r.id)! + 2, `near the planted bound for ${r.id}`)
  }
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/lcp/budget' })).json().spent, 150)
})

t.test('an inline build (no worker threads) writes progress while it reads the records', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '0' } })
  t.teardown(h.close)
  const m = 9000
  const rng = new SeededNoiseSource('inline')
  await h.services.datasets.load(
    localOperator,
    (await h.services.datasets.create(localOperator, { name: 'inline', bits: 64, unitBits: 1, budgetMicro: 5_000_000, retainRaw: true, metrics: ['hamming'] })).name,
    (async function* () {
      yield Array.from({ length: m }, () => ({ id: null, bytes: wordsToBytes(randomBits(64, () => rng.nextUint32()), 64) }))
    })(),
  )
  const d = h.services.datasets.get(localOperator, 'inline')
  const job = await h.services.sketches.build(localOperator, d, { metric: 'hamming', epsilonMicro: 2_000_000, k: 8 })
  await h.services.sketches.whenDone(job.id)
  const done = h.services.sketches.get(d, job.id)
  t.equal(done.status, 'ready', done.error ?? '')
  t.equal(done.progress, m, 'progress reached every record (written during the read, past 4096 records)')
})
