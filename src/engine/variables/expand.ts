/**
 * Variable expansion with Go `os.Expand` semantics, which is what GitLab users' values
 * are written against: `$NAME`, `${NAME}` (anything up to `}` is the name), `$$` -> `$`,
 * one-character special names, and a lone `$` kept literally.
 */

const SPECIAL = /^[*#$@!?\-0-9]$/
const NAME_CHAR = /[A-Za-z0-9_]/

/** Looks a name up; undefined means unset (expands to ''). */
export type VariableLookup = (name: string) => string | undefined

/** Expands `value` one level against `lookup`. */
export function expandGo(value: string, lookup: VariableLookup): string {
  let out = ''
  let start = 0
  for (let index = 0; index < value.length; index++) {
    if (value[index] !== '$' || index + 1 >= value.length) continue

    out += value.slice(start, index)
    const { name, width } = shellName(value.slice(index + 1))
    if (name === '' && width === 0) out += '$'
    else if (name !== '') out += name === '$' ? '$' : (lookup(name) ?? '')
    // name === '' && width > 0: bad syntax (`${}` or an unterminated `${`), eaten.
    index += width
    start = index + 1
  }

  return out + value.slice(start)
}

function shellName(rest: string): { name: string; width: number } {
  const first = rest[0] ?? ''
  if (first === '{') {
    if (rest.length > 2 && SPECIAL.test(rest[1] ?? '') && rest[2] === '}') return { name: rest[1] ?? '', width: 3 }
    const close = rest.indexOf('}', 1)
    if (close === 1) return { name: '', width: 2 }
    if (close === -1) return { name: '', width: 1 }

    return { name: rest.slice(1, close), width: close + 1 }
  }
  if (SPECIAL.test(first)) return { name: first, width: 1 }

  let width = 0
  while (width < rest.length && NAME_CHAR.test(rest[width] ?? '')) width++

  return { name: rest.slice(0, width), width }
}
