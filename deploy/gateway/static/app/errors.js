// Error codes (api.md, the services and the gateway) -> clear Chinese messages.
// Pure: no DOM. describe() turns an ApiError / problem document into what the screens show.
import { dateIn, formatInstant } from './format.js';


export const MESSAGES = Object.freeze({
  // ---- identity ----------------------------------------------------------------------
  'sms.rate_limited': '验证码发送过于频繁，请稍后再试（同一手机号每分钟 1 次、每小时 5 次、每天 10 次）。',
  'sms.code_invalid': '验证码不正确或已过期，请重新获取（连续输错 5 次后该验证码作废）。',
  'user.username_taken': '该用户名已被注册，请换一个用户名。',
  'user.phone_taken': '该手机号已注册，请直接登录（可使用验证码登录）。',
  'user.password_weak': '密码强度不足：至少 8 位，不能是常见密码、连续或重复的字符，也不能包含用户名或手机号。',
  'auth.invalid_credentials': '用户名、密码或验证码不正确。',
  'auth.locked': '登录失败次数过多，账号已暂时锁定，请稍后再试。',
  'auth.card_invalid': '持卡登录验证失败：卡号未绑定、签名与卡片不符，或挑战码已过期（2 分钟内有效，只能使用一次）。请确认后重新签名登录。',
  'card.already_bound': '该卡号已绑定过（绑定在您或其他账号上），不能重复绑定；如需更换公钥，请先在列表中解绑后重新绑定。',
  'card.not_bound': '该卡未绑定到您的账号（可能已经解绑），列表已刷新。',
  'card.proof_required': '绑定卡片需要再次验证身份：请输入登录密码（或短信验证码）。',
  'card.proof_invalid': '登录密码或验证码不正确，卡片未绑定（连续输错 5 次将暂时锁定）。',
  // ---- card binding, refused in the browser before anything is sent (card.js) ----------
  'card.public_key_format': '公钥格式不正确：请提供 PEM 格式的公钥（以 -----BEGIN PUBLIC KEY----- 开头）。',
  'card.public_key_private': '这是私钥，不是公钥：绑定只需要卡片的公钥，私钥请勿粘贴或发送给任何人。',
  'card.public_key_certificate': '这是证书，不是公钥：请从读卡器工具导出卡片的公钥（-----BEGIN PUBLIC KEY-----）。',
  'card.public_key_unsupported': '不支持该公钥的算法：仅支持 Ed25519 和 ECDSA P-256。',
  // ---- card login, refused in the browser before anything is sent (card.js) ------------
  'card.key_format': '私钥格式不正确：请提供 PKCS#8 格式的 PEM 私钥（以 -----BEGIN PRIVATE KEY----- 开头）。',
  'card.key_encrypted': '该私钥已加密，本页无法使用：请先解密为未加密的 PKCS#8 私钥，或使用读卡器签名后粘贴签名。',
  'card.key_public': '这是公钥或证书，不是私钥：登录需要用私钥签名。',
  'card.key_unsupported': '不支持该私钥的算法：仅支持 Ed25519 和 ECDSA P-256。',
  'card.webcrypto_unavailable': '当前页面无法在浏览器中签名（需通过 HTTPS 或本机地址访问）：请使用读卡器签名后粘贴签名。',
  'card.algorithm_unavailable': '当前浏览器不支持该签名算法（Ed25519 需要较新的浏览器）：请升级浏览器，或使用读卡器签名后粘贴签名。',
  'card.sign_failed': '签名失败，请检查私钥后重试。',
  'card.no_challenge': '请先获取挑战码，再用读卡器对其签名。',
  'card.signature_format': '签名格式不正确：请粘贴读卡器工具输出的 Base64 签名。',
  'auth.invalid_token': '登录状态无效，请重新登录。',
  'auth.token_expired': '登录已过期，请重新登录。',
  'auth.unauthorized': '请先登录。',
  'auth.forbidden': '您没有执行此操作的权限。',
  'auth.session_lost': '登录已失效，请重新登录。',
  // ---- enterprises -------------------------------------------------------------------
  'enterprise.code_invalid': '组织机构代码无效：请填写 9 位组织机构代码或 18 位统一社会信用代码，并核对最后的校验位。',
  'enterprise.exists': '该企业已在企业库中，可直接在下拉列表中选择。',
  'enterprise.already_added': '该企业已在您的企业列表中。',
  // ---- bookings ----------------------------------------------------------------------
  'booking.business_conflict': '业务种类冲突：预录入、新制卡须单独办理；变更企业信息不能与卡延期、解锁同时预约。',
  'booking.count_required': '所选业务需要填写张数（1-99）。',
  'booking.date_not_bookable': '该日期不可预约（非工作日、当天、已过去、尚未开放、官方日历未确认或已过截止时间），请重新选择日期。',
  'booking.period_unknown': '该时间段不存在，请重新选择时间段。',
  'booking.capacity_exhausted': '该时间段的预约名额已满，请选择其他日期或时间段。',
  'booking.duplicate_period': '同一办理人、同一手机号在同一时间段只能预约一次，您在该时间段已有预约。',
  'booking.enterprise_already_booked': '所选企业在当天已有预约，同一企业每天只能预约一次。',
  'booking.rate_limited': '新建预约过于频繁，请稍后再试。',
  'enterprise.rate_limited': '添加企业过于频繁，请稍后再试。',
  'booking.suspended': '您的预约权限已被暂停，暂时不能新建预约（查询和取消不受影响）。',
  'booking.cutoff_passed': '已过截止时间（办理日前一个工作日的截止时间），不能再取消。',
  'booking.not_active': '该预约已取消、已办理或已计为逾期，不能再执行此操作（包括重发短信）。',
  'booking.sms_resend_used': '每个预约只能重发一次短信，本预约已经重发过了。',
  'booking.late': '已超过办理时间段开始时间的迟到时限，窗口不予办理，计为逾期未到。',
  'booking.not_late_yet': '经办人尚未超过迟到时限，现在还不能标记为逾期未到。',
  'booking.wrong_day': '该预约不是今天的，不能签到。',
  'booking.not_found': '预约不存在，或不是您的预约。',
  'booking.line_not_found': '该预约中没有这家企业。',
  'capacity.below_booked': '容量不能低于该时间段已预约的企业数，请填写不小于已预约数的容量。',
  // ---- the center's side (issue 15) ----------------------------------------------------
  'center.not_found': '该制卡中心不存在。',
  'allocation.not_found': '该中心当天尚未分配（截止时间后才有窗口、时段和排队号）。',
  'calendar.year_invalid': '年份不正确（须为 2000-2100 年）。',
  'calendar.date_outside_year': '列表中有不属于该年份的日期，请检查后重新导入。',
  'calendar.date_in_both_lists': '同一日期不能既是放假日又是调休上班日，请检查后重新导入。',
  'calendar.workday_not_weekend': '调休上班日必须是周六或周日（周一至周五本来就上班），请检查后重新导入。',
  'idempotency.key_reused': '重复提交的预约内容与第一次不同，请刷新页面后重新提交。',
  // ---- shapes, limits, the gateway ---------------------------------------------------
  'validation_error': '提交的信息有误，请检查后重试。',
  'rate_limited': '操作过于频繁，请稍后再试。',
  'request.too_large': '提交的内容过大，请精简后重试。',
  'request.timeout': '请求超时，请重试。',
  'request.uri_too_long': '请求地址过长。',
  'gateway.upstream_unavailable': '服务暂时不可用，请稍后再试。',
  'gateway.error': '网关处理请求失败，请稍后再试。',
  'service.unavailable': '服务繁忙或正在重新连接，请稍后再试。',
  'internal_error': '系统内部错误，请稍后再试；如持续出现，请联系客服并提供请求编号。',
  'not_found': '请求的内容不存在。',
  'bad_request': '请求格式有误。',
  'method_not_allowed': '不支持该操作。',
  'conflict': '操作与当前状态冲突，请刷新后重试。',
  'unprocessable': '请求无法处理，请检查填写的内容。',
  'network.error': '网络连接失败，请检查网络后重试。',
  'response.invalid': '服务器返回的内容无法识别，请稍后再试。',
});

