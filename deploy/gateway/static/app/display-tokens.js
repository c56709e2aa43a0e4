// 大屏令牌 on the desk page: a staff member creates a token for a hall screen and gets its
// link once (/display.html#token=..., the fragment never reaches a server or its log);
// the list shows the tokens (without their secret) and revokes one.
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { formatInstant } from './format.js';
import { confirmButton, messageBox } from './ui.js';

/** The link a hall screen opens for ``token`` on ``origin``. */
export function displayLink(origin, token) {
  return `${origin}/display.html#token=${encodeURIComponent(token)}`;
}

export function displayTokens(ctx) {
  const { api } = ctx;
  const msg = messageBox();
  const name = h('input', { type: 'text', id: 'display-name', name: 'name', maxlength: '50', required: true, placeholder: '如：一楼大厅' });
  const shown = h('div', { class: 'display-link', id: 'display-link', hidden: true });
  const list = h('ul', { class: 'token-list', id: 'display-tokens' });
  const form = h('form', { class: 'form form-row', id: 'display-form' },
    h('div', { class: 'field' }, h('label', { for: 'display-name' }, '大屏名称'), name),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, '创建大屏令牌')));

  async function refresh() {
    try {
      const items = itemsOf(await api.get(`${API}/display-tokens`));
      clear(list, items.length ? items.map((t) => h('li', { dataset: { id: t.id } },
        h('span', {}, t.name), h('span', { class: 'hint' }, ` 创建于 ${formatInstant(t.created_at)}，有效至 ${formatInstant(t.expires_at)} `),
        confirmButton('撤销', '撤销后该大屏将断开，确认？', async () => {
          msg.clear();
          try { await api.del(`${API}/display-tokens/${encodeURIComponent(t.id)}`); msg.ok(`已撤销：${t.name}`); } catch (err) { msg.error(err); }
          await refresh();
        }))) : h('li', { class: 'hint' }, '还没有大屏令牌。'));
    } catch (err) {
      clear(list);
      msg.error(err);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const t = await api.post(`${API}/display-tokens`, { name: name.value.trim() });
      const link = displayLink(location.origin, t.token);
      const input = h('input', { type: 'text', readOnly: true, value: link, id: 'display-url', 'aria-label': '大屏链接', class: 'mono' });
      clear(shown,
        h('p', {}, `大屏“${t.name}”的链接（只显示这一次，请立即在大屏电脑上打开或妥善保存）：`),
        input,
        h('p', { class: 'actions' }, h('a', { href: link, target: '_blank', rel: 'noopener', class: 'btn btn-small btn-primary' }, '打开大屏'),
          h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => { shown.hidden = true; clear(shown); } }, '我已保存，隐藏链接')));
      shown.hidden = false;
      input.addEventListener('focus', () => input.select());
      name.value = '';
      await refresh();
    } catch (err) {
      msg.error(err);
    } finally {
      button.disabled = false;
    }
  });

  const el = h('section', { class: 'card', id: 'display-admin' },
    h('h2', {}, '大厅叫号大屏'),
    h('p', { class: 'hint' }, '为大厅的显示屏创建令牌，在大屏电脑的浏览器中打开链接（全屏显示）。大屏只显示号码和窗口，不显示姓名和电话。'),
    form, shown, msg, list);
  el.ready = refresh();
  return el;
}
