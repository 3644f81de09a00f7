/**
 * The query box: a query string in any encoding, answered from a sketch (free) or by the geometric
 * mechanism (charged, after a confirmation), with the results table and each interval drawn as a bar.
 */
import type { QueryRequest, QueryResponse, DatasetDetail, Sketch } from './api.js'
import { api } from './api.js'
import { confirmCost } from './dialog.js'
import { card, field, fill, h, select, svg } from './dom.js'
import { eps, num, percent } from './format.js'

export interface QueryHooks {
  sketches(): Sketch[]
  remaining(): number
  /** After a charged (geometric) answer: the ledger changed. */
  charged(): void
  error(err: unknown): void
}

const LATEST = 'latest ready'

/** The interval [ciLow, ciHigh] as a bar on a 0…max axis, the estimate as a dot. */
function intervalBar(low: number, est: number, high: number, max: number): SVGSVGElement {
  const W = 240
  const x = (v: number) => 4 + (Math.max(0, Math.min(max, v)) / max) * (W - 8)
  return svg(
    'svg',
    { width: W, height: 14, viewBox: `0 0 ${W} 14`, class: 'interval', role: 'img', 'aria-label': `${num(low)} to ${num(high)}` },
    svg('line', { x1: 4, y1: 7, x2: W - 4, y2: 7, class: 'axis' }),
    svg('rect', { x: x(low), y: 3, width: Math.max(2, x(high) - x(low)), height: 8, rx: 3, class: 'ci' }),
    svg('circle', { cx: x(est), cy: 7, r: 3.5, class: 'est' }),
  )
}

function results(res: QueryResponse): HTMLElement {
  const max = Math.max(1, ...res.results.map((r) => r.ciHigh))
  const what = res.mechanism === 'sketch' && res.sketch ? `sketch ${res.sketch.id} (${res.sketch.mechanism}, free)` : `geometric, charged ε ${eps(res.epsilonCharged)}`
  const summary = h('p', { className: 'hint' }, `${res.returned} of ${res.records.toLocaleString('en')} records · ${res.metric} · ${what} · ${percent(res.confidence)}${res.simultaneous ? ' simultaneous' : ''} intervals`)
  const rows = res.results.map((r) =>
    h(
      'tr',
      { data: { testid: 'result-row' } },
      h('td', { className: 'mono' }, r.id),
      h('td', { className: 'num' }, num(r.estimate)),
      h('td', { className: 'num' }, `${num(r.ciLow)} – ${num(r.ciHigh)}`),
      h('td', {}, h('span', { className: `badge result-${r.status}`, textContent: r.status })),
      h('td', {}, intervalBar(r.ciLow, r.estimate, r.ciHigh, max)),
    ),
  )
  const head = h('tr', {}, ...['record', 'estimate', 'interval', 'status', `0 … ${num(max)}`].map((t) => h('th', {}, t)))
  return h('div', { data: { testid: 'query-results', count: res.results.length } }, summary, h('div', { className: 'table-wrap' }, h('table', { className: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows))))
}

export function queryBox(d: DatasetDetail, hooks: QueryHooks): HTMLElement {
  const rawAvailable = d.retainRaw && !d.rawDeleted
  const metric = select('metric', d.metrics)
  const mechanism = select('mechanism', rawAvailable ? ['sketch', 'geometric'] : ['sketch'])
  const sketch = select('sketch', [LATEST])
  const epsilon = h('input', { type: 'number', name: 'epsilon', min: '0.000001', step: 'any', value: '0.5' })
  const encoding = select('encoding', ['binary', 'hex', 'base64'])
  const bits = h('textarea', { name: 'query', rows: 2, required: true, spellcheck: false, placeholder: `${d.bits} bits, e.g. ${'01'.repeat(Math.min(8, d.bits / 2))}…` })
  const top = h('input', { type: 'number', name: 'top', min: '1', value: '20' })
  const confidence = h('input', { type: 'number', name: 'confidence', min: '0.5', max: '0.999', step: '0.005', value: '0.95' })
  const sketchOptions = () => {
    const ids = hooks.sketches().filter((s) => s.status === 'ready' && s.metric === metric.value).map((s) => s.id)
    const keep = sketch.value
    fill(sketch, ...[LATEST, ...ids].map((v) => h('option', { value: v, textContent: v })))
    if ([LATEST, ...ids].includes(keep)) sketch.value = keep
  }
  sketch.onfocus = sketchOptions
  metric.onchange = sketchOptions
  const geometricOnly = field('ε (geometric, charged per query)', epsilon)
  const toggle = () => {
    geometricOnly.hidden = mechanism.value !== 'geometric'
    sketch.disabled = mechanism.value !== 'sketch'
  }
  mechanism.onchange = toggle
  toggle()
  const out = h('div')
  const submit = h('button', { type: 'submit', className: 'primary', textContent: 'Run query' })
  const form = h(
    'form',
    { className: 'form-grid', data: { testid: 'query-form' } },
    field('metric', metric),
    field('mechanism', mechanism, rawAvailable ? 'sketch answers are free' : 'raw bits are not retained: sketch answers only'),
    field('sketch', sketch),
    geometricOnly,
    field('encoding', encoding),
    field('top', top),
    field('confidence', confidence),
    h('label', { className: 'field wide' }, h('span', { className: 'field-label' }, 'query bits'), bits),
    h('div', { className: 'form-actions' }, submit),
  )
  form.onsubmit = async (ev) => {
    ev.preventDefault()
    const geometric = mechanism.value === 'geometric'
    const body: QueryRequest = {
      metric: metric.value as QueryRequest['metric'],
      query: bits.value.trim(),
      encoding: encoding.value as QueryRequest['encoding'],
      mechanism: geometric ? 'geometric' : 'sketch',
      top: Number(top.value),
      confidence: Number(confidence.value),
      ...(geometric ? { epsilon: Number(epsilon.value) } : sketch.value === LATEST ? {} : { sketch: sketch.value }),
    }
    if (geometric) {
      const remaining = hooks.remaining()
      const ok = await confirmCost(
        `Spend ε = ${eps(Number(epsilon.value))} on one query?`,
        [`A geometric answer reads the exact distances and adds noise: it charges ε = ${eps(Number(epsilon.value))} of the remaining ${eps(remaining)}. Sketch answers are free.`],
        `Spend ε ${eps(Number(epsilon.value))} and query`,
      )
      if (!ok) return
    }
    submit.disabled = true
    try {
      fill(out, results(await api.query(d.name, body)))
      if (geometric) hooks.charged()
    } catch (err) {
      hooks.error(err)
    } finally {
      submit.disabled = false
    }
  }
  return card('Query', 'query', form, out)
}
