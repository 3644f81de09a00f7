/**
 * Small statistics helpers for the privacy tests: chi-square goodness of fit and the discrete
 * Laplace pmf. Test-only; nothing here draws noise.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = c[0]
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Regularized upper incomplete gamma Q(a, x) (series for x < a + 1, continued fraction otherwise). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  const lead = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break
    }
    return 1 - sum * Math.exp(lead)
  }
  // Lentz's continued fraction.
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(lead) * h
}

export interface ChiSquare {
  statistic: number
  dof: number
  pValue: number
}

/**
 * Pearson chi-square of observed counts against expected probabilities (which must sum to 1).
 * Bins with expected count below 5 are merged into their neighbour so the approximation holds.
 */
export function chiSquare(observed: number[], probabilities: number[]): ChiSquare {
  const total = observed.reduce((s, v) => s + v, 0)
  const obs: number[] = []
  const exp: number[] = []
  let accO = 0
  let accE = 0
  for (let i = 0; i < observed.length; i++) {
    accO += observed[i]
    accE += probabilities[i] * total
    if (accE >= 5) {
      obs.push(accO)
      exp.push(accE)
      accO = 0
      accE = 0
    }
  }
  if (accE > 0 || accO > 0) {
    if (exp.length === 0) throw new Error('not enough mass for a chi-square test')
    obs[obs.length - 1] += accO
    exp[exp.length - 1] += accE
  }
  let statistic = 0
  for (let i = 0; i < obs.length; i++) statistic += (obs[i] - exp[i]) ** 2 / exp[i]
  const dof = obs.length - 1
  return { statistic, dof, pValue: gammaQ(dof / 2, statistic / 2) }
}

/**
 * Bins for a two-sided geometric variable with P(Z = z) = (1−a)/(1+a)·a^{|z|}: one bin per z in
 * [−K, K] plus the two tails z < −K and z > K, so the probabilities sum to exactly 1.
 */
export function discreteLaplaceBins(a: number, K: number): { probabilities: number[]; binOf: (z: number) => number } {
  const norm = (1 - a) / (1 + a)
  const tail = a ** (K + 1) / (1 + a) // P(Z > K) = a^{K+1}/(1+a)
  const probabilities = [tail]
  for (let z = -K; z <= K; z++) probabilities.push(norm * a ** Math.abs(z))
  probabilities.push(tail)
  const binOf = (z: number): number => (z < -K ? 0 : z > K ? 2 * K + 2 : z + K + 1)
  return { probabilities, binOf }
}

/** Two-sided standard error of a binomial proportion count: √(N p (1−p)). */
export function binomialSd(n: number, p: number): number {
  return Math.sqrt(n * p * (1 - p))
}
