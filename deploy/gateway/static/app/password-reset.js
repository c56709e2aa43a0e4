// 找回密码: the phone proven by an SMS code (purpose reset_password), then a new password.
// POST /api/v1/password-resets -> 204; every session of the account ends, so the tokens of
// this tab (if any) go too and the user signs in again with the new password.
import { h } from './dom.js';
import { API } from './api.js';
import { PHONE_RE } from './format.js';
import { field, input, markFields, messageBox, smsCodeButton } from './ui.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Client-side checks of the form: {field: message} for what is wrong ({} when fine). */
export function checkPasswordReset(v) {
  const bad = {};
  if (!PHONE_RE.test(v.phone)) bad.phone = '请填写 11 位手机号（1 开头）';
  if (!/^\d{4,8}$/.test(v.sms_code)) bad.sms_code = '请填写短信中的验证码';
  if (v.new_password.length < PASSWORD_MIN) bad.new_password = `新密码至少 ${PASSWORD_MIN} 位`;
  else if (v.new_password.length > PASSWORD_MAX) bad.new_password = `新密码最多 ${PASSWORD_MAX} 位`;
  else if (v.new_password !== v.password2) bad.password2 = '两次输入的密码不一致';
  return bad;
}

export function render(ctx) {
  const { root, api, session } = ctx;
  const msg = messageBox();
  const phone = input('phone', { type: 'tel', inputmode: 'numeric', maxlength: 11, autocomplete: 'tel', placeholder: '注册时的手机号' });
  const code = input('sms_code', { inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', placeholder: '6 位验证码' });
  const password = input('new_password', { type: 'password', autocomplete: 'new-password', maxlength: PASSWORD_MAX });
  const password2 = input('password2', { type: 'password', autocomplete: 'new-password', maxlength: PASSWORD_MAX });

  // identity answers 202 for unknown phones too (and sends nothing): say it that way.
  const send = smsCodeButton(api, phone, 'reset_password', msg, '如果该手机号已注册，验证码短信将发送到该手机，请注意查收。');

  const form = h('form', { class: 'form', id: 'reset-form', novalidate: true },
    field('手机号', phone, { required: true }),
    field('验证码', h('div', { class: 'inline' }, code, send), { required: true, target: code }),
    field('新密码', password, { required: true, hint: '至少 8 位，不要使用常见密码，不能包含用户名或手机号' }),
    field('确认新密码', password2, { required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, '重置密码'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const v = { phone: phone.value.trim(), sms_code: code.value.trim(), new_password: password.value, password2: password2.value };
    const bad = checkPasswordReset(v);
    for (const f of form.querySelectorAll('.field')) f.setError?.('');
    for (const [key, text] of Object.entries(bad)) form.querySelector(`[name="${key}"]`)?.closest('.field')?.setError(text);
    if (Object.keys(bad).length) { msg.problems('请检查标出的项目。', Object.values(bad)); return; }
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await api.post(`${API}/password-resets`, { phone: v.phone, sms_code: v.sms_code, new_password: v.new_password }, { auth: false });
    } catch (err) {
      msg.error(err);
      markFields(form, err);
      // identity names the field "password" (its rule is the registration's): it is this one.
      if (err?.code === 'user.password_weak') password.closest('.field').setError('请换一个更难猜的密码');
      submit.disabled = false;
      return;
    }
    if (session.signedIn) session.clear(); // its refresh token was just revoked
    ctx.flash('ok', '密码已重置，请使用新密码登录。该账号在其他设备上的登录已全部退出。');
    ctx.navigate('#/login');
  });

  root.append(h('div', { class: 'card card-narrow' },
    h('h1', {}, '找回密码'),
    h('p', { class: 'lead' }, '通过注册手机号接收验证码，设置新密码。'),
    msg, form,
    h('p', { class: 'alt' }, h('a', { href: '#/login' }, '返回登录'))));
  return () => send.stop();
}
