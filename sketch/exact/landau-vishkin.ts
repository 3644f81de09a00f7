/**
 * Landau–Vishkin: exact edit distance (unit-cost substitutions, insertions, deletions) capped at k,
 * in O(k² + work in the longest-common-extension oracle), over two packed bit strings of possibly
 * different lengths. Generic over the LCE oracle so that the private edit mechanisms (noisy-bits,
 * lcp-tree) run the same recurrence on top of their own (noisy) extension queries.
 *
 * Diagonals: d = (B index) − (A index). F(r, d) is the furthest A-row i such that the prefixes
 * A[0, i) and B[0, i + d) are within r edits, after sliding along the diagonal:
 *
 *   F(0, 0)  = slide(0, 0)
 *   F(r, d)  = slide(d, min(nA, nB − d, max(F(r−1, d) + 1,       substitution
 *                                           F(r−1, d − 1),       insertion (B advances)
 *                                           F(r−1, d + 1) + 1))) deletion  (A advances)
 *   slide(d, i) = i + LCE(i, d),  LCE(i, d) = longest common prefix of A[i..] and B[i + d..]
 *
 * ED(A, B) is the least r with F(r, nB − nA) = nA. Only diagonals with |d| ≤ r and
 * r + |d − (nB − nA)| ≤ k are evaluated (Ukkonen's cut-off: a cell that needs more than k edits to
 * reach the end never lies on an alignment of cost ≤ k). Sources: G. M. Landau and U. Vishkin,
 * "Fast parallel and serial approximate string matching", J. Algorithms 10 (1989); E. Ukkonen,
 * "Algorithms for approximate string matching", Information and Control 64 (1985). Pseudocode and
 * its use in the private mechanisms: docs/mechanisms/noisy-bits.md#construction and
 * docs/mechanisms/lcp-tree.md#construction (the paper, arXiv 2411.05750, answers edit distance this way).
 *
 * The exact LCE compares 32 bits per step at arbitrary bit offsets: extract the 32-bit window
 * starting at the bit offset of each side (two shifted words), XOR, and the number of leading zero
 * bits of the XOR (Math.clz32) is the length of the common run inside the window. A string compared
 * with many others (a query) has all its windows extracted once (stringWindows, WindowedLce).
 *
 * Bit layout (sketch/bits.ts): bit x of a string stored at word offset `base` is bit 31 − (x & 31)
 * of word base + (x >>> 5), MSB-first.
 */

/**
 * LCE oracle: `lce(i, d)` is the length of the common extension from A-position i on diagonal d
 * (B-position i + d). An object with a method rather than a bare function: a scan reuses one oracle
 * per query (mutating which record it reads), so the call site in the LV loop sees a few object
 * shapes instead of a fresh closure per record and the engine can inline it (measured about 25 %
 * less time on unrelated records).
 */
export interface LceOracle {
  lce(i: number, d: number): number
}

const UNREACHED = -0x40000000

/**
 * The 32 bits of a packed string starting at bit `x` (x < n), MSB-first. Bits past the end of the
 * string's `nWords` words read as zero; bits past bit n inside the last word are whatever is stored
 * there, so callers cap the matched length at the string's end.
 */
export function windowAt(s: Uint32Array, base: number, nWords: number, x: number): number {
  const w = x >>> 5
  const shift = x & 31
  const hi = s[base + w]
  if (shift === 0) return hi
  const lo = w + 1 < nWords ? s[base + w + 1] : 0
  return (hi << shift) | (lo >>> (32 - shift))
}

/**
 * Length of the longest common prefix of A[i, limitA) and B[j, nB), where A is `na` bits at word
 * offset `aBase` of `a` and B is `nb` bits at word offset `bBase` of `b`. `limitA` (default na)
 * stops the comparison early at an A-position; it must be ≤ na.
 */
export function exactLce(
  a: Uint32Array,
  aBase: number,
  na: number,
  b: Uint32Array,
  bBase: number,
  nb: number,
  i: number,
  j: number,
  limitA: number = na,
): number {
  let lim = limitA - i
  if (nb - j < lim) lim = nb - j
  if (lim <= 0) return 0
  const aWords = (na + 31) >>> 5
  const bWords = (nb + 31) >>> 5
  let l = 0
  while (l < lim) {
    const x = windowAt(a, aBase, aWords, i + l) ^ windowAt(b, bBase, bWords, j + l)
    if (x !== 0) {
      l += Math.clz32(x)
      return l < lim ? l : lim
    }
    l += 32
  }
  return lim
}

