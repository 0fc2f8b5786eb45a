/**
 * A throwaway git repository with one commit, for coordinator projects in tests.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function makeGitProject(files: Record<string, string> = { 'README.md': 'hello\n' }): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'glrunner-project-'))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } })
  git('init', '-q', '-b', 'main')
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content)
  git('add', '.')
  git('commit', '-q', '-m', 'initial')

  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
