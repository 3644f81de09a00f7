/**
 * Linkage runs over HTTP on synthetic CLKs: 5000 × 5000 end to end (greedy F1 next to exact Dice
 * greedy on the same data), anonlink's upload formats, refusals, deletion with the dataset, and a
 * run interrupted by a stop that is marked failed and completes when started again.
 */
import t from 'tap'
import { testApp, tempDir, type TestApp } from '../support/app.js'
import { exactGreedy, linkageData, scoreMatches } from '../support/clk.js'
import { b64, clkDataset, readySketch, waitFor } from '../support/linkage-http.js'

interface RunView { id: string; status: string; progress: number; queries: number; pairsCompared: number; pairsPerSecond: number | null; matches: number | null; error: string | null }

const packed = (clks: Uint8Array[]) => Buffer.concat(clks.map((c) => Buffer.from(c)))
const anonlinkHeaders = (count: number) => ({ 'content-type': 'application/octet-stream', 'hash-count': String(count), 'hash-size': '128' })

async function finished(h: TestApp, name: string, id: string): Promise<RunView> {
  return waitFor<RunView>(h, `/v1/datasets/${name}/linkage-runs/${id}`, (r) => r.status === 'completed' || r.status === 'failed')
}

t.test('5000 × 5000 CLKs: greedy on the private sketch vs exact Dice greedy', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = linkageData(5000, 5000, 0.5, 11)
  await clkDataset(h, 'owner', data.records)
  await readySketch(h, 'owner', { epsilon: 4, k: 400, popcounts: { epsilon: 1 } })
  const threshold = 0.7
  const res = await h.request({
    method: 'POST',
    url: `/v1/datasets/owner/linkage-runs?similarity=dice&threshold=${threshold}&top=5&solve=greedy`,
    headers: anonlinkHeaders(data.queries.length),
    payload: packed(data.queries),
  })
  t.equal(res.statusCode, 202, res.body)
  t.match(res.headers.location, /^\/v1\/datasets\/owner\/linkage-runs\/lr_/)
  const run = await finished(h, 'owner', res.json().id)
  t.equal(run.status, 'completed', run.error ?? '')
  t.equal(run.pairsCompared, 25_000_000)
  t.ok(run.pairsPerSecond !== null && run.pairsPerSecond > 0)

  const result = (await h.request({ method: 'GET', url: `/v1/datasets/owner/linkage-runs/${run.id}/result` })).json()
  t.equal(result.groups.length, run.matches)
  const matches: [number, number][] = result.groups.map((g: [number, number][]) => [g[0][1], g[1][1]])
  const privateScore = scoreMatches(matches, data.truth)
  const exactScore = scoreMatches(exactGreedy(data, threshold), data.truth)
  t.comment(`private greedy: precision ${privateScore.precision.toFixed(4)} recall ${privateScore.recall.toFixed(4)} F1 ${privateScore.f1.toFixed(4)}`)
  t.comment(`exact Dice greedy: precision ${exactScore.precision.toFixed(4)} recall ${exactScore.recall.toFixed(4)} F1 ${exactScore.f1.toFixed(4)}`)
  t.ok(Math.abs(privateScore.f1 - exactScore.f1) <= 0.03, `F1 ${privateScore.f1.toFixed(4)} within 0.03 of exact ${exactScore.f1.toFixed(4)}`)
  const usedQ = new Set(matches.map((m) => m[0]))
  const usedR = new Set(matches.map((m) => m[1]))
  t.ok(usedQ.size === matches.length && usedR.size === matches.length, 'groups are one-to-one')
  const scores = result.similarity_scores.map((s: [unknown, unknown, number]) => s[2])
  t.same(scores, [...scores].sort((a: number, b: number) => b - a), 'similarity_scores best first')
  t.ok(scores.every((s: number) => s >= threshold), 'all at or above the threshold')

  const csv = await h.request({ method: 'GET', url: `/v1/datasets/owner/linkage-runs/${run.id}/result`, headers: { accept: 'text/csv' } })
  t.match(csv.headers['content-type'], /text\/csv/)
  const lines = csv.body.trim().split('\n')
  t.equal(lines[0], 'query_index,query_id,record_index,record_id,score,low,high,matched')
  t.equal(lines.length - 1, result.pairs.length, 'one CSV line per candidate pair')
  t.equal(lines.filter((l) => l.endsWith(',1')).length, run.matches)
})

