import t from 'tap'
import fc from 'fast-check'
import {
  EpsilonError,
  MICRO_PER_EPSILON,
  epsilonFromMicro,
  formatEpsilon,
  parseEpsilon,
  displayEpsilon,
} from '../../privacy/epsilon.js'

t.test('rejects everything that is not a positive finite ε', async (t) => {
  const bad: unknown[] = [
    undefined, null, NaN, -1, -0.1, 0, -0, Infinity, -Infinity, Number('1e400'), true, false, 1n, {}, [], [0.5],
    '', '   ', 'abc', '0x10', '1e', 'e5', '.', '+', 'Infinity', '-Infinity', 'NaN', '-0.1', '-0', '0', '0.000',
    '0e5', '1,5', '1_000', '1 000', '1e400', '1e+400', '1e99999999999999', '9007199254.740992', '5..1', '--1',
    '1.2.3', '١', // an Arabic-Indic digit
  ]
  for (const input of bad) {
    t.throws(() => parseEpsilon(input), EpsilonError, `rejects ${typeof input === 'string' ? JSON.stringify(input) : String(input)}`)
  }
})

t.test('decimals with at most 6 fractional digits are charged exactly as written', async (t) => {
  t.equal(parseEpsilon(0.1), 100_000)
  t.equal(parseEpsilon('0.1'), 100_000)
  // 0.29 · 10^6 = 289999.99999999994 in floating point; the string arithmetic does not lose it.
  t.equal(parseEpsilon(0.29), 290_000)
  t.equal(parseEpsilon('0.29'), 290_000)
  t.equal(parseEpsilon(0.000001), 1)
  t.equal(parseEpsilon(1), MICRO_PER_EPSILON)
  t.equal(parseEpsilon(2.5), 2_500_000)
  t.equal(parseEpsilon('.5'), 500_000)
  t.equal(parseEpsilon('1.'), 1_000_000)
  t.equal(parseEpsilon('+2'), 2_000_000)
  t.equal(parseEpsilon(' 0.5 '), 500_000)
  t.equal(parseEpsilon('5e-1'), 500_000)
  t.equal(parseEpsilon('1E3'), 1_000_000_000)
  t.equal(parseEpsilon('0.0000010'), 1)
  t.equal(parseEpsilon('007.250000'), 7_250_000)
  t.equal(parseEpsilon(1e6), 1e12)
  t.equal(parseEpsilon('9007199254.740991'), Number.MAX_SAFE_INTEGER)
  const table: Array<[number, number]> = [
    [0.3, 300_000], [0.7, 700_000], [1.1, 1_100_000], [0.07, 70_000], [4.35, 4_350_000], [0.57, 570_000],
    [1.15, 1_150_000], [123.456789, 123_456_789], [0.000123, 123],
  ]
  for (const [x, micro] of table) t.equal(parseEpsilon(x), micro, `${x} is charged exactly`)
})

t.test('ten charges of 0.1 sum to exactly 1', async (t) => {
  let total = 0
  for (let i = 0; i < 10; i++) total += parseEpsilon(0.1)
  t.equal(total, MICRO_PER_EPSILON)
  t.equal(formatEpsilon(total), '1')
  // The floating-point sum is not 1, which is why the ledger uses integers.
  let float = 0
  for (let i = 0; i < 10; i++) float += 0.1
  t.not(float, 1)
})

t.test('finer values round up to the next micro-ε', async (t) => {
  t.equal(parseEpsilon('0.0000001'), 1)
  t.equal(parseEpsilon(1e-7), 1)
  t.equal(parseEpsilon(5e-324), 1)
  t.equal(parseEpsilon('1e-400'), 1)
  t.equal(parseEpsilon('1e-99999999999999999'), 1)
  t.equal(parseEpsilon(0.1234561), 123_457)
  t.equal(parseEpsilon('0.1000001'), 100_001)
  t.equal(parseEpsilon('0.100000000000000000000001'), 100_001)
  t.equal(parseEpsilon('0.1000000000000000000000'), 100_000)
  t.equal(parseEpsilon('1.9999999'), 2_000_000)
})

