// A report of a matter as the citizen and grid worker pages build it: the
// draft the form edits, its checks (the server's own limits, so that a
// report refused for its shape is caught before it is queued), the JSON
// body of `POST /api/v1/events`, and the catalogue the category picker
// offers. Also the two device helpers both forms use: the position from
// the phone's GPS and a photo made small enough to send.

import { createStore, get as readCache, set as writeCache } from 'idb-keyval'
import { ApiError, get } from './api'
import { redrawAsJpeg } from './photos'
import type { EventView, Point } from './types'

/** Longest title and address the server accepts, in characters. */
export const TITLE_MAX = 200
/** Longest description the server accepts, in characters. */
export const TEXT_MAX = 5000

/** How pressing a matter is. */
export type Urgency = 'normal' | 'urgent' | 'critical'

/** A location as sent: browsers give WGS-84 (GPS) coordinates. */
export interface ReportLocation {
  lng: number
  lat: number
  crs: 'wgs84'
}

/** The JSON body of `POST /api/v1/events` (without `channel` and `reporter`, which the server fills). */
export interface ReportBody {
  category: string
  title: string
  description: string
  address: string
  location?: ReportLocation
  urgency: Urgency
  attachments?: string[]
}

/** What the report form edits. */
export interface ReportDraft {
  category: string
  title: string
  description: string
  address: string
  location: Point | null
  urgency: Urgency
}

/** A field of the draft a problem is shown on. */
export type ReportField = 'category' | 'title' | 'description' | 'address' | 'location'

/** Why a field is refused. */
export type ReportProblem = 'required' | 'too_long' | 'control' | 'out_of_range' | 'address_or_location'

/** The problems of a draft, by field. */
export type ReportProblems = Partial<Record<ReportField, ReportProblem>>

/** A draft checked: its body, or what is wrong with it. */
export type BuiltReport = { ok: true; body: ReportBody } | { ok: false; problems: ReportProblems }

/** A suggested duplicate, as the server answers a report. */
export interface DuplicateView {
  number: string
  title: string
  state: string
  distance_m: number
  created_at: string
}

/** The answer of `POST /api/v1/events` (201, or 200 for a replayed key). */
export interface Reported {
  event: EventView
  duplicates: DuplicateView[]
}

/** An empty draft. */
export function emptyDraft(): ReportDraft {
  return { category: '', title: '', description: '', address: '', location: null, urgency: 'normal' }
}

// Control characters other than tab, line feed and carriage return, which the server refuses.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/

function textProblem(text: string, max: number, required: boolean): ReportProblem | undefined {
  if (required && text.trim() === '') return 'required'
  if (CONTROL.test(text)) return 'control'
  if ([...text].length > max) return 'too_long'
  return undefined
}

/** Whether `p` is a usable WGS-84 position (not the 0,0 some devices give on failure). */
export function isValidPoint(p: Point): boolean {
  return (
    Number.isFinite(p.lng) &&
    Number.isFinite(p.lat) &&
    Math.abs(p.lng) <= 180 &&
    Math.abs(p.lat) <= 90 &&
    !(p.lng === 0 && p.lat === 0)
  )
}

/** Checks a draft as the server will: a category, a title, and an address or a location. */
export function checkReport(draft: ReportDraft): ReportProblems {
  const problems: ReportProblems = {}
  if (draft.category.trim() === '') problems.category = 'required'
  const title = textProblem(draft.title, TITLE_MAX, true)
  if (title) problems.title = title
  const description = textProblem(draft.description, TEXT_MAX, false)
  if (description) problems.description = description
  const address = textProblem(draft.address, TITLE_MAX, false)
  if (address) problems.address = address
  if (draft.location && !isValidPoint(draft.location)) problems.location = 'out_of_range'
  else if (!draft.location && draft.address.trim() === '' && !address) problems.address = 'address_or_location'
  return problems
}

/** Rounds a coordinate to 7 decimals (about a centimetre): more is noise. */
function round(degrees: number): number {
  return Math.round(degrees * 1e7) / 1e7
}

