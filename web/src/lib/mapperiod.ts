// Days and periods as the server reads them: calendar days in China time
// (UTC+8, no daylight saving), whatever time zone the browser is set to, and
// periods half-open [from, to) as the `from` and `to` filters take them.

const CHINA_OFFSET_MS = 8 * 3600 * 1000
const DAY_MS = 24 * 3600 * 1000

/** An inclusive range of days, `YYYY-MM-DD`, as a date-range picker holds it. */
export type DayRange = [string, string]

/** The instant shifted so that its UTC fields read as China wall-clock time. */
function chinaFields(instant: Date): Date {
  return new Date(instant.getTime() + CHINA_OFFSET_MS)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The China-time calendar day of `instant`, `YYYY-MM-DD`: what "today" means to the server. */
export function chinaDay(instant: Date): string {
  return chinaFields(instant).toISOString().slice(0, 10)
}

/** The China-time clock of `instant`, `HH:MM:SS`, for the live clock and "updated at". */
export function chinaClock(instant: Date): string {
  const d = chinaFields(instant)
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** The China-time day of the week of `instant`, 0 for Sunday. */
export function chinaWeekday(instant: Date): number {
  return chinaFields(instant).getUTCDay()
}

/** `day` moved by `n` days (negative for earlier); calendar arithmetic, no time zone involved. */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(t)) throw new Error(`not a day: ${day}`)
  return new Date(t + n * DAY_MS).toISOString().slice(0, 10)
}

/** The last `n` days up to and including `today`, the default period of the map and the screen. */
export function lastDays(n: number, today: string): DayRange {
  return [addDays(today, 1 - n), today]
}

/** Every day from `first` to `last` inclusive, for a chart axis without gaps. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = []
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d)
  return days
}

/**
 * The `from`/`to` query parameters of an inclusive day range: the server's
 * `to` is exclusive, so the last day picked must still count.
 */
export function periodParams(range: DayRange): { from: string; to: string } {
  return { from: range[0], to: addDays(range[1], 1) }
}

/** An instant from the API as China wall-clock `YYYY-MM-DD HH:MM`, or the text as given when it is no instant. */
export function chinaDateTime(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const d = new Date(t)
  return `${chinaDay(d)} ${chinaClock(d).slice(0, 5)}`
}
