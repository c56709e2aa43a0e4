// 注册: phone proven by an SMS code, then username, password, 姓名 (required), email and
// 组织机构代码 (optional, with the enterprise look-up drop-down of the manual). A company not
// yet in the directory is registered through the 注册 link beside the drop-down: its code
// is checked here (check characters included), and once the account exists the page adds
// it to the directory (POST /api/v1/enterprises) and to the agent's list.
import { h } from './dom.js';
import { describe } from './errors.js';
import { API } from './api.js';
import { PHONE_RE, normalizeOrgCode } from './format.js';
import { ENTERPRISE_NAME_MAX, ORG_CODE_ERRORS, checkOrgCode } from './orgcode.js';
import { loadCenter } from './center.js';
import { enterpriseLookup, field, input, markFields, messageBox, smsCodeButton } from './ui.js';

const USERNAME_RE = /^[a-z0-9][a-z0-9_.-]{2,31}$/;
const EMAIL_RE = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;

/** Client-side checks of the registration form: {field: message} for what is wrong. */
export function checkRegistration(v) {
  const bad = {};
  if (!PHONE_RE.test(v.phone)) bad.phone = '请填写 11 位手机号（1 开头）';
  if (!/^\d{4,8}$/.test(v.sms_code)) bad.sms_code = '请填写短信中的验证码';
  if (!USERNAME_RE.test(v.username.toLowerCase())) bad.username = '3-32 位字母、数字或 _ . -，以字母或数字开头';
  if (v.password.length < 8) bad.password = '密码至少 8 位';
  else if (v.password !== v.password2) bad.password2 = '两次输入的密码不一致';
  if (!v.name) bad.name = '请填写真实姓名';
  if (v.email && !EMAIL_RE.test(v.email)) bad.email = '请填写正确的电子邮箱';
  if (v.new_enterprise) {
    const { error } = checkOrgCode(v.org_code);
    if (error) bad.org_code = ORG_CODE_ERRORS[error];
    if (!v.ent_name) bad.ent_name = '请填写公司名称';
    else if (v.ent_name.length > ENTERPRISE_NAME_MAX) bad.ent_name = `公司名称最多 ${ENTERPRISE_NAME_MAX} 个字`;
  } else if (v.org_code && !normalizeOrgCode(v.org_code)) bad.org_code = '9 位组织机构代码或 18 位统一社会信用代码';
  return bad;
}

/** After the account exists: the new company into the directory (already there: fine) and
 *  into the agent's list. Returns null, or the error that stopped it. */
export async function registerEnterprise(api, code, name) {
  try {
    try {
      await api.post(`${API}/enterprises`, { code, name });
    } catch (err) {
      if (err.code !== 'enterprise.exists') throw err;
    }
    try {
      await api.post(`${API}/me/enterprises`, { code, name });
    } catch (err) {
      if (err.code !== 'enterprise.already_added') throw err;
    }
    return null;
  } catch (err) {
    return err;
  }
}

