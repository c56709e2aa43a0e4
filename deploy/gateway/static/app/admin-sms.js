// 短信记录 (admin; staff may read it too): the SMS log of GET /api/v1/notifications by phone
// or booking, with delivery status and attempts. Phones are shown masked.
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { PHONE_RE, formatInstant } from './format.js';
import { SMS_KINDS, SMS_LOG_STATUS, labelOf, maskPhone } from './labels.js';
import { badge, field, input, loading, messageBox } from './ui.js';
import { consoleScreen } from './admin.js';

const KIND = { delivered: 'ok', failed: 'warn', pending: 'info', sending: 'info', retry: 'warn' };

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '短信记录');
  const tz = ac.center.timezone;
  const phone = input('phone', { type: 'tel', id: 'sms-phone', inputmode: 'numeric', maxlength: 11, placeholder: '11 位手机号', value: query.phone ?? '' });
  const booking = input('booking_id', { id: 'sms-booking', maxlength: 100, placeholder: '预约编号', value: query.booking_id ?? '' });
  const msg = messageBox();
  const list = h('div', { id: 'sms-list' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, '加载更多');
  let cursor = null;

  let loads = 0;  // only the last request's answer is drawn
  async function load(append = false) {
    const mine = ++loads;
    msg.clear();
    const p = phone.value.trim();
    if (p && !PHONE_RE.test(p)) { phone.closest('.field').setError('请填写 11 位手机号'); return; }
    phone.closest('.field').setError('');
    if (!append) clear(list, loading());
    /** @type {import('api-types').SmsLogPage} */
    let answer;
    try {
      answer = await api.get(`${API}/notifications`, { query: { phone: p, booking_id: booking.value.trim(), cursor: append ? cursor : null } });
    } catch (err) {
      if (mine !== loads) return;
      if (!append) clear(list);
      msg.error(err);
      return;
    }
    if (mine !== loads) return;
    const items = itemsOf(answer);
    cursor = answer?.next_cursor ?? null;
    more.hidden = !cursor;
    if (!append) clear(list);
    if (!items.length && !append) { list.append(h('p', { class: 'empty' }, '没有短信记录。')); return; }
    list.append(...items.map((m) => h('article', { class: 'card sms-row', dataset: { id: m.id } },
      h('div', { class: 'booking-head' },
        h('h2', {}, h('span', { class: 'mono' }, maskPhone(m.phone)), ' ', labelOf(SMS_KINDS, m.kind), m.resend ? '（重发）' : ''),
        badge(labelOf(SMS_LOG_STATUS, m.status), KIND[m.status] ?? 'muted')),
      h('dl', { class: 'facts' },
        h('dt', {}, '时间'), h('dd', {}, formatInstant(m.created_at, { withYear: true, tz })),
        h('dt', {}, '尝试'), h('dd', { class: 'sms-attempts' }, `${m.attempt_count} 次`,
          (m.attempts ?? []).length ? `（${m.attempts.map((a) => `${a.attempt}：${a.outcome ?? '进行中'}${a.status_code ? ` ${a.status_code}` : ''}`).join('；')}）` : ''),
        m.delivered_at ? [h('dt', {}, '送达'), h('dd', {}, formatInstant(m.delivered_at, { tz }))] : null,
        m.last_error ? [h('dt', {}, '错误'), h('dd', {}, m.last_error)] : null,
        m.booking_id ? [h('dt', {}, '预约'), h('dd', { class: 'mono small' }, m.booking_id)] : null),
      h('details', {}, h('summary', {}, '短信内容'), h('p', { class: 'sms-text' }, m.text)))));
  }

  const form = h('form', { class: 'form form-row filter', id: 'sms-filter', novalidate: true },
    field('手机号', phone), field('预约编号', booking),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查询')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  more.addEventListener('click', () => load(true));
  root.append(h('div', { class: 'card' }, form), msg, list, more);
  await load();
}
