// The steps of the closed loop as the web app takes them: which form each
// action needs, how its request body is built, and what makes it invalid
// before anything is sent. It mirrors the checks of the server
// (crates/domain/src/event.rs, `Event::act`), so a refused step is caught
// while the form is still open. It also holds the few pure helpers every
// page that lists events shares: the live SLA colour, time left, instants.

import type { EventView } from './types'

/** Every action of the loop, in the server's order (`Action::KINDS`). */
export const ACTIONS = [
  'accept', 'reject', 'dispatch', 'redispatch', 'resolve_on_spot', 'sign', 'start', 'handle', 'return', 'verify',
  'close', 'evaluate', 'reopen', 'request_extension', 'decide_extension', 'suspend', 'resume', 'escalate',
  'supervise', 'merge',
] as const

/** The name of an action of the loop. */
export type ActionName = (typeof ACTIONS)[number]

/** A field of a step's form. */
export type StepField = 'note' | 'department' | 'co_departments' | 'satisfaction' | 'passed' | 'approved' | 'extension' | 'into' | 'photos'

/** What a step's note stands for, which decides its label and its message. */
export type NoteRole = 'reason' | 'feedback' | 'comment' | 'instruction' | 'note'

/** How prominently an action's button is drawn. */
export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'info'

/** What one action needs. */
export interface ActionSpec {
  /** The form's fields besides the note, in order. */
  fields: StepField[]
  /** What the note stands for; `null` when the form has no note. */
  note: NoteRole | null
  /** Whether the note must be given. */
  noteRequired: boolean
  /** The button's tone. */
  tone: Tone
}

const spec = (fields: StepField[], note: NoteRole | null, noteRequired: boolean, tone: Tone): ActionSpec => ({ fields, note, noteRequired, tone })

const SPECS: Record<ActionName, ActionSpec> = {
  accept: spec([], 'note', false, 'primary'),
  reject: spec([], 'reason', true, 'danger'),
  dispatch: spec(['department', 'co_departments'], 'note', false, 'primary'),
  redispatch: spec(['department', 'co_departments'], 'reason', true, 'warning'),
  resolve_on_spot: spec(['photos'], 'note', false, 'success'),
  sign: spec([], null, false, 'primary'),
  start: spec([], null, false, 'primary'),
  handle: spec(['photos'], 'feedback', true, 'success'),
  return: spec([], 'reason', true, 'danger'),
  verify: spec(['passed', 'photos'], 'note', false, 'primary'),
  close: spec([], 'note', false, 'success'),
  evaluate: spec(['satisfaction'], 'comment', false, 'primary'),
  reopen: spec([], 'reason', true, 'warning'),
  request_extension: spec(['extension'], 'reason', true, 'warning'),
  decide_extension: spec(['approved'], 'note', false, 'primary'),
  suspend: spec([], 'reason', true, 'danger'),
  resume: spec([], null, false, 'info'),
  escalate: spec([], 'note', false, 'warning'),
  supervise: spec([], 'instruction', true, 'warning'),
  merge: spec(['into'], 'note', false, 'danger'),
}

/** The order buttons are shown in: the main road of the loop first, then side roads, refusals last. */
const BUTTON_ORDER: ActionName[] = [
  'accept', 'dispatch', 'sign', 'start', 'handle', 'verify', 'close', 'evaluate', 'resolve_on_spot', 'decide_extension',
  'resume', 'redispatch', 'request_extension', 'return', 'escalate', 'supervise', 'suspend', 'reopen', 'merge', 'reject',
]

/** Whether `name` is an action this app knows. */
export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name)
}

/**
 * What `action` needs. An action the app does not know yet (a newer server)
 * gets a form with an optional note, so it can still be taken.
 */
export function actionSpec(action: string): ActionSpec {
  return isActionName(action) ? SPECS[action] : spec([], 'note', false, 'info')
}

/** The allowed actions in the order their buttons are shown; unknown ones last, as given. */
export function orderActions(allowed: readonly string[]): string[] {
  const rank = (a: string) => {
    const i = BUTTON_ORDER.indexOf(a as ActionName)
    return i < 0 ? BUTTON_ORDER.length : i
  }
  return [...allowed].sort((a, b) => rank(a) - rank(b))
}

