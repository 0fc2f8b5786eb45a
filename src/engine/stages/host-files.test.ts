import assert from 'node:assert/strict'
import { test } from 'node:test'
import { patternRoots } from './host-files.js'

test('pattern roots are the literal top-level folders of the patterns', () => {
  assert.deepEqual(patternRoots(['dist/', 'dist/**/*.js', 'coverage/*.xml', './reports/junit.xml'], false), ['dist', 'coverage', 'reports'])
})

test('a pattern that can match at the top level, a parent reference or untracked files needs the whole project', () => {
  assert.deepEqual(patternRoots(['*.txt'], false), ['.'])
  assert.deepEqual(patternRoots(['**/node_modules'], false), ['.'])
  assert.deepEqual(patternRoots(['../outside'], false), ['.'])
  assert.deepEqual(patternRoots(['dist/'], true), ['.'])
})

test('a single file at the top level is copied by itself', () => {
  assert.deepEqual(patternRoots(['app.tar.gz'], false), ['app.tar.gz'])
})
