#!/usr/bin/env node
// `npm run build:binary`: glrunner as one executable (dist/bin/glrunner) for this machine's
// platform — the sources bundled by esbuild into one CommonJS file, which Node's single
// executable application support (postject) injects into a copy of the node binary.
//
// The sources read a few files relative to their module (package.json for the version,
// dist/build-info.json for the revision, examples/basic for `exec --example`). In the
// binary there is no module file, so the version is compiled in and the example is
// embedded and unpacked to a cache directory the first time something asks for it.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = join(root, 'dist', 'bin')
const workDir = join(root, 'dist', 'sea')
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
const revision = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short=8', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
})()

/** Replaces `from` by `to` in a module's text, and fails the build when it is not there. */
function patch(text, file, from, to) {
  if (!text.includes(from)) throw new Error(`build-binary: ${file} no longer contains ${JSON.stringify(from)}; update scripts/build-binary.mjs`)

  return text.replace(from, to)
}

const sourcePatches = {
  name: 'glrunner-binary-sources',
  setup(b) {
    // Optional native add-ons (ssh2's crypto binding, cpu-features) are loaded in
    // try/catch; in the binary they are modules that throw, so the pure-JavaScript
    // fallbacks are used (and Node does not warn about require() of a file on disk).
    b.onResolve({ filter: /(^cpu-features$|\.node$)/ }, (args) => ({ path: args.path, namespace: 'glrunner-missing-native' }))
    b.onLoad({ filter: /.*/, namespace: 'glrunner-missing-native' }, (args) => ({
      loader: 'js',
      contents: `throw new Error(${JSON.stringify(`${args.path} is not part of the glrunner binary`)})`,
    }))
    b.onLoad({ filter: /src[\\/]core[\\/]version\.ts$/ }, () => ({
      loader: 'ts',
      contents: `export const GLRUNNER_VERSION = ${JSON.stringify(version)}\nexport const GLRUNNER_REVISION = ${JSON.stringify(revision)}\n`,
    }))
    b.onLoad({ filter: /src[\\/]cli[\\/]main\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8')
      // The binary's entry calls main(); the module's own auto-run (top-level await) goes.
      text = patch(text, 'src/cli/main.ts', 'if (invokedDirectly()) {', 'if (false) {')
      text = patch(text, 'src/cli/main.ts', 'process.exitCode = await main()', 'void 0')

      return { loader: 'ts', contents: text }
    })
  },
}

function embeddedFiles(dir) {
  const files = {}
  const walk = (path) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else files[relative(root, full)] = { text: readFileSync(full, 'utf8'), mode: statSync(full).mode & 0o777 }
    }
  }
  walk(join(root, dir))

  return files
}

const assets = embeddedFiles('examples/basic')
const assetsHash = createHash('sha256').update(JSON.stringify(assets)).digest('hex').slice(0, 12)

// `import.meta.url` of every module becomes one fake module two levels below a directory
// holding the unpacked assets: `new URL('../../examples/basic', import.meta.url)` works.
const banner = `
var __glrunnerAssets = ${JSON.stringify(assets)};
var __glrunnerModuleUrlValue;
Object.defineProperty(globalThis, '__glrunnerModuleUrl', { get() {
  if (__glrunnerModuleUrlValue) return __glrunnerModuleUrlValue;
  const fs = require('node:fs'), path = require('node:path'), os = require('node:os'), url = require('node:url');
  const dir = path.join(os.tmpdir(), 'glrunner-${version}-${assetsHash}-' + (process.getuid ? process.getuid() : 'u'));
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    for (const [name, file] of Object.entries(__glrunnerAssets)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), file.text, { mode: file.mode });
      fs.chmodSync(path.join(dir, name), file.mode);
    }
    fs.writeFileSync(path.join(dir, '.complete'), '');
  }
  return (__glrunnerModuleUrlValue = url.pathToFileURL(path.join(dir, 'src', 'cli', 'main.js')).href);
} });
`

const entry = `
import { main } from './src/cli/main.ts'
process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0) })
main().then((code) => { process.exitCode = code })
`

rmSync(workDir, { recursive: true, force: true })
mkdirSync(workDir, { recursive: true })
mkdirSync(outDir, { recursive: true })
const bundle = join(workDir, 'glrunner.cjs')
const started = Date.now()
await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: 'binary-entry.ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  define: { 'import.meta.url': '__glrunnerModuleUrl' },
  banner: { js: banner },
  plugins: [sourcePatches],
  legalComments: 'none',
  logLevel: 'warning',
})
console.log(`bundled ${relative(root, bundle)} (${(statSync(bundle).size / 1024 / 1024).toFixed(1)} MiB) in ${Date.now() - started} ms`)

const blob = join(workDir, 'glrunner.blob')
writeFileSync(join(workDir, 'sea-config.json'), JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }))
execFileSync(process.execPath, ['--experimental-sea-config', join(workDir, 'sea-config.json')], { stdio: 'inherit' })

const binary = join(outDir, process.platform === 'win32' ? 'glrunner.exe' : 'glrunner')
rmSync(binary, { force: true })
copyFileSync(process.execPath, binary)
chmodSync(binary, 0o755)
if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', binary], { stdio: 'inherit' })
const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js')
execFileSync(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2', ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [])], { stdio: 'inherit' })
if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', binary], { stdio: 'inherit' })
console.log(`built ${relative(root, binary)} (${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB) in ${Date.now() - started} ms`)
