/**
 * Similarity over HTTP: a Hamming sketch built with popcounts is charged once for both, and Dice and
 * Jaccard queries and batches answer scores with intervals, ranked best first, cut at minSimilarity.
 */
import t from 'tap'
import { testApp } from '../support/app.js'
import { exactDice, linkageData } from '../support/clk.js'
import { b64, clkDataset, readySketch } from '../support/linkage-http.js'

t.test('popcounts are charged with the sketch; similarity queries rank by score', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = linkageData(400, 40, 1, 3)
  await clkDataset(h, 'clk', data.records)
  const sketch = await readySketch(h, 'clk', { epsilon: 4, k: 400, popcounts: { epsilon: 1 } })
  const budget = (await h.request({ method: 'GET', url: '/v1/datasets/clk/budget' })).json()
  t.equal(budget.spent, 5, 'one debit of sketch ε + popcount ε')
  t.equal(budget.ledger.filter((l: { kind: string }) => l.kind === 'sketch').length, 1, 'in a single ledger row')
  t.same((await h.request({ method: 'GET', url: `/v1/datasets/clk/sketches/${sketch.id}` })).json().popcounts, { epsilon: 1 })

  const res = await h.request({
    method: 'POST',
    url: '/v1/datasets/clk/query',
    payload: { metric: 'hamming', encoding: 'base64', query: b64(data.queries[0]), similarity: 'dice', top: 5 },
  })
  t.equal(res.statusCode, 200, res.body)
  const a = res.json()
  t.equal(a.similarity, 'dice')
  t.equal(a.privacy.epsilonOfRelease, 5, 'the privacy report states the total ε of the release')
  t.equal(a.epsilonCharged, 0)
  const scores = a.results.map((r: { similarity: number }) => r.similarity)
  t.same(scores, [...scores].sort((x, y) => y - x), 'sorted by similarity, best first')
  for (const r of a.results) t.ok(r.similarityLow <= r.similarity && r.similarity <= r.similarityHigh)
  t.equal(a.results[0].id, String(data.truth[0]), 'the corrupted copy finds its record first')
  const exact = exactDice(data.queries[0], data.records[data.truth[0]])
  t.ok(Math.abs(a.results[0].similarity - exact) < 0.1, `Dice ${a.results[0].similarity} vs exact ${exact.toFixed(3)}`)

  const batch = await h.request({
    method: 'POST',
    url: '/v1/datasets/clk/query:batch',
    payload: { metric: 'hamming', encoding: 'base64', queries: data.queries.slice(0, 20).map(b64), similarity: 'jaccard', minSimilarity: 0.6, top: 3 },
  })
  t.equal(batch.statusCode, 200, batch.body)
  let found = 0
  batch.json().answers.forEach((ans: { results: { id: string; similarity: number }[] }, j: number) => {
    for (const r of ans.results) t.ok(r.similarity >= 0.6, 'minSimilarity holds')
    if (ans.results[0]?.id === String(data.truth[j])) found++
  })
  t.ok(found >= 17, `${found} of 20 copies found first by Jaccard`)
})

t.test('similarity needs released popcounts and a Hamming sketch query', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = linkageData(100, 1, 1, 4)
  await clkDataset(h, 'plain', data.records)
  await readySketch(h, 'plain', { epsilon: 4, k: 64 })
  const q = { metric: 'hamming', encoding: 'base64', query: b64(data.queries[0]) }
  let res = await h.request({ method: 'POST', url: '/v1/datasets/plain/query', payload: { ...q, similarity: 'dice' } })
  t.equal(res.statusCode, 409, 'a sketch without popcounts: 409')
  t.match(res.json().detail, /popcounts/)
  res = await h.request({ method: 'POST', url: '/v1/datasets/plain/query', payload: { ...q, minSimilarity: 0.5 } })
  t.equal(res.statusCode, 400, 'minSimilarity alone')
  res = await h.request({ method: 'POST', url: '/v1/datasets/plain/query', payload: { ...q, similarity: 'dice', mechanism: 'geometric', epsilon: 1 } })
  t.equal(res.statusCode, 400, 'not with the geometric mechanism')
  res = await h.request({ method: 'POST', url: '/v1/datasets/plain/sketches', payload: { metric: 'edit', epsilon: 1, k: 8, popcounts: { epsilon: 1 } } })
  t.equal(res.statusCode, 400, 'popcounts only with Hamming sketches')
})
