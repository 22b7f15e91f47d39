// The shapes the API answers with (see /api/docs for every field).

export interface User {
  id: string
  name: string
  role: string
  region?: string | null
  department?: string | null
  grids?: string[]
  permissions: string[]
}

export interface SessionAnswer {
  user: User
  csrf_token: string
  must_change_password: boolean
}

export interface Point {
  lng: number
  lat: number
}

export interface EventView {
  number: string
  version: number
  channel: string
  category: string
  category_name: string
  title: string
  description: string
  address: string
  location: Point | null
  grid: string | null
  region: string | null
  outside: boolean
  reporter: { name?: string; phone?: string; id_number?: string }
  urgency: string
  attachments: string[]
  state: string
  suspended: boolean
  extension_pending: boolean
  satisfaction: number | null
  centre: string | null
  suggested_department: string | null
  department: string | null
  co_departments: string[]
  phase: string | null
  warn_at: string | null
  due_at: string | null
  colour: 'green' | 'yellow' | 'red' | null
  overdue: boolean
  ever_overdue: boolean
  master: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
  resolved_level: string | null
  allowed_actions: string[]
}

export interface EventPage {
  items: EventView[]
  total: number
  page: number
  page_size: number
}

export interface TimelineEntryView {
  seq: number
  at: string
  actor: string
  role: string
  action: string
  from: string | null
  to: string
  note: string
  attachments: string[]
  details: Record<string, unknown>
}

export interface StatsRow {
  keys: Record<string, string | null>
  count: number
  rates: {
    due: number
    closed: number
    closed_on_time: number
    rated: number
    satisfied: number
    closure_rate?: number | null
    on_time_rate?: number | null
    satisfaction_rate?: number | null
    [k: string]: unknown
  }
  mean_handling_hours: number | null
  resolved_share: Record<string, number | null>
}

export interface RegionRef {
  code: string
  name: string
  level: string
  level_name: string
}

export interface CatalogueEntry {
  code: string
  name: string
  [k: string]: unknown
}
