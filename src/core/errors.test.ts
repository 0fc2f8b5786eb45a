import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatError, GlrunnerError } from './errors.js'

test('an error chain reads as its messages joined by colons', () => {
  const inner = new Error('manifest unknown')
  const outer = new GlrunnerError('GLR_IMAGE_PULL', 'pulling image alpine:3.20', { cause: inner })

  assert.equal(formatError(outer), 'pulling image alpine:3.20: manifest unknown')
})

test('a cause that only repeats its wrapper is not shown twice', () => {
  const inner = new Error('connect ECONNREFUSED 127.0.0.1:9')
  const outer = new Error('connect ECONNREFUSED 127.0.0.1:9', { cause: inner })
  const wrapped = new Error('registering the runner: connect ECONNREFUSED 127.0.0.1:9', { cause: outer })

  assert.equal(formatError(outer), 'connect ECONNREFUSED 127.0.0.1:9')
  assert.equal(formatError(wrapped), 'registering the runner: connect ECONNREFUSED 127.0.0.1:9')
})

test('values that are not errors are shown as text', () => {
  assert.equal(formatError('plain'), 'plain')
  assert.equal(formatError(new Error('outer', { cause: 42 })), 'outer: 42')
})
