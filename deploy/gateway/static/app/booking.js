// 预约详情: one booking with every enterprise line, its business types and status, the
// allocation and the SMS status; cancel one line or the whole booking; resend the SMS; on
// its day, 当前叫号 and how many are ahead, live (live-place.js).
import { h, clear } from './dom.js';
import { API } from './api.js';
import { describeBusinesses } from './business-types.js';
import { LINE_STATUS, formatFullDay, formatInstant, label, periodName } from './format.js';
import { badge, confirmButton, loading, messageBox } from './ui.js';
import { lateText, loadCenter } from './center.js';
import { allocationText, bookingActions, canCancel, smsBadge, statusBadge } from './bookings.js';
import { livePlace } from './live-place.js';

/** @typedef {import('api-types').BookingView} BookingView */

export async function render(ctx) {
  const { root, api, params } = ctx;
  const msg = messageBox();
  const body = h('div', { class: 'booking-detail' }, loading());
  root.append(h('div', { class: 'page-head' }, h('h1', {}, '预约详情'),
    h('a', { href: '#/bookings', class: 'btn btn-secondary btn-small' }, '返回预约查询')), msg, body);
  const id = encodeURIComponent(params.id);
  let types;
  /** @type {BookingView} */
  let booking;
  let center;
  try {
    [types, booking, center] = await Promise.all([ctx.businessTypes(), api.get(`${API}/bookings/${id}`), loadCenter(api)]);
  } catch (err) {
    clear(body);
    msg.error(err);
    return;
  }

  /** @param {BookingView} b */
  const draw = (b) => {
    const a = b.allocation;
    clear(body,
      h('section', { class: 'card' },
        h('header', { class: 'booking-head' }, h('h2', {}, `${formatFullDay(b.date)} ${periodName(b.period)}`), statusBadge(b.status)),
        h('dl', { class: 'facts' },
          h('dt', {}, '联系人'), h('dd', {}, b.contact_name),
          h('dt', {}, '联系电话'), h('dd', {}, b.contact_phone),
          h('dt', {}, '提交时间'), h('dd', {}, formatInstant(b.created_at, { withYear: true })),
          h('dt', {}, '预约编号'), h('dd', { class: 'mono small' }, b.id),
          h('dt', {}, '短信'), h('dd', {}, smsBadge(b.sms))),
        bookingActions(ctx, b, msg, (fresh) => draw(fresh))),
      h('section', { class: ['card', 'allocation', a && 'allocation-set'], id: 'allocation' },
        h('h2', {}, '办理安排'),
        a ? h('div', { class: 'ticket' },
          h('div', { class: 'ticket-no' }, h('span', { class: 'ticket-label' }, '排队号'), h('strong', {}, a.queue_number)),
          h('div', {}, h('span', { class: 'ticket-label' }, '窗口'), h('strong', {}, String(a.desk))),
          h('div', {}, h('span', { class: 'ticket-label' }, '办理时间'), h('strong', {}, `${a.start}-${a.end}`)))
          : h('p', {}, allocationText(b, center)),
        a ? h('p', { class: 'hint' }, `请在办理时间段内持制卡资料到窗口办理。${lateText(center)}`) : null),
      h('section', { class: 'card' },
        h('h2', {}, `企业（${(b.enterprises ?? []).length} 家）`),
        h('table', { class: 'table', id: 'lines' },
          h('thead', {}, h('tr', {}, h('th', {}, '企业'), h('th', {}, '组织机构代码'), h('th', {}, '业务种类'), h('th', {}, '状态'), h('th', {}, '操作'))),
          h('tbody', {}, (b.enterprises ?? []).map((line) => h('tr', { dataset: { code: line.org_code } },
            h('td', { 'data-label': '企业' }, line.name),
            h('td', { class: 'mono', 'data-label': '组织机构代码' }, line.org_code),
            h('td', { 'data-label': '业务种类' }, describeBusinesses(types, line.businesses)),
            h('td', { 'data-label': '状态' }, badge(label(LINE_STATUS, line.status), line.status === 'active' ? 'ok' : 'muted')),
            h('td', { class: 'row-actions' }, canCancel(b) && line.status === 'active'
              ? confirmButton('取消该企业', '确认取消该企业的预约？', async () => {
                msg.clear();
                try {
                  /** @type {BookingView} */
                  const fresh = await api.post(`${API}/bookings/${id}/enterprises/${encodeURIComponent(line.org_code)}/cancel`);
                  msg.ok(`已取消：${line.name}${fresh.status === 'cancelled' ? '（这是最后一家企业，整个预约已取消）' : ''}`);
                  draw(fresh);
                } catch (err) {
                  msg.error(err);
                }
              }) : null)))))));
  };
  draw(booking);
  const live = livePlace(ctx, booking, { timezone: center.timezone });
  if (live) { live.id = 'live-place'; body.before(live); }
  return () => live?.stop();
}
