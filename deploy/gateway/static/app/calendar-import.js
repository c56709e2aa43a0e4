// The official-year import (pure): read the pasted or uploaded holiday and workday lists,
// check them, and compare the year they describe with the one loaded now, so that the
// administrator sees every changed day before PUT /api/v1/admin/calendar/years/{year}.

const DATE_PATTERNS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/, /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/, /^(\d{4})(\d{2})(\d{2})$/,
];
const RANGE_SEP_ALL = /\s*(?:~|至|到|—|–|--)\s*/g;  // ～ is ~ after NFKC

const pad = (n) => String(n).padStart(2, '0');

/** "2027/1/1", "2027年1月1日", "20270101" ... -> "2027-01-01"; null when not a real date. */
export function parseDate(token) {
  const s = String(token ?? '').normalize('NFKC').trim();
  for (const re of DATE_PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
    return `${y}-${pad(mo)}-${pad(d)}`;
  }
  return null;
}

function* daysBetween(from, to) {
  const t = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (t <= end) { yield t.toISOString().slice(0, 10); t.setUTCDate(t.getUTCDate() + 1); }
}

/**
 * A pasted list -> {dates (sorted, unique), problems: [text]}. Dates are separated by
 * commas, semicolons, Chinese punctuation, spaces or lines; "2027-02-10~2027-02-16" (or
 * 至/到) is a range. Dates outside ``year`` are problems.
 */
export function parseDateList(text, year) {
  const dates = new Set();
  const problems = [];
  // Range separators become a token of their own; everything else separates tokens.
  const tokens = String(text ?? '').normalize('NFKC').replace(RANGE_SEP_ALL, ' ~ ')
    .split(/[\s,;，；、]+/).filter(Boolean);
  const inYear = (d) => Number(d.slice(0, 4)) === year;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (tokens[i + 1] === '~') {
      const end = tokens[i + 2] ?? '';
      i += 2;
      const [a, b] = [parseDate(token), parseDate(end)];
      const shown = `${token}~${end}`;
      if (!a || !b || a > b) { problems.push(`无法识别的日期范围：${shown}`); continue; }
      if (!inYear(a) || !inYear(b)) { problems.push(`${shown} 不在 ${year} 年内`); continue; }
      for (const d of daysBetween(a, b)) dates.add(d);
      continue;
    }
    const d = parseDate(token);
    if (!d) { problems.push(`无法识别的日期：${token}`); continue; }
    if (!inYear(d)) { problems.push(`${d} 不在 ${year} 年内`); continue; }
    dates.add(d);
  }
  return { dates: [...dates].sort(), problems };
}

/** An uploaded file's text: JSON {holidays, workdays} (what GET .../years/{year} answers),
 *  or plain text -> null (the caller puts it in the list it was uploaded for). */
export function parseScheduleJson(text) {
  let doc;
  try { doc = JSON.parse(text); } catch { return null; }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return null;
  if (!Array.isArray(doc.holidays) && !Array.isArray(doc.workdays)) return null;
  const asText = (list) => (Array.isArray(list) ? list.map(String).join('\n') : '');
  return { year: Number.isInteger(doc.year) ? doc.year : null, holidays: asText(doc.holidays), workdays: asText(doc.workdays) };
}

export const isWeekend = (date) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

/** Problems that make a schedule unsafe to save ([] when fine). */
export function checkSchedule({ holidays, workdays }) {
  const problems = [];
  const hol = new Set(holidays);
  for (const d of workdays) {
    if (hol.has(d)) problems.push(`${d} 同时出现在节假日和调休上班日中`);
    else if (!isWeekend(d)) problems.push(`${d} 是周一至周五，无需列为调休上班日`);
  }
  return problems;
}

/** What ``date`` is under ``schedule`` ({holidays, workdays} or null: not confirmed):
 *  "holiday", "workday" (a listed weekend working day), "weekday" or "weekend". */
export function dayKind(date, schedule) {
  if (schedule?.holidays?.includes(date)) return 'holiday';
  if (schedule?.workdays?.includes(date)) return 'workday';
  return isWeekend(date) ? 'weekend' : 'weekday';
}

export const KIND_LABELS = Object.freeze({ holiday: '节假日（休息）', workday: '调休上班', weekday: '工作日', weekend: '周末（休息）' });
export const isWorking = (kind) => kind === 'workday' || kind === 'weekday';

/**
 * The days of ``year`` whose kind differs between ``before`` (the schedule loaded now, or
 * null) and ``after``: [{date, before, after, workingBefore, workingAfter}] in date order,
 * and counts {holidays, workdays, working} of the new year.
 */
export function diffYear(year, before, after) {
  const changes = [];
  let working = 0;
  for (const d of daysBetween(`${year}-01-01`, `${year}-12-31`)) {
    const was = dayKind(d, before);
    const now = dayKind(d, after);
    if (isWorking(now)) working += 1;
    if (was !== now) changes.push({ date: d, before: was, after: now, workingBefore: isWorking(was), workingAfter: isWorking(now) });
  }
  return { changes, counts: { holidays: after.holidays.length, workdays: after.workdays.length, working } };
}
