/**
 * The budget card: the chart of ε over time, what each token spent (and its quota, when the server
 * reports quotas), and the ledger itself, newest first.
 */
import type { Budget, LedgerRow } from './api.js'
import { budgetChart } from './charts.js'
import { card, h } from './dom.js'
import { eps, micro, time } from './format.js'

const LEDGER_ROWS = 50

interface Quota {
  /** The token, or "you" for an analyst's own quota. */
  tokenId: string
  quota: number
  spent: number
  remaining: number
}

/**
 * Per-token ε quotas from the budget answer: an admin sees every principal that has a quota
 * (`principals`), an analyst its own (`quota`); no table when there are none.
 */
function quotasOf(b: Budget): Quota[] | null {
  const own = b.quota ? [{ tokenId: 'you', quota: b.quota.epsilonQuota, spent: b.quota.spent, remaining: b.quota.remaining }] : []
  const all = (b.principals ?? []).flatMap((p) =>
    p.epsilonQuota === null || p.tokenId === null ? [] : [{ tokenId: p.tokenId, quota: p.epsilonQuota, spent: p.spent, remaining: p.remaining ?? p.epsilonQuota - p.spent }],
  )
  const quotas = [...own, ...all]
  return quotas.length ? quotas : null
}

function table(testid: string, headings: string[], rows: HTMLTableRowElement[]): HTMLElement {
  return h('div', { className: 'table-wrap' }, h('table', { className: 'grid', data: { testid } }, h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)))
}

function byToken(ledger: LedgerRow[]): HTMLElement | null {
  const spends = new Map<string, { charges: number; micro: number }>()
  for (const r of ledger) {
    if (r.kind === 'budget') continue
    const key = r.tokenId ?? 'local operator'
    const s = spends.get(key) ?? { charges: 0, micro: 0 }
    s.charges++
    s.micro += micro(r.epsilon)
    spends.set(key, s)
  }
  if (!spends.size) return null
  const rows = [...spends].map(([token, s]) => h('tr', {}, h('td', { className: 'mono' }, token), h('td', { className: 'num' }, s.charges), h('td', { className: 'num' }, eps(s.micro / 1e6))))
  return h('div', {}, h('h3', {}, 'Spent by token'), table('by-token', ['token', 'charges', 'ε spent'], rows))
}

function quotaTable(quotas: Quota[]): HTMLElement {
  const rows = quotas.map((q) =>
    h('tr', {}, h('td', { className: 'mono' }, q.tokenId), h('td', { className: 'num' }, eps(q.quota)), h('td', { className: 'num' }, eps(q.spent)), h('td', { className: 'num' }, eps(q.remaining))),
  )
  return h('div', {}, h('h3', {}, 'Token quotas'), table('quotas', ['token', 'quota', 'spent', 'remaining'], rows))
}

function details(r: LedgerRow): string {
  const d = r.details
  if (r.kind === 'budget') return `budget ${eps(Number(d.previousBudgetMicro) / 1e6)} → ${eps(Number(d.budgetMicro) / 1e6)}`
  return ['sketchId', 'mechanism', 'metric', 'k', 'queries']
    .filter((k) => d[k] !== undefined)
    .map((k) => `${k} ${String(d[k])}`)
    .join(' · ')
}

function ledgerTable(ledger: LedgerRow[]): HTMLElement {
  const newest = [...ledger].sort((a, b) => b.id - a.id).slice(0, LEDGER_ROWS)
  const rows = newest.map((r) =>
    h(
      'tr',
      { data: { testid: 'ledger-row', kind: r.kind } },
      h('td', {}, time(r.at)),
      h('td', {}, h('span', { className: `badge kind-${r.kind}`, textContent: r.kind })),
      h('td', { className: 'num' }, `${r.kind === 'budget' && r.epsilon > 0 ? '+' : ''}${eps(r.epsilon)}`),
      h('td', { className: 'mono' }, r.tokenId ?? 'local operator'),
      h('td', { className: 'hint' }, details(r)),
    ),
  )
  const note = ledger.length > LEDGER_ROWS ? h('p', { className: 'hint' }, `The newest ${LEDGER_ROWS} of ${ledger.length} ledger rows.`) : null
  return h('div', {}, h('h3', {}, 'Ledger'), table('ledger', ['time', 'kind', 'ε', 'token', 'details'], rows), note)
}

export function budgetCard(b: Budget, createdAt: string): HTMLElement {
  const quotas = quotasOf(b)
  return card(
    'Budget over time',
    'budget',
    b.ledger.length ? budgetChart(b, createdAt) : h('p', { className: 'empty', data: { testid: 'budget-empty' } }, 'No ε spent yet: the ledger is empty.'),
    h('div', { className: 'split' }, quotas ? quotaTable(quotas) : null, byToken(b.ledger)),
    b.ledger.length ? ledgerTable(b.ledger) : null,
  )
}
