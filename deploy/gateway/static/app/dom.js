// The only way screens build DOM: every string becomes a text node or an attribute value,
// never markup (no innerHTML anywhere), so whatever a server or a user sends shows as text.

function add(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * h('button', {class: 'btn', onclick: fn, disabled: true}, '文字', otherNode)
 * Props: class, text, dataset, on<event> (functions), properties that exist on the
 * element (value, checked, disabled, hidden...), anything else as an attribute.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (typeof value !== 'string' && key in el) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  add(el, children);
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

export function show(el, visible) {
  el.hidden = !visible;
  return el;
}
