// The eight business types (业务种类) and the rules for one enterprise in a booking:
//   PRE_ENTRY and NEW_CARD are exclusive (no other type beside them);
//   CHANGE_INFO does not go with RENEW_UNLOCK;
//   RENEW_UNLOCK, DECLARANT_CARD, OPERATOR_CARD, REISSUE_CARD need a count 1..99;
//   BUY_READER takes an optional quantity 1..99 (default 1); the others take no count.
// The list is loaded from GET /api/v1/business-types when it answers; this built-in copy is
// the fallback. The form enforces the rules; the API enforces them again.

export const MIN_COUNT = 1;
export const MAX_COUNT = 99;

const DEFINITIONS = [
  ['PRE_ENTRY', '预录入', 'none', '青岛地区企业首次到电子口岸录入信息时选择'],
  ['NEW_CARD', '新制卡', 'none', '新企业完成质监、工商、国税审批后办理制卡时选择'],
  ['CHANGE_INFO', '变更企业信息', 'none', ''],
  ['RENEW_UNLOCK', '卡延期、解锁', 'required', ''],
  ['DECLARANT_CARD', '增加、更换报关员卡', 'required', ''],
  ['OPERATOR_CARD', '增加操作员卡', 'required', ''],
  ['REISSUE_CARD', '补卡、换卡', 'required', ''],
  ['BUY_READER', '购读卡器', 'optional', ''],
];
const CODES = DEFINITIONS.map(([code]) => code);
const EXCLUSIVE = ['PRE_ENTRY', 'NEW_CARD'];
const PAIRS = [['CHANGE_INFO', 'RENEW_UNLOCK']];
const NOTES = Object.fromEntries(DEFINITIONS.map(([code, , , note]) => [code, note]));
const OPTIONAL_COUNT = new Set(['BUY_READER']);

function builtinExcludes(code) {
  if (EXCLUSIVE.includes(code)) return CODES.filter((c) => c !== code);
  const partners = PAIRS.filter((p) => p.includes(code)).flatMap((p) => p.filter((c) => c !== code));
  return [...EXCLUSIVE, ...partners];
}

/** The built-in list, in the shape GET /api/v1/business-types answers. */
export const BUILTIN_TYPES = Object.freeze(DEFINITIONS.map(([code, name, rule]) => Object.freeze({
  code, name, needs_count: rule === 'required', count: rule, excludes: builtinExcludes(code),
})));

/**
 * API shape -> what the form uses: [{code, name, needsCount, optionalCount, excludes: Set,
 * note}], exclusions made symmetric (if A excludes B, B excludes A). Unknown members are
 * ignored; a list without codes gives [].
 */
export function normalizeTypes(list) {
  const types = (Array.isArray(list) ? list : []).filter((t) => t && typeof t.code === 'string').map((t) => {
    // The booking service adds "count": "required" | "optional" | "none"; without it,
    // needs_count and the built-in knowledge (BUY_READER's optional quantity) decide.
    const rule = ['required', 'optional', 'none'].includes(t.count) ? t.count
      : ['required', 'optional', 'none'].includes(t.count_rule) ? t.count_rule : null;
    const needsCount = Boolean(t.needs_count) || rule === 'required';
    return {
      code: t.code,
      name: typeof t.name === 'string' && t.name ? t.name : t.code,
      needsCount,
      optionalCount: !needsCount && (rule ? rule === 'optional' : OPTIONAL_COUNT.has(t.code) || t.default_count != null),
      excludes: new Set(Array.isArray(t.excludes) ? t.excludes.map(String) : []),
      note: typeof t.description === 'string' && t.description ? t.description : NOTES[t.code] ?? '',
    };
  });
  const byCode = new Map(types.map((t) => [t.code, t]));
  for (const t of types) {
    for (const other of t.excludes) byCode.get(other)?.excludes.add(t.code);
    t.excludes.delete(t.code);
  }
  return types;
}

/** GET /api/v1/business-types through ``api`` (api.js); the built-in list when it fails
 *  or answers something unusable. Returns {types, source: "api"|"builtin"}. */
export async function loadBusinessTypes(api) {
  try {
    const answer = await api.get('/api/v1/business-types', { auth: false });
    const list = Array.isArray(answer) ? answer : answer?.items;
    const types = normalizeTypes(list);
    if (types.length) return { types, source: 'api' };
  } catch { /* fall back */ }
  return { types: normalizeTypes(BUILTIN_TYPES), source: 'builtin' };
}

