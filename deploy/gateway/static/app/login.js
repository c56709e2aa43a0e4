// 登录: username + password, or phone + SMS code (two tabs).
import { h } from './dom.js';
import { API } from './api.js';
import { PHONE_RE } from './format.js';
import { field, input, markFields, messageBox, smsButton } from './ui.js';

function safeNext(next) {
  return typeof next === 'string' && /^#\/[A-Za-z0-9/_?=&%.-]*$/.test(next) && !next.startsWith('#/login') ? next : null;
}

export function render(ctx) {
  const { root, api, query } = ctx;
  const msg = messageBox();
  const done = () => ctx.navigate(safeNext(query.next) ?? ctx.home());

  // ---- password ----------------------------------------------------------------------
  const username = input('username', { autocomplete: 'username', required: true, autocapitalize: 'none' });
  const password = input('password', { type: 'password', autocomplete: 'current-password', required: true });
  const pwForm = h('form', { class: 'form', id: 'login-password', novalidate: true },
    field('用户名', username, { required: true }),
    field('密码', password, { required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, '登录'));
  pwForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    if (!username.value.trim() || !password.value) {
      msg.problems('请填写用户名和密码。', []);
      return;
    }
    const submit = pwForm.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await api.login({ username: username.value.trim(), password: password.value });
      done();
    } catch (err) {
      msg.error(err);
      markFields(pwForm, err);
      submit.disabled = false;
    }
  });

  // ---- SMS code ----------------------------------------------------------------------
  const phone = input('phone', { type: 'tel', inputmode: 'numeric', maxlength: 11, autocomplete: 'tel', placeholder: '11 位手机号' });
  const code = input('sms_code', { inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', placeholder: '6 位验证码' });
  const send = smsButton(async () => {
    msg.clear();
    if (!PHONE_RE.test(phone.value.trim())) {
      phone.closest('.field').setError('请填写 11 位手机号（1 开头）');
      throw null;
    }
    phone.closest('.field').setError('');
    await api.post(`${API}/sms-codes`, { phone: phone.value.trim(), purpose: 'login' }, { auth: false });
    msg.ok('验证码已发送，请查看手机短信。');
  }, { onError: (err) => { if (err) msg.error(err); } });
  const smsForm = h('form', { class: 'form', id: 'login-sms', novalidate: true, hidden: true },
    field('手机号', phone, { required: true }),
    field('验证码', h('div', { class: 'inline' }, code, send), { required: true, target: code }),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, '登录'));
  smsForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    if (!PHONE_RE.test(phone.value.trim()) || !/^\d{4,8}$/.test(code.value.trim())) {
      msg.problems('请填写手机号和短信验证码。', []);
      return;
    }
    const submit = smsForm.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await api.login({ phone: phone.value.trim(), sms_code: code.value.trim() });
      done();
    } catch (err) {
      msg.error(err);
      markFields(smsForm, err);
      submit.disabled = false;
    }
  });

  // ---- tabs --------------------------------------------------------------------------
  const tabPw = h('button', { type: 'button', role: 'tab', class: 'tab', id: 'tab-password' }, '密码登录');
  const tabSms = h('button', { type: 'button', role: 'tab', class: 'tab', id: 'tab-sms' }, '验证码登录');
  const select = (which) => {
    const pw = which === 'password';
    tabPw.setAttribute('aria-selected', String(pw));
    tabSms.setAttribute('aria-selected', String(!pw));
    pwForm.hidden = !pw;
    smsForm.hidden = pw;
    msg.clear();
    (pw ? username : phone).focus();
  };
  tabPw.addEventListener('click', () => select('password'));
  tabSms.addEventListener('click', () => select('sms'));
  tabPw.setAttribute('aria-selected', 'true');
  tabSms.setAttribute('aria-selected', 'false');

  root.append(h('div', { class: 'card card-narrow' },
    h('h1', {}, '登录'),
    h('p', { class: 'lead' }, '制卡中心预约排号系统'),
    h('div', { class: 'tabs', role: 'tablist' }, tabPw, tabSms),
    msg, pwForm, smsForm,
    h('p', { class: 'alt' }, '还没有账号？', h('a', { href: '#/register' }, '立即注册'))));
  return () => send.stop();
}
