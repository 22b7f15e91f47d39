import { describe, expect, it } from 'vitest'
import {
  ACTIONS, actionSpec, buildStep, departmentMatches, departmentNames, emptyForm, formatInstant, liveColour, nextDay,
  orderActions, photoProblem, planBulk, stepMessages, timeLeft, validateStep, type StepForm,
} from './steps'

const event = { number: '20261122-000042', version: 7, department: '440507-chengguan', suggested_department: '440507-zhujian' }
const form = (patch: Partial<StepForm> = {}): StepForm => ({ ...emptyForm('accept', event), ...patch })
const keys = (action: string, f: StepForm) => validateStep(action, f, event).map((p) => `${p.field}:${p.key}`)

describe('actionSpec', () => {
  it('asks the server-required reason of every refusal and side road', () => {
    for (const a of ['reject', 'return', 'suspend', 'reopen', 'redispatch', 'request_extension']) {
      expect(actionSpec(a)).toMatchObject({ note: 'reason', noteRequired: true })
    }
    expect(actionSpec('handle')).toMatchObject({ note: 'feedback', noteRequired: true, fields: ['photos'] })
    expect(actionSpec('supervise')).toMatchObject({ note: 'instruction', noteRequired: true })
  })
  it('asks nothing of signing, starting and resuming', () => {
    for (const a of ['sign', 'start', 'resume']) expect(actionSpec(a)).toMatchObject({ fields: [], note: null })
  })
  it('gives an unknown action an optional note', () => {
    expect(actionSpec('transfer')).toEqual({ fields: [], note: 'note', noteRequired: false, tone: 'info' })
  })
})

describe('orderActions', () => {
  it('puts the main road first and refusals last, unknown actions after', () => {
    expect(orderActions(['accept', 'reject', 'resolve_on_spot', 'suspend', 'escalate', 'supervise', 'merge', 'novel'])).toEqual([
      'accept', 'resolve_on_spot', 'escalate', 'supervise', 'suspend', 'merge', 'reject', 'novel',
    ])
  })
  it('orders every action', () => expect(orderActions([...ACTIONS].reverse())).toHaveLength(ACTIONS.length))
})

describe('emptyForm', () => {
  it('starts a dispatch at the suggested department', () => {
    expect(emptyForm('dispatch', event).department).toBe('440507-zhujian')
    expect(emptyForm('dispatch', { suggested_department: null, department: null }).department).toBe('')
  })
  it('does not suggest redispatching to the department that has it', () => {
    expect(emptyForm('redispatch', event).department).toBe('440507-zhujian')
    expect(emptyForm('redispatch', { ...event, suggested_department: event.department }).department).toBe('')
  })
  it('leaves decisions unmade', () => {
    expect(emptyForm('verify', event)).toMatchObject({ passed: null, approved: null, satisfaction: 0, extension: '' })
  })
})

