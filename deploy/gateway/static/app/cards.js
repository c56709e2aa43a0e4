// 我的卡片: the cards bound to the signed-in user (GET /api/v1/me/cards), binding one with
// its card number and PUBLIC key PEM (POST /api/v1/me/cards), unbinding (DELETE
// /api/v1/me/cards/{card_no}). A bound card is what 持卡登录 (login.js) signs in with.
// The key is checked here first (card.js readPublicKey): a private key pasted by mistake
// is refused and never sent. Binding needs the account's password again (a fresh proof:
// a stolen session alone must not bind a card); identity then tells the account's phone.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { formatInstant } from './format.js';
import { formatFingerprint, normalizeCardNo, readPublicKey } from './card.js';
import { confirmButton, field, input, loadList, loading, markFields, messageBox, pageTitle } from './ui.js';

const ALGORITHM_NAMES = { Ed25519: 'Ed25519', 'ECDSA-P256': 'ECDSA P-256' };

export async function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  const cardNo = input('card_no', { maxlength: 40, autocapitalize: 'characters', class: 'upper', placeholder: '卡面上的卡号' });
  const keyText = h('textarea', {
    name: 'public_key', id: 'bind-key', rows: 5, spellcheck: 'false', autocomplete: 'off', class: 'mono key-text',
    placeholder: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----',
  });
  const keyFile = h('input', { type: 'file', id: 'bind-key-file', accept: '.pem,.pub,.key,text/plain', class: 'file' });
  keyFile.addEventListener('change', async () => {
    const file = keyFile.files?.[0];
    if (file && file.size < 16384) keyText.value = await file.text();
    keyFile.value = '';
  });
  const keyField = field('卡片公钥（PEM，Ed25519 或 ECDSA P-256）', keyText, {
    required: true, target: keyText,
    hint: '用读卡器工具导出卡片的公钥后粘贴，或',
  });
  keyField.querySelector('.hint').append(h('label', { for: 'bind-key-file', class: 'file-label' }, '从文件读取'), keyFile,
    '。只需要公钥，请勿粘贴私钥。');
  const password = input('password', { type: 'password', autocomplete: 'current-password', maxlength: 1024 });
  const form = h('form', { class: 'form', id: 'card-bind-form', novalidate: true },
    field('卡号', cardNo, { required: true, hint: '1-32 位字母或数字，不区分大小写' }),
    keyField,
    field('登录密码', password, { required: true, hint: '为确认是您本人操作，绑定卡片需再次输入登录密码；绑定后将短信通知您的手机。' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '绑定卡片')));
  const list = h('div', { class: 'list', id: 'card-list' }, loading());

  async function reload() {
    /** @type {import('api-types').CardView[] | null} */
    const items = await loadList(api, `${API}/me/cards`, list, msg, '您还没有绑定卡片。绑定后即可在登录页使用“持卡登录”。');
    if (!items) return;
    clear(list, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', {}, '卡号'), h('th', {}, '算法'), h('th', {}, '公钥指纹（SHA-256）'),
        h('th', {}, '绑定时间'), h('th', {}, '操作'))),
      h('tbody', {}, items.map((item) => h('tr', { dataset: { card: item.card_no } },
        h('td', { class: 'mono', 'data-label': '卡号' }, item.card_no),
        h('td', { 'data-label': '算法' }, ALGORITHM_NAMES[item.algorithm] ?? item.algorithm ?? ''),
        h('td', { class: 'mono fingerprint', 'data-label': '公钥指纹', title: item.fingerprint ?? '' },
          h('span', { class: 'fp' }, formatFingerprint(item.fingerprint).slice(0, 39))),
        h('td', { 'data-label': '绑定时间' }, formatInstant(item.bound_at, { withYear: true })),
        h('td', { class: 'row-actions' }, confirmButton('解绑', '确认解绑该卡？', async () => {
          msg.clear();
          try {
            await api.del(`${API}/me/cards/${encodeURIComponent(item.card_no)}`);
            msg.ok(`已解绑卡片：${item.card_no}`);
          } catch (err) {
            // 404: not (or no longer) bound to this user; the list is refreshed either way.
            msg.error(err?.status === 404 ? { ...err.problem, code: 'card.not_bound' } : err);
          }
          await reload();
        })))))),
      h('p', { class: 'hint' }, `共 ${items.length} 张卡片。指纹为公钥的 SHA-256 摘要（显示前 16 字节），可与读卡器工具显示的核对。`));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    for (const f of form.querySelectorAll('.field')) f.setError?.('');
    const no = normalizeCardNo(cardNo.value);
    const bad = [];
    if (!no) { cardNo.closest('.field').setError('请填写 1-32 位字母或数字'); bad.push('卡号格式不正确'); }
    let key = null;
    if (!keyText.value.trim()) {
      keyField.setError('请粘贴卡片的公钥');
      bad.push('卡片公钥为必填');
    } else {
      try {
        key = readPublicKey(keyText.value);
      } catch (err) {
        if (!bad.length) { msg.error(err); keyField.setError('请检查公钥'); return; }
        keyField.setError('请检查公钥');
        bad.push('公钥格式不正确');
      }
    }
    if (!password.value) { password.closest('.field').setError('请输入登录密码'); bad.push('登录密码为必填'); }
    if (bad.length) { msg.problems('请检查标出的项目。', bad); return; }
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      /** @type {import('api-types').CardView} */
      const bound = await api.post(`${API}/me/cards`,
        /** @satisfies {import('api-types').BindCardRequest} */ ({ card_no: no, public_key: key.pem, password: password.value }));
      msg.ok(`已绑定卡片：${bound?.card_no ?? no}（${ALGORITHM_NAMES[bound?.algorithm ?? key.algorithm] ?? key.algorithm}）。现在可以在登录页使用“持卡登录”。`);
      cardNo.value = '';
      keyText.value = '';
      password.value = '';
      await reload();
    } catch (err) {
      msg.error(err);
      markFields(form, err);
      if (err?.code === 'card.proof_invalid') password.closest('.field').setError('密码不正确');
    } finally {
      submit.disabled = false;
    }
  });

  root.append(pageTitle('我的卡片'),
    h('div', { class: 'card' }, h('h2', {}, '绑定卡片'), form),
    msg,
    h('div', { class: 'card' }, h('h2', {}, '已绑定的卡片'), list));
  await reload();
}
