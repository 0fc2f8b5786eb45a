import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatGoDuration, parseGoDuration } from './duration.js'

test('Go durations parse with every unit and reject garbage', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000)
  assert.equal(parseGoDuration('2.5s'), 2_500)
  assert.equal(parseGoDuration('300ms'), 300)
  assert.equal(parseGoDuration('-5s'), -5_000)
  assert.equal(parseGoDuration('0'), 0)
  assert.equal(parseGoDuration('10'), undefined)
  assert.equal(parseGoDuration('5 m'), undefined)
  assert.equal(parseGoDuration(''), undefined)
})

test('durations print the way Go prints them', () => {
  assert.equal(formatGoDuration(3_600_000), '1h0m0s')
  assert.equal(formatGoDuration(7_200_000), '2h0m0s')
  assert.equal(formatGoDuration(5_000), '5s')
  assert.equal(formatGoDuration(90_000), '1m30s')
  assert.equal(formatGoDuration(1_500), '1.5s')
  assert.equal(formatGoDuration(500), '500ms')
})