// What a status means when the code is one we do not know.
const BY_STATUS = {
  0: 'network.error', 400: 'bad_request', 401: 'auth.unauthorized', 403: 'auth.forbidden',
  404: 'not_found', 405: 'method_not_allowed', 408: 'request.timeout', 409: 'conflict',
  413: 'request.too_large', 414: 'request.uri_too_long', 422: 'unprocessable', 429: 'rate_limited',
  500: 'internal_error', 502: 'gateway.upstream_unavailable', 503: 'gateway.upstream_unavailable',
  504: 'gateway.upstream_unavailable',
};

export const FIELD_LABELS = Object.freeze({
  phone: '手机号', sms_code: '验证码', username: '用户名', password: '密码', name: '姓名',
  email: '电子邮箱', org_code: '组织机构代码', code: '组织机构代码', purpose: '验证码用途',
  contact_name: '联系人', contact_phone: '联系电话', date: '日期', period: '时间段', center: '中心',
  enterprises: '企业', businesses: '业务种类', type: '业务种类', count: '张数',
  refresh_token: '登录凭证', card_no: '卡号', new_password: '新密码', challenge_id: '挑战码', signature: '签名', public_key: '公钥', capacity: '容量', body: '提交内容',
  from: '开始日期', to: '结束日期', status: '状态',
  reason: '原因', note: '备注', working: '是否工作日', holidays: '节假日', workdays: '调休上班日', year: '年份',
});