/** Map code -> the selected code that rules it out, for every type ``selected`` blocks. */
export function blockedBy(types, selected) {
  const chosen = new Set(selected);
  const byCode = new Map(types.map((t) => [t.code, t]));
  const blocked = new Map();
  for (const code of chosen) {
    for (const other of byCode.get(code)?.excludes ?? []) {
      if (!chosen.has(other) && !blocked.has(other)) blocked.set(other, code);
    }
  }
  return blocked;
}

/** A text hint of a type's rules: "与其他业务互斥", "需填写张数", ... */
export function ruleHint(types, type) {
  const parts = [];
  const excludesAll = (t) => types.every((o) => o.code === t.code || t.excludes.has(o.code));
  if (types.length > 1 && excludesAll(type)) parts.push('与其他业务互斥');
  else {
    // The exclusive types are named on their own boxes; name only the pairwise exclusions.
    const names = types.filter((o) => type.excludes.has(o.code) && !excludesAll(o)).map((o) => o.name);
    if (names.length) parts.push(`与${names.join('、')}互斥`);
  }
  if (type.needsCount) parts.push('需填写张数');
  if (type.optionalCount) parts.push('数量选填，默认 1');
  return parts.join('；');
}

function parseCount(value) {
  if (value === undefined || value === null || value === '') return null;
  const s = String(value).trim();
  if (!/^\d+$/.test(s)) return NaN;
  return Number(s);
}

/**
 * Check one enterprise's selection, the way the API does. ``items`` is
 * [{type, count}] (count a number, a numeric string, or empty). Returns a list of
 * {code, type, message}: code is booking.business_conflict, booking.count_required or
 * validation_error (no type, unknown type, twice the same type, a count out of 1..99).
 */
export function validateBusinesses(types, items) {
  const byCode = new Map(types.map((t) => [t.code, t]));
  const problems = [];
  if (!Array.isArray(items) || items.length === 0) {
    return [{ code: 'validation_error', type: null, message: '请至少选择一项业务' }];
  }
  const seen = new Set();
  for (const item of items) {
    const t = byCode.get(item?.type);
    if (!t) { problems.push({ code: 'validation_error', type: item?.type ?? null, message: '未知的业务种类' }); continue; }
    if (seen.has(t.code)) problems.push({ code: 'validation_error', type: t.code, message: `${t.name}重复` });
    seen.add(t.code);
    const count = parseCount(item.count);
    if (count === null) {
      if (t.needsCount) problems.push({ code: 'booking.count_required', type: t.code, message: `${t.name}需要填写张数（1-99）` });
    } else if (!t.needsCount && !t.optionalCount) {
      problems.push({ code: 'validation_error', type: t.code, message: `${t.name}不需要填写张数` });
    } else if (!Number.isInteger(count) || count < MIN_COUNT || count > MAX_COUNT) {
      problems.push({ code: 'validation_error', type: t.code, message: `${t.name}的${t.needsCount ? '张数' : '数量'}须为 1-99 的整数` });
    }
  }
  // Each conflicting pair once, named in the list's (the manual's) order.
  const chosen = types.filter((t) => seen.has(t.code));
  chosen.forEach((t, i) => {
    for (const other of chosen.slice(i + 1)) {
      if (t.excludes.has(other.code)) {
        problems.push({ code: 'booking.business_conflict', type: t.code, message: `${t.name}与${other.name}不能同时预约` });
      }
    }
  });
  return problems;
}

/** The request items for a selection Map(code -> count text): counts only where a type
 *  takes one (BUY_READER defaults to 1), in the list's order. */
export function toRequestItems(types, selection) {
  const items = [];
  for (const t of types) {
    if (!selection.has(t.code)) continue;
    const count = parseCount(selection.get(t.code));
    if (t.needsCount) items.push({ type: t.code, count: count ?? undefined });
    else if (t.optionalCount) items.push({ type: t.code, count: count ?? 1 });
    else items.push({ type: t.code });
  }
  return items.map((i) => (i.count === undefined ? { type: i.type } : i));
}

/** "卡延期、解锁 ×2、购读卡器 ×1" for a line's businesses. */
export function describeBusinesses(types, businesses) {
  const byCode = new Map(types.map((t) => [t.code, t]));
  return (businesses ?? []).map((b) => {
    const name = byCode.get(b.type)?.name ?? b.type;
    return b.count != null ? `${name} ×${b.count}` : name;
  }).join('、');
}