/** The longest note accepted, in characters (the server's limit for texts). */
export const NOTE_MAX = 5000
/** The most photos one step carries. */
export const PHOTOS_MAX = 9
/** The largest extension asked for at once, in the handle limit's unit. */
export const EXTENSION_MAX = 999
/** The photo types the server stores. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp']
/** The largest photo the server stores, in bytes (8 MiB). */
export const PHOTO_BYTES_MAX = 8 * 1024 * 1024

/** What the user filled in a step's form. */
export interface StepForm {
  note: string
  department: string
  co_departments: string[]
  /** 0 until a rating is chosen. */
  satisfaction: number
  /** `null` until the verifier chooses. */
  passed: boolean | null
  /** `null` until the supervisor chooses. */
  approved: boolean | null
  /** As typed: a whole number of units. */
  extension: string
  into: string
  /** Identifiers of photos already uploaded. */
  attachments: string[]
}

/**
 * A fresh form for `action` on `event`. A dispatch starts at the department
 * the responsibility list suggests; a redispatch too, unless that is the
 * department that already has it.
 */
export function emptyForm(action: string, event: Pick<EventView, 'suggested_department' | 'department'>): StepForm {
  const suggested = event.suggested_department ?? ''
  let department = ''
  if (action === 'dispatch') department = suggested
  if (action === 'redispatch' && suggested !== (event.department ?? '')) department = suggested
  return { note: '', department, co_departments: [], satisfaction: 0, passed: null, approved: null, extension: '', into: '', attachments: [] }
}

/** The body of `POST /api/v1/events/{number}/actions`. */
export interface StepBody {
  action: string
  expected_version: number
  note?: string
  department?: string
  co_departments?: string[]
  passed?: boolean
  approved?: boolean
  satisfaction?: number
  extension?: number
  into?: string
  attachments?: string[]
}

/**
 * The request body of `action` from `form`, for the version of the event the
 * user saw (a step on any other is refused with a 409). Only the fields the
 * action takes are sent; the note is trimmed and left out when empty.
 */
export function buildStep(action: string, form: StepForm, event: Pick<EventView, 'version'>): StepBody {
  const s = actionSpec(action)
  const body: StepBody = { action, expected_version: event.version }
  const note = form.note.trim()
  if (s.note && note) body.note = note
  for (const field of s.fields) {
    switch (field) {
      case 'department':
        body.department = form.department
        break
      case 'co_departments':
        if (form.co_departments.length) body.co_departments = [...form.co_departments]
        break
      case 'satisfaction':
        body.satisfaction = form.satisfaction
        break
      case 'passed':
        if (form.passed !== null) body.passed = form.passed
        break
      case 'approved':
        if (form.approved !== null) body.approved = form.approved
        break
      case 'extension':
        body.extension = Number(form.extension.trim())
        break
      case 'into':
        body.into = form.into.trim()
        break
      case 'photos':
        if (form.attachments.length) body.attachments = [...form.attachments]
        break
    }
  }
  return body
}

/** Why a form is refused: the field, and the message key under `step.problem`. */
export interface Problem {
  field: StepField
  key: string
  params?: Record<string, number>
}

const EVENT_NUMBER = /^[0-9]{8}-[0-9]{1,10}$/

function noteProblems(s: ActionSpec, note: string): Problem[] {
  if (!s.note) return []
  const text = note.trim()
  if (s.noteRequired && !text) return [{ field: 'note', key: `required_${s.note}` }]
  if ([...text].length > NOTE_MAX) return [{ field: 'note', key: 'note_too_long', params: { max: NOTE_MAX } }]
  return []
}

