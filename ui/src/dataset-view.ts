/**
 * One dataset's page: its facts, the budget card, the sketches (polled while one builds), the
 * planner (admin tokens), the query box and, when the server has them, linkage runs.
 */
import { api, type Budget, type DatasetDetail, type Sketch, type TokenView } from './api.js'
import { budgetCard } from './budget.js'
import { fill, h } from './dom.js'
import { eps } from './format.js'
import { LINKAGE_LIST, LINKAGE_RESULT, LinkageSection } from './linkage.js'
import { planner } from './planner.js'
import { queryBox } from './query.js'
import { SketchesSection } from './sketches.js'

const POLL_MS = 1000

export function rawState(d: { retainRaw: boolean; rawDeleted: boolean }): string {
  if (d.retainRaw) return 'raw retained'
  return d.rawDeleted ? 'sealed (raw deleted)' : 'raw until the first sketch'
}

function tiles(d: DatasetDetail, b: Budget): HTMLElement {
  const tile = (label: string, value: string, testid: string) => h('div', { className: 'tile', data: { testid } }, h('div', { className: 'tile-label' }, label), h('div', { className: 'tile-value' }, value))
  const used = b.epsilonBudget > 0 ? Math.min(1, b.spent / b.epsilonBudget) : 1
  return h(
    'div',
    { className: 'tiles' },
    tile('records (m)', d.records.toLocaleString('en'), 'tile-records'),
    tile('bits (n)', d.bits.toLocaleString('en'), 'tile-bits'),
    tile('unitBits', String(d.unitBits), 'tile-unit-bits'),
    tile('budget ε', eps(b.epsilonBudget), 'tile-budget'),
    tile('spent ε', eps(b.spent), 'tile-spent'),
    tile('remaining ε', eps(b.remaining), 'tile-remaining'),
    tile('raw bits', rawState(d), 'tile-raw'),
    h('div', { className: 'budget-bar', title: `${Math.round(used * 100)} % of the budget spent` }, h('progress', { max: 1, value: used })),
  )
}

export class DatasetView {
  readonly el = h('div', { className: 'dataset-view' })
  readonly #facts = h('div')
  readonly #budget = h('div')
  readonly #sketches = new SketchesSection()
  readonly #linkage: LinkageSection | null
  #budgetView: Budget | null = null
  #sketchList: Sketch[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #pollSeq = 0
  #disposed = false

  constructor(
    readonly name: string,
    readonly me: TokenView,
    paths: Set<string>,
    readonly onError: (err: unknown) => void,
    /** Each fresh view of the dataset (after a charge the sidebar's summary follows). */
    readonly onDetail: (d: DatasetDetail) => void,
  ) {
    this.#linkage = paths.has(LINKAGE_LIST) ? new LinkageSection(name, paths.has(LINKAGE_RESULT), onError) : null
  }

  async load(): Promise<void> {
    const d = await api.dataset(this.name)
    const hooks = { remaining: () => this.#budgetView?.remaining ?? 0, error: this.onError }
    fill(
      this.el,
      h('div', { className: 'view-head' }, h('h1', { data: { testid: 'dataset-title' } }, d.name), h('span', { className: 'hint' }, `metrics: ${d.metrics.join(', ')} · created ${new Date(d.createdAt).toLocaleDateString('en-CA')}`)),
      this.#facts,
      this.#budget,
      this.#sketches.el,
      this.me.role === 'admin' ? planner(d, { ...hooks, built: (s) => this.#built(s) }) : null,
      queryBox(d, { ...hooks, sketches: () => this.#sketchList, charged: () => void this.refreshBudget().catch(this.onError) }),
      this.#linkage?.el,
    )
    await Promise.all([this.refreshBudget(), this.#poll()])
  }

  async refreshBudget(): Promise<void> {
    const [d, b] = await Promise.all([api.dataset(this.name), api.budget(this.name)])
    if (this.#disposed) return
    this.#budgetView = b
    this.onDetail(d)
    fill(this.#facts, tiles(d, b))
    fill(this.#budget, budgetCard(b, d.createdAt))
  }

  /** Sketches (and linkage runs) now, and again every second while one of them is still working. */
  async #poll(): Promise<void> {
    clearTimeout(this.#timer)
    // a newer poll (after a build) supersedes one still waiting for its answer: one loop at a time
    const seq = ++this.#pollSeq
    if (this.#disposed) return
    try {
      const [sketches, linkageBusy] = await Promise.all([api.sketches(this.name), this.#linkage?.refresh() ?? false])
      if (this.#disposed || seq !== this.#pollSeq) return
      const wasBusy = this.#sketchList.some((s) => s.status === 'queued' || s.status === 'building')
      this.#sketchList = sketches
      this.#sketches.update(sketches)
      const busy = sketches.some((s) => s.status === 'queued' || s.status === 'building')
      // a build that finished may have deleted the raw bits (retainRaw false): the facts change
      if (wasBusy && !busy) await this.refreshBudget()
      if (busy || linkageBusy) this.#timer = setTimeout(() => void this.#poll(), POLL_MS)
    } catch (err) {
      this.onError(err)
    }
  }

  async #built(sketch: Sketch): Promise<void> {
    this.#sketchList = [sketch, ...this.#sketchList.filter((s) => s.id !== sketch.id)]
    this.#sketches.update(this.#sketchList)
    await Promise.all([this.refreshBudget(), this.#poll()]).catch(this.onError)
  }

  dispose(): void {
    this.#disposed = true
    clearTimeout(this.#timer)
  }
}
