/** Git settings shared by the engine (which reads them from variables) and the script generator. */

export type GitStrategy = 'clone' | 'fetch' | 'none' | 'empty'
/** `invalid`: the job set an unknown value; get_sources then fails for fetch/clone. */
export type SubmoduleStrategy = 'none' | 'normal' | 'recursive' | 'invalid'

export interface GitSourceSettings {
  gitStrategy: GitStrategy
  gitCheckout: boolean
  /** Empty when `none`. */
  gitCleanFlags: string[]
  gitFetchExtraFlags: string[]
  gitCloneExtraFlags: string[]
  submoduleStrategy: SubmoduleStrategy
  submodulePaths: string[]
  submoduleDepth: number
  submoduleUpdateFlags: string[]
  lfsSkipSmudge: boolean
  /** True when the job set GIT_LFS_SKIP_SMUDGE itself (the runner then leaves it alone). */
  lfsSkipSmudgeSet: boolean
}
