/**
 * The `rules:if` / `only:variables` expression language (spec §9.2): lexer, parser and
 * evaluator. Parsing fails for anything GitLab's lexer or parser refuses; evaluation never
 * throws (a runtime problem makes the expression false, as in GitLab).
 */
import { compileRe2, Re2SyntaxError } from './re2-regexp.js'

export class ExpressionSyntaxError extends Error {}

type Token =
  | { kind: 'variable'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'pattern'; regexp: RegExp }
  | { kind: 'null' }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'input'; name: string }
  | { kind: 'op'; op: '==' | '!=' | '=~' | '!~' | '&&' | '||' }
  | { kind: 'paren'; open: boolean }

type Value = string | boolean | null | RegExp

export type Expr =
  | { kind: 'value'; token: Exclude<Token, { kind: 'op' } | { kind: 'paren' }> }
  | { kind: 'binary'; op: '==' | '!=' | '=~' | '!~' | '&&' | '||'; left: Expr; right: Expr }

const MAX_TOKENS = 100
const PATTERN = /\/((?:[^/]|\\\/)+[^\\])\/([ismU]*)/y

/** `/body/flags` text (from a pattern token or a variable's value) to a RegExp. */
function patternToRegExp(body: string, flags: string): RegExp {
  return compileRe2(body.replace(/\\\//g, '/'), flags)
}

function lex(source: string): Token[] {
  const tokens: Token[] = []
  let pos = 0
  const take = (re: RegExp): RegExpExecArray | null => {
    const sticky = new RegExp(re.source, `${re.flags.replace('y', '')}y`)
    sticky.lastIndex = pos
    const match = sticky.exec(source)
    if (match !== null) pos = sticky.lastIndex

    return match
  }

  while (pos < source.length) {
    if (take(/\s+/) !== null) continue
    let match: RegExpExecArray | null
    if ((match = take(/\$\[\[\s*inputs\.([\w-]+)\s*\]\]/)) !== null) tokens.push({ kind: 'input', name: match[1] ?? '' })
    else if ((match = take(/\$(\w+)/)) !== null) tokens.push({ kind: 'variable', name: match[1] ?? '' })
    else if ((match = take(/"([^"]*)"|'([^']*)'/)) !== null) tokens.push({ kind: 'string', value: match[1] ?? match[2] ?? '' })
    else if ((match = take(PATTERN)) !== null) {
      try {
        tokens.push({ kind: 'pattern', regexp: patternToRegExp(match[1] ?? '', match[2] ?? '') })
      } catch (error) {
        if (error instanceof Re2SyntaxError) throw new ExpressionSyntaxError('Invalid regular expression!')
        throw error
      }
    } else if (take(/null\b/) !== null) tokens.push({ kind: 'null' })
    else if ((match = take(/(true|false)\b/)) !== null) tokens.push({ kind: 'boolean', value: match[1] === 'true' })
    else if ((match = take(/==|!=|=~|!~|&&|\|\|/)) !== null) tokens.push({ kind: 'op', op: match[0] as '==' })
    else if ((match = take(/[()]/)) !== null) tokens.push({ kind: 'paren', open: match[0] === '(' })
    else throw new ExpressionSyntaxError('Unknown lexeme found!')
    if (tokens.length > MAX_TOKENS) throw new ExpressionSyntaxError('Too many tokens!')
  }

  return tokens
}

const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '=~': 3, '!~': 3 }

/** Parses an expression; throws ExpressionSyntaxError when GitLab would call it invalid. */
export function parseExpression(source: string): Expr {
  const tokens = lex(source)
  if (tokens.length === 0) throw new ExpressionSyntaxError('Empty expression')
  let index = 0

  const primary = (): Expr => {
    const token = tokens[index++]
    if (token === undefined) throw new ExpressionSyntaxError('Unexpected end')
    if (token.kind === 'paren') {
      if (!token.open) throw new ExpressionSyntaxError('Unexpected )')
      const inner = binary(1)
      const close = tokens[index++]
      if (close?.kind !== 'paren' || close.open) throw new ExpressionSyntaxError('Unbalanced parenthesis')

      return inner
    }

    if (token.kind === 'op') throw new ExpressionSyntaxError('Unexpected operator')

    return { kind: 'value', token }
  }

  const binary = (minPrecedence: number): Expr => {
    let left = primary()
    for (;;) {
      const token = tokens[index]
      if (token?.kind !== 'op') break
      const precedence = PRECEDENCE[token.op] ?? 0
      if (precedence < minPrecedence) break
      index += 1
      const right = binary(precedence + 1)
      left = { kind: 'binary', op: token.op, left, right }
    }

    return left
  }

  const expr = binary(1)
  if (index !== tokens.length) throw new ExpressionSyntaxError('Unexpected token')

  return expr
}

export interface EvalContext {
  /** Unexpanded variable values (GitLab evaluates `if` against the stored values). */
  variables: ReadonlyMap<string, string>
  inputs?: ReadonlyMap<string, unknown>
}

function valueOf(expr: Expr, context: EvalContext): Value {
  if (expr.kind === 'binary') return binaryValue(expr, context)
  const { token } = expr
  switch (token.kind) {
    case 'variable':
      return context.variables.get(token.name) ?? null
    case 'string':
      return token.value
    case 'pattern':
      return token.regexp
    case 'null':
      return null
    case 'boolean':
      return token.value
    case 'input': {
      const input = context.inputs?.get(token.name)
      if (input === undefined || input === null) return null

      return typeof input === 'boolean' ? input : String(input)
    }
  }
}

function truthy(value: Value): boolean {
  if (value === null || value === false) return false
  if (typeof value === 'string') return value.trim() !== ''

  return true
}

function matches(left: Value, right: Value): boolean {
  if (right === null) return false
  const text = left === null ? '' : left instanceof RegExp ? left.source : String(left)
  let pattern: RegExp | string
  if (right instanceof RegExp) pattern = right
  else if (typeof right === 'boolean') return false
  else pattern = stringAsPattern(right)

  if (typeof pattern === 'string') return pattern.includes(text)
  pattern.lastIndex = 0

  return pattern.test(text)
}

/** A variable holding `/body/flags` is a regex; any other string keeps GitLab's substring rule. */
function stringAsPattern(value: string): RegExp | string {
  const form = /^\/(.*)\/([ismU]*)$/s.exec(value)
  if (form === null || (form[1] ?? '') === '') return value
  try {
    return patternToRegExp(form[1] ?? '', form[2] ?? '')
  } catch {
    return value
  }
}

function binaryValue(expr: Extract<Expr, { kind: 'binary' }>, context: EvalContext): Value {
  switch (expr.op) {
    case '&&': {
      const left = valueOf(expr.left, context)

      return truthy(left) ? valueOf(expr.right, context) : left
    }
    case '||': {
      const left = valueOf(expr.left, context)

      return truthy(left) ? left : valueOf(expr.right, context)
    }
    case '==':
      return same(valueOf(expr.left, context), valueOf(expr.right, context))
    case '!=':
      return !same(valueOf(expr.left, context), valueOf(expr.right, context))
    case '=~':
      return matches(valueOf(expr.left, context), valueOf(expr.right, context))
    case '!~':
      return !matches(valueOf(expr.left, context), valueOf(expr.right, context))
  }
}

function same(left: Value, right: Value): boolean {
  if (left instanceof RegExp || right instanceof RegExp) return false

  return left === right
}

/** Whether the expression holds; false on any runtime problem. */
export function evaluateExpression(expr: Expr, context: EvalContext): boolean {
  try {
    return truthy(valueOf(expr, context))
  } catch {
    return false
  }
}