t.test('cap', async (t) => {
  t.equal(parseEpsilon(1, 1_000_000), 1_000_000)
  t.throws(() => parseEpsilon('1.000001', 1_000_000), EpsilonError)
  t.throws(() => parseEpsilon('1.0000000001', 1_000_000), EpsilonError, 'rounding up happens before the cap check')
  t.throws(() => parseEpsilon(1, 0), RangeError)
  t.throws(() => parseEpsilon(1, 1.5), RangeError)
  const err = t.throws(() => parseEpsilon(3, 2_000_000)) as Error
  t.match(err.message, /at most 2\b/)
})

t.test('property: decimal strings are charged ⌈value · 10^6⌉ exactly', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.stringMatching(/^[0-9]{0,14}$/),
        fc.integer({ min: -3, max: 3 }),
        (whole, frac, exponent) => {
          const digits = BigInt(`${whole}${frac}`)
          // value = digits / 10^(|frac| − exponent), so micro = ⌈digits / 10^(|frac| − exponent − 6)⌉
          const scale = frac.length - exponent - 6
          const expected =
            scale <= 0 ? digits * 10n ** BigInt(-scale) : (digits + 10n ** BigInt(scale) - 1n) / 10n ** BigInt(scale)
          const text = `${whole}.${frac}e${exponent}`
          if (expected === 0n || expected > BigInt(Number.MAX_SAFE_INTEGER)) {
            try {
              parseEpsilon(text)
              return false
            } catch (err) {
              return err instanceof EpsilonError
            }
          }
          return parseEpsilon(text) === Number(expected)
        },
      ),
      { numRuns: 3000, seed: 20241108 },
    ),
  )
})

t.test('property: format/parse round-trip; numbers are charged at least their value', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e13 }), (micro) => {
        const text = formatEpsilon(micro)
        return (
          parseEpsilon(text) === micro && parseEpsilon(Number(text)) === micro && parseEpsilon(epsilonFromMicro(micro)) === micro
        )
      }),
      { numRuns: 3000, seed: 7 },
    ),
  )
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e9, noNaN: true }), (x) => {
        const micro = parseEpsilon(x)
        // At least the value (up to the float error of x·10^6) and less than one micro-ε above it.
        return micro >= x * MICRO_PER_EPSILON * (1 - 1e-15) && micro < x * MICRO_PER_EPSILON * (1 + 1e-15) + 1
      }),
      { numRuns: 3000, seed: 11 },
    ),
  )
})

t.test('formatEpsilon and epsilonFromMicro', async (t) => {
  t.equal(formatEpsilon(100_000), '0.1')
  t.equal(formatEpsilon(1_000_000), '1')
  t.equal(formatEpsilon(1_500_000), '1.5')
  t.equal(formatEpsilon(3), '0.000003')
  t.equal(formatEpsilon(0), '0')
  t.equal(formatEpsilon(-250_000), '-0.25')
  t.equal(formatEpsilon(Number.MAX_SAFE_INTEGER), '9007199254.740991')
  t.equal(epsilonFromMicro(100_000), 0.1)
  t.throws(() => formatEpsilon(0.5), RangeError)
  t.throws(() => epsilonFromMicro(NaN), RangeError)
})

t.test('displayEpsilon shows any ε to micro-ε precision without float noise', async (t) => {
  t.equal(displayEpsilon(0.1 + 0.2), '0.3')
  t.equal(displayEpsilon(1.5), '1.5')
  t.equal(displayEpsilon(epsilonFromMicro(3)), '0.000003')
})

t.test('DPDIST_MAX_EPSILON is parsed exactly, never through floating point', async (t) => {
  const { loadConfig } = await import('../../core/config.js')
  t.equal(loadConfig({ DPDIST_MAX_EPSILON: '0.3' }).maxEpsilonMicro, 300_000)
  t.equal(loadConfig({ DPDIST_MAX_EPSILON: '1e-7' }).maxEpsilonMicro, 1, 'rounded up to one micro-ε')
  t.equal(loadConfig({}).maxEpsilonMicro, 1000 * MICRO_PER_EPSILON)
  t.throws(() => loadConfig({ DPDIST_MAX_EPSILON: '-1' }))
  t.throws(() => loadConfig({ DPDIST_MAX_EPSILON: '2000000' }))
})
