/**
 * Token helpers shared by logs, the job log header and the builds dir layout.
 */

const SHORT_TOKEN_PREFIXES = [/^glrt-(t[123]_)?/, /^t[123]_/, /^glrtr-/, /^glcbt-/, /^GR[0-9A-Fa-f]{7}/]

/**
 * The runner's short token: a known prefix stripped, then the first 9 characters.
 * `glrt-t1_AbCdEfGhIjKlMn` -> `AbCdEfGhI`.
 */
export function shortToken(token: string): string {
  let rest = token
  for (const prefix of SHORT_TOKEN_PREFIXES) {
    const stripped = rest.replace(prefix, '')
    if (stripped !== rest) {
      rest = stripped
      break
    }
  }

  return rest.slice(0, 9)
}

/** What a process log may show of a token: its short form, never the whole secret. */
export function tokenForLog(token: string): string {
  const short = shortToken(token).slice(0, 8)

  return short === '' ? '[empty]' : short
}

/** Built-in token prefixes masked in job logs (FF_MASK_ALL_DEFAULT_TOKENS, on by default). */
export const DEFAULT_TOKEN_MASK_PREFIXES = [
  'glpat-', 'gloas-', 'gldt-', 'glrt-', 'glcbt-', 'glrtr-', 'glptt-', 'glft-', 'glimt-',
  'glagent-', 'glsoat-', 'glffct-', '_gitlab_session=', 'gltok-',
] as const