/**
 * All 32-bit windows of a string that is compared against many others (a query): out[y] = the 32
 * bits starting at bit y, MSB-first, zero past the end (padding bits of the last word are masked).
 * n + 1 words (written into `into` when it has that many; entries past n are then left as they
 * are); one load per window instead of two shifted loads.
 */
export function stringWindows(b: Uint32Array, bBase: number, nb: number, into?: Int32Array): Int32Array {
  const out = into !== undefined && into.length > nb ? into : new Int32Array(nb + 1)
  out[nb] = 0
  const nWords = (nb + 31) >>> 5
  const used = nb & 31
  const last = used === 0 ? -1 : -1 << (32 - used)
  const word = (w: number): number => (w < nWords ? (w === nWords - 1 ? b[bBase + w] & last : b[bBase + w]) : 0)
  for (let w = 0; w < nWords; w++) {
    const hi = word(w)
    const lo = word(w + 1)
    out[32 * w] = hi
    for (let s = 1; s < 32 && 32 * w + s < nb; s++) out[32 * w + s] = (hi << s) | (lo >>> (32 - s))
  }
  return out
}

/**
 * exactLce with B given by its windows (stringWindows): common prefix of A[i, limitA) and B[j, nb).
 */
export function windowedLce(
  a: Uint32Array,
  aBase: number,
  na: number,
  bWindows: Int32Array,
  nb: number,
  i: number,
  j: number,
  limitA: number,
): number {
  let lim = limitA - i
  if (nb - j < lim) lim = nb - j
  if (lim <= 0) return 0
  const aWords = (na + 31) >>> 5
  let l = 0
  while (l < lim) {
    const x = i + l
    const w = x >>> 5
    const shift = x & 31
    let va = a[aBase + w]
    if (shift !== 0) va = (va << shift) | (w + 1 < aWords ? a[aBase + w + 1] >>> (32 - shift) : 0)
    const diff = va ^ bWindows[j + l]
    if (diff !== 0) {
      l += Math.clz32(diff)
      return l < lim ? l : lim
    }
    l += 32
  }
  return lim
}

/**
 * Exact LCE oracle of one fixed string B (by its windows) against records read from an array: set
 * `records` and `base` (the record's word offset) before each LV run. The only exact oracle (a single
 * comparison, editDistanceLV, extracts B's windows too): the shared Landau–Vishkin loop inlines the
 * LCE of the oracles it meets only while they are few and small, and lcp-tree's is one of them
 * (with a second exact oracle class lcp-tree took about 10 % more time per record on bench/edit's data).
 */
export class WindowedLce implements LceOracle {
  base = 0
  constructor(
    public records: Uint32Array,
    readonly na: number,
    readonly bWindows: Int32Array,
    readonly nb: number,
  ) {}

  lce(i: number, d: number): number {
    return windowedLce(this.records, this.base, this.na, this.bWindows, this.nb, i, i + d, this.na)
  }
}

/** The two F rows of a Landau–Vishkin run with cap k: 2k + 3 entries each (diagonals −k−1 … k+1). */
export interface LvRows {
  prev: Int32Array
  cur: Int32Array
}

/** F rows for runs with cap at most k, to reuse across the runs of a scan (landauVishkin's `rows`). */
export function lvRows(k: number): LvRows {
  return { prev: new Int32Array(2 * k + 3), cur: new Int32Array(2 * k + 3) }
}

/** Longest strings landauVishkin takes: F values and their differences stay 32-bit integers. */
const MAX_LENGTH = 2 ** 29

