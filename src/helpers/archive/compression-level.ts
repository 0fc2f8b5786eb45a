/**
 * Named compression levels of ARTIFACT_COMPRESSION_LEVEL / CACHE_COMPRESSION_LEVEL
 * mapped onto deflate levels. `fastest` stores without compressing: it is what people
 * pick for already-compressed content, where deflate only costs time.
 */
export const COMPRESSION_LEVELS = {
  fastest: 0,
  fast: 1,
  default: 6,
  slow: 7,
  slowest: 9,
} as const

export type CompressionLevelName = keyof typeof COMPRESSION_LEVELS

export function isCompressionLevelName(value: string): value is CompressionLevelName {
  return Object.hasOwn(COMPRESSION_LEVELS, value)
}

/**
 * The deflate level for a variable's value; an empty value means `default`, an unknown
 * one also falls back to `default` with a warning naming the accepted values.
 */
export function parseCompressionLevel(value: string | undefined): {
  level: number
  warning?: string
} {
  const name = (value ?? '').trim().toLowerCase()
  if (name === '') return { level: COMPRESSION_LEVELS.default }
  if (isCompressionLevelName(name)) return { level: COMPRESSION_LEVELS[name] }

  return {
    level: COMPRESSION_LEVELS.default,
    warning: `compression level "${value}" is not one of ${Object.keys(COMPRESSION_LEVELS).join(', ')}; using default`,
  }
}
