// Chinese first, English on a switch. Words every page shares (states,
// actions, colours, roles, channels) live here; each page keeps its own
// words beside it with `useI18n({ messages })`.

import { createI18n } from 'vue-i18n'

export const common = {
  'zh-CN': {
    app: { name: '共治', title: '市域社会治理平台', signOut: '退出', language: 'English', loading: '加载中…', save: '保存', cancel: '取消', submit: '提交', search: '查询', reset: '重置', none: '无', confirm: '确定' },
    nav: { map: '民情地图', workbench: '指挥中心', screen: '大屏', indices: '综治指数', grid: '网格员', department: '部门', citizen: '群众', admin: '管理', login: '登录' },
    state: {
      reported: '待受理', accepted: '已受理', rejected: '不予受理', dispatched: '已分拨', signed: '已签收',
      in_progress: '处置中', handled: '已反馈', verified: '已核查', closed: '已办结', evaluated: '已评价', merged: '已并单',
      resolved_on_spot: '就地解决',
    },
    action: {
      accept: '受理', reject: '不予受理', dispatch: '分拨', redispatch: '改派', resolve_on_spot: '就地解决', sign: '签收',
      start: '开始处置', handle: '处置反馈', return: '退回', verify: '核查', close: '办结', evaluate: '回访评价', reopen: '重启',
      request_extension: '申请延期', decide_extension: '审批延期', suspend: '挂起', resume: '恢复', escalate: '上报',
      supervise: '督办', merge: '并单', report: '上报事件', overdue: '超期',
    },
    colour: { green: '正常', yellow: '临期', red: '超期' },
    urgency: { normal: '一般', urgent: '紧急', critical: '特急' },
    channel: { grid_patrol: '网格巡查', citizen: '群众上报', hotline: '12345热线', window: '窗口', iot: '物联感知', video: '视频', open311: 'Open311', other: '其他' },
    role: { citizen: '群众', grid_worker: '网格员', operator: '坐席', supervisor: '值班长', department_handler: '部门人员', mediator: '调解员', leader: '领导', admin: '管理员' },
  },
  en: {
    app: { name: 'gongzhi', title: 'Municipal governance platform', signOut: 'Sign out', language: '中文', loading: 'Loading…', save: 'Save', cancel: 'Cancel', submit: 'Submit', search: 'Search', reset: 'Reset', none: 'None', confirm: 'OK' },
    nav: { map: 'Map', workbench: 'Command centre', screen: 'Big screen', indices: 'Indices', grid: 'Grid worker', department: 'Department', citizen: 'Citizen', admin: 'Admin', login: 'Sign in' },
    state: {
      reported: 'Reported', accepted: 'Accepted', rejected: 'Rejected', dispatched: 'Dispatched', signed: 'Signed',
      in_progress: 'In progress', handled: 'Handled', verified: 'Verified', closed: 'Closed', evaluated: 'Evaluated', merged: 'Merged',
      resolved_on_spot: 'Resolved on the spot',
    },
    action: {
      accept: 'Accept', reject: 'Reject', dispatch: 'Dispatch', redispatch: 'Redispatch', resolve_on_spot: 'Resolve on the spot', sign: 'Sign',
      start: 'Start', handle: 'Report handling', return: 'Return', verify: 'Verify', close: 'Close', evaluate: 'Rate', reopen: 'Reopen',
      request_extension: 'Ask for more time', decide_extension: 'Decide extension', suspend: 'Suspend', resume: 'Resume', escalate: 'Escalate',
      supervise: 'Supervise', merge: 'Merge', report: 'Report', overdue: 'Overdue',
    },
    colour: { green: 'On time', yellow: 'Due soon', red: 'Overdue' },
    urgency: { normal: 'Normal', urgent: 'Urgent', critical: 'Critical' },
    channel: { grid_patrol: 'Grid patrol', citizen: 'Citizen', hotline: '12345 hotline', window: 'Window', iot: 'IoT', video: 'Video', open311: 'Open311', other: 'Other' },
    role: { citizen: 'Citizen', grid_worker: 'Grid worker', operator: 'Operator', supervisor: 'Supervisor', department_handler: 'Department', mediator: 'Mediator', leader: 'Leader', admin: 'Admin' },
  },
}

const LOCALE_KEY = 'gongzhi.locale'

export const i18n = createI18n({
  legacy: false,
  locale: localStorage.getItem(LOCALE_KEY) ?? 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: common,
})

/** Switches between Chinese and English, remembered on this device. */
export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'zh-CN' ? 'en' : 'zh-CN'
  i18n.global.locale.value = next
  localStorage.setItem(LOCALE_KEY, next)
  document.documentElement.lang = next
}