t.test('formats, refusals, listing and deletion', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const data = linkageData(300, 50, 0.8, 12)
  await clkDataset(h, 'ds', data.records)
  const url = '/v1/datasets/ds/linkage-runs?threshold=0.7&solve=greedy'
  let res = await h.request({ method: 'POST', url, payload: { clks: data.queries.map(b64) } })
  t.equal(res.statusCode, 409, 'no sketch yet: 409')
  t.match(res.json().detail, /no ready hamming sketch/)
  await readySketch(h, 'ds', { epsilon: 4, k: 64 })
  res = await h.request({ method: 'POST', url, payload: { clks: data.queries.map(b64) } })
  t.equal(res.statusCode, 409, 'a sketch without popcounts: 409')
  await readySketch(h, 'ds', { epsilon: 4, k: 400, popcounts: { epsilon: 1 } })
  res = await h.request({ method: 'POST', url: '/v1/datasets/nope/linkage-runs?threshold=0.7', payload: { clks: [b64(data.queries[0])] } })
  t.equal(res.statusCode, 404, 'no such dataset: 404')

  const bad = data.queries.map(b64)
  bad[7] = bad[7].slice(0, 40)
  res = await h.request({ method: 'POST', url, payload: { clks: bad } })
  t.equal(res.statusCode, 400)
  t.match(res.json().detail, /record 7/, 'names the record')
  res = await h.request({ method: 'POST', url, headers: anonlinkHeaders(3), payload: packed(data.queries.slice(0, 2)) })
  t.equal(res.statusCode, 400, 'Hash-Count disagrees with the body')
  res = await h.request({ method: 'POST', url, headers: { ...anonlinkHeaders(2), 'hash-size': '64' }, payload: packed(data.queries.slice(0, 2)) })
  t.equal(res.statusCode, 400, 'wrong Hash-Size')
  t.same((await h.request({ method: 'GET', url: '/v1/datasets/ds/linkage-runs' })).json().runs, [], 'nothing stored')

  res = await h.request({ method: 'POST', url, payload: { clks: data.queries.map(b64) } })
  t.equal(res.statusCode, 202, res.body)
  const run = await finished(h, 'ds', res.json().id)
  t.equal(run.status, 'completed')
  res = await h.request({ method: 'POST', url, headers: { 'content-type': 'application/x-ndjson' }, payload: data.queries.map((q, i) => JSON.stringify({ id: `q${i}`, bits: b64(q), encoding: 'base64' })).join('\n') })
  t.equal(res.statusCode, 202, res.body)
  const second = await finished(h, 'ds', res.json().id)
  const pairs = (await h.request({ method: 'GET', url: `/v1/datasets/ds/linkage-runs/${second.id}/result` })).json().pairs
  t.ok(pairs.length > 0 && pairs.every((p: { queryId: string }) => p.queryId.startsWith('q')), 'NDJSON ids name the queries')
  t.equal((await h.request({ method: 'GET', url: '/v1/datasets/ds/linkage-runs' })).json().runs.length, 2)
  t.equal((await h.request({ method: 'POST', url: `/v1/datasets/ds/linkage-runs/${run.id}/rerun` })).statusCode, 409, 'a completed run is not started again')

  t.equal((await h.request({ method: 'DELETE', url: `/v1/datasets/ds/linkage-runs/${run.id}` })).statusCode, 204)
  t.equal((await h.request({ method: 'GET', url: `/v1/datasets/ds/linkage-runs/${run.id}` })).statusCode, 404)
  t.equal((await h.request({ method: 'DELETE', url: '/v1/datasets/ds' })).statusCode, 204)
  for (const table of ['linkage_runs', 'linkage_queries', 'linkage_pairs']) {
    t.equal((h.db.prepare(`SELECT COUNT(*) AS c FROM ${table}`).get() as { c: number }).c, 0, `${table} went with the dataset`)
  }
  res = await h.request({ method: 'GET', url: `/v1/datasets/ds/linkage-runs/${second.id}` })
  t.equal(res.statusCode, 404, 'a run of a deleted dataset: 404')
})

t.test('a run interrupted by a stop is failed at the next start and completes when started again', async (t) => {
  const dir = tempDir()
  const data = linkageData(20_000, 3000, 0.3, 13)
  let h = await testApp({ dir })
  await clkDataset(h, 'big', data.records)
  await readySketch(h, 'big', { epsilon: 4, k: 400, popcounts: { epsilon: 1 } })
  const res = await h.request({ method: 'POST', url: '/v1/datasets/big/linkage-runs?threshold=0.7&solve=greedy', headers: anonlinkHeaders(3000), payload: packed(data.queries) })
  t.equal(res.statusCode, 202, res.body)
  const id = res.json().id
  await waitFor<RunView>(h, `/v1/datasets/big/linkage-runs/${id}`, (r) => r.status !== 'queued')
  await h.close() // stops the run mid-way
  h = await testApp({ dir })
  t.teardown(h.close)
  const after = (await h.request({ method: 'GET', url: `/v1/datasets/big/linkage-runs/${id}` })).json()
  t.equal(after.status, 'failed', 'marked failed')
  t.match(after.error, /interrupted/)
  const rerun = await h.request({ method: 'POST', url: `/v1/datasets/big/linkage-runs/${id}/rerun` })
  t.equal(rerun.statusCode, 202, rerun.body)
  const done = await finished(h, 'big', id)
  t.equal(done.status, 'completed', done.error ?? '')
  t.equal(done.progress, 3000)
  t.ok((done.matches ?? 0) > 0)
})
