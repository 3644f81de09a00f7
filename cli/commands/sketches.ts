/** `dpdist sketch build|estimate|list|status`. */
import type { MechanismName } from '../../sketch/mechanisms/mechanism.js'
import { BackendError, type SketchEstimate, type SketchView } from '../backend.js'
import { emit, progressFor, type CommandContext } from '../context.js'
import { count, eps, keyValues, num, table } from '../output.js'
import { UsageError, type MetricFlag } from '../options.js'

export interface SketchFlags {
  metric: MetricFlag
  epsilon: string
  k: number
  mechanism?: MechanismName
  options?: Record<string, unknown>
  /** Also release popcounts at this ε (Hamming; for similarity and linkage). */
  popcountsEpsilon?: string
}

function body(o: SketchFlags) {
  return {
    metric: o.metric,
    epsilon: o.epsilon,
    k: o.k,
    ...(o.mechanism === undefined ? {} : { mechanism: o.mechanism }),
    ...(o.options === undefined ? {} : { options: o.options }),
    ...(o.popcountsEpsilon === undefined ? {} : { popcounts: { epsilon: o.popcountsEpsilon } }),
  }
}

export async function estimateSketch(ctx: CommandContext, name: string, o: SketchFlags & { targetSd?: number }): Promise<void> {
  const e = await ctx.backend.estimateSketch(name, { ...body(o), ...(o.targetSd === undefined ? {} : { targetSd: o.targetSd }) })
  emit(ctx, e, () => renderEstimate(e, o.targetSd))
}

/**
 * Charges ε and builds. By default waits for the build with a progress bar; `--no-wait` returns the
 * queued job, which only makes sense against a server: a local build runs inside this process, so
 * exiting would interrupt it after its ε was charged.
 */
export async function buildSketch(ctx: CommandContext, name: string, o: SketchFlags & { wait: boolean }): Promise<void> {
  if (!o.wait && ctx.backend.mode === 'local') {
    throw new UsageError('--no-wait needs a server (--url): a local build runs in this process and would be interrupted')
  }
  const job = await ctx.backend.buildSketch(name, body(o))
  if (!o.wait) {
    emit(ctx, job, () => `queued sketch ${job.id} on ${name} (${job.mechanism}, ε = ${eps(job.epsilon)} charged); follow it with: dpdist sketch status ${name} ${job.id}\n`)
    return
  }
  const progress = progressFor(ctx, `build ${job.id}`, { total: job.records })
  let reported = 0
  let final: SketchView
  try {
    final = await ctx.backend.waitForSketch(name, job.id, (done) => {
      if (done > reported) progress.tick(done - reported)
      reported = Math.max(reported, done)
    })
  } catch (err) {
    progress.fail()
    throw err
  }
  if (final.status !== 'ready') {
    progress.fail()
    throw new BackendError(`sketch ${final.id} failed: ${final.error ?? 'unknown error'} (the charged ε = ${eps(final.epsilon)} stays spent)`, 500, 'build-failed')
  }
  progress.done()
  emit(ctx, final, () => renderSketch(final))
}

export async function listSketches(ctx: CommandContext, name: string): Promise<void> {
  const sketches = await ctx.backend.listSketches(name)
  emit(ctx, { sketches }, () =>
    sketches.length === 0
      ? `no sketches on ${name}\n`
      : table(
          ['sketch', 'metric', 'mechanism', 'status', 'ε', 'k', 'records', 'sd at 0/k/2/k', 'ready at'],
          sketches.map((s) => [s.id, s.metric, s.mechanism, s.status, eps(s.epsilon), s.k, count(s.records), sdText(s.predictedSd), s.readyAt]),
        ),
  )
}

export async function sketchStatus(ctx: CommandContext, name: string, id: string): Promise<void> {
  const s = await ctx.backend.getSketch(name, id)
  emit(ctx, s, () => renderSketch(s))
}

function sdText(sd: SketchView['predictedSd']): string {
  return sd === null ? '-' : `${num(sd.atZero, 2)}/${num(sd.atHalfK, 2)}/${num(sd.atK, 2)}`
}

function params(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([k, v]) => k !== 'hashSeed' && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
}

export function renderSketch(s: SketchView): string {
  return keyValues([
    ['sketch', s.id],
    ['dataset', s.dataset],
    ['metric', s.metric],
    ['mechanism', s.mechanism],
    ['status', s.status === 'building' ? `building (${Math.floor(s.progressFraction * 100)} %)` : s.status],
    ['ε charged', eps(s.epsilon)],
    ['k', s.k],
    ['records', count(s.records)],
    ['Δ (cells per protected change)', s.delta],
    ['flip probability', s.flipProbability.toPrecision(4)],
    ['predicted sd at 0, k/2, k', sdText(s.predictedSd)],
    ['reliable', s.reliable],
    ['parameters', params(s.params)],
    ['created', s.createdAt],
    ['ready', s.readyAt],
    ...(s.error === null ? [] : ([['error', s.error]] as [string, string][])),
  ])
}

export function renderEstimate(e: SketchEstimate, targetSd: number | undefined): string {
  const pairs: [string, string | number | boolean][] = [
    ['metric', e.metric],
    ['mechanism', e.mechanism],
    ['ε (would be charged)', eps(e.epsilon)],
    ['k', e.k],
    ['Δ (cells per protected change)', e.delta],
    ['flip probability', e.flipProbability.toPrecision(4)],
    ['bytes per record', count(e.bytesPerRecord)],
    ['total bytes', `${count(e.totalBytes)} (${count(e.records)} records)`],
    ['predicted sd at 0, k/2, k', sdText(e.predictedSd)],
    ['reliable', e.reliable],
    ['parameters', params(e.params)],
  ]
  if (targetSd !== undefined) {
    const min = e.minEpsilonForTargetSd
    pairs.push([`smallest ε for sd ≤ ${targetSd}`, min === null || min === undefined ? 'none within the per-release cap' : eps(min)])
  }
  const notes = e.notes.map((n) => `note: ${n}\n`).join('')
  return `${keyValues(pairs)}${notes}this was a dry run: nothing was charged\n`
}