describe('validateStep', () => {
  it('refuses a missing reason, feedback or instruction', () => {
    expect(keys('reject', form({ note: '  ' }))).toEqual(['note:required_reason'])
    expect(keys('return', form())).toEqual(['note:required_reason'])
    expect(keys('handle', form())).toEqual(['note:required_feedback'])
    expect(keys('supervise', form())).toEqual(['note:required_instruction'])
    expect(keys('reject', form({ note: '不属于受理范围' }))).toEqual([])
  })
  it('accepts an optional note left empty, not one too long', () => {
    expect(keys('accept', form())).toEqual([])
    expect(keys('close', form({ note: '办'.repeat(5001) }))).toEqual(['note:note_too_long'])
    expect(validateStep('close', form({ note: '办'.repeat(5001) }), event)[0].params).toEqual({ max: 5000 })
    expect(keys('close', form({ note: '办'.repeat(5000) }))).toEqual([])
  })
  it('needs a department to dispatch, another one to redispatch', () => {
    expect(keys('dispatch', form())).toEqual(['department:department_required'])
    expect(keys('dispatch', form({ department: event.department }))).toEqual([])
    expect(keys('redispatch', form({ department: event.department, note: '职责不符' }))).toEqual(['department:department_unchanged'])
    expect(keys('redispatch', form({ department: 'x' }))).toEqual(['note:required_reason'])
  })
  it('refuses the lead department among the joint ones', () => {
    expect(keys('dispatch', form({ department: 'a', co_departments: ['b', 'a'] }))).toEqual(['co_departments:co_department_is_lead'])
    expect(keys('dispatch', form({ department: 'a', co_departments: ['b', 'c'] }))).toEqual([])
  })
  it('needs a rating of 1 to 5', () => {
    expect(keys('evaluate', form())).toEqual(['satisfaction:satisfaction_range'])
    expect(keys('evaluate', form({ satisfaction: 6 }))).toEqual(['satisfaction:satisfaction_range'])
    expect(keys('evaluate', form({ satisfaction: 2.5 }))).toEqual(['satisfaction:satisfaction_range'])
    for (const satisfaction of [1, 5]) expect(keys('evaluate', form({ satisfaction }))).toEqual([])
  })
  it('needs the verifier and the supervisor to decide', () => {
    expect(keys('verify', form())).toEqual(['passed:passed_required'])
    expect(keys('verify', form({ passed: false }))).toEqual([])
    expect(keys('decide_extension', form())).toEqual(['approved:approved_required'])
    expect(keys('decide_extension', form({ approved: false }))).toEqual([])
  })
  it('needs a whole number of units and a reason to ask for more time', () => {
    expect(keys('request_extension', form())).toEqual(['note:required_reason', 'extension:extension_range'])
    for (const extension of ['0', '-1', '1.5', 'abc', '1000']) {
      expect(keys('request_extension', form({ extension, note: '材料待补' }))).toEqual(['extension:extension_range'])
    }
    expect(keys('request_extension', form({ extension: ' 3 ', note: '材料待补' }))).toEqual([])
  })
  it('needs a well-formed master that is another event to merge', () => {
    expect(keys('merge', form())).toEqual(['into:into_required'])
    expect(keys('merge', form({ into: '42' }))).toEqual(['into:into_invalid'])
    expect(keys('merge', form({ into: event.number }))).toEqual(['into:into_self'])
    expect(keys('merge', form({ into: ' 20261122-000041 ' }))).toEqual([])
  })
  it('limits the photos of one step', () => {
    expect(keys('handle', form({ note: '已清理', attachments: Array.from({ length: 10 }, (_, i) => String(i)) }))).toEqual(['photos:photos_too_many'])
  })
  it('has a message in both languages for every problem', () => {
    const zh = stepMessages['zh-CN'].step.problem
    const en = stepMessages.en.step.problem
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort())
    const produced = [
      ...['reject', 'handle', 'supervise'].flatMap((a) => validateStep(a, form(), event)),
      ...validateStep('evaluate', form({ note: 'x'.repeat(6000) }), event),
      ...validateStep('merge', form(), event),
      ...validateStep('dispatch', form({ co_departments: [''] }), event),
    ]
    for (const p of produced) expect(zh).toHaveProperty(p.key)
    expect(zh).toHaveProperty(photoProblem({ type: 'image/heic', size: 1 }) as string)
  })
})

describe('buildStep', () => {
  it('sends the action, the version seen and the trimmed note', () => {
    expect(buildStep('reject', form({ note: ' 重复上报 ' }), event)).toEqual({ action: 'reject', expected_version: 7, note: '重复上报' })
  })
  it('leaves out an empty note and what the action does not take', () => {
    expect(buildStep('sign', form({ note: 'ignored', department: 'x', attachments: ['p'] }), event)).toEqual({ action: 'sign', expected_version: 7 })
    expect(buildStep('close', form(), event)).toEqual({ action: 'close', expected_version: 7 })
  })
  it('sends a dispatch with its joint departments', () => {
    expect(buildStep('dispatch', form({ department: 'a', co_departments: ['b'] }), event)).toEqual({
      action: 'dispatch', expected_version: 7, department: 'a', co_departments: ['b'],
    })
    expect(buildStep('dispatch', form({ department: 'a' }), event)).toEqual({ action: 'dispatch', expected_version: 7, department: 'a' })
  })
  it('sends decisions, ratings, extensions, masters and photos as the server reads them', () => {
    expect(buildStep('verify', form({ passed: false, note: '仍有垃圾' }), event)).toEqual({ action: 'verify', expected_version: 7, passed: false, note: '仍有垃圾' })
    expect(buildStep('decide_extension', form({ approved: true }), event)).toEqual({ action: 'decide_extension', expected_version: 7, approved: true })
    expect(buildStep('evaluate', form({ satisfaction: 4 }), event)).toEqual({ action: 'evaluate', expected_version: 7, satisfaction: 4 })
    expect(buildStep('request_extension', form({ extension: ' 3 ', note: '待补材料' }), event)).toEqual({
      action: 'request_extension', expected_version: 7, extension: 3, note: '待补材料',
    })
    expect(buildStep('merge', form({ into: ' 20261122-000041' }), event)).toEqual({ action: 'merge', expected_version: 7, into: '20261122-000041' })
    expect(buildStep('handle', form({ note: '已清理', attachments: ['a', 'b'] }), event)).toEqual({
      action: 'handle', expected_version: 7, note: '已清理', attachments: ['a', 'b'],
    })
  })
})

