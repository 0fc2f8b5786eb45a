import type { CompileError } from './types.js'

/**
 * One problem as a person reads it: `<file>:<line>: <key>: <message>`, line and key when
 * known. The message never repeats the file or key (compilePipeline strips such prefixes).
 */
export function formatCompileError(error: CompileError): string {
  const line = error.line === undefined ? '' : `:${error.line}`
  const key = error.key === undefined || error.key === '' ? '' : `${error.key}: `

  return `${error.file}${line}: ${key}${error.message}`
}
