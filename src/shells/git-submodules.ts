/** The submodule part of get_sources (GIT_SUBMODULE_STRATEGY normal/recursive). */
import type { GitSourceSettings } from '../helpers/git/types.js'
import type { ScriptWriter } from './script-writer.js'

const WITH_EXT = 'git -c include.path="$GLR_EXT_GIT_CONFIG_PATH"'

export function writeSubmodules(writer: ScriptWriter, settings: GitSourceSettings): void {
  const strategy = settings.submoduleStrategy
  if (strategy !== 'normal' && strategy !== 'recursive') {
    writer.notice('Skipping Git submodules setup')
    return
  }

  const recursive = strategy === 'recursive'
  const depth = settings.submoduleDepth
  writer.notice(
    `Updating/initializing submodules${recursive ? ' recursively' : ''}${depth > 0 ? ` with git depth set to ${depth}` : ''}...`,
  )

  const q = (words: readonly string[]): string => words.map((word) => writer.quote(word)).join(' ')
  const rec = recursive ? ' --recursive' : ''
  const paths = settings.submodulePaths.length > 0 ? ` -- ${q(settings.submodulePaths)}` : ''
  const cleanFlags = settings.gitCleanFlags.length > 0 ? q(settings.gitCleanFlags) : '-ffdx'
  const updateFlags = settings.submoduleUpdateFlags.length > 0 ? ` ${q(settings.submoduleUpdateFlags)}` : ''
  const depthFlag = depth > 0 ? ` --depth ${depth}` : ''
  const sync = `git submodule sync${rec}${paths}`
  const update = `${WITH_EXT} submodule update --init${rec}${depthFlag}${updateFlags}${paths}`
  const foreach = `git submodule foreach${rec}`

  writer.line('git submodule init')
  writer.line(sync)
  writer.line(`${foreach} git clean ${cleanFlags}`)
  writer.line(`${foreach} git reset --hard`)
  writer.ifBlock(
    `${update} `,
    () => {
      writer.notice('Updated submodules')
      writer.line(sync)
    },
    () => {
      writer.warning('Updating submodules failed. Retrying...')
      if (settings.submoduleUpdateFlags.includes('--remote')) {
        writer.line(`${WITH_EXT} submodule foreach${rec} git fetch origin '+refs/heads/*:refs/remotes/origin/*'`)
      }
      writer.line(sync)
      writer.line(update)
      writer.line(`${foreach} git reset --hard`)
    },
  )
  writer.line(`${foreach} git clean ${cleanFlags}`)
  writer.notice('Configuring submodules to use parent git credentials...')
  writer.line('git submodule foreach --recursive git config --replace-all include.path "$GLR_EXT_GIT_CONFIG_PATH"')
  if (settings.lfsSkipSmudge) return
  writer.ifBlock('git lfs version >/dev/null 2>&1 ', () => {
    writer.notice('Pulling LFS files...')
    writer.line(`${WITH_EXT} submodule foreach${rec} git lfs pull`)
  })
}
