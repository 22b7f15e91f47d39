import { describe, expect, it } from 'vitest'
import { queryText, wholeNumber } from './eventqueue'

describe('queryText', () => {
  it('reads a value given once', () => {
    expect(queryText({ q: 'road' }, 'q')).toBe('road')
  })

  it('gives empty text for a missing, empty or repeated key', () => {
    expect(queryText({}, 'q')).toBe('')
    expect(queryText({ q: null }, 'q')).toBe('')
    expect(queryText({ q: ['a', 'b'] }, 'q')).toBe('')
  })
})

describe('wholeNumber', () => {
  it('reads a whole number of at least one', () => {
    expect(wholeNumber('3', 1)).toBe(3)
  })

  it('falls back for anything else', () => {
    expect(wholeNumber('', 1)).toBe(1)
    expect(wholeNumber('0', 1)).toBe(1)
    expect(wholeNumber('-2', 1)).toBe(1)
    expect(wholeNumber('2.5', 1)).toBe(1)
    expect(wholeNumber('two', 1)).toBe(1)
  })

  it('keeps to the allowed values when given', () => {
    expect(wholeNumber('50', 20, [20, 50, 100])).toBe(50)
    expect(wholeNumber('30', 20, [20, 50, 100])).toBe(20)
  })
})
