import path from 'node:path'

const EXTENSIONS: Record<string, string> = { zip: '.zip', zipzstd: '.zip', gzip: '.gz', raw: '', tarzstd: '.tar.zst' }

/**
 * The file name sent in the upload's multipart `file` part: the base name of the
 * artifact's name (`default` when empty) plus the format's extension (runner-api.md 5.1).
 */
export function artifactFileName(name: string, format: string): string {
  const base = path.posix.basename(name.replace(/\\/g, '/')) || 'default'

  return base + (EXTENSIONS[format] ?? '.zip')
}
