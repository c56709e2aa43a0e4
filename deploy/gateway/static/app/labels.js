// Codes the API sends -> the Chinese people read (pure). An unknown code shows as itself,
// so that a new one is visible rather than hidden.

export const SUSPENSION_REASONS = Object.freeze({
  too_many_no_shows: '逾期未到次数过多（预约成功后超过两次逾期不到）',
  too_many_cancellations: '取消预约次数过多（累计取消预约 10 次以上）',
  no_shows: '逾期未到次数过多（预约成功后超过两次逾期不到）',
  cancellations: '取消预约次数过多（累计取消预约 10 次以上）',
  admin: '管理员操作',
});

export const NOT_BOOKABLE = Object.freeze({
  past: '已过去', today: '当日业务不预约', not_working_day: '非工作日', beyond_horizon: '尚未开放',
  cutoff_passed: '已过截止时间', closed: '已截止', calendar_unconfirmed: '官方日历未确认',
});

export const DAY_SOURCES = Object.freeze({
  official: '官方日历', override: '中心调整', fallback: '未确认（按周一至周五）', unconfirmed: '未确认',
});

export const YEAR_SOURCES = Object.freeze({ package: '节假日数据包', admin: '管理员导入' });

export const CUTOFF_STATUS = Object.freeze({ open: '未截止', closed: '已截止，分配中', allocated: '已分配' });

export const AUDIT_CHANGES = Object.freeze({
  cancellation_counted: '计入取消', no_show_counted: '计入逾期', suspended: '暂停预约权限', lifted: '解除暂停',
});

export const SMS_LOG_STATUS = Object.freeze({
  pending: '待发送', sending: '发送中', retry: '等待重试', delivered: '已送达', failed: '发送失败',
});

export const SMS_KINDS = Object.freeze({
  'booking.confirmed': '预约成功', 'booking.allocated': '办理安排', 'booking.cancelled': '取消预约',
  'verification_code.register': '注册验证码', 'verification_code.login': '登录验证码',
  'verification_code.reset_password': '找回密码验证码',
});

export const ROLES = Object.freeze({ agent: '经办人', staff: '窗口人员', admin: '管理员' });

/** The Chinese label of ``code`` in ``map``; the code itself when unknown, '' for none. */
export function labelOf(map, code) {
  if (code === null || code === undefined || code === '') return '';
  return Object.prototype.hasOwnProperty.call(map, code) ? map[code] : String(code);
}

/** "138****0000": a phone as the console shows it (the SMS log is for support, not a
 *  phone book). Anything that is not 11 digits keeps only its last 4 characters. */
export function maskPhone(phone) {
  const s = String(phone ?? '');
  if (/^\d{11}$/.test(s)) return `${s.slice(0, 3)}****${s.slice(7)}`;
  if (s.includes('*')) return s;
  return s.length > 4 ? `${'*'.repeat(s.length - 4)}${s.slice(-4)}` : s;
}

const short = (id) => (id.length > 12 ? id.slice(0, 8) : id);
/** @type {Array<[RegExp, (m: RegExpExecArray) => string]>} */
const NOTE_PATTERNS = [
  [/^cancelled booking (\S+) line (\S+)$/, (m) => `取消预约 ${short(m[1])} 中的企业 ${m[2]}`],
  [/^cancelled booking (\S+)$/, (m) => `取消预约 ${short(m[1])}`],
  [/^marked at the desk: booking (\S+)$/, (m) => `窗口标记逾期未到：预约 ${short(m[1])}`],
  [/^late at the desk: booking (\S+)$/, (m) => `迟到超过时限，窗口不予办理：预约 ${short(m[1])}`],
  [/^not checked in by closing time: booking (\S+)$/, (m) => `闭馆时仍未签到：预约 ${short(m[1])}`],
];

/** An audit entry's note in Chinese: the service's own notes (English, with ids) by their
 *  pattern, a reason code by its label; an administrator's reason as it was written. */
export function auditNote(note) {
  const text = String(note ?? '').trim();
  if (!text) return '';
  for (const [re, fn] of NOTE_PATTERNS) {
    const m = re.exec(text);
    if (m) return fn(m);
  }
  return labelOf(SUSPENSION_REASONS, text);
}