export function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  const phone = input('phone', { type: 'tel', inputmode: 'numeric', maxlength: 11, autocomplete: 'tel', placeholder: '11 位手机号' });
  const code = input('sms_code', { inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', placeholder: '6 位验证码' });
  const username = input('username', { autocomplete: 'username', autocapitalize: 'none', maxlength: 32 });
  const password = input('password', { type: 'password', autocomplete: 'new-password' });
  const password2 = input('password2', { type: 'password', autocomplete: 'new-password' });
  const name = input('name', { autocomplete: 'name', maxlength: 50 });
  const email = input('email', { type: 'email', autocomplete: 'email' });
  const orgCode = input('org_code', { maxlength: 18, autocapitalize: 'characters', placeholder: '输入代码或企业名称查找' });
  const picked = h('p', { class: 'hint picked', hidden: true });
  const entName = input('ent_name', { maxlength: ENTERPRISE_NAME_MAX, placeholder: '企业全称' });
  const newEnt = h('fieldset', { class: 'sub', id: 'new-enterprise', hidden: true },
    h('legend', {}, '企业信息注册'),
    h('p', { class: 'hint' }, '企业库中尚未维护的企业：填写公司名称，注册账号后系统将该企业加入企业库和您的企业列表。'),
    field('公司名称', entName, { required: true }),
    h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'new-enterprise-cancel' }, '不注册企业'));
  // A link, as in the manual ("点击右侧的‘注册’链接"): it opens the enterprise's fields in place.
  const entLink = h('a', { href: '#/register', class: 'link-btn', id: 'register-enterprise', 'aria-controls': 'new-enterprise' }, '注册');
  const toggleNew = (on) => {
    newEnt.hidden = !on;
    entLink.setAttribute('aria-expanded', String(on));
    if (on) { picked.hidden = true; entName.focus(); }
  };
  entLink.addEventListener('click', (e) => { e.preventDefault(); toggleNew(newEnt.hidden); });
  newEnt.querySelector('#new-enterprise-cancel').addEventListener('click', () => toggleNew(false));

  const send = smsCodeButton(api, phone, 'register', msg);

  const lookup = enterpriseLookup(api, orgCode, {
    emptyText: '企业库中尚未维护该企业：请点击右侧的“注册”链接进行企业信息注册。',
    onPick: (item) => { picked.textContent = `已选择：${item.name}`; picked.hidden = false; toggleNew(false); },
  });
  orgCode.addEventListener('input', () => { picked.hidden = true; });

  const form = h('form', { class: 'form', id: 'register-form', novalidate: true },
    h('fieldset', {}, h('legend', {}, '手机验证'),
      field('手机号', phone, { required: true }),
      field('验证码', h('div', { class: 'inline' }, code, send), { required: true, target: code })),
    h('fieldset', {}, h('legend', {}, '用户信息'),
      field('用户名', username, { required: true, hint: '3-32 位字母、数字或 _ . -' }),
      field('密码', password, { required: true, hint: '至少 8 位，不要使用常见密码' }),
      field('确认密码', password2, { required: true }),
      field('姓名', name, { required: true }),
      field('电子邮箱', email),
      h('div', { class: 'field' },
        h('label', { for: 'reg-org' }, '组织机构代码'),
        h('div', { class: 'inline lookup-row' }, lookup, entLink), picked,
        h('p', { class: 'hint' }, '选填：输入组织机构代码或企业名称（至少 2 个字），在下拉框中选择企业；没有下拉框出现时，说明企业库中尚未维护该企业，可以点击右侧的“注册”进行企业信息注册'),
        h('p', { class: 'field-error', hidden: true, id: 'reg-org-err' })),
      newEnt),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, '注册'));
  orgCode.id = 'reg-org';
  const orgField = orgCode.closest('.field');
  orgField.setError = (text) => {
    const e = orgField.querySelector('.field-error');
    e.textContent = text ?? '';
    e.hidden = !text;
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const v = {
      phone: phone.value.trim(), sms_code: code.value.trim(), username: username.value.trim(),
      password: password.value, password2: password2.value, name: name.value.trim(),
      email: email.value.trim(), org_code: orgCode.value.trim(),
      new_enterprise: !newEnt.hidden, ent_name: entName.value.trim(),
    };
    const bad = checkRegistration(v);
    for (const f of form.querySelectorAll('.field')) f.setError?.('');
    for (const [key, text] of Object.entries(bad)) form.querySelector(`[name="${key}"]`)?.closest('.field')?.setError(text);
    if (Object.keys(bad).length) { msg.problems('请检查标出的项目。', Object.values(bad)); return; }
    /** @type {import('api-types').RegistrationRequest} */
    const body = { phone: v.phone, sms_code: v.sms_code, username: v.username, password: v.password, name: v.name };
    if (v.email) body.email = v.email;
    const newCode = v.new_enterprise ? checkOrgCode(v.org_code).code : null;
    if (v.org_code && !newCode) body.org_code = normalizeOrgCode(v.org_code);
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await api.post(`${API}/users`, body, { auth: false });
    } catch (err) {
      msg.error(err);
      markFields(form, err);
      submit.disabled = false;
      return;
    }
    try {
      await api.login({ username: v.username, password: v.password });
    } catch {
      ctx.flash('ok', '注册成功，请登录。');
      ctx.navigate('#/login');
      return;
    }
    if (newCode) {
      const failed = await registerEnterprise(api, newCode, v.ent_name);
      if (failed) {
        ctx.flash('info', `注册成功，但企业“${v.ent_name}”未能加入企业库：${describe(failed).message} 请在“信息维护”中重新添加。`);
        ctx.navigate('#/enterprises');
        return;
      }
      ctx.flash('ok', `注册成功，欢迎使用。企业“${v.ent_name}”已加入企业库和您的企业列表。`);
    } else {
      ctx.flash('ok', '注册成功，欢迎使用。');
    }
    ctx.navigate('#/home');
  });

  root.append(h('div', { class: 'card card-narrow' },
    h('h1', {}, '用户注册'),
    msg, form,
    h('p', { class: 'alt' }, '已有账号？', h('a', { href: '#/login' }, '返回登录'))));
  loadCenter(api).then((c) => { if (c.enterpriseNameMax) entName.maxLength = c.enterpriseNameMax; }).catch(() => {});
  return () => send.stop();
}
