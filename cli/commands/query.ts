/** `dpdist query NAME --metric M --bits B ...`. */
import type { Encoding } from '../../sketch/bits.js'
import type { QueryResponse } from '../backend.js'
import { emit, type CommandContext } from '../context.js'
import { count, eps, interval, num, table } from '../output.js'
import { UsageError, type MetricFlag } from '../options.js'

export interface QueryFlags {
  metric: MetricFlag
  bits: string
  encoding?: Encoding
  top?: number
  maxDistance?: number
  mechanism?: 'sketch' | 'geometric'
  epsilon?: string
  k?: number
  confidence?: number
  simultaneous?: boolean
  sketch?: string
}

/** The encoding a non-binary query string looks like (hex before base64: a hex string is both), or null. */
export function encodingGuess(bits: string): Encoding | null {
  if (/^[01]*$/.test(bits)) return null
  if (/^[0-9a-fA-F]+$/.test(bits)) return 'hex'
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(bits) && bits.length % 4 === 0) return 'base64'
  return null
}

export async function query(ctx: CommandContext, name: string, o: QueryFlags): Promise<void> {
  const mechanism = o.mechanism ?? 'sketch'
  if (mechanism === 'geometric' && o.epsilon === undefined) throw new UsageError('--mechanism geometric needs --epsilon (it is charged per query)')
  if (mechanism === 'sketch' && o.epsilon !== undefined) throw new UsageError('--epsilon applies only to --mechanism geometric: sketch answers are free')
  if (o.encoding === undefined) {
    const guess = encodingGuess(o.bits)
    if (guess !== null) throw new UsageError(`--bits is not a binary string but looks like ${guess}: pass --encoding ${guess}`)
  }
  const answer = await ctx.backend.query(name, {
    metric: o.metric,
    query: o.bits,
    mechanism,
    ...(o.encoding === undefined ? {} : { encoding: o.encoding }),
    ...(o.top === undefined ? {} : { top: o.top }),
    ...(o.maxDistance === undefined ? {} : { maxDistance: o.maxDistance }),
    ...(o.epsilon === undefined ? {} : { epsilon: o.epsilon }),
    ...(o.k === undefined ? {} : { k: o.k }),
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
    ...(o.simultaneous ? { simultaneous: true } : {}),
    ...(o.sketch === undefined ? {} : { sketch: o.sketch }),
  })
  emit(ctx, answer, () => renderQuery(answer))
}

function level(confidence: number): string {
  return `${num(confidence * 100, confidence * 100 === Math.round(confidence * 100) ? 0 : 1)} %`
}

export function renderQuery(a: QueryResponse): string {
  const source =
    a.sketch === null
      ? `${a.mechanism} mechanism`
      : `sketch ${a.sketch.id} (${a.sketch.mechanism}, ε = ${eps(a.sketch.epsilon)}, k = ${a.sketch.k})`
  const head = `${a.metric} distances on ${a.dataset} from ${source}: ${a.returned} of ${count(a.records)} records, ${level(a.confidence)} ${a.simultaneous ? 'simultaneous' : 'per-record'} intervals\n`
  const rows =
    a.results.length === 0
      ? 'no records within the requested distance\n'
      : table(
          ['id', 'estimate', `${level(a.confidence)} interval`, 'status'],
          a.results.map((r) => [r.id, num(r.estimate), interval(r.ciLow, r.ciHigh), r.status]),
        )
  const charge =
    a.epsilonCharged === 0
      ? 'charged ε = 0 (answers from a released sketch are post-processing)'
      : `charged ε = ${eps(a.epsilonCharged)}`
  const p = a.privacy
  return `${head}${rows}${charge}; ${p.guarantee}, ε spent ${eps(p.epsilonSpent)} of ${eps(p.epsilonBudget)}\n`
}
