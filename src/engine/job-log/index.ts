/** Public surface of the job log: trace buffer, job log, masking helpers. */
export { createTraceBuffer, type TraceBufferOptions } from './trace-buffer.js'
export { createJobLog, sanitizeSectionName } from './job-log.js'
export { MaskRules, StreamMasker, maskBytes, maskPhrases, tokenMaskPrefixes, MASKED_URL_PARAMS } from './masker.js'
export { outputLimitNotice } from './output-limit.js'
export { crc32Update, formatCrc32 } from './crc32.js'
export * from './types.js'
