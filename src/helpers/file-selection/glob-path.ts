import path from 'node:path'
import picomatch from 'picomatch'

const GLOB_CHARS = /[*?[{]/

/**
 * Options that make picomatch behave like doublestar (what the official runner uses):
 * dotfiles are ordinary names, no extglobs, a leading `!` is a literal character.
 */
const DOUBLESTAR_OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true, nonegate: true }

export type PathMatcher = (relativePath: string) => boolean

export function hasGlob(value: string): boolean {
  return GLOB_CHARS.test(value)
}

/**
 * Splits a path into the static directories before the first segment holding a glob
 * character and the rest: `out/**\/*.apk` → base `out`, pattern `**\/*.apk`. A path
 * without glob characters is all base.
 */
export function splitGlob(value: string): { base: string; pattern: string | undefined } {
  const segments = value.split('/')
  const firstGlob = segments.findIndex((segment) => hasGlob(segment))
  if (firstGlob === -1) return { base: value, pattern: undefined }

  const base = segments.slice(0, firstGlob).join('/')

  return {
    base: base === '' && value.startsWith('/') ? '/' : base,
    pattern: segments.slice(firstGlob).join('/'),
  }
}

/** Compiles a doublestar pattern written relative to the project dir. */
export function compileMatcher(pattern: string): PathMatcher {
  const normalised = path.posix.normalize(pattern).replace(/^\.\//, '')

  return picomatch(normalised, DOUBLESTAR_OPTIONS)
}

/** `target` relative to `root` with `/` separators; undefined when it is outside. */
export function relativeInside(root: string, target: string): string | undefined {
  const relative = path.relative(root, target)
  if (relative === '') return ''
  if (path.isAbsolute(relative)) return undefined
  if (relative === '..' || relative.startsWith(`..${path.sep}`)) return undefined

  return relative.split(path.sep).join('/')
}
