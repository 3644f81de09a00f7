/**
 * The sketches of a dataset: status with live progress, mechanism, ε, bytes, predicted sd, and the
 * predicted accuracy curves of all of them in one chart.
 */
import type { Sketch } from './api.js'
import { accuracyChart } from './charts.js'
import { card, fill, h, progress } from './dom.js'
import { bytes, eps, num, percent } from './format.js'

/**
 * Measured coverage of a sketch's intervals, when the server reports one (a number in 0…1, in a
 * `measuredCoverage` field). Servers that do not measure it leave the column at "–".
 */
function coverage(s: Sketch): string {
  const measured = (s as Sketch & { measuredCoverage?: unknown }).measuredCoverage
  return typeof measured === 'number' ? percent(measured) : '–'
}

function statusCell(s: Sketch): HTMLElement {
  const badge = h('span', { className: `badge status-${s.status}`, textContent: s.status })
  if (s.status !== 'queued' && s.status !== 'building') {
    return h('td', {}, badge, s.error ? h('div', { className: 'hint error-text' }, s.error) : null)
  }
  return h('td', {}, badge, h('div', { className: 'progress-line' }, progress(s.progressFraction), ` ${Math.round(s.progressFraction * 100)} %`))
}

function row(s: Sketch): HTMLTableRowElement {
  const sd = s.predictedSd
  return h(
    'tr',
    { data: { testid: 'sketch-row', sketch: s.id, status: s.status } },
    statusCell(s),
    h('td', {}, `${s.mechanism} (${s.metric})`, h('div', { className: 'mono hint' }, s.id), s.reliable ? null : h('span', { className: 'badge status-failed', textContent: 'unreliable', title: 'ε is below the level where this mechanism’s error bound holds' })),
    h('td', { className: 'num' }, eps(s.epsilon)),
    h('td', { className: 'num' }, s.k),
    h('td', { className: 'num' }, `${bytes(s.bytesPerRecord)} · ${bytes(s.totalBytes)}`),
    h('td', { className: 'num' }, sd ? `${num(sd.atZero)} · ${num(sd.atHalfK)} · ${num(sd.atK)}` : '–'),
    h('td', { className: 'num' }, coverage(s)),
    h('td', { title: s.readyAt ?? '' }, s.readyAt ? new Date(s.readyAt).toLocaleTimeString('en-GB') : '–'),
  )
}

const headings = ['status', 'mechanism · id', 'ε', 'k', 'bytes/record · total', 'sd at 0 · k/2 · k', 'coverage', 'ready at']

export class SketchesSection {
  readonly el: HTMLElement
  readonly #body = h('tbody')
  readonly #chart = h('div')
  #chartKey: string | null = null

  constructor() {
    const table = h('table', { className: 'grid' }, h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', {}, t)))), this.#body)
    this.el = card('Sketches', 'sketches', h('div', { className: 'table-wrap' }, table), h('h3', {}, 'Predicted accuracy'), this.#chart)
  }

  /** Redraws the table; the chart only when the set of sketches changed (not on every progress tick). */
  update(sketches: Sketch[]): void {
    fill(this.#body, ...(sketches.length ? sketches.map(row) : [h('tr', {}, h('td', { colSpan: headings.length, className: 'empty' }, 'No sketches yet.'))]))
    const shown = sketches.filter((s) => s.status !== 'failed' && s.predictedSd)
    const key = shown.map((s) => s.id).join(',')
    if (key === this.#chartKey) return
    this.#chartKey = key
    fill(
      this.#chart,
      shown.length
        ? accuracyChart(
            shown.map((s) => ({ label: `${s.mechanism} ε ${eps(s.epsilon)} k ${s.k}`, k: s.k, sd: s.predictedSd! })),
            'accuracy-chart',
          )
        : h('p', { className: 'empty' }, 'The predicted sd of each sketch against the true distance appears here.'),
    )
  }
}
