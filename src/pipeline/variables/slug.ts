/**
 * GitLab's slug (CI_COMMIT_REF_SLUG, CI_PROJECT_PATH_SLUG, CI_JOB_NAME_SLUG): lowercase,
 * every character outside a-z0-9 becomes `-` (runs are kept), first 63 characters, then
 * leading and trailing dashes removed.
 */
export function slugify(text: string, maxLength = 63): string {
  const chars = Array.from(text.replace(/[A-Z]/g, (letter) => letter.toLowerCase()))
  const replaced = chars.map((char) => (/^[a-z0-9]$/.test(char) ? char : '-'))

  return replaced.slice(0, maxLength).join('').replace(/^-+|-+$/g, '')
}
