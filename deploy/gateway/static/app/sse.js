// A Server-Sent Events parser (the text/event-stream format of the HTML standard) for the
// streams read with fetch(): EventSource cannot send the agent's bearer token. Pure: no DOM,
// so Node tests feed it chunks cut anywhere, even inside a line or a UTF-8 character.

/**
 * createSseParser(onEvent) -> {push(chunk), end()}. ``chunk`` is a string or a Uint8Array;
 * onEvent({event, data, id}) runs once per dispatched event (event defaults to "message";
 * comments such as ": hb" and events without data are not dispatched, as in EventSource).
 * parser.lastEventId keeps the last id seen; parser.retry the last valid retry (ms).
 */
export function createSseParser(onEvent) {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event = '';
  let data = [];
  let sawData = false;
  let firstChunk = true;
  const parser = { lastEventId: '', retry: null, push, end };

  function line(text) {
    if (text === '') {
      if (sawData) onEvent({ event: event || 'message', data: data.join('\n'), id: parser.lastEventId });
      event = ''; data = []; sawData = false;
      return;
    }
    if (text.startsWith(':')) return;   // a comment (heartbeat)
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') { data.push(value); sawData = true; }
    else if (name === 'id' && !value.includes('\0')) parser.lastEventId = value;
    else if (name === 'retry' && /^\d+$/.test(value)) parser.retry = Number(value);
  }

  function push(chunk) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (firstChunk && text) { text = text.replace(/^\uFEFF/, ''); firstChunk = false; }
    buffer += text;
    // Lines end with \r\n, \n or \r; a \r at the very end may be the first half of \r\n.
    let m;
    const re = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    while ((m = re.exec(buffer)) !== null) {
      line(buffer.slice(start, m.index));
      start = m.index + m[0].length;
    }
    buffer = buffer.slice(start);
  }

  /** The stream closed: an event not ended by a blank line is dropped (as the standard says). */
  function end() {
    const rest = decoder.decode();
    if (rest) push(rest);
    if (buffer.endsWith('\r')) { line(buffer.slice(0, -1)); buffer = ''; }
    buffer = ''; event = ''; data = []; sawData = false;
  }

  return parser;
}
