import { describe, expect, it } from 'vitest'
import { addDays, chinaClock, chinaDateTime, chinaDay, chinaWeekday, daysBetween, lastDays, periodParams } from './mapperiod'

describe('chinaDay', () => {
  it('reads the day in China time, not UTC', () => {
    // 2026-11-21 17:30 UTC is already 01:30 on the 22nd in Shantou.
    expect(chinaDay(new Date('2026-11-21T17:30:00Z'))).toBe('2026-11-22')
    expect(chinaDay(new Date('2026-11-21T15:59:59Z'))).toBe('2026-11-21')
  })
})

describe('chinaClock and chinaWeekday', () => {
  it('formats the China wall clock with leading zeros', () => {
    expect(chinaClock(new Date('2026-11-22T01:02:03Z'))).toBe('09:02:03')
    expect(chinaClock(new Date('2026-11-21T16:00:00Z'))).toBe('00:00:00')
  })
  it('gives the China-time weekday', () => {
    // 2026-11-22 is a Sunday; 23:00 UTC on the 21st is Sunday morning in China.
    expect(chinaWeekday(new Date('2026-11-21T23:00:00Z'))).toBe(0)
    expect(chinaWeekday(new Date('2026-11-21T12:00:00Z'))).toBe(6)
  })
})

describe('addDays', () => {
  it('crosses months, years and leap days', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(addDays('2026-11-22', -29)).toBe('2026-10-24')
  })
  it('refuses what is not a day', () => expect(() => addDays('yesterday', 1)).toThrow())
})

describe('lastDays and periodParams', () => {
  it('makes a 30-day range ending today, sent with an exclusive end', () => {
    const range = lastDays(30, '2026-11-22')
    expect(range).toEqual(['2026-10-24', '2026-11-22'])
    expect(daysBetween(...range)).toHaveLength(30)
    expect(periodParams(range)).toEqual({ from: '2026-10-24', to: '2026-11-23' })
  })
  it('makes one day for n = 1', () => expect(lastDays(1, '2026-11-22')).toEqual(['2026-11-22', '2026-11-22']))
})

describe('daysBetween', () => {
  it('lists every day inclusive, and none for a reversed range', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(daysBetween('2026-03-02', '2026-03-01')).toEqual([])
  })
})

describe('chinaDateTime', () => {
  it('shows an instant in China time to the minute, whatever offset it was written with', () => {
    expect(chinaDateTime('2026-11-22T09:05:59+08:00')).toBe('2026-11-22 09:05')
    expect(chinaDateTime('2026-11-21T16:30:00Z')).toBe('2026-11-22 00:30')
  })
  it('leaves text that is no instant alone', () => expect(chinaDateTime('')).toBe(''))
})
