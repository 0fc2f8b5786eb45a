export { selectFiles, type SelectFilesOptions, type SelectFilesResult } from './select-files.js'
export { entryTypeOf, type EntryType, type SelectedEntry } from './selected-entry.js'
export { compileMatcher, hasGlob, relativeInside, splitGlob, type PathMatcher } from './glob-path.js'
export { listUntrackedFiles, type UntrackedResult } from './untracked-files.js'
