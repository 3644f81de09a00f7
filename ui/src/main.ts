/**
 * The owner dashboard: sign in with a token, then the datasets that token may see. Everything the
 * page shows comes from the /v1 API with the token as a Bearer header, so it shows exactly what the
 * token may see and nothing more.
 */
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { ApiError, api, documentedPaths, session, type DatasetDetail, type TokenView } from './api.js'
import { DatasetView, rawState } from './dataset-view.js'
import { fill, h } from './dom.js'
import { eps } from './format.js'

const root = document.getElementById('app')!
const banner = h('div', { className: 'banner', hidden: true, role: 'alert', data: { testid: 'error' } })
let view: DatasetView | null = null

/** The dataset named in the URL's fragment (which never holds the token), or '' for none. */
function hashName(): string {
  try {
    return decodeURIComponent(location.hash.slice(1))
  } catch {
    return ''
  }
}

function showError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    signOut(`The server refused this token: ${err.detail}`)
    return
  }
  if (!(err instanceof ApiError)) console.error(err)
  const message = err instanceof ApiError ? `${err.detail} (HTTP ${err.status})` : `Something went wrong: ${err instanceof Error ? err.message : String(err)}`
  const close = h('button', { type: 'button', className: 'link', textContent: 'dismiss' })
  close.onclick = () => (banner.hidden = true)
  fill(banner, h('span', {}, message), close)
  banner.hidden = false
}

function signOut(message?: string): void {
  session.clear()
  view?.dispose()
  view = null
  signInPage(message)
}

function signInPage(message?: string): void {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, placeholder: 'paste an admin or analyst token', data: { testid: 'token-input' } })
  const form = h(
    'form',
    { className: 'signin card', data: { testid: 'signin' } },
    h('h1', {}, 'dpdist'),
    h('p', {}, 'Differentially private distance queries: the owner dashboard.'),
    message ? h('p', { className: 'banner', role: 'alert', data: { testid: 'signin-error' } }, message) : null,
    h('label', { className: 'field' }, h('span', { className: 'field-label' }, 'API token'), token),
    h('button', { type: 'submit', className: 'primary', textContent: 'Sign in' }),
    h('p', { className: 'hint' }, 'The token stays in this browser tab (session storage) and is sent only to this server, as an Authorization header.'),
  )
  form.onsubmit = (ev) => {
    ev.preventDefault()
    session.set(token.value.trim())
    void start()
  }
  fill(root, h('main', { className: 'signin-page' }, form))
  token.focus()
}

function datasetCard(d: DatasetDetail, selected: boolean, open: () => void): HTMLElement {
  const used = d.budget.epsilonBudget > 0 ? Math.min(1, d.budget.spent / d.budget.epsilonBudget) : 1
  const button = h(
    'button',
    { type: 'button', className: `dataset-card${selected ? ' selected' : ''}`, data: { testid: 'dataset-card', name: d.name } },
    h('span', { className: 'dataset-name' }, d.name),
    h('span', { className: 'hint' }, `${d.records.toLocaleString('en')} × ${d.bits} bits · unitBits ${d.unitBits}`),
    h('progress', { max: 1, value: used }),
    h('span', { className: 'hint' }, `ε ${eps(d.budget.remaining)} of ${eps(d.budget.epsilonBudget)} left · ${rawState(d)}`),
  )
  button.onclick = open
  return button
}

async function start(): Promise<void> {
  let me: TokenView
  let paths: Set<string>
  try {
    ;[me, paths] = await Promise.all([api.self(), documentedPaths()])
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut(`The server refused this token: ${err.detail}`)
    signInPage(err instanceof ApiError ? err.detail : 'The server cannot be reached.')
    return
  }
  const list = h('nav', { className: 'sidebar', data: { testid: 'datasets' } })
  const main = h('main', { className: 'content' })
  const out = h('button', { type: 'button', className: 'link', textContent: 'Sign out', data: { testid: 'signout' } })
  out.onclick = () => signOut()
  const refresh = h('button', { type: 'button', className: 'link', textContent: 'Refresh' })
  const who = `${me.role} token ${me.id}${me.label ? ` (${me.label})` : ''}${me.datasets ? ` · datasets: ${me.datasets.join(', ')}` : ''}`
  fill(
    root,
    h('header', { className: 'topbar' }, h('span', { className: 'brand' }, 'dpdist'), h('span', { className: 'who', data: { testid: 'whoami', role: me.role } }, who), refresh, out),
    banner,
    h('div', { className: 'layout' }, list, main),
  )

  const open = async (name: string) => {
    view?.dispose()
    banner.hidden = true
    view = new DatasetView(name, me, paths, showError, (d) => list.querySelector(`[data-name="${CSS.escape(d.name)}"]`)?.replaceWith(datasetCard(d, true, () => void open(d.name))))
    fill(main, view.el)
    history.replaceState(null, '', `#${encodeURIComponent(name)}`)
    for (const c of list.querySelectorAll<HTMLElement>('.dataset-card')) c.classList.toggle('selected', c.dataset.name === name)
    await view.load().catch(showError)
  }
  const loadList = async () => {
    const details = await Promise.all((await api.datasets()).map((d) => api.dataset(d.name)))
    const wanted = view?.name ?? hashName()
    fill(list, h('h2', {}, 'Datasets'), ...(details.length ? details.map((d) => datasetCard(d, d.name === wanted, () => void open(d.name))) : [h('p', { className: 'empty' }, 'This token sees no datasets.')]))
    return details
  }
  refresh.onclick = () => void loadList().then(() => view && open(view.name)).catch(showError)
  try {
    const details = await loadList()
    const wanted = hashName()
    const first = details.find((d) => d.name === wanted) ?? details[0]
    if (first) await open(first.name)
    else fill(main, h('p', { className: 'empty' }, 'No datasets yet. Create one with `dpdist dataset create` or POST /v1/datasets.'))
  } catch (err) {
    showError(err)
  }
}

if (session.token()) void start()
else signInPage()
