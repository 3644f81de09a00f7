/**
 * `dpdist link` as a child process on 5000 × 5000 synthetic CLKs in clkhash files, locally and
 * against a server: greedy F1 next to exact Dice greedy, and the CSV it writes.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exactGreedy, linkageData, scoreMatches } from '../support/clk.js'
import { dpdistJson, ensureBuilt, startServer, tempDir } from './cli-harness.js'

ensureBuilt()

const clkFile = (path: string, clks: Uint8Array[]) => writeFileSync(path, JSON.stringify({ clks: clks.map((c) => Buffer.from(c).toString('base64')) }))

function matchesOf(csv: string): [number, number][] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[7] === '1')
    .map((f) => [Number(f[0]), Number(f[2])])
}

t.test('dpdist link, local and remote, on 5000 × 5000 CLKs', async (t) => {
  const dir = tempDir()
  const db = join(dir, 'dpdist.db')
  const data = linkageData(5000, 5000, 0.5, 21)
  clkFile(join(dir, 'owner.json'), data.records)
  clkFile(join(dir, 'other.json'), data.queries)
  const local = ['--db', db]
  await dpdistJson(['dataset', 'create', 'clk', '--bits', '1024', '--budget', '10', ...local])
  await dpdistJson(['load', 'clk', join(dir, 'owner.json'), '--format', 'clkhash', ...local])
  await dpdistJson(['sketch', 'build', 'clk', '--metric', 'hamming', '--epsilon', '4', '--k', '400', '--popcounts-epsilon', '1', ...local])
  const threshold = 0.7
  const exact = scoreMatches(exactGreedy(data, threshold), data.truth)
  t.comment(`exact Dice greedy: precision ${exact.precision.toFixed(4)} recall ${exact.recall.toFixed(4)} F1 ${exact.f1.toFixed(4)}`)
  const args = (out: string) => ['link', 'clk', join(dir, 'other.json'), '--format', 'clkhash', '--similarity', 'dice', '--threshold', String(threshold), '--solve', 'greedy', '--out', out]

  const { json } = await dpdistJson<{ matches: number; pairsCompared: number; epsilonCharged: number }>([...args(join(dir, 'local.csv')), ...local])
  t.equal(json.pairsCompared, 25_000_000)
  t.equal(json.epsilonCharged, 0)
  const localScore = scoreMatches(matchesOf(readFileSync(join(dir, 'local.csv'), 'utf8')), data.truth)
  t.comment(`private greedy (local CLI): precision ${localScore.precision.toFixed(4)} recall ${localScore.recall.toFixed(4)} F1 ${localScore.f1.toFixed(4)}`)
  t.ok(Math.abs(localScore.f1 - exact.f1) <= 0.03, 'local F1 within 0.03 of exact')
  t.equal(localScore.found, json.matches)

  const server = await startServer(db, { DPDIST_ADMIN_TOKEN: 'cli-link-admin-token-0123456789' })
  t.teardown(() => server.stop())
  const remote = ['--url', server.url, '--token', 'cli-link-admin-token-0123456789']
  await dpdistJson([...args(join(dir, 'remote.csv')), ...remote])
  const remoteScore = scoreMatches(matchesOf(readFileSync(join(dir, 'remote.csv'), 'utf8')), data.truth)
  t.comment(`private greedy (CLI on a server): precision ${remoteScore.precision.toFixed(4)} recall ${remoteScore.recall.toFixed(4)} F1 ${remoteScore.f1.toFixed(4)}`)
  t.ok(Math.abs(remoteScore.f1 - exact.f1) <= 0.03, 'remote F1 within 0.03 of exact')
})