// A hint per field that says what is expected (the server's own wording is English).
export const FIELD_HINTS = Object.freeze({
  phone: '请填写 11 位手机号（1 开头）', contact_phone: '请填写 11 位手机号（1 开头）',
  sms_code: '请填写短信中的 6 位验证码', username: '3-32 位小写字母、数字或 _ . -，以字母或数字开头',
  password: '至少 8 位，且不能过于简单', new_password: '至少 8 位，且不能过于简单',
  card_no: '1-32 位字母或数字', public_key: '请粘贴 PEM 格式的 Ed25519 或 ECDSA P-256 公钥（-----BEGIN PUBLIC KEY-----）', signature: '请粘贴 Base64 签名', name: '请填写真实姓名', contact_name: '请填写联系人姓名',
  email: '请填写正确的电子邮箱', org_code: '9 位组织机构代码或 18 位统一社会信用代码',
  code: '9 位组织机构代码或 18 位统一社会信用代码', date: '请选择可预约的日期', period: '请选择时间段',
  enterprises: '每次可预约 1-10 家企业，且同一企业只能出现一次', businesses: '每家企业至少选择一项业务，同一业务只能选一次',
  type: '请选择列表中的业务种类', count: '张数须为 1-99 的整数',
});

/** "enterprises[0].businesses[1].count" -> "第1家企业 · 第2项业务 · 张数" */
export function fieldLabel(path) {
  if (!path) return '';
  const parts = String(path).split('.').filter(Boolean);
  const out = [];
  for (const part of parts) {
    const m = /^([A-Za-z_]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m) { out.push(part); continue; }
    const [, key, index] = m;
    if (index !== undefined && key === 'enterprises') out.push(`第${Number(index) + 1}家企业`);
    else if (index !== undefined && key === 'businesses') out.push(`第${Number(index) + 1}项业务`);
    else if (index !== undefined) out.push(`${FIELD_LABELS[key] ?? key}第${Number(index) + 1}项`);
    else out.push(FIELD_LABELS[key] ?? key);
  }
  return out.join(' · ');
}

function lastKey(path) {
  const parts = String(path || '').split('.');
  return (parts[parts.length - 1] || '').replace(/\[\d+\]$/, '');
}

/** The Chinese message of one field error {field, message}. */
export function fieldMessage(err) {
  const key = lastKey(err.field);
  const hint = FIELD_HINTS[key];
  const label = fieldLabel(err.field) || '提交内容';
  if (hint) return `${label}：${hint}`;
  return err.message ? `${label}填写有误（${err.message}）` : `${label}填写有误`;
}

export function hasMessage(code) {
  return Object.prototype.hasOwnProperty.call(MESSAGES, code);
}

/** The center's date of an instant (Asia/Shanghai, not the instant's own offset or UTC):
 *  "2027-02-27T16:00:00Z" -> "2027年2月28日". */
function dateOf(value) {
  if (!value) return '';
  const s = String(value);
  const day = s.length > 10 ? dateIn(s) : s;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day ?? s);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : s;
}

/** The main message for a problem document (or an ApiError, which carries one). */
export function messageFor(problem) {
  const p = problem?.problem ?? problem ?? {};
  const code = p.code && hasMessage(p.code) ? p.code : BY_STATUS[p.status] ?? (p.status >= 500 ? 'internal_error' : null);
  let text = code ? MESSAGES[code] : '操作失败，请稍后再试。';
  if (p.code === 'booking.not_late_yet' && p.late_after) {
    text = `经办人尚未超过迟到时限：${formatInstant(p.late_after)} 之后才能标记为逾期未到。`;
  }
  if (p.code === 'booking.suspended' && p.suspended_until) {
    text = `您的预约权限已被暂停至 ${dateOf(p.suspended_until)}，在此之前不能新建预约（查询和取消不受影响）。`;
  }
  const retry = Number(p.retry_after ?? p.retryAfter);
  if ((p.code === 'rate_limited' || p.code === 'sms.rate_limited' || p.code === 'auth.locked'
       || p.code === 'booking.rate_limited' || p.code === 'enterprise.rate_limited') && retry > 0) {
    text = `${text.replace(/。$/, '')}（请 ${retry} 秒后再试）。`;
  }
  return text;
}

/**
 * What a screen shows for an error: {code, message, fields: [{field, label, message}], requestId}.
 * Works for ApiError (api.js), a bare problem document, or any thrown Error.
 */
export function describe(error) {
  const p = error?.problem ?? (error && typeof error === 'object' && ('code' in error || 'status' in error) ? error : null);
  if (!p) {
    return { code: 'internal_error', message: '页面出错了，请刷新后重试。', fields: [], requestId: null };
  }
  const fields = Array.isArray(p.errors)
    ? p.errors.filter((e) => e && typeof e === 'object').map((e) => ({
      field: String(e.field ?? ''), label: fieldLabel(e.field), message: fieldMessage(e),
    }))
    : [];
  return { code: p.code ?? null, message: messageFor(p), fields, requestId: p.requestId ?? p.request_id ?? null };
}

/** One line of text, for places without room for a list. */
export function describeText(error) {
  const d = describe(error);
  const parts = [d.message, ...d.fields.map((f) => f.message)];
  if (d.requestId) parts.push(`（请求编号：${d.requestId}）`);
  return parts.join(' ');
}
