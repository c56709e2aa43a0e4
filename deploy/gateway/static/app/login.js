// 登录: username + password, phone + SMS code, or a card (three tabs). The card tab gets a
// challenge (GET /api/v1/card-challenges), has its nonce signed, either here with a private
// key the user supplies (card.js, WebCrypto) or by a card reader's tool whose signature is
// pasted, and sends the proof to POST /api/v1/sessions/card.
import { h } from './dom.js';
import { API } from './api.js';
import { PHONE_RE, formatInstant } from './format.js';
import { CardKeyError, normalizeCardNo, normalizeSignature, signNonce } from './card.js';
import { field, input, markFields, messageBox, smsCodeButton } from './ui.js';

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
  const send = smsCodeButton(api, phone, 'login', msg);
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

  // ---- card --------------------------------------------------------------------------
  const cardNo = input('card_no', { maxlength: 40, autocapitalize: 'characters', class: 'upper', placeholder: '卡面上的卡号' });
  const keyText = h('textarea', {
    name: 'private_key', id: 'card-key', rows: 5, spellcheck: 'false', autocomplete: 'off', class: 'mono key-text',
    placeholder: '-----BEGIN PRIVATE KEY-----\n…\n-----END PRIVATE KEY-----',
  });
  const keyFile = h('input', { type: 'file', id: 'card-key-file', accept: '.pem,.key,.p8,text/plain', class: 'file' });
  keyFile.addEventListener('change', async () => {
    const file = keyFile.files?.[0];
    if (file && file.size < 16384) keyText.value = await file.text();
    keyFile.value = '';
  });
  const signature = h('textarea', { name: 'signature', id: 'card-signature', rows: 3, spellcheck: 'false', autocomplete: 'off', class: 'mono key-text', placeholder: 'Base64 签名' });
  const nonceBox = h('div', { class: 'nonce', id: 'card-nonce', hidden: true });
  let challenge = null; // {challenge_id, nonce, expires_at} for the reader mode
  const getChallenge = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'card-challenge' }, '获取挑战码');
  const modeKey = h('input', { type: 'radio', name: 'card_mode', value: 'key', checked: true, id: 'card-mode-key' });
  const modeReader = h('input', { type: 'radio', name: 'card_mode', value: 'reader', id: 'card-mode-reader' });
  const keyPart = h('div', { id: 'card-key-part' },
    field('私钥（PKCS#8 PEM，Ed25519 或 ECDSA P-256）', keyText, {
      required: true, target: keyText,
      hint: '私钥只在本浏览器中用于对挑战码签名，不会发送到服务器。也可以',
    }),
  );
  keyPart.querySelector('.hint').append(h('label', { for: 'card-key-file', class: 'file-label' }, '从文件读取'), keyFile, '。');
  const readerPart = h('div', { id: 'card-reader-part', hidden: true },
    h('p', { class: 'hint step' }, '1. 获取挑战码（2 分钟内有效，只能使用一次），用读卡器工具对其签名：'),
    h('div', { class: 'actions' }, getChallenge), nonceBox,
    field('2. 粘贴签名', signature, { required: true, target: signature }));
  const cardForm = h('form', { class: 'form', id: 'login-card', novalidate: true, hidden: true },
    field('卡号', cardNo, { required: true }),
    h('fieldset', { class: 'choice' }, h('legend', {}, '签名方式'),
      h('label', { class: 'radio' }, modeKey, '用私钥在本页签名'),
      h('label', { class: 'radio' }, modeReader, '读卡器签名后粘贴')),
    keyPart, readerPart,
    h('p', { class: 'hint card-note' }, '卡片须已绑定到您的账号（用密码或验证码登录后，在“我的卡片”中绑定）。电子口岸卡的私钥保存在卡内，请用读卡器工具签名；“用私钥在本页签名”适用于测试卡和软证书。'),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, '持卡登录'));
  const mode = () => (modeReader.checked ? 'reader' : 'key');
  const showMode = () => { keyPart.hidden = mode() !== 'key'; readerPart.hidden = mode() !== 'reader'; msg.clear(); };
  modeKey.addEventListener('change', showMode);
  modeReader.addEventListener('change', showMode);
  const cardNoOk = () => {
    const no = normalizeCardNo(cardNo.value);
    cardNo.closest('.field').setError(no ? '' : '请填写卡号（1-32 位字母或数字）');
    return no;
  };
  const forgetChallenge = () => { challenge = null; nonceBox.hidden = true; nonceBox.replaceChildren(); };
  cardNo.addEventListener('input', forgetChallenge);
  const fetchChallenge = (no) => api.get(`${API}/card-challenges`, { query: { card_no: no }, auth: false });
  getChallenge.addEventListener('click', async () => {
    msg.clear();
    const no = cardNoOk();
    if (!no) return;
    getChallenge.disabled = true;
    try {
      challenge = { ...(await fetchChallenge(no)), card_no: no };
      nonceBox.replaceChildren(h('span', { class: 'ticket-label' }, '挑战码'),
        h('code', { class: 'mono nonce-text' }, challenge.nonce),
        h('span', { class: 'hint' }, `有效期至 ${formatInstant(challenge.expires_at)}；请对其 ASCII 字节签名`));
      nonceBox.hidden = false;
    } catch (err) {
      msg.error(err);
    } finally {
      getChallenge.disabled = false;
    }
  });
  cardForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    for (const f of cardForm.querySelectorAll('.field')) f.setError?.('');
    const no = cardNoOk();
    if (!no) { msg.problems('请检查标出的项目。', ['卡号为 1-32 位字母或数字']); return; }
    const submit = cardForm.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      let proof;
      if (mode() === 'key') {
        if (!keyText.value.trim()) throw new CardKeyError('card.key_format', 'empty');
        const c = await fetchChallenge(no);
        const signed = await signNonce(keyText.value, c.nonce);
        proof = { card_no: no, challenge_id: c.challenge_id, signature: signed.signature };
      } else {
        if (!challenge || challenge.card_no !== no) throw new CardKeyError('card.no_challenge');
        const sig = normalizeSignature(signature.value);
        if (!sig) throw new CardKeyError('card.signature_format');
        proof = { card_no: no, challenge_id: challenge.challenge_id, signature: sig };
      }
      await api.cardLogin(proof);
      keyText.value = '';
      done();
    } catch (err) {
      msg.error(err);
      if (err?.code === 'auth.card_invalid') forgetChallenge(); // a challenge is used up by any try
      const at = { 'card.key_format': keyText, 'card.key_encrypted': keyText, 'card.key_public': keyText,
        'card.key_unsupported': keyText, 'card.signature_format': signature }[err?.code];
      at?.closest('.field')?.setError('请检查此项');
      markFields(cardForm, err);
      submit.disabled = false;
    }
  });

  // ---- tabs --------------------------------------------------------------------------
  const tabs = [
    { id: 'tab-password', text: '密码登录', form: pwForm, first: username },
    { id: 'tab-sms', text: '验证码登录', form: smsForm, first: phone },
    { id: 'tab-card', text: '持卡登录', form: cardForm, first: cardNo },
  ].map((t) => ({ ...t, el: h('button', { type: 'button', role: 'tab', class: 'tab', id: t.id, 'aria-controls': t.form.id }, t.text) }));
  const select = (chosen, focus = true) => {
    for (const t of tabs) {
      t.el.setAttribute('aria-selected', String(t === chosen));
      t.form.hidden = t !== chosen;
    }
    msg.clear();
    if (focus) chosen.first.focus();
  };
  for (const t of tabs) t.el.addEventListener('click', () => select(t));
  select(tabs.find((t) => t.id === `tab-${query.tab}`) ?? tabs[0], false);

  root.append(h('div', { class: 'card card-narrow' },
    h('h1', {}, '登录'),
    h('p', { class: 'lead' }, '制卡中心预约排号系统'),
    h('div', { class: 'tabs', role: 'tablist' }, tabs.map((t) => t.el)),
    msg, pwForm, smsForm, cardForm,
    h('p', { class: 'alt' }, h('a', { href: '#/password-reset', id: 'forgot' }, '忘记密码？'), h('span', { class: 'sep' }, '|'),
      '还没有账号？', h('a', { href: '#/register' }, '立即注册'))));
  return () => send.stop();
}
