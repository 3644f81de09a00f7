/**
 * ε arithmetic: privacy parameters are stored, charged and summed as integer micro-ε.
 *
 * Why integers: the ledger adds charges (sequential composition, docs/privacy-model.md#composition). Summing binary floats
 * drifts (0.1 + 0.2 ≠ 0.3) and multiplying a float by 10^6 is not exact either (0.29 · 10^6 =
 * 289999.99999999994), so a float ε could be under-charged by one unit. Here a decimal ε is turned
 * into micro-ε by decimal *string* arithmetic: a value with at most 6 fractional digits is charged
 * exactly as written (0.1 → 100000, ten charges of 0.1 sum to exactly 1), and anything finer is
 * rounded UP to the next micro-ε (charging more never weakens the guarantee).
 *
 * A JS number is read through its shortest round-trip decimal form (`String(x)`), i.e. "as
 * written": 0.1 is charged 100000, not the 100000.0000000000055… of its binary value.
 */

/** Micro-ε per unit of ε. */
export const MICRO_PER_EPSILON = 1_000_000

/** Input that is not a valid ε. The message says what is wrong; it never contains data bits. */
export class EpsilonError extends Error {
  override name = 'EpsilonError'
}

// Optional sign "+", digits with an optional fraction (either side may be empty, not both), optional exponent.
const DECIMAL = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
// A legitimate ε never needs more characters than this; it also bounds the BigInt work per parse.
const MAX_INPUT_LENGTH = 256

/**
 * Parses a privacy parameter and returns it in integer micro-ε.
 *
 * Accepts a finite JS number or a decimal string ("0.5", "1e-3", ".25"). Rejects (EpsilonError)
 * anything absent, non-numeric, NaN, ±Infinity, zero, negative, a boolean, a value above `capMicro`
 * (default: the largest safe integer) and anything whose micro-ε value would not be a safe integer
 * (e.g. "1e400"). Values finer than 10^-6 are rounded up, so a tiny positive ε is charged 1 micro-ε.
 */
export function parseEpsilon(input: unknown, capMicro: number = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(capMicro) || capMicro <= 0) {
    throw new RangeError('capMicro must be a positive safe integer')
  }
  let text: string
  if (input === undefined || input === null) {
    throw new EpsilonError('epsilon is required')
  } else if (typeof input === 'number') {
    if (Number.isNaN(input)) throw new EpsilonError('epsilon must be a number, got NaN')
    if (!Number.isFinite(input)) throw new EpsilonError('epsilon must be finite')
    if (input <= 0) throw new EpsilonError('epsilon must be greater than 0')
    text = String(input)
  } else if (typeof input === 'string') {
    text = input.trim()
  } else {
    throw new EpsilonError(`epsilon must be a number or a decimal string, got ${typeof input}`)
  }

  if (text.length === 0) throw new EpsilonError('epsilon must not be empty')
  if (text.length > MAX_INPUT_LENGTH) throw new EpsilonError('epsilon has too many characters')
  if (text.startsWith('-')) throw new EpsilonError('epsilon must be greater than 0')
  const m = DECIMAL.exec(text)
  if (m === null || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
    throw new EpsilonError('epsilon must be a decimal number such as 0.5 or 1e-3')
  }
  const micro = decimalToMicroCeil(m[1], m[2] ?? '', m[3] ?? '0')
  if (micro === 0n) throw new EpsilonError('epsilon must be greater than 0')
  if (micro > BigInt(Number.MAX_SAFE_INTEGER)) throw new EpsilonError('epsilon is too large')
  if (micro > BigInt(capMicro)) {
    throw new EpsilonError(`epsilon must be at most ${formatEpsilon(capMicro)}`)
  }
  return Number(micro)
}

/**
 * ⌈(intDigits.fracDigits × 10^exponent) × 10^6⌉ as a BigInt, or a value above MAX_SAFE_INTEGER
 * when it is too large (callers compare against the cap, which is at most MAX_SAFE_INTEGER).
 */
function decimalToMicroCeil(intDigits: string, fracDigits: string, exponent: string): bigint {
  const digits = (intDigits + fracDigits).replace(/^0+/, '')
  if (digits === '') return 0n
  // value = digits × 10^scale with scale = exponent − |frac|; micro = digits × 10^(scale + 6).
  // Exponents with many digits are clamped: either way the result is "too large" or "round up to 1".
  const exp = exponent.replace(/^[+-]?0*/, '').length > 12 ? (exponent.startsWith('-') ? -1e12 : 1e12) : Number(exponent)
  const shift = exp - fracDigits.length + 6
  const tooLarge = BigInt(Number.MAX_SAFE_INTEGER) + 1n
  if (shift >= 0) {
    // digits ≥ 1, so more than 16 extra decimal places cannot be a safe integer.
    if (shift + digits.length > 17) return tooLarge
    return BigInt(digits) * 10n ** BigInt(shift)
  }
  const drop = -shift
  // 0 < value < 1 micro-ε: round up to 1.
  if (drop > digits.length) return 1n
  const kept = digits.slice(0, digits.length - drop)
  const rest = digits.slice(digits.length - drop)
  const whole = kept === '' ? 0n : BigInt(kept)
  return /[1-9]/.test(rest) ? whole + 1n : whole
}

/** ε as a JS number, for display and floating-point formulas (never for charging). */
export function epsilonFromMicro(micro: number): number {
  assertMicro(micro)
  return micro / MICRO_PER_EPSILON
}

/** Any ε (a prediction, say) as text to micro-ε precision, for display only (never for charging). */
export function displayEpsilon(epsilon: number): string {
  return formatEpsilon(Math.round(epsilon * MICRO_PER_EPSILON))
}

/** Exact decimal form of a micro-ε amount: 100000 → "0.1", 1500000 → "1.5", 3 → "0.000003". */
export function formatEpsilon(micro: number): string {
  assertMicro(micro)
  const sign = micro < 0 ? '-' : ''
  const abs = Math.abs(micro)
  const whole = Math.floor(abs / MICRO_PER_EPSILON)
  const frac = abs % MICRO_PER_EPSILON
  if (frac === 0) return `${sign}${whole}`
  return `${sign}${whole}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`
}

function assertMicro(micro: number): void {
  if (!Number.isSafeInteger(micro)) throw new RangeError('a micro-ε amount must be a safe integer')
}
