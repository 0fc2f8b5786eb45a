/**
 * The outer bash/sh script every stage runs (the shell reads it from stdin): TERM trap,
 * optional xtrace, pipefail probe, errexit, and the inner script eval'd in a subshell
 * whose stdin is /dev/null so user commands cannot read the script itself.
 */
import { quoteAnsiC, quotePosix } from './quote.js'
import type { ScriptWriter } from './script-writer.js'

export interface OuterScriptOptions {
  /** CI_DEBUG_TRACE in effect: `set -o xtrace`. */
  debugTrace: boolean
  /** FF_USE_LEGACY_BASH_EVAL: `: | eval $'…'`. */
  legacyEval: boolean
}

/** Wraps an inner script (see ScriptWriter) into the complete script for its shell. */
export function outerScript(inner: ScriptWriter, options: OuterScriptOptions): string {
  const quoted = inner.dialect.posixEscapes ? quotePosix(inner.toString()) : quoteAnsiC(inner.toString())
  const evalLine = options.legacyEval
    ? `: | eval ${quoted}`
    : `(trap 'exit 1' TERM; eval ${quoted}) < /dev/null`

  return [
    `#!/usr/bin/env ${inner.dialect.shell}`,
    '',
    "trap 'exit 1' TERM",
    '',
    ...(options.debugTrace ? ['set -o xtrace'] : []),
    'case "$(set -o)" in *"pipefail"*) set -o pipefail;; esac; set -o errexit',
    'set +o noclobber',
    evalLine,
    'exit 0',
    '',
  ].join('\n')
}
