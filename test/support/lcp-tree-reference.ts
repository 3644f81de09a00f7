/**
 * Test reimplementation of the lcp-tree's nibble table from its public cell table: entry 16g + v is
 * the XOR of the cell bits (bit 31 − cellOf[i]) of the positions i = 4g + q whose bit is set in the
 * nibble value v (MSB first), so that the tests can compute parity words independently of the mechanism.
 */
export function nibbleTableOf(cellOf: ArrayLike<number>): Uint32Array {
  const n = cellOf.length
  const groups = Math.ceil(n / 4)
  const out = new Uint32Array(groups * 16)
  for (let g = 0; g < groups; g++) {
    for (let v = 0; v < 16; v++) {
      let acc = 0
      for (let q = 0; q < 4; q++) if (4 * g + q < n && ((v >>> (3 - q)) & 1) === 1) acc ^= 0x80000000 >>> cellOf[4 * g + q]
      out[g * 16 + v] = acc
    }
  }
  return out
}
