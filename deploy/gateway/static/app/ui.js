// Small widgets shared by the screens: message boxes, labelled fields, the SMS countdown
// button, the enterprise look-up drop-down, inline confirmations.
import { h, clear } from './dom.js';
import { describe } from './errors.js';
import { API, itemsOf } from './api.js';
import { PHONE_RE } from './format.js';

/** A message box (role=alert). box.error(err) shows an API error in Chinese with its field
 *  messages and request id; box.ok(text) / box.info(text); box.clear(). */
export function messageBox() {
  const el = h('div', { class: 'msg', hidden: true, role: 'alert', 'aria-live': 'polite' });
  const put = (kind, ...children) => {
    el.className = `msg msg-${kind}`;
    clear(el, ...children);
    el.hidden = false;
  };
  el.error = (err) => {
    const d = describe(err);
    put('error',
      h('p', { class: 'msg-text', dataset: { code: d.code ?? '' } }, d.message),
      d.fields.length ? h('ul', { class: 'msg-fields' }, d.fields.map((f) => h('li', {}, f.message))) : null,
      d.requestId ? h('p', { class: 'msg-rid' }, `请求编号：${d.requestId}`) : null);
    return d;
  };
  el.problems = (title, lines) => put('error', h('p', { class: 'msg-text' }, title),
    h('ul', { class: 'msg-fields' }, lines.map((line) => h('li', {}, line))));
  el.ok = (text) => put('ok', h('p', { class: 'msg-text' }, text));
  el.info = (text) => put('info', h('p', { class: 'msg-text' }, text));
  el.clear = () => { el.hidden = true; clear(el); };
  return el;
}

let fieldSeq = 0;
/** <label> + control + hint + a slot for this field's error. ``target`` is the input the
 *  label names when ``control`` is a wrapper (e.g. an input with a button beside it).
 *  @param {string} labelText
 *  @param {HTMLElement} control
 *  @param {{hint?: string, required?: boolean, wide?: boolean, target?: HTMLElement}} [options] */
export function field(labelText, control, { hint, required = false, wide = false, target = control } = {}) {
  if (!target.id) target.id = `f${++fieldSeq}`;
  const error = h('p', { class: 'field-error', hidden: true, id: `${target.id}-err` });
  target.setAttribute('aria-describedby', error.id);
  const wrap = h('div', { class: ['field', wide && 'field-wide'] },
    h('label', { for: target.id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hint ? h('p', { class: 'hint' }, hint) : null,
    error);
  wrap.setError = (text) => {
    error.textContent = text ?? '';
    error.hidden = !text;
    target.toggleAttribute('aria-invalid', Boolean(text));
  };
  return wrap;
}

export function input(name, props = {}) {
  return h('input', { name, type: 'text', autocomplete: 'off', ...props });
}

/** Show per-field messages of an API error (errors[].field) under the form's fields. */
export function markFields(form, err) {
  for (const f of form.querySelectorAll('.field')) f.setError?.('');
  const d = describe(err);
  for (const fe of d.fields) {
    const name = fe.field.split(/[.[]/)[0];
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    control?.closest('.field')?.setError?.(fe.message);
  }
}

/** A "发送验证码" button: calls send() (which throws on failure) and then counts down 60 s.
 *  @param {() => Promise<void>} send
 *  @param {{seconds?: number, onError?: (err: unknown) => void}} [options] */
export function smsButton(send, { seconds = 60, onError } = {}) {
  const btn = h('button', { type: 'button', class: 'btn btn-secondary sms-btn' }, '发送验证码');
  let timer = null;
  const tick = (left) => {
    if (left <= 0) { btn.disabled = false; btn.textContent = '重新发送'; timer = null; return; }
    btn.disabled = true;
    btn.textContent = `${left} 秒后重发`;
    timer = setTimeout(() => tick(left - 1), 1000);
  };
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await send();
      tick(seconds);
    } catch (err) {
      btn.disabled = false;
      onError?.(err);
    }
  });
  btn.stop = () => { if (timer) clearTimeout(timer); };
  return btn;
}

/**
 * The "发送验证码" button beside a phone field: checks the phone, asks identity for a code
 * for ``purpose`` (register | login | reset_password) and says ``sentText`` in ``msg``.
 */
export function smsCodeButton(api, phone, purpose, msg, sentText = '验证码已发送，请查看手机短信。') {
  return smsButton(async () => {
    msg.clear();
    const f = phone.closest('.field');
    if (!PHONE_RE.test(phone.value.trim())) { f.setError('请填写 11 位手机号（1 开头）'); throw null; }
    f.setError('');
    await api.post(`${API}/sms-codes`, { phone: phone.value.trim(), purpose }, { auth: false });
    msg.ok(sentText);
  }, { onError: (err) => { if (err) msg.error(err); } });
}

