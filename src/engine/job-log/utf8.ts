/**
 * Cutting bytes without splitting a UTF-8 sequence. Output that is not valid UTF-8 around the
 * cut (binary data) is cut where asked: there is no character to keep whole.
 */

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80
}

/**
 * The largest cut <= `cut` (and > `min`, the start of what may be moved) that keeps every
 * character of `bytes[min, cut)` whole.
 */
export function utf8SafeCut(bytes: Uint8Array, cut: number, min = 0): number {
  if (cut >= bytes.length || !isContinuation(bytes[cut])) return cut
  let c = cut
  while (c > min && cut - c < 3 && isContinuation(bytes[c])) c--
  const lead = bytes[c] as number
  if (isContinuation(lead) || lead < 0xc0) return cut
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2

  return c + length > cut ? c : cut
}