function fieldProblem(field: StepField, action: string, form: StepForm, event: Pick<EventView, 'number' | 'department'>): Problem | null {
  switch (field) {
    case 'department':
      if (!form.department) return { field, key: 'department_required' }
      if (action === 'redispatch' && form.department === event.department) return { field, key: 'department_unchanged' }
      return null
    case 'co_departments':
      return form.co_departments.includes(form.department) ? { field, key: 'co_department_is_lead' } : null
    case 'satisfaction':
      return Number.isInteger(form.satisfaction) && form.satisfaction >= 1 && form.satisfaction <= 5 ? null : { field, key: 'satisfaction_range' }
    case 'passed':
      return form.passed === null ? { field, key: 'passed_required' } : null
    case 'approved':
      return form.approved === null ? { field, key: 'approved_required' } : null
    case 'extension': {
      const text = form.extension.trim()
      const n = Number(text)
      const ok = /^[0-9]+$/.test(text) && n >= 1 && n <= EXTENSION_MAX
      return ok ? null : { field, key: 'extension_range', params: { max: EXTENSION_MAX } }
    }
    case 'into': {
      const into = form.into.trim()
      if (!into) return { field, key: 'into_required' }
      if (!EVENT_NUMBER.test(into)) return { field, key: 'into_invalid' }
      return into === event.number ? { field, key: 'into_self' } : null
    }
    case 'photos':
      return form.attachments.length > PHOTOS_MAX ? { field, key: 'photos_too_many', params: { max: PHOTOS_MAX } } : null
    default:
      return null
  }
}

/**
 * Everything wrong with `form` for `action` on `event`, at most one problem
 * per field; empty when the step may be sent. A redispatch must name a
 * department other than the one that has the event.
 */
export function validateStep(action: string, form: StepForm, event: Pick<EventView, 'number' | 'department'>): Problem[] {
  const s = actionSpec(action)
  const problems = noteProblems(s, form.note)
  for (const field of s.fields) {
    const p = fieldProblem(field, action, form, event)
    if (p) problems.push(p)
  }
  return problems
}

/** Why a photo cannot be uploaded as it is, as a `step.problem` key; `null` when it can. */
export function photoProblem(photo: { type: string; size: number }): string | null {
  if (!PHOTO_TYPES.includes(photo.type)) return 'photo_type'
  if (photo.size > PHOTO_BYTES_MAX) return 'photo_size'
  return null
}

/** The words of steps' forms and problems, in both languages, to merge into a component's messages. */
export const stepMessages = {
  'zh-CN': {
    step: {
      field: {
        reason: '理由', feedback: '处置反馈', comment: '评价意见', instruction: '督办意见', note: '说明',
        department: '承办部门', co_departments: '协办部门（吹哨）', satisfaction: '满意度', passed: '核查结果',
        approved: '审批结果', extension: '延期时长', into: '并入主单编号', photos: '照片',
      },
      problem: {
        required_reason: '请填写理由', required_feedback: '请填写处置反馈', required_comment: '请填写评价意见',
        required_instruction: '请填写督办意见', required_note: '请填写说明', note_too_long: '不能超过 {max} 字',
        department_required: '请选择承办部门', department_unchanged: '改派须选择另一个部门',
        co_department_is_lead: '协办部门不能包含承办部门', satisfaction_range: '请选择 1 至 5 星',
        passed_required: '请选择核查是否通过', approved_required: '请选择是否批准延期',
        extension_range: '请填写 1 至 {max} 的整数', into_required: '请填写主单编号',
        into_invalid: '事件编号格式应如 20261122-000042', into_self: '不能并入本事件自身',
        photos_too_many: '最多 {max} 张照片', photo_type: '仅支持 JPEG、PNG、WebP 格式的照片', photo_size: '照片不能超过 8 MB',
      },
    },
  },
  en: {
    step: {
      field: {
        reason: 'Reason', feedback: 'Feedback', comment: 'Comment', instruction: 'Instruction', note: 'Note',
        department: 'Department', co_departments: 'Joint departments (summons)', satisfaction: 'Satisfaction', passed: 'Result',
        approved: 'Decision', extension: 'Extra time', into: 'Master event number', photos: 'Photos',
      },
      problem: {
        required_reason: 'Give a reason', required_feedback: 'Describe how it was handled', required_comment: 'Give a comment',
        required_instruction: 'Give an instruction', required_note: 'Give a note', note_too_long: 'At most {max} characters',
        department_required: 'Choose a department', department_unchanged: 'Choose another department than the current one',
        co_department_is_lead: 'The lead department cannot also be a joint department', satisfaction_range: 'Choose 1 to 5 stars',
        passed_required: 'Choose whether the check passed', approved_required: 'Choose whether to grant the extension',
        extension_range: 'A whole number from 1 to {max}', into_required: 'Give the master event number',
        into_invalid: 'An event number looks like 20261122-000042', into_self: 'An event cannot be merged into itself',
        photos_too_many: 'At most {max} photos', photo_type: 'Only JPEG, PNG or WebP photos', photo_size: 'A photo may be at most 8 MB',
      },
    },
  },
}

