// What the pages share: names, units and values of schemes, the controls of outputs, tables.
import { store, h, api } from './core.js';

/** The units README "Topics" fixes by field name, for schemes of other nodes. */
export const UNITS = { temperature: '°C', humidity: '%RH', pressure: 'hPa', illuminance: 'lx', voltage: 'V', current: 'A', power: 'W', cpu_temp: '°C', mem_used_pct: '%', disk_used_pct: '%', brightness: '%', angle: '°', uptime: 's' };
export const slug = (s) => s.replace(/[^a-zA-Z0-9_-]/g, '_');
export const local = (node, id) => (node === store.node ? store.local.get(id) : undefined);
export const title = (node, id) => local(node, id)?.name ?? id;
export const unitOf = (node, id, field) => local(node, id)?.fields.find((f) => f.name === field)?.unit ?? UNITS[field];

export function format(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toLocaleString('en', { maximumFractionDigits: 3 });
  if (v === null) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function stateTime(entry) {
  const ts = entry?.state && typeof entry.state === 'object' ? Date.parse(entry.state.ts) : NaN;
  return Number.isFinite(ts) ? ts : entry?.received;
}

export function page(main, heading, ...children) {
  main.append(h('h1', {}, heading), ...children);
}

/** The schemes of a node in a stable order: $info's lists, then anything else it published. */
export function schemesOf(node) {
  const info = store.nodes.get(node)?.info;
  const ids = [...(info?.inputs ?? []), ...(info?.outputs ?? [])];
  const prefix = `${node}/`;
  for (const key of store.states.keys()) if (key.startsWith(prefix) && !ids.includes(key.slice(prefix.length))) ids.push(key.slice(prefix.length));
  return ids;
}

export function nodeOrder() {
  return [...store.nodes.keys()].sort((a, b) => (a === store.node ? -1 : b === store.node ? 1 : a.localeCompare(b)));
}
// ---- values and controls ------------------------------------------------------------------

export function values(node, id) {
  const entry = store.states.get(`${node}/${id}`);
  const box = h('div', { class: 'values' });
  if (!entry) box.append(h('span', { class: 'meta' }, 'no state yet'));
  else if (typeof entry.state !== 'object') box.append(h('span', { class: 'value' }, h('b', {}, format(entry.state))));
  else {
    for (const [k, v] of Object.entries(entry.state)) {
      if (k === 'ts' || k === 'template') continue;
      const unit = typeof v === 'number' ? unitOf(node, id, k) : undefined;
      box.append(h('span', { class: 'value', 'data-field': k }, h('span', { class: 'k' }, k.replace(/_/g, ' ')), h('b', {}, format(v), unit ? ` ${unit}` : '')));
    }
  }
  return box;
}

/** The controls of one of this node's outputs; they show the published state and only send commands. */
export function controls(scheme, labelId) {
  const c = scheme.controls;
  if (!c || !scheme.enabled) return undefined;
  const key = `${store.node}/${scheme.id}`;
  const base = `c-${slug(scheme.id)}`;
  const msg = h('span', { class: 'msg', role: 'status', id: `${base}-msg` });
  const send = async (command, busy) => {
    msg.textContent = '';
    busy?.setAttribute('aria-busy', 'true');
    try {
      await api(`/api/outputs/${encodeURIComponent(scheme.id)}`, { method: 'POST', body: command });
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      busy?.removeAttribute('aria-busy');
    }
  };
  const box = h('div', { class: 'controls' });
  const sync = [];
  if (c.toggle) {
    const knob = h('span', { class: 'knob', 'aria-hidden': 'true' });
    const text = h('span', {}, 'Off');
    const btn = h('button', { type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false', 'aria-labelledby': labelId, id: `${base}-toggle`, 'data-control': 'toggle' }, knob, text);
    btn.addEventListener('click', () => send({ state: btn.getAttribute('aria-checked') === 'true' ? 'OFF' : 'ON' }, btn));
    sync.push((state) => {
      const on = state?.state === 'ON';
      btn.setAttribute('aria-checked', String(on));
      text.textContent = on ? 'On' : 'Off';
    });
    box.append(btn);
  }
  if (c.slider) {
    const { field, min, max, unit } = c.slider;
    const input = h('input', { type: 'range', id: `${base}-slider`, min, max, step: 1, value: min, 'data-control': 'slider' });
    const shown = h('output', { for: `${base}-slider` }, '—');
    let dragging = false;
    input.addEventListener('pointerdown', () => (dragging = true));
    input.addEventListener('change', () => {
      dragging = false;
      void send({ [field]: Number(input.value) }, input);
    });
    sync.push((state) => {
      const v = state?.[field];
      shown.textContent = typeof v === 'number' ? `${format(v)}${unit ? ` ${unit}` : ''}` : '—';
      if (typeof v === 'number' && !dragging) input.value = String(v);
    });
    box.append(h('div', { class: 'field' }, h('label', { for: `${base}-slider` }, `${field[0].toUpperCase()}${field.slice(1)}${unit ? ` (${unit})` : ''}`), input, shown));
  }
  if (c.for) {
    const input = h('input', { type: 'text', class: 'short', id: `${base}-for`, name: 'for', value: '5s', maxlength: 16, 'data-control': 'for', autocomplete: 'off' });
    box.append(
      h(
        'form',
        { class: 'field', onsubmit: (e) => (e.preventDefault(), void send({ state: 'ON', for: input.value.trim() }, input)) },
        h('label', { for: `${base}-for` }, 'On for'),
        input,
        h('button', { type: 'submit', class: 'secondary' }, 'Switch on'),
      ),
    );
  }
  if (c.text) {
    const input = h('input', { type: 'text', id: `${base}-text`, name: 'text', maxlength: 1024, 'data-control': 'text', autocomplete: 'off' });
    box.append(
      h(
        'form',
        { class: 'field', onsubmit: (e) => (e.preventDefault(), void send({ text: input.value }, input)) },
        h('label', { for: `${base}-text` }, 'Text'),
        input,
        h('button', { type: 'submit', class: 'secondary' }, 'Send'),
      ),
    );
  }
  box.append(msg);
  const update = () => {
    const state = store.states.get(key)?.state;
    for (const fn of sync) fn(state && typeof state === 'object' ? state : undefined);
  };
  update();
  box.update = update;
  return box;
}

export function availabilityNote(node, id) {
  return store.availability.get(`${node}/${id}`) === false ? h('span', { class: 'offline-note' }, 'offline') : undefined;
}
export function statusBadge(status) {
  return h('span', { class: `badge ${status === 'online' ? 'ok' : status === 'offline' ? 'bad' : 'unknown'}` }, status);
}
/** A table that scrolls sideways on a narrow screen; the scrolling box takes the keyboard focus. */
export function table(label, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}
