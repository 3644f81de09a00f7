/**
 * `dpdist link NAME FILE`: a linkage run of FILE's records (the other party's) against the dataset's
 * Hamming sketch with popcounts, locally or on a server; a progress bar in pairs (pairs/s, ETA);
 * the candidate pairs (and, with --solve greedy, which are one-to-one matches) go to --out as CSV.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { basename } from 'node:path'
import type { Encoding } from '../../sketch/bits.js'
import { type LoadFormat, parseRecordStream } from '../../ingest/index.js'
import { linkageCsvLines, type Solver } from '../../core/linkage.js'
import type { SimilarityKind } from '../../sketch/stats/similarity.js'
import { emit, progressFor, type CommandContext } from '../context.js'
import { count } from '../output.js'
import { resolveFormat } from './load.js'

export interface LinkOptions {
  format?: LoadFormat
  encoding?: Encoding
  similarity?: SimilarityKind
  threshold: number
  top?: number
  solve?: Solver
  sketch?: string
  out?: string
}

export async function link(ctx: CommandContext, name: string, file: string, o: LinkOptions): Promise<void> {
  const format = resolveFormat(file, o.format, o.encoding)
  const dataset = await ctx.backend.getDataset(name)
  const source = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 })
  const batches = parseRecordStream(source, { format, n: dataset.bits, encoding: o.encoding })
  const options = { similarity: o.similarity ?? 'dice', threshold: o.threshold, top: o.top ?? 10, solve: o.solve ?? 'none', sketch: o.sketch }
  const started = await ctx.backend.startLink(name, dataset.bits, batches, options)
  const progress = progressFor(ctx, `link ${file === '-' ? 'stdin' : basename(file)}`, { unit: 'pairs', rateUnit: 'pairs' })
  let reported = 0
  const run = await ctx.backend.waitForLink(name, started.id, (view) => {
    progress.setTotal(view.pairsTotal)
    progress.tick(view.pairsCompared - reported)
    reported = view.pairsCompared
  })
  if (run.status !== 'completed') {
    progress.fail()
    throw new Error(`linkage run ${run.id} failed: ${run.error ?? 'unknown error'}`)
  }
  progress.done()
  const pairs = await ctx.backend.linkResult(name, run.id)
  if (o.out !== undefined) {
    const out = createWriteStream(o.out)
    for (const line of linkageCsvLines(pairs)) if (!out.write(line)) await once(out, 'drain')
    out.end()
    await once(out, 'finish')
  }
  emit(
    ctx,
    { run: run.id, status: run.status, queries: run.queries, records: run.records, pairsCompared: run.pairsCompared, candidates: run.candidates, matches: run.matches, out: o.out ?? null, epsilonCharged: 0 },
    () =>
      `linkage run ${run.id}: ${count(run.queries)} × ${count(run.records)} records, ${count(run.candidates)} candidate pairs` +
      (run.matches === null ? '' : `, ${count(run.matches)} one-to-one matches`) +
      (o.out === undefined ? '' : ` written to ${o.out}`) +
      '; no ε charged (post-processing of the sketch)\n',
  )
}
