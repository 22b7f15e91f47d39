// Composite indices as the index page shows them: the answers of
// /api/v1/indices/*, and what the page derives from them.

/** An index in `GET /indices`. */
export interface IndexItem {
  code: string
  name: string
  name_en: string | null
  version: number
  periodicity: string
  leaves: number
  /** Computed periods, oldest first. */
  periods: string[]
}

/** One node of a definition, as `GET /indices/{code}` gives it. */
export interface IndexNode {
  code: string
  name: string
  name_en?: string
  level: number
  parent?: string
}

/** `GET /indices/{code}`. */
export interface IndexDefinitionAnswer {
  version: number
  definition: { code: string; name: string; name_en?: string; indicators: IndexNode[] }
}

/** A reason for a unit's warning. */
export interface IndexReason {
  level: 'yellow' | 'red'
  rule: string
  text: string
  text_en: string
}

/** A unit's rank spread under perturbed weights. */
export interface RankStability {
  nominal: number
  median: number
  q5: number
  q95: number
  same_rank: number
}

/** A line of `GET /indices/{code}/scores`. */
export interface ScoreRow {
  unit: string
  name: string
  level: string
  score: number | null
  rank: number | null
  of: number
  change: number | null
  warning: 'green' | 'yellow' | 'red'
  reasons: IndexReason[]
  stability?: RankStability
}

/** `GET /indices/{code}/scores`. */
export interface ScoresAnswer {
  period: string
  rows: ScoreRow[]
}

/** `GET /indices/{code}/lists`: the red list (best first) and the black list (worst first). */
export interface ListsAnswer {
  period: string
  red: ScoreRow[]
  black: ScoreRow[]
}

/** The levels present in a table of scores, top of the tree first (county before town). */
export function levelsOf(rows: ScoreRow[]): string[] {
  const order = ['province', 'city', 'county', 'town', 'community', 'grid', 'micro_grid']
  return [...new Set(rows.map((r) => r.level))].sort((a, b) => order.indexOf(a) - order.indexOf(b))
}

/** What a table may be ranked by: the index itself, then its dimensions (the root's children), in definition order. */
export function nodeChoices(nodes: IndexNode[]): IndexNode[] {
  const root = nodes.find((n) => !n.parent)
  if (!root) return []
  return [root, ...nodes.filter((n) => n.parent === root.code)]
}

/** A change against the previous period, signed to two places; empty without one. */
export function changeText(change: number | null): string {
  if (change === null || change === undefined) return ''
  const fixed = change.toFixed(2)
  return change > 0 ? '+' + fixed : fixed === '-0.00' ? '0.00' : fixed
}

/** A rank's 90% range under perturbed weights, `3–5`, or the rank alone when it never moves. */
export function stabilityText(s: RankStability | undefined): string {
  if (!s) return ''
  const [lo, hi] = [Math.round(s.q5), Math.round(s.q95)]
  return lo === hi ? String(lo) : `${lo}–${hi}`
}

/** The content type the server reads a definition or values file by, from the file's name; null for a kind it does not read. */
export function uploadType(name: string): string | null {
  const ext = name.toLowerCase().split('.').pop() ?? ''
  const types: Record<string, string> = {
    toml: 'application/toml',
    json: 'application/json',
    csv: 'text/csv',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  }
  return types[ext] ?? null
}

/** `POST /indices/{code}/compute`. */
export interface ComputeSummary {
  version: number
  periods: string[]
  units: Record<string, number>
  red: number
  yellow: number
}
