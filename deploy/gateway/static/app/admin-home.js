// 管理首页: the banner about unconfirmed calendar days and the console's sections.
import { h } from './dom.js';
import { consoleScreen } from './admin.js';
import { formatFullDay } from './format.js';

const SECTIONS = [
  ['#/admin/calendar', '工作日历', '按月查看每天的来源（官方、中心调整、未确认），调整工作日并填写说明'],
  ['#/admin/years', '年度日历', '导入某一年的官方节假日和调休上班日，保存前预览变化的日期'],
  ['#/admin/capacity', '容量管理', '每天每个时间段的容量和已预约数（不能低于已预约数）'],
  ['#/admin/cutoffs', '截止与分配', '每天的截止状态，必要时填写原因重新运行截止和分配'],
  ['#/admin/stats', '日统计', '预约数、企业数（按业务种类、时间段）、取消和逾期'],
  ['#/admin/agents', '经办人管理', '按用户名或手机号查找经办人，查看计数和记录，解除暂停'],
  ['#/admin/sms', '短信记录', '短信发送状态和重试次数（手机号已脱敏）'],
];

export async function render(ctx) {
  const ac = await consoleScreen(ctx, '管理控制台');
  ctx.root.append(
    h('p', { class: 'lead' }, `${ac.code} 中心 · 今天是 ${formatFullDay(ac.today)}（${ac.center.timezone}）`),
    h('div', { class: 'shortcuts', id: 'admin-sections' }, SECTIONS.map(([href, title, note]) =>
      h('a', { href, class: 'shortcut' }, h('strong', {}, title), h('span', {}, note)))));
}