/**
 * Fills ``list`` from GET ``url``: an error goes to ``msg`` and no items to ``emptyText``;
 * returns the items when there are some (the caller draws them, naming their type), else null.
 * @param {import('./api.js').Api} api
 * @returns {Promise<any[] | null>}
 */
export async function loadList(api, url, list, msg, emptyText) {
  let items;
  try {
    items = itemsOf(await api.get(url));
  } catch (err) {
    clear(list);
    msg.error(err);
    return null;
  }
  if (!items.length) {
    clear(list, h('p', { class: 'empty' }, emptyText));
    return null;
  }
  return items;
}

/**
 * For a list that may be asked for again before its answer comes (a new search, other
 * dates): ``newest(fetch)`` shows the loading state, runs ``fetch`` and returns its answer
 * only while no later call was made; an error clears the list and goes to ``msg``. Returns
 * undefined otherwise. ``newest.supersede()`` drops the answers still on their way (a
 * request refused in the page before it is sent).
 */
export function newestAnswer(list, msg) {
  let loads = 0;
  const newest = async (fetch) => {
    const mine = ++loads;
    clear(list, loading());
    try {
      const answer = await fetch();
      return mine === loads ? answer : undefined;
    } catch (err) {
      if (mine === loads) { clear(list); msg.error(err); }
      return undefined;
    }
  };
  newest.supersede = () => { loads += 1; };
  return newest;
}

/**
 * The enterprise look-up of the manual: typing 2+ characters of a code or name in ``input``
 * lists GET /api/v1/enterprises?q= matches below it; picking one fills the code (and calls
 * onPick({org_code, name})). When nothing matches, says so.
 * @param {import('./api.js').Api} api
 * @param {HTMLInputElement} inputEl
 * @param {{onPick?: (enterprise: {org_code: string, name: string}) => void, emptyText?: string}} [options]
 */
export function enterpriseLookup(api, inputEl, { onPick, emptyText = '企业库中没有找到匹配的企业' } = {}) {
  const list = h('ul', { class: 'lookup', role: 'listbox', hidden: true });
  const wrap = h('div', { class: 'lookup-wrap' }, inputEl, list);
  inputEl.setAttribute('role', 'combobox');
  inputEl.setAttribute('aria-autocomplete', 'list');
  inputEl.setAttribute('aria-expanded', 'false');
  let seq = 0;
  let debounce = null;
  const close = () => { list.hidden = true; inputEl.setAttribute('aria-expanded', 'false'); };
  const pick = (item) => {
    inputEl.value = item.org_code;
    close();
    onPick?.(item);
  };
  const search = async () => {
    const q = inputEl.value.trim();
    const mine = ++seq;
    if (q.length < 2) { close(); return; }
    let items;
    try {
      items = itemsOf(await api.get(`${API}/enterprises`, { query: { q }, auth: false }));
    } catch {
      items = null;
    }
    if (mine !== seq) return;
    clear(list, items === null
      ? h('li', { class: 'lookup-empty' }, '企业查询暂不可用')
      : items.length === 0
        ? h('li', { class: 'lookup-empty' }, emptyText)
        : items.slice(0, 20).map((item) => h('li', { role: 'option' },
          h('button', { type: 'button', class: 'lookup-item', onclick: () => pick(item) },
            h('span', { class: 'lookup-code' }, item.org_code), h('span', { class: 'lookup-name' }, item.name)))));
    list.hidden = false;
    inputEl.setAttribute('aria-expanded', 'true');
  };
  inputEl.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(search, 250); });
  inputEl.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  const outside = (e) => {
    if (!wrap.isConnected) { document.removeEventListener('click', outside); return; }
    if (!wrap.contains(e.target)) close();
  };
  document.addEventListener('click', outside);
  return wrap;
}

/** A button that asks once more inline (no window.confirm: it works the same on phones). */
export function confirmButton(text, question, action, { cls = 'btn btn-danger btn-small' } = {}) {
  const btn = h('button', { type: 'button', class: cls }, text);
  const yes = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, '确认');
  const no = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, '返回');
  const ask = h('span', { class: 'confirm', hidden: true }, h('span', { class: 'confirm-q' }, question), yes, no);
  const wrap = h('span', { class: 'confirm-wrap' }, btn, ask);
  btn.addEventListener('click', () => { btn.hidden = true; ask.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { ask.hidden = true; btn.hidden = false; });
  yes.addEventListener('click', async () => {
    yes.disabled = true; no.disabled = true;
    try { await action(); } finally { yes.disabled = false; no.disabled = false; ask.hidden = true; btn.hidden = false; }
  });
  wrap.button = btn;
  return wrap;
}

export function badge(text, kind) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function pageTitle(text, ...extra) {
  return h('div', { class: 'page-head' }, h('h1', {}, text), ...extra);
}

export function loading(text = '正在加载…') {
  return h('p', { class: 'loading' }, text);
}