/** A suggested duplicate (`GET /api/v1/events/{number}/duplicates`): a master a merge may name. */
export interface Duplicate {
  number: string
  title: string
  state: string
  /** Metres from the event. */
  distance_m: number
  created_at: string
}

/** Splits `events` into those that allow `action` now and those that do not, for bulk steps. */
export function planBulk<E extends Pick<EventView, 'allowed_actions'>>(events: readonly E[], action: string): { ready: E[]; skipped: E[] } {
  const ready: E[] = []
  const skipped: E[] = []
  for (const e of events) (e.allowed_actions.includes(action) ? ready : skipped).push(e)
  return { ready, skipped }
}

/** A department that events can be dispatched to (`GET /api/v1/responsibility`). */
export interface Department {
  code: string
  name: string
  kind: string
  region: string
}

/** The answer of `GET /api/v1/responsibility`. */
export interface ResponsibilityView {
  version: number
  document: { departments: Department[]; rules?: unknown[] }
}

/** Department names by code, to show a name where the API gives a code. */
export function departmentNames(departments: readonly Department[]): Record<string, string> {
  return Object.fromEntries(departments.map((d) => [d.code, d.name]))
}

/** Whether `department` matches the text typed in a filterable select: by name or code, ignoring case. */
export function departmentMatches(department: Department, text: string): boolean {
  const q = text.trim().toLowerCase()
  return !q || department.name.toLowerCase().includes(q) || department.code.toLowerCase().includes(q)
}

/** SLA colour of a running phase. */
export type Colour = 'green' | 'yellow' | 'red'

/**
 * The SLA colour of `event` at `now` (ms), recomputed from its warn and due
 * instants so a page left open turns rows yellow and red on time; the
 * server's colour when the instants are missing or unreadable.
 */
export function liveColour(event: Pick<EventView, 'warn_at' | 'due_at' | 'colour'>, now: number): Colour | null {
  if (!event.warn_at || !event.due_at) return event.colour ?? null
  const warn = Date.parse(event.warn_at)
  const due = Date.parse(event.due_at)
  if (Number.isNaN(warn) || Number.isNaN(due)) return event.colour ?? null
  if (now > due) return 'red'
  return now >= warn ? 'yellow' : 'green'
}

/** Time left until `due` at `now` (ms), in whole minutes; overdue when past. */
export function timeLeft(due: string, now: number): { overdue: boolean; days: number; hours: number; minutes: number } | null {
  const at = Date.parse(due)
  if (Number.isNaN(at)) return null
  const total = Math.floor(Math.abs(at - now) / 60000)
  return { overdue: now > at, days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 }
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/

/**
 * An instant of the API (`2026-03-02T09:00:00+08:00`, China time) as people
 * read it: `2026-03-02 09:00`, or `03-02 09:00` when short. It keeps the
 * server's wall clock, so every screen in the centre shows the same time
 * whatever the device's time zone. Anything else is returned as it is.
 */
export function formatInstant(instant: string | null | undefined, short = false): string {
  if (!instant) return ''
  const m = INSTANT.exec(instant)
  if (!m) return instant
  const [, y, mo, d, h, mi] = m
  return short ? `${mo}-${d} ${h}:${mi}` : `${y}-${mo}-${d} ${h}:${mi}`
}

/** The day after `day` (`YYYY-MM-DD`): date ranges end inclusively, the API's `to` is exclusive. */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}