/** The body of a draft, trimmed, or the problems that keep it from being sent. */
export function buildReport(draft: ReportDraft): BuiltReport {
  const problems = checkReport(draft)
  if (Object.keys(problems).length > 0) return { ok: false, problems }
  const body: ReportBody = {
    category: draft.category.trim(),
    title: draft.title.trim(),
    description: draft.description.trim(),
    address: draft.address.trim(),
    urgency: draft.urgency,
  }
  if (draft.location) body.location = { lng: round(draft.location.lng), lat: round(draft.location.lat), crs: 'wgs84' }
  return { ok: true, body }
}

// ---------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------

/** The unit of a time limit. */
export type LimitUnit = 'working_hours' | 'working_days' | 'natural_days'

/** A time limit, e.g. 4 working hours. */
export interface TimeLimit {
  value: number
  unit: LimitUnit
}

/** The phases of the loop that run on a clock. */
export const PHASES = ['accept', 'dispatch', 'handle'] as const

/** A phase that runs on a clock. */
export type Phase = (typeof PHASES)[number]

/** A class (two digits) or category (four) with what it inherits resolved. */
export interface CategoryInfo {
  code: string
  class: string
  family: string
  name: string
  name_en: string
  description: string
  filing: string
  closing: string
  department: string | null
  on_spot: boolean
  limits: Record<Phase, TimeLimit>
}

/** A category as written in the catalogue document. */
export interface CategoryDocument {
  code: string
  name: string
  name_en: string
  description?: string
  filing?: string
  closing?: string
  department?: string
  on_spot?: boolean
  limits: Partial<Record<Phase, TimeLimit>>
}

/** A class as written in the catalogue document: a category's fields, its family and its categories. */
export interface ClassDocument extends CategoryDocument {
  family: string
  categories?: CategoryDocument[]
}

/** A kind of department categories point to. */
export interface DepartmentKind {
  code: string
  name: string
  name_en: string
}

/** The catalogue as written and stored. */
export interface CatalogueDocument {
  department_kinds: DepartmentKind[]
  classes: ClassDocument[]
}

/** The answer of `GET /api/v1/catalogue`. */
export interface CatalogueView {
  version: number
  document: CatalogueDocument
  categories: CategoryInfo[]
}

/** A class with its categories, as the picker lists them. */
export interface ClassGroup {
  info: CategoryInfo
  /** Whether the class itself may be picked (it may not when only its categories pass the filter). */
  selectable: boolean
  categories: CategoryInfo[]
}

/** The classes citizens report most, listed first on their picker. */
export const CITIZEN_COMMON_CLASSES = ['01', '05', '13', '14', '11', '23']

/** Options of {@link groupCatalogue}. */
export interface GroupOptions {
  /** Class codes to list first, in this order. */
  first?: readonly string[]
  /** Only classes and categories a grid worker may resolve on the spot. */
  onSpotOnly?: boolean
}

/** Classes with their categories, the `first` classes first and the others by code. */
export function groupCatalogue(categories: readonly CategoryInfo[], options: GroupOptions = {}): ClassGroup[] {
  const keep = (c: CategoryInfo) => !options.onSpotOnly || c.on_spot
  const groups = new Map<string, ClassGroup>()
  for (const c of categories) {
    if (c.code === c.class) groups.set(c.code, { info: c, selectable: keep(c), categories: [] })
  }
  for (const c of categories) {
    if (c.code !== c.class && keep(c)) groups.get(c.class)?.categories.push(c)
  }
  const first = options.first ?? []
  const rank = (code: string) => {
    const i = first.indexOf(code)
    return i < 0 ? first.length : i
  }
  return [...groups.values()]
    .filter((g) => g.selectable || g.categories.length > 0)
    .map((g) => ({ ...g, categories: [...g.categories].sort((a, b) => a.code.localeCompare(b.code)) }))
    .sort((a, b) => rank(a.info.code) - rank(b.info.code) || a.info.code.localeCompare(b.info.code))
}

/** The name of a class or category in `locale`. */
export function categoryName(c: Pick<CategoryInfo, 'name' | 'name_en'>, locale: string): string {
  return locale.startsWith('zh') ? c.name : c.name_en || c.name
}

