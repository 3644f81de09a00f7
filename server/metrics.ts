/** Prometheus text metrics, kept in-process (no dependency). */
export class Histogram {
  readonly #bounds: number[]
  readonly #counts: number[]
  #sum = 0
  #count = 0

  constructor(bounds: number[]) {
    this.#bounds = bounds
    this.#counts = new Array<number>(bounds.length).fill(0)
  }

  observe(value: number): void {
    this.#sum += value
    this.#count++
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]) this.#counts[i]++
  }

  render(name: string, labels = ''): string[] {
    const sep = labels ? `${labels},` : ''
    const lines = this.#bounds.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.#counts[i]}`)
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.#count}`)
    lines.push(`${name}_sum${labels ? `{${labels}}` : ''} ${this.#sum}`)
    lines.push(`${name}_count${labels ? `{${labels}}` : ''} ${this.#count}`)
    return lines
  }
}

export class Metrics {
  readonly requests = new Map<string, number>()
  readonly queryLatency = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
  recordsScanned = 0
  scanSeconds = 0

  countRequest(method: string, route: string, status: number): void {
    const key = `method="${method}",route="${route}",status="${status}"`
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1)
  }

  observeScan(records: number, seconds: number): void {
    this.recordsScanned += records
    this.scanSeconds += seconds
    this.queryLatency.observe(seconds)
  }
}

export interface GaugeSnapshot {
  sketchesLoaded: number
  sketchBytes: number
  poolQueueDepth: number
  epsilonSpent: { dataset: string; spent: number; budget: number }[]
}

export function renderMetrics(m: Metrics, g: GaugeSnapshot): string {
  const lines: string[] = []
  lines.push('# HELP dpdist_http_requests_total HTTP requests by route and status.', '# TYPE dpdist_http_requests_total counter')
  for (const [labels, n] of m.requests) lines.push(`dpdist_http_requests_total{${labels}} ${n}`)
  lines.push('# HELP dpdist_query_seconds Time to scan one query over a dataset.', '# TYPE dpdist_query_seconds histogram')
  lines.push(...m.queryLatency.render('dpdist_query_seconds'))
  lines.push('# HELP dpdist_records_scanned_total Records scanned by queries.', '# TYPE dpdist_records_scanned_total counter')
  lines.push(`dpdist_records_scanned_total ${m.recordsScanned}`)
  lines.push('# HELP dpdist_records_scanned_per_second Records scanned per second of scan time.', '# TYPE dpdist_records_scanned_per_second gauge')
  lines.push(`dpdist_records_scanned_per_second ${m.scanSeconds > 0 ? Math.round(m.recordsScanned / m.scanSeconds) : 0}`)
  lines.push('# HELP dpdist_pool_queue_depth Scan tasks waiting for a worker.', '# TYPE dpdist_pool_queue_depth gauge')
  lines.push(`dpdist_pool_queue_depth ${g.poolQueueDepth}`)
  lines.push('# HELP dpdist_sketches_loaded Sketches held in memory.', '# TYPE dpdist_sketches_loaded gauge')
  lines.push(`dpdist_sketches_loaded ${g.sketchesLoaded}`)
  lines.push('# HELP dpdist_sketch_bytes Bytes of sketches held in memory.', '# TYPE dpdist_sketch_bytes gauge')
  lines.push(`dpdist_sketch_bytes ${g.sketchBytes}`)
  lines.push('# HELP dpdist_epsilon_spent ε spent per dataset.', '# TYPE dpdist_epsilon_spent gauge')
  for (const d of g.epsilonSpent) lines.push(`dpdist_epsilon_spent{dataset="${d.dataset}"} ${d.spent}`)
  lines.push('# HELP dpdist_epsilon_budget ε budget per dataset.', '# TYPE dpdist_epsilon_budget gauge')
  for (const d of g.epsilonSpent) lines.push(`dpdist_epsilon_budget{dataset="${d.dataset}"} ${d.budget}`)
  return `${lines.join('\n')}\n`
}
