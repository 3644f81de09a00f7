import t from 'tap'
import { CryptoNoiseSource, productionNoiseSource } from '../../privacy/noise-source.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { chiSquare } from './stats.js'

t.test('CryptoNoiseSource: small and large requests, never the same words twice', async (t) => {
  const noise = new CryptoNoiseSource(64)
  const seen = new Set<number>()
  let repeats = 0
  let total = 0
  const take = (x: number): void => {
    total++
    if (seen.has(x)) repeats++
    seen.add(x)
  }
  // Requests smaller than, equal to, straddling and larger than the 64-word buffer, mixed with single draws.
  for (const size of [1, 5, 63, 64, 65, 10, 200, 3, 64, 1000, 7]) {
    const out = new Uint32Array(size)
    noise.fillUint32(out)
    out.forEach(take)
    take(noise.nextUint32())
  }
  // ~1 600 uniform 32-bit words: a repeat has probability ≈ 3·10^-4; a reused buffer would repeat many.
  t.ok(repeats <= 1, `${total} words, ${repeats} repeats`)
  t.throws(() => new CryptoNoiseSource(0), RangeError)
  t.throws(() => new CryptoNoiseSource(1.5), RangeError)
})

t.test('CryptoNoiseSource: bytes are uniform (smoke, chi-square)', async (t) => {
  const noise = new CryptoNoiseSource()
  const out = new Uint32Array(1 << 16)
  noise.fillUint32(out)
  const counts = new Array<number>(256).fill(0)
  for (const b of new Uint8Array(out.buffer)) counts[b]++
  const chi = chiSquare(counts, new Array<number>(256).fill(1 / 256))
  // Not seeded: 10^-6 keeps false alarms negligible.
  t.ok(chi.pValue > 1e-6, `χ²=${chi.statistic.toFixed(1)} on ${chi.dof} dof`)
})

t.test('productionNoiseSource is one shared CSPRNG source', async (t) => {
  t.equal(productionNoiseSource(), productionNoiseSource())
  t.ok(productionNoiseSource() instanceof CryptoNoiseSource)
})

t.test('SeededNoiseSource is reproducible (the test seam)', async (t) => {
  const a = new SeededNoiseSource('seam')
  const b = new SeededNoiseSource('seam')
  const x = new Uint32Array(100)
  const y = new Uint32Array(100)
  a.fillUint32(x)
  b.fillUint32(y)
  t.same(x, y)
  t.equal(a.nextUint32(), b.nextUint32())
  t.not(new SeededNoiseSource('other').nextUint32(), new SeededNoiseSource('seam').nextUint32())
})