function checkArguments(na: number, nb: number, k: number): void {
  if (!Number.isInteger(na) || !Number.isInteger(nb) || na < 0 || nb < 0 || na > MAX_LENGTH || nb > MAX_LENGTH) {
    throw new RangeError('landauVishkin: lengths must be integers in [0, 2^29]')
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError('landauVishkin: k must be a non-negative integer')
}

/**
 * Landau–Vishkin over an LCE oracle. Returns the edit distance of strings of lengths na and nb if
 * it is at most k, else null. The oracle is called with 0 ≤ i ≤ na, 0 ≤ i + d ≤ nb. `rows` (from
 * lvRows(k′), k′ ≥ k) saves allocating the F rows on every call; a scan passes one for all records.
 */
export function landauVishkin(na: number, nb: number, k: number, oracle: LceOracle, rows?: LvRows): number | null {
  checkArguments(na, nb, k)
  if (rows !== undefined && (rows.prev.length < 2 * k + 3 || rows.cur.length < 2 * k + 3)) {
    throw new RangeError('landauVishkin: rows too short for k')
  }
  return landauVishkinRun(na, nb, k, oracle, rows ?? lvRows(k))
}

/**
 * landauVishkin without the argument checks, for a caller that has made them once (lcp-tree's
 * TreeLce, per query): lengths in [0, 2^29], k a non-negative integer, rows of at least 2k + 3.
 *
 * Every mechanism's oracle runs through this one loop, so its `oracle.lce` call site sees several
 * classes; the engine still inlines their lce there while they are few and small: WindowedLce (the
 * exact path and noisy-bits) and lcp-tree's TreeLce. Keep it that way (see WindowedLce).
 *
 * F rows: diagonals −k−1 … k+1 at index d + k + 1, so that d ± 1 never leaves them.
 */
export function landauVishkinRun(na: number, nb: number, k: number, oracle: LceOracle, rows: LvRows): number | null {
  const target = nb - na
  if (target > k || target < -k) return null
  const shift = k + 1
  let prev = rows.prev.fill(UNREACHED, 0, 2 * k + 3)
  let cur = rows.cur.fill(UNREACHED, 0, 2 * k + 3)
  for (let r = 0; r <= k; r++) {
    const slackR = k - r
    let dLo = 0 - r // not -r: at r = 0 that is -0, a double, and V8 would treat every d as one
    if (-na > dLo) dLo = -na
    if (target - slackR > dLo) dLo = target - slackR
    let dHi = r
    if (nb < dHi) dHi = nb
    if (target + slackR < dHi) dHi = target + slackR
    for (let d = dLo; d <= dHi; d++) {
      const at = d + shift
      let i = 0
      if (r > 0) {
        // max(substitution, insertion, deletion) without branches (they are unpredictable here):
        // t & (t >> 31) is min(t, 0) for 32-bit t, and F values lie in [UNREACHED, 2^29].
        const sub = prev[at] + 1
        let t = sub - prev[at - 1]
        i = sub - (t & (t >> 31))
        t = i - prev[at + 1] - 1
        i -= t & (t >> 31)
        if (i < 0) continue
      }
      if (i > na) i = na
      if (i > nb - d) i = nb - d
      cur[at] = i + oracle.lce(i, d)
    }
    if (r >= target && r >= -target && cur[target + shift] >= na) return r
    // Entries of the other array that this round does not overwrite keep values of earlier rounds:
    // rows reachable with fewer edits, so still valid (if weaker) candidates; no clearing needed.
    const t = prev
    prev = cur
    cur = t
  }
  return null
}

/** B's windows for editDistanceLV, reused from call to call (it is synchronous and never re-entered). */
let pairWindows = new Int32Array(0)

/**
 * Exact edit distance of A (`na` bits at word offset `aBase` of `a`) and B (`nb` bits at `bBase` of
 * `b`) if it is at most k, else null. Landau–Vishkin with the word-parallel exact LCE.
 */
export function editDistanceLV(
  a: Uint32Array,
  na: number,
  b: Uint32Array,
  nb: number,
  k: number,
  aBase = 0,
  bBase = 0,
): number | null {
  checkArguments(na, nb, k)
  if (Math.abs(nb - na) > k) return null
  if (pairWindows.length <= nb) pairWindows = new Int32Array(Math.max(nb + 1, 2 * pairWindows.length))
  const oracle = new WindowedLce(a, na, stringWindows(b, bBase, nb, pairWindows), nb)
  oracle.base = aBase
  return landauVishkin(na, nb, k, oracle)
}