const cache = createStore('gongzhi-cache', 'cache')
const CATALOGUE_KEY = 'catalogue'
let catalogue: Promise<CatalogueView> | null = null

/** Keeps the catalogue on this device for offline use; without IndexedDB, nothing is kept. */
async function keepCatalogue(answer: CatalogueView): Promise<void> {
  try {
    await writeCache(CATALOGUE_KEY, answer, cache)
  } catch {
    return
  }
}

/** The catalogue kept on this device, if any. */
async function keptCatalogue(): Promise<CatalogueView | undefined> {
  try {
    return await readCache<CatalogueView>(CATALOGUE_KEY, cache)
  } catch {
    return undefined
  }
}

async function fetchCatalogue(): Promise<CatalogueView> {
  try {
    const answer = await get<CatalogueView>('/catalogue')
    void keepCatalogue(answer)
    return answer
  } catch (e) {
    const kept = e instanceof ApiError && e.status === 0 ? await keptCatalogue() : undefined
    if (kept) return kept
    throw e
  }
}

/**
 * The catalogue in force, fetched once per page load. Offline, the copy
 * kept on this device the last time it was fetched.
 */
export function loadCatalogue(reload = false): Promise<CatalogueView> {
  if (!catalogue || reload) {
    catalogue = fetchCatalogue()
    catalogue.catch(() => {
      catalogue = null
    })
  }
  return catalogue
}

// ---------------------------------------------------------------------------
// The device: position and photos
// ---------------------------------------------------------------------------

/** Why no position was got. */
export type LocateFailure = 'unsupported' | 'denied' | 'unavailable' | 'timeout'

/** A position with its accuracy in metres. */
export interface Fix {
  point: Point
  accuracy: number
}

/** A failure to get the position; `reason` names it for the user. */
export class LocateError extends Error {
  constructor(readonly reason: LocateFailure) {
    super(reason)
  }
}

/**
 * The phone's position in WGS-84 from `navigator.geolocation` (which needs
 * HTTPS, or localhost, and the user's consent).
 */
export function locate(timeoutMs = 15000): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (typeof navigator === 'undefined' || !navigator.geolocation) {
      reject(new LocateError('unsupported'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        const point = { lng: p.coords.longitude, lat: p.coords.latitude }
        if (isValidPoint(point)) resolve({ point, accuracy: Math.round(p.coords.accuracy) })
        else reject(new LocateError('unavailable'))
      },
      (e) => reject(new LocateError(e.code === e.PERMISSION_DENIED ? 'denied' : e.code === e.TIMEOUT ? 'timeout' : 'unavailable')),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    )
  })
}

/** Photo types the server stores. */
const STORED_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp'])
/** A photo this small of a stored type is sent as taken. */
const KEEP_BELOW_BYTES = 1024 * 1024
/** The longest side of a photo made smaller. */
const MAX_SIDE = 2048
/** The largest photo the server accepts. */
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024

/** A photo the browser could not read, or too large even once made smaller. */
export class PhotoError extends Error {
  constructor(readonly reason: 'unreadable' | 'too_large') {
    super(reason)
  }
}

/**
 * A photo ready to send: as taken when small and of a type the server
 * stores, else redrawn as a JPEG at most 2048 pixels on its longest side
 * (which also turns it upright and drops its EXIF data, GPS included). A
 * browser that cannot redraw it sends it as taken, if the server takes it.
 */
export async function preparePhoto(file: Blob): Promise<Blob> {
  const storable = STORED_TYPES.has(file.type)
  if (storable && file.size <= KEEP_BELOW_BYTES) return file
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  } catch {
    if (storable && file.size <= PHOTO_MAX_BYTES) return file
    throw new PhotoError(storable ? 'too_large' : 'unreadable')
  }
  const blob = await redrawAsJpeg(bitmap, MAX_SIDE)
  if (!blob) throw new PhotoError('unreadable')
  if (blob.size > PHOTO_MAX_BYTES) throw new PhotoError('too_large')
  return blob
}
