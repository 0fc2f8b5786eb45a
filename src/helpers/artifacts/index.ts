export { whenApplies, type JobOutcome } from './artifact-applies.js'
export { artifactFileName } from './artifact-file-name.js'
export {
  buildArtifact,
  type BuildArtifactOptions,
  type BuiltArtifact,
  type SkippedArtifact,
} from './build-artifact.js'
export {
  extractDependencyArtifacts,
  type ExtractDependencyArtifactsResult,
} from './extract-dependency-artifacts.js'
