import { execFile } from 'node:child_process'

export type UntrackedResult = { ok: true; paths: string[] } | { ok: false; error: string }

/**
 * Files git does not track, relative to `projectDir`. Like the official helper this runs
 * `git ls-files -o` WITHOUT `--exclude-standard`, so git-ignored files are included too
 * (GitLab documents that `untracked` ignores .gitignore).
 */
export function listUntrackedFiles(projectDir: string): Promise<UntrackedResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-files', '-o', '-z'],
      { cwd: projectDir, encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.toString('utf8').trim().split('\n')[0] || error.message
          resolve({ ok: false, error: detail })

          return
        }

        const paths = stdout
          .toString('utf8')
          .split('\0')
          .filter((entry) => entry !== '')
          // An untracked nested repository is listed as `dir/`.
          .map((entry) => entry.replace(/\/+$/, ''))
        resolve({ ok: true, paths })
      },
    )
  })
}
