// 预约权限: whether the agent may book, and the counters that lead to a suspension
// (the 3rd no-show: 6 months; the 11th cancellation: 15 days). The end of a suspension is
// shown in the center's time zone; the reason in Chinese.
import { h } from './dom.js';
import { API } from './api.js';
import { formatSuspendedUntil } from './format.js';
import { SUSPENSION_REASONS, labelOf } from './labels.js';
import { cutoffText, lateText, loadCenter } from './center.js';
import { badge, loading, messageBox, pageTitle } from './ui.js';

/** @typedef {import('api-types').BookingRightsView} BookingRightsView */

export const NO_SHOW_LIMIT = 3;
export const CANCEL_LIMIT = 11;

/** @param {BookingRightsView | null | undefined} rights */
export function isSuspended(rights, now = Date.now()) {
  return Boolean(rights?.suspended_until) && Date.parse(rights.suspended_until) > now;
}

/** "您的预约权限已被暂停至 …（北京时间）" and the reason, for 预约权限 and 我的工作台. */
/** @param {BookingRightsView} rights @param {string} tz */
export function suspensionText(rights, tz) {
  return `您的预约权限已被暂停至 ${formatSuspendedUntil(rights.suspended_until, tz)}，期间不能新建预约；查询和取消不受影响。`;
}

/** @param {BookingRightsView | null | undefined} rights */
export function reasonText(rights) {
  return rights?.reason ? `原因：${labelOf(SUSPENSION_REASONS, rights.reason)}` : '';
}

export async function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  const body = h('div', {}, loading());
  root.append(pageTitle('预约权限'), msg, body);
  /** @type {BookingRightsView} */
  let r;
  let center;
  try {
    [r, center] = await Promise.all([api.get(`${API}/me/booking-rights`), loadCenter(api)]);
  } catch (err) {
    body.replaceChildren();
    msg.error(err);
    return;
  }
  const suspended = isSuspended(r);
  const noShows = Number(r.no_shows ?? 0);
  const cancels = Number(r.cancellations ?? 0);
  body.replaceChildren(
    h('section', { class: ['card', suspended ? 'rights-off' : 'rights-on'], id: 'rights-status' },
      h('h2', {}, '当前状态 ', suspended ? badge('已暂停', 'warn') : badge('正常', 'ok')),
      suspended
        ? h('p', {}, suspensionText(r, center.timezone), r.reason ? h('span', { class: 'reason' }, reasonText(r)) : null)
        : h('p', {}, '您可以正常预约。')),
    h('section', { class: 'card' },
      h('h2', {}, '计数（暂停后重新计数）'),
      h('dl', { class: 'facts counters' },
        h('dt', {}, '逾期未到'), h('dd', { id: 'no-shows' }, `${noShows} 次`,
          h('span', { class: 'hint' }, noShows < NO_SHOW_LIMIT ? `（再逾期 ${NO_SHOW_LIMIT - noShows} 次将暂停半年预约权限）` : '')),
        h('dt', {}, '取消预约'), h('dd', { id: 'cancellations' }, `${cancels} 次`,
          h('span', { class: 'hint' }, cancels < CANCEL_LIMIT ? `（再取消 ${CANCEL_LIMIT - cancels} 次将暂停 15 天预约权限）` : '')))),
    h('section', { class: 'card' },
      h('h2', {}, '规则'),
      h('ul', { class: 'rules', id: 'rights-rules' },
        h('li', {}, '预约成功后超过两次逾期不到，取消此用户号半年以内的预约权限。'),
        h('li', {}, '预约成功后累计取消预约 10 次以上，取消此用户号 15 天的预约权限（取消单家企业也计 1 次）。'),
        h('li', {}, lateText(center)),
        h('li', {}, cutoffText(center)))));
}