describe('photoProblem', () => {
  it('accepts what the server stores', () => {
    expect(photoProblem({ type: 'image/jpeg', size: 8 * 1024 * 1024 })).toBeNull()
    expect(photoProblem({ type: 'image/webp', size: 1 })).toBeNull()
  })
  it('refuses other types and large photos', () => {
    expect(photoProblem({ type: 'image/heic', size: 1 })).toBe('photo_type')
    expect(photoProblem({ type: 'image/png', size: 8 * 1024 * 1024 + 1 })).toBe('photo_size')
  })
})

describe('planBulk', () => {
  it('splits the events that allow the action from the rest', () => {
    const a = { n: 1, allowed_actions: ['accept', 'reject'] }
    const b = { n: 2, allowed_actions: ['dispatch'] }
    expect(planBulk([a, b], 'accept')).toEqual({ ready: [a], skipped: [b] })
    expect(planBulk([], 'accept')).toEqual({ ready: [], skipped: [] })
  })
})

describe('departments', () => {
  const list = [
    { code: '440507-chengguan', name: '龙湖区城管局', kind: 'chengguan', region: '440507' },
    { code: '440507-zhujian', name: '龙湖区住建局', kind: 'zhujian', region: '440507' },
  ]
  it('names departments by code', () => expect(departmentNames(list)['440507-zhujian']).toBe('龙湖区住建局'))
  it('matches by name or code, ignoring case', () => {
    expect(departmentMatches(list[0], '城管')).toBe(true)
    expect(departmentMatches(list[0], 'CHENG')).toBe(true)
    expect(departmentMatches(list[0], '住建')).toBe(false)
    expect(departmentMatches(list[0], ' ')).toBe(true)
  })
})

describe('the SLA clock', () => {
  const clock = { warn_at: '2026-03-02T08:00:00+08:00', due_at: '2026-03-02T09:00:00+08:00', colour: 'green' as const }
  const at = (s: string) => Date.parse(s)
  it('turns yellow at the warning and red after the deadline', () => {
    expect(liveColour(clock, at('2026-03-02T07:59:59+08:00'))).toBe('green')
    expect(liveColour(clock, at('2026-03-02T08:00:00+08:00'))).toBe('yellow')
    expect(liveColour(clock, at('2026-03-02T09:00:00+08:00'))).toBe('yellow')
    expect(liveColour(clock, at('2026-03-02T09:00:01+08:00'))).toBe('red')
  })
  it('keeps the server colour without a clock', () => {
    expect(liveColour({ warn_at: null, due_at: null, colour: null }, 0)).toBeNull()
    expect(liveColour({ warn_at: 'x', due_at: 'y', colour: 'red' }, 0)).toBe('red')
  })
  it('tells the time left and the time overdue', () => {
    expect(timeLeft(clock.due_at, at('2026-03-01T05:30:00+08:00'))).toEqual({ overdue: false, days: 1, hours: 3, minutes: 30 })
    expect(timeLeft(clock.due_at, at('2026-03-02T09:45:30+08:00'))).toEqual({ overdue: true, days: 0, hours: 0, minutes: 45 })
    expect(timeLeft('soon', 0)).toBeNull()
  })
})

describe('formatInstant', () => {
  it('shows China time as the server gives it, whatever the device zone', () => {
    expect(formatInstant('2026-03-02T09:05:00+08:00')).toBe('2026-03-02 09:05')
    expect(formatInstant('2026-03-02T09:05:00+08:00', true)).toBe('03-02 09:05')
  })
  it('passes anything else through', () => {
    expect(formatInstant(null)).toBe('')
    expect(formatInstant('yesterday')).toBe('yesterday')
  })
})

describe('nextDay', () => {
  it('crosses months, years and leap days', () => {
    expect(nextDay('2026-03-02')).toBe('2026-03-03')
    expect(nextDay('2026-01-31')).toBe('2026-02-01')
    expect(nextDay('2026-12-31')).toBe('2027-01-01')
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
  })
})
