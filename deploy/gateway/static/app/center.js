// What the center publishes about its rules (GET /api/v1/centers/{center}, and the calendar
// answer): the daily cutoff time, how many working days ahead booking opens, and how late an
// agent may be. The screens word the manual's rules from these numbers instead of writing
// 15 点, 2 个工作日 and 10 分钟 into the page. normalizeCenter() and the *Text() helpers
// are pure (tested in Node); loadCenter() asks the API.
import { API } from './api.js';
import { CENTER_TZ } from './format.js';

const first = (obj, keys) => {
  for (const k of keys) {
    const v = k.split('.').reduce((o, part) => (o && typeof o === 'object' ? o[part] : undefined), obj);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return null;
};
const int = (v) => (Number.isInteger(Number(v)) && v !== null && v !== '' && Number(v) >= 0 ? Number(v) : null);
const hhmm = (v) => {
  const m = /^(\d{1,2}):(\d{2})/.exec(String(v ?? ''));
  return m ? `${m[1].padStart(2, '0')}:${m[2]}` : null;
};

/** A center document (and/or a calendar answer) -> {center, name, timezone, cutoffTime
 *  "HH:MM"|null, horizonDays int|null, lateMinutes int|null, periods}. */
export function normalizeCenter(doc, calendar = null) {
  const d = { ...(calendar?.center_settings ?? calendar?.settings ?? {}), ...(doc ?? {}) };
  return {
    center: first(d, ['code', 'center', 'id']) ?? (typeof calendar?.center === 'string' ? calendar.center : null),
    name: first(d, ['name']),
    timezone: first(d, ['timezone', 'time_zone', 'tz']) ?? calendar?.timezone ?? CENTER_TZ,
    cutoffTime: hhmm(first(d, ['cutoff_time', 'cutoff_local_time', 'cutoff.time', 'cutoff'])),
    horizonDays: int(first(d, ['release_working_days', 'horizon_working_days', 'booking_horizon_working_days',
      'release_horizon_working_days', 'horizon_days', 'release_horizon', 'horizon'])),
    lateMinutes: int(first(d, ['late_minutes', 'late_after_minutes', 'lateness_minutes', 'no_show_after_minutes',
      'late_grace_minutes', 'grace_minutes'])),
    periods: Array.isArray(d.periods) ? d.periods : [],
    desks: int(first(d, ['desks'])),
    enterpriseNameMax: int(first(d, ['limits.enterprise_name_max'])),
  };
}

/** "15:00" -> "15 点", "15:30" -> "15:30". */
export function clockWords(time) {
  if (!time) return null;
  const [h, m] = time.split(':');
  return m === '00' ? `${Number(h)} 点` : `${Number(h)}:${m}`;
}

export function horizonText(c) {
  return c?.horizonDays != null
    ? `系统提前 ${c.horizonDays} 个工作日开放预约，当日业务不预约。`
    : '可预约的日期以下方日历为准，当日业务不预约。';
}

export function cutoffText(c) {
  const t = clockWords(c?.cutoffTime);
  return t ? `每天 ${t}后截止次日业务的预约和取消。` : '办理日前一个工作日的截止时间后，不能再预约或取消该日业务（截止时间见各日期）。';
}

export function lateText(c) {
  return c?.lateMinutes != null
    ? `超过预约办理时间段起始时间 ${c.lateMinutes} 分钟到窗口，不予办理，计入逾期。`
    : '超过预约办理时间段起始时间到窗口，可能不予办理并计入逾期。';
}

/** The allocation's promise before it is made: "办理日前一个工作日 15:00 后…". */
export function allocationPromise(c) {
  return c?.cutoffTime ? `待分配（办理日前一个工作日 ${c.cutoffTime} 后分配窗口、时间段和排队号）` : '待分配（截止时间后分配窗口、时间段和排队号）';
}

let cached = null;
/** The center's settings: GET /api/v1/calendar says which center and its time zone, GET
 *  /api/v1/centers/{center} the rules; whatever fails leaves its fields null. */
export function loadCenter(api) {
  cached ??= (async () => {
    let calendar = null;
    try { calendar = await api.get(`${API}/calendar`, { auth: false }); } catch { /* below */ }
    const code = typeof calendar?.center === 'string' ? calendar.center : 'qingdao';
    let doc = null;
    try { doc = await api.get(`${API}/centers/${encodeURIComponent(code)}`, { auth: false }); } catch { /* older API */ }
    return { ...normalizeCenter(doc, calendar), calendar };
  })().catch(() => { cached = null; return normalizeCenter(null, null); });
  return cached;
}

/** For tests and after an admin change: forget the cached settings. */
export function forgetCenter() { cached = null; }
