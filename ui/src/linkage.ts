/**
 * Linkage runs of a dataset, with progress and a download of the result. Shown only when the server
 * documents the linkage-run resource (see documentedPaths); the run's fields are read leniently,
 * since only id, status and progress are needed here.
 */
import { api, request } from './api.js'
import { card, fill, h, progress } from './dom.js'
import { time } from './format.js'

export const LINKAGE_LIST = '/v1/datasets/{name}/linkage-runs'
export const LINKAGE_RESULT = '/v1/datasets/{name}/linkage-runs/{id}/result'

interface Run {
  id: string
  status: string
  progressFraction?: number
  createdAt?: string
}

/** The runs in a list answer: its first array of objects with an id and a status. */
function runsOf(body: unknown): Run[] {
  const arrays = Array.isArray(body) ? [body] : Object.values((body ?? {}) as Record<string, unknown>).filter(Array.isArray)
  const runs = (arrays[0] ?? []) as Partial<Run>[]
  return runs.filter((r): r is Run => typeof r?.id === 'string' && typeof r.status === 'string')
}

async function download(name: string, id: string): Promise<void> {
  const res = await request('GET', `${api.path(name)}/linkage-runs/${encodeURIComponent(id)}/result`)
  const type = res.headers.get('content-type') ?? ''
  const url = URL.createObjectURL(await res.blob())
  const a = h('a', { href: url, download: `${name}-${id}.${type.includes('csv') ? 'csv' : 'json'}` })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export class LinkageSection {
  readonly el: HTMLElement
  readonly #body = h('tbody')

  constructor(
    readonly dataset: string,
    readonly canDownload: boolean,
    readonly onError: (err: unknown) => void,
  ) {
    const head = h('tr', {}, ...['status', 'id', 'started', 'result'].map((t) => h('th', {}, t)))
    this.el = card('Linkage runs', 'linkage', h('div', { className: 'table-wrap' }, h('table', { className: 'grid' }, h('thead', {}, head), this.#body)))
  }

  /** Fetches the runs; true while any is still running (the caller polls again). */
  async refresh(): Promise<boolean> {
    const runs = runsOf(await (await request('GET', `${api.path(this.dataset)}/linkage-runs`)).json())
    fill(this.#body, ...(runs.length ? runs.map((r) => this.#row(r)) : [h('tr', {}, h('td', { colSpan: 4, className: 'empty' }, 'No linkage runs yet.'))]))
    return runs.some((r) => r.status === 'queued' || r.status === 'running' || r.status === 'building')
  }

  #row(r: Run): HTMLTableRowElement {
    const done = r.status === 'ready' || r.status === 'done' || r.status === 'completed'
    const button = h('button', { type: 'button', textContent: 'Download', disabled: !done || !this.canDownload })
    button.onclick = () => download(this.dataset, r.id).catch(this.onError)
    return h(
      'tr',
      { data: { testid: 'linkage-row', status: r.status } },
      h('td', {}, h('span', { className: `badge status-${r.status}`, textContent: r.status }), done || r.progressFraction === undefined ? null : progress(r.progressFraction)),
      h('td', { className: 'mono' }, r.id),
      h('td', {}, r.createdAt ? time(r.createdAt) : '–'),
      h('td', {}, button),
    )
  }
}
