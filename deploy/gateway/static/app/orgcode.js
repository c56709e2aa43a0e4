// Enterprise codes checked in the page the way booking checks them (GB 11714 for the 9-char
// organisation code, GB 32100 for the 18-char unified social credit code, whose characters
// 9-17 are the organisation code). Pure: the server checks again.

const ORG_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

export function orgCheckChar(first8) {
  const total = [...first8].reduce((n, c, i) => n + ORG_CHARS.indexOf(c) * ORG_WEIGHTS[i], 0);
  const check = 11 - (total % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

export function usccCheckChar(first17) {
  let total = 0;
  let weight = 1;
  for (const c of first17) { total += USCC_CHARS.indexOf(c) * weight; weight = (weight * 3) % 31; }
  return USCC_CHARS[(31 - (total % 31)) % 31];
}

function checkOrg(code) {
  if (![...code.slice(0, 8)].every((c) => ORG_CHARS.includes(c))) return 'shape';
  return orgCheckChar(code.slice(0, 8)) === code[8] ? null : 'check';
}

/**
 * {code, error}: code is the 9-char organisation code ``raw`` stands for (a 9-char code,
 * its "XXXXXXXX-X" printed form or an 18-char credit code; spaces, lower case and full-width
 * characters forgiven), error null, "empty", "shape" or "check" (a wrong check character).
 */
export function checkOrgCode(raw) {
  let code = String(raw ?? '').normalize('NFKC').trim().toUpperCase().replace(/\s+/g, '');
  if (!code) return { code: null, error: 'empty' };
  if (code.length === 10 && code[8] === '-') code = code.slice(0, 8) + code[9];
  if (code.length === 9) {
    const error = checkOrg(code);
    return { code: error ? null : code, error };
  }
  if (code.length === 18) {
    if (![...code].every((c) => USCC_CHARS.includes(c))) return { code: null, error: 'shape' };
    if (usccCheckChar(code.slice(0, 17)) !== code[17]) return { code: null, error: 'check' };
    const org = code.slice(8, 17);
    const error = checkOrg(org);
    return { code: error ? null : org, error };
  }
  return { code: null, error: 'shape' };
}

export const ORG_CODE_ERRORS = Object.freeze({
  empty: '请填写组织机构代码或统一社会信用代码',
  shape: '请填写 9 位组织机构代码或 18 位统一社会信用代码',
  check: '代码的校验位不正确，请核对后重新填写',
});

/** The enterprise name limit the server applies (booking: 1-200 characters). */
export const ENTERPRISE_NAME_MAX = 200;
