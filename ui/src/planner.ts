/**
 * The planner: metric, mechanism, k and a target sd in; the ε, the bytes and the predicted sd curve
 * out, from `sketches:estimate` (a dry run that charges nothing). The build button builds exactly
 * the plan on screen, after a confirmation that names its cost.
 */
import type { z } from 'zod'
import type { metric as metricSchema } from '../../core/schemas/common.js'
import type { mechanismName } from '../../core/schemas/sketches.js'
import { ApiError, api, type DatasetDetail, type EstimateRequest, type Sketch, type SketchEstimate } from './api.js'
import { accuracyChart } from './charts.js'
import { confirmCost } from './dialog.js'
import { card, field, fill, h, select } from './dom.js'
import { bytes, eps, micro, num } from './format.js'

type Metric = z.output<typeof metricSchema>
type Mechanism = z.output<typeof mechanismName>

/** Which mechanisms answer which metric, defaults first (the server checks the pairing again). */
const mechanisms: Record<Metric, readonly Mechanism[]> = { hamming: ['parity', 'pl07'], edit: ['noisy-bits', 'lcp-tree'] }

export interface PlannerHooks {
  remaining(): number
  built(sketch: Sketch): void
  error(err: unknown): void
}

export function planner(d: DatasetDetail, hooks: PlannerHooks): HTMLElement {
  const metric = select('metric', d.metrics)
  const mechanism = select('mechanism', mechanisms[d.metrics[0]])
  metric.onchange = () => fill(mechanism, ...mechanisms[metric.value as Metric].map((m) => h('option', { value: m, textContent: m })))
  const k = h('input', { type: 'number', name: 'k', min: '1', max: String(d.bits), value: String(Math.min(32, d.bits)), required: true })
  const epsilon = h('input', { type: 'number', name: 'epsilon', min: '0.000001', step: 'any', value: '1', required: true })
  const targetSd = h('input', { type: 'number', name: 'targetSd', min: '0', step: 'any', placeholder: 'optional' })
  const estimateButton = h('button', { type: 'submit', className: 'primary', textContent: 'Estimate' })
  const result = h('div', { className: 'plan-result', data: { testid: 'plan-result' } }, h('p', { className: 'empty' }, 'Nothing is charged until you build.'))
  const form = h(
    'form',
    { className: 'form-grid', data: { testid: 'planner-form' } },
    field('metric', metric),
    field('mechanism', mechanism),
    field('k (largest distance of interest)', k),
    field('ε', epsilon, 'used when no target sd is given'),
    field('target sd', targetSd, 'the smallest ε whose predicted sd at 0, k/2 and k is at most this'),
    field('unitBits', h('input', { type: 'text', value: String(d.unitBits), readOnly: true }), 'the neighbour relation, fixed when the dataset was created'),
    h('div', { className: 'form-actions' }, estimateButton),
  )
  let planned: EstimateRequest | null = null
  form.oninput = () => {
    planned = null
    for (const b of result.querySelectorAll('button')) b.disabled = true
  }
  form.onsubmit = async (ev) => {
    ev.preventDefault()
    estimateButton.disabled = true
    try {
      const base: EstimateRequest = { metric: metric.value as Metric, mechanism: mechanism.value as Mechanism, k: Number(k.value), epsilon: Number(epsilon.value) }
      let est = await api.estimate(d.name, targetSd.value ? { ...base, targetSd: Number(targetSd.value) } : base)
      const needed = est.minEpsilonForTargetSd
      if (targetSd.value && needed === null) throw new ApiError(400, 'plan', `no ε up to the per-release cap reaches sd ≤ ${targetSd.value} for this plan`)
      if (needed !== undefined && needed !== null) est = await api.estimate(d.name, { ...base, epsilon: needed })
      planned = { ...base, epsilon: est.epsilon }
      fill(result, planView(est, targetSd.value ? Number(targetSd.value) : null), buildButton(d, est, () => planned, hooks))
    } catch (err) {
      hooks.error(err)
    } finally {
      estimateButton.disabled = false
    }
  }
  return card('Plan a sketch', 'planner', form, result)
}

function planView(est: SketchEstimate, target: number | null): HTMLElement {
  const sd = est.predictedSd
  const facts: [string, string][] = [
    ['ε to spend', eps(est.epsilon) + (target === null ? '' : ` (smallest for sd ≤ ${num(target)})`)],
    ['bytes per record', bytes(est.bytesPerRecord)],
    ['total', `${bytes(est.totalBytes)} for ${est.records.toLocaleString('en')} records`],
    ['predicted sd at 0 / k/2 / k', `${num(sd.atZero)} / ${num(sd.atHalfK)} / ${num(sd.atK)}`],
    ['cells one change can flip (Δ)', String(est.delta)],
    ['flip probability', est.flipProbability.toPrecision(4)],
  ]
  return h(
    'div',
    { className: 'plan-grid' },
    h(
      'div',
      {},
      h('dl', { className: 'facts', data: { testid: 'plan-facts', epsilon: est.epsilon } }, ...facts.flatMap(([t, v]) => [h('dt', {}, t), h('dd', {}, v)])),
      est.reliable ? null : h('p', { className: 'warning' }, 'Unreliable at this ε: the error bound of this mechanism does not hold.'),
      ...est.notes.map((n) => h('p', { className: 'hint' }, n)),
    ),
    accuracyChart([{ label: `${est.mechanism} ε ${eps(est.epsilon)}`, k: est.k, sd }], 'plan-chart'),
  )
}

function buildButton(d: DatasetDetail, est: SketchEstimate, planned: () => EstimateRequest | null, hooks: PlannerHooks): HTMLElement {
  const button = h('button', { type: 'button', className: 'primary danger', textContent: `Build sketch · spend ε ${eps(est.epsilon)}`, data: { testid: 'build' } })
  if (micro(est.epsilon) > micro(hooks.remaining())) {
    button.disabled = true
    return h('div', { className: 'form-actions' }, button, h('span', { className: 'warning' }, `only ε ${eps(hooks.remaining())} remains`))
  }
  button.onclick = async () => {
    const plan = planned()
    if (!plan) return
    const remaining = hooks.remaining()
    const ok = await confirmCost(
      `Spend ε = ${eps(est.epsilon)} on a ${est.mechanism} sketch?`,
      [
        `A ${est.mechanism} sketch for ${est.metric} distance up to k = ${est.k} over ${est.records.toLocaleString('en')} records of “${d.name}”.`,
        `It charges ε = ${eps(est.epsilon)} of the remaining ${eps(remaining)} (left afterwards: ${eps(Math.max(0, remaining - est.epsilon))}). A charge cannot be undone; every query on the sketch is then free.`,
      ],
      `Spend ε ${eps(est.epsilon)} and build`,
    )
    if (!ok) return
    button.disabled = true
    try {
      hooks.built(await api.build(d.name, plan))
    } catch (err) {
      button.disabled = false
      hooks.error(err)
    }
  }
  return h('div', { className: 'form-actions' }, button)
}
