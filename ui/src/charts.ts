/**
 * The two charts (uPlot, bundled): cumulative ε spent over time from the ledger, and the predicted
 * sd of an estimate against the true distance. Charts fit their container's width and follow it.
 */
import uPlot from 'uplot'
import type { Budget, LedgerRow } from './api.js'
import { h } from './dom.js'
import { eps, micro, num, time } from './format.js'

const colors = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2']
const SPENT = '#dc2626'
const BUDGET = '#1e3a5f'
const REMAINING = '#059669'

/**
 * The ledger as step series: one x per charge, plus the dataset's creation (nothing spent yet) and
 * now (the lines carry on from the last charge). Spends (sketch builds, charged queries) are points
 * on the spent line, budget changes points on the budget line: one marked point per ledger row.
 */
export interface BudgetSeries {
  x: number[]
  spent: number[]
  budget: number[]
  remaining: number[]
  /** For each x, the ledger row it shows, or the creation or the present. */
  rows: (LedgerRow | 'created' | 'now')[]
  spentPoints: number[]
  budgetPoints: number[]
}

export function budgetSeries(b: Budget, createdAt: string, now: string): BudgetSeries {
  const rows = [...b.ledger].sort((p, q) => p.id - q.id)
  // Budget rows carry the change (new − old), so the budget at creation is today's minus all changes.
  let budgetMicro = b.epsilonBudgetMicro - rows.filter((r) => r.kind === 'budget').reduce((s, r) => s + micro(r.epsilon), 0)
  let spentMicro = 0
  const s: BudgetSeries = { x: [], spent: [], budget: [], remaining: [], rows: [], spentPoints: [], budgetPoints: [] }
  const push = (at: string, row: BudgetSeries['rows'][number]) => {
    const t = Date.parse(at) / 1000
    const last = s.x.at(-1)
    // uPlot needs increasing x; two charges in the same millisecond are drawn a millisecond apart
    s.x.push(last !== undefined && t <= last ? last + 0.001 : t)
    s.spent.push(spentMicro / 1e6)
    s.budget.push(budgetMicro / 1e6)
    s.remaining.push((budgetMicro - spentMicro) / 1e6)
    s.rows.push(row)
  }
  push(rows.length && rows[0].at < createdAt ? rows[0].at : createdAt, 'created')
  for (const r of rows) {
    if (r.kind === 'budget') {
      budgetMicro += micro(r.epsilon)
      s.budgetPoints.push(s.x.length)
    } else {
      spentMicro += micro(r.epsilon)
      s.spentPoints.push(s.x.length)
    }
    push(r.at, r)
  }
  push(now, 'now')
  return s
}

/** Tick steps in seconds: whole seconds at the finest (a tick label shows at most the second). */
const timeIncrements = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000, 31_536_000]

/** Time ticks on one line: clock times within a day (seconds when the span is short), dates beyond. */
function timeTicks(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0)
  return splits.map((v) => {
    const d = new Date(v * 1000)
    if (span > 2 * 86_400) return d.toLocaleDateString('en-CA')
    const clock = d.toLocaleTimeString('en-GB')
    return span > 3600 ? clock.slice(0, 5) : clock
  })
}

/** Sizes a chart to its container now and whenever the container's width changes. */
function fitWidth(chart: uPlot, container: HTMLElement, height: number): void {
  const resize = () => chart.setSize({ width: Math.max(280, container.clientWidth), height })
  new ResizeObserver(resize).observe(container)
  resize()
}

const describe = (r: BudgetSeries['rows'][number]) =>
  r === 'created'
    ? 'dataset created · nothing spent'
    : r === 'now'
      ? 'now'
      : `${time(r.at)} · ${r.kind} · ${r.kind === 'budget' ? 'budget change' : 'ε'} ${r.epsilon > 0 && r.kind === 'budget' ? '+' : ''}${eps(r.epsilon)} · token ${r.tokenId ?? 'local operator'}`

/** The budget chart and a line under it naming the ledger row under the cursor. */
export function budgetChart(b: Budget, createdAt: string): HTMLElement {
  const s = budgetSeries(b, createdAt, new Date().toISOString())
  const points = s.spentPoints.length + s.budgetPoints.length
  const readout = h('div', { className: 'readout', textContent: `latest: ${describe(s.rows.at(-2)!)}` })
  const plot = h('div', { className: 'plot' })
  const wrap = h('div', { className: 'chart', data: { testid: 'budget-chart', points } }, plot, readout)
  const stepped = uPlot.paths.stepped!({ align: 1 })
  const opts: uPlot.Options = {
    width: 600,
    height: 260,
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.1, 1e-6)] } },
    series: [
      { label: 'time' },
      { label: 'spent ε', stroke: SPENT, width: 2, paths: stepped, points: { show: true, size: 9, fill: SPENT, filter: s.spentPoints } },
      { label: 'budget', stroke: BUDGET, width: 2, dash: [6, 4], paths: stepped, points: { show: true, size: 9, fill: BUDGET, filter: s.budgetPoints } },
      { label: 'remaining', stroke: REMAINING, width: 1.5, fill: 'rgba(5, 150, 105, 0.08)', paths: stepped, points: { show: false } },
    ],
    axes: [{ values: timeTicks, space: 90, incrs: timeIncrements }, { label: 'ε', values: (_u, splits) => splits.map((v) => num(v, 3)) }],
    cursor: { drag: { x: false, y: false } },
    hooks: {
      setCursor: [
        (u) => {
          const idx = u.cursor.idx
          if (idx !== null && idx !== undefined) readout.textContent = describe(s.rows[idx])
        },
      ],
    },
  }
  const chart = new uPlot(opts, [s.x, s.spent, s.budget, s.remaining], plot)
  fitWidth(chart, wrap, 260)
  return wrap
}

export interface SdCurve {
  label: string
  k: number
  sd: { atZero: number; atHalfK: number; atK: number }
}

/**
 * Predicted sd against the true distance. The estimate model gives the sd at 0, k/2 and k; the
 * curve joins those points (one series per sketch or plan, on a shared distance axis).
 */
export function accuracyChart(curves: SdCurve[], testid: string): HTMLElement {
  const xs = [...new Set(curves.flatMap((c) => [0, c.k / 2, c.k]))].sort((a, b) => a - b)
  const ys = curves.map((c) => xs.map((x) => (x === 0 ? c.sd.atZero : x === c.k / 2 ? c.sd.atHalfK : x === c.k ? c.sd.atK : null)))
  const plot = h('div', { className: 'plot' })
  const wrap = h('div', { className: 'chart', data: { testid, curves: curves.length } }, plot)
  const opts: uPlot.Options = {
    width: 600,
    height: 220,
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.15, 1e-6)] } },
    series: [
      { label: 'true distance', value: (_u, v) => (v === null ? '–' : num(v)) },
      ...curves.map((c, i) => ({
        label: c.label,
        stroke: colors[i % colors.length],
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7, fill: colors[i % colors.length] },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : `sd ${num(v)}`),
      })),
    ],
    axes: [{ label: 'true distance' }, { label: 'predicted sd', values: (_u, splits) => splits.map((v) => num(v)) }],
    cursor: { drag: { x: false, y: false } },
  }
  const chart = new uPlot(opts, [xs, ...ys], plot)
  fitWidth(chart, wrap, 220)
  return wrap
}
