/** Go durations: parsing `1h30m`/`15m`/`2.5s` and printing `1h0m0s`/`5s`/`500ms`. */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

/** Milliseconds for a Go duration string, or undefined when it is malformed. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') return undefined

  let total = 0
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/
  while (rest !== '') {
    const match = part.exec(rest)
    if (match === null) return undefined
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0)
    rest = rest.slice(match[0].length)
  }

  return sign * total
}

/** Go's Duration.String() for a whole number of milliseconds. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const negative = ms < 0
  let rest = Math.abs(Math.round(ms))
  if (rest < 1_000) return `${negative ? '-' : ''}${rest}ms`

  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = (rest / 1_000).toString()

  let out = negative ? '-' : ''
  if (hours > 0) out += `${hours}h`
  if (hours > 0 || minutes > 0) out += `${minutes}m`

  return `${out}${seconds}s`
}
