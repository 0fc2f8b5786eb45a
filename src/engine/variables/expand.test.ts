import { test } from 'node:test'
import assert from 'node:assert/strict'
import { expandGo } from './expand.js'
import { variable, VariableList } from './job-variables.js'

const lookup = (name: string): string | undefined => ({ A: 'a', B_1: 'b', 'VAR:-d': 'odd' })[name]

test('names, braces and $$ follow Go os.Expand', () => {
  assert.equal(expandGo('$A-${B_1}x', lookup), 'a-bx')
  assert.equal(expandGo('$$A', lookup), '$A')
  assert.equal(expandGo('${VAR:-d}', lookup), 'odd')
  assert.equal(expandGo('${NOPE:-default}', lookup), '')
  assert.equal(expandGo('$UNSET.', lookup), '.')
})

test('special names expand to empty and bad syntax is eaten, a lone $ stays', () => {
  assert.equal(expandGo('x$1y$*z$#', lookup), 'xyz')
  assert.equal(expandGo('a${}b', lookup), 'ab')
  assert.equal(expandGo('a${Ab', lookup), 'aAb')
  assert.equal(expandGo('cost $ 5 and $', lookup), 'cost $ 5 and $')
  assert.equal(expandGo('a$-b', lookup), 'ab')
})

test('the list expands one level deep, skips raw values and turns file references into paths', () => {
  const list = new VariableList([
    variable('A', '$B'),
    variable('B', '$C'),
    variable('C', 'x'),
    variable('R', '$HOME', { raw: true }),
    variable('F', 'content', { file: true }),
    variable('G', 'see $F'),
    variable('A2', 'first'),
    variable('A2', 'last'),
  ]).expanded('/tmp/p.tmp')
  assert.equal(list.value('A'), '$C')
  assert.equal(list.value('B'), 'x')
  assert.equal(list.value('R'), '$HOME')
  assert.equal(list.value('G'), 'see /tmp/p.tmp/F')
  assert.equal(list.value('A2'), 'last')
})
