// The pages. Each is a function (main, params) that draws into main and returns {destroy()}.
import { store, h, api, onChange, ago } from './app.js';

/** The units README "Topics" fixes by field name, for schemes of other nodes. */
const UNITS = { temperature: '°C', humidity: '%RH', pressure: 'hPa', illuminance: 'lx', voltage: 'V', current: 'A', power: 'W', cpu_temp: '°C', mem_used_pct: '%', disk_used_pct: '%', brightness: '%', angle: '°', uptime: 's' };
const RANGES = [
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
];

const slug = (s) => s.replace(/[^a-zA-Z0-9_-]/g, '_');
const local = (node, id) => (node === store.node ? store.local.get(id) : undefined);
const title = (node, id) => local(node, id)?.name ?? id;
const unitOf = (node, id, field) => local(node, id)?.fields.find((f) => f.name === field)?.unit ?? UNITS[field];

function format(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toLocaleString('en', { maximumFractionDigits: 3 });
  if (v === null) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function stateTime(entry) {
  const ts = entry?.state && typeof entry.state === 'object' ? Date.parse(entry.state.ts) : NaN;
  return Number.isFinite(ts) ? ts : entry?.received;
}

function page(main, heading, ...children) {
  main.append(h('h1', {}, heading), ...children);
}

/** The schemes of a node in a stable order: $info's lists, then anything else it published. */
function schemesOf(node) {
  const info = store.nodes.get(node)?.info;
  const ids = [...(info?.inputs ?? []), ...(info?.outputs ?? [])];
  const prefix = `${node}/`;
  for (const key of store.states.keys()) if (key.startsWith(prefix) && !ids.includes(key.slice(prefix.length))) ids.push(key.slice(prefix.length));
  return ids;
}

function nodeOrder() {
  return [...store.nodes.keys()].sort((a, b) => (a === store.node ? -1 : b === store.node ? 1 : a.localeCompare(b)));
}

// ---- values and controls ------------------------------------------------------------------

function values(node, id) {
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
function controls(scheme, labelId) {
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
        h('label', { for: `${base}-text` }, 'Text to show'),
        input,
        h('button', { type: 'submit', class: 'secondary' }, 'Show'),
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

function availabilityNote(node, id) {
  return store.availability.get(`${node}/${id}`) === false ? h('span', { class: 'offline-note' }, 'offline') : undefined;
}

function schemeItem(node, id) {
  const labelId = `n-${slug(node)}-${slug(id)}`;
  const entry = store.states.get(`${node}/${id}`);
  const scheme = local(node, id);
  const when = stateTime(entry);
  const li = h(
    'li',
    { 'data-scheme': `${node}/${id}`, class: store.availability.get(`${node}/${id}`) === false ? 'offline' : undefined },
    h(
      'div',
      { class: 'scheme-head' },
      h('a', { href: `#/scheme/${encodeURIComponent(node)}/${encodeURIComponent(id)}`, id: labelId }, title(node, id)),
      h('span', { class: 'meta' }, availabilityNote(node, id), ' ', when ? h('span', { 'data-since': when }, ago(when)) : ''),
    ),
    values(node, id),
  );
  const ctl = scheme && controls(scheme, labelId);
  if (ctl) li.append(ctl);
  return li;
}

function statusBadge(status) {
  return h('span', { class: `badge ${status === 'online' ? 'ok' : status === 'offline' ? 'bad' : 'unknown'}` }, status);
}

// ---- Home ---------------------------------------------------------------------------------

function home(main) {
  const draw = () => {
    main.replaceChildren();
    const nodes = nodeOrder();
    const cards = nodes.map((node) => {
      const n = store.nodes.get(node);
      const info = n.info && typeof n.info === 'object' ? n.info : {};
      const ids = schemesOf(node);
      return h(
        'section',
        { class: `card${n.status === 'offline' ? ' offline' : ''}`, 'aria-labelledby': `node-${slug(node)}`, 'data-node': node },
        h('header', {}, h('h2', { id: `node-${slug(node)}` }, node, node === store.node ? ' (this node)' : ''), statusBadge(n.status)),
        h('div', { class: 'meta' }, [info.version && `hanode ${info.version}`, info.hardware, info.started && `up since ${new Date(info.started).toLocaleString()}`].filter(Boolean).join(' · ')),
        ids.length ? h('ul', { class: 'schemes' }, ids.map((id) => schemeItem(node, id))) : h('p', { class: 'meta' }, 'no schemes'),
      );
    });
    page(main, 'Home', nodes.length ? h('div', { class: 'nodes' }, cards) : h('p', {}, 'No node seen yet.'));
  };
  draw();
  const stop = onChange((e) => {
    if (e.type === 'state' || e.type === 'availability') {
      const li = main.querySelector(`li[data-scheme="${CSS.escape(`${e.node}/${e.id}`)}"]`);
      if (li) {
        const ctl = li.querySelector('.controls');
        // Replace the values and age, keep the controls (and the focus in them); they follow the state.
        const fresh = schemeItem(e.node, e.id);
        li.className = fresh.className;
        li.querySelector('.scheme-head').replaceWith(fresh.querySelector('.scheme-head'));
        li.querySelector('.values').replaceWith(fresh.querySelector('.values'));
        if (ctl) ctl.update();
        return;
      }
    }
    if (e.type !== 'log' && e.type !== 'bridge' && e.type !== 'gateway') draw();
  });
  return { destroy: stop };
}

// ---- A scheme -----------------------------------------------------------------------------

function scheme(main, [node, id]) {
  if (!node || !id) return home(main);
  const key = `${node}/${id}`;
  const labelId = `s-${slug(id)}`;
  let range = RANGES[0];
  let charts = [];
  let series = new Map();
  let loadToken = 0;
  const head = h('div', {});
  const chartsBox = h('div', {});
  const fieldset = h(
    'fieldset',
    {},
    h('legend', {}, 'Range'),
    RANGES.map((r) =>
      h('label', {}, h('input', { type: 'radio', name: 'range', value: r.id, checked: r === range, onchange: () => ((range = r), void load()) }), ` ${r.label}`),
    ),
  );
  const drawHead = () => {
    const entry = store.states.get(key);
    const when = stateTime(entry);
    const s = local(node, id);
    head.replaceChildren(
      h('p', { class: 'meta' }, `${node}${s ? ` · ${s.driver} ${s.direction}` : ''} · `, availabilityNote(node, id) ?? '', when ? h('span', { 'data-since': when }, ago(when)) : 'no state yet'),
      values(node, id),
    );
  };
  const heading = h('h1', { id: labelId }, title(node, id));
  const ctlBox = h('div', {});
  let ctl;
  // This node's scheme descriptions may come after the page is drawn: the name and controls then.
  const drawTop = () => {
    heading.textContent = title(node, id);
    const s = local(node, id);
    if (!ctl && s && (ctl = controls(s, labelId))) ctlBox.append(ctl);
  };
  main.append(heading, head, ctlBox, h('h2', {}, 'History'), fieldset, chartsBox);
  drawTop();
  drawHead();

  const numericFields = () => {
    const s = local(node, id);
    const fromDriver = s?.fields.filter((f) => f.type === 'number' || f.type === 'integer').map((f) => f.name) ?? [];
    const state = store.states.get(key)?.state;
    const fromState = state && typeof state === 'object' ? Object.keys(state).filter((k) => typeof state[k] === 'number') : [];
    return [...new Set([...fromDriver, ...fromState])];
  };

  // The fields charted: known once the snapshot or this node's scheme descriptions are in.
  let charted = '';
  async function load() {
    const mine = ++loadToken;
    charted = numericFields().join();
    for (const c of charts) c.destroy();
    charts = [];
    chartsBox.replaceChildren(h('p', { class: 'meta' }, 'Loading history…'));
    const from = new Date(Date.now() - range.ms).toISOString();
    const records = [];
    try {
      // Pages of the API's largest limit, oldest first, up to 100,000 points.
      let after = from;
      for (let i = 0; i < 10; i++) {
        const q = new URLSearchParams({ topic: `${store.base}/${node}/${id}`, from: after, order: 'asc', limit: '10000' });
        const page = (await api(`/api/records?${q}`)).records;
        records.push(...page.filter((r) => !records.length || r.id > records[records.length - 1].id));
        if (page.length < 10000) break;
        after = page[page.length - 1].ts;
      }
    } catch (err) {
      if (mine === loadToken) chartsBox.replaceChildren(h('p', {}, `No history: ${err.message}`));
      return;
    }
    if (mine !== loadToken) return;
    const fields = numericFields();
    series = new Map(fields.map((f) => [f, [[], []]]));
    for (const r of records) add(r.payload, Date.parse(r.ts));
    chartsBox.replaceChildren();
    if (!fields.length) return chartsBox.append(h('p', {}, 'This scheme has no numeric field to chart.'));
    for (const f of fields) {
      const box = h('div', { class: 'chart', 'data-chart': f, role: 'img', 'aria-label': `${f} over the last ${range.label}: ${series.get(f)[0].length} points` });
      const none = series.get(f)[0].length ? '' : h('p', { class: 'meta' }, `No ${f.replace(/_/g, ' ')} recorded in the last ${range.label} yet.`);
      chartsBox.append(h('h3', {}, f.replace(/_/g, ' ')), none, box);
      const { lineChart } = await import('./chart.js');
      if (mine !== loadToken) return;
      const chart = await lineChart(box, { label: f, unit: unitOf(node, id, f), points: series.get(f), span: () => [Date.now() / 1000 - range.ms / 1000, Date.now() / 1000] });
      chart.field = f;
      chart.box = box;
      charts.push(chart);
    }
  }

  function add(payload, received) {
    if (!payload || typeof payload !== 'object') return;
    const t = (Number.isFinite(Date.parse(payload.ts)) ? Date.parse(payload.ts) : received) / 1000;
    for (const [f, [xs, ys]] of series) {
      if (typeof payload[f] !== 'number') continue;
      if (xs.length && t < xs[xs.length - 1]) continue;
      xs.push(t);
      ys.push(payload[f]);
    }
  }

  void load();
  const stop = onChange((e) => {
    if (e.type === 'snapshot' || e.type === 'local' || (e.node === node && e.id === id)) drawHead();
    if (e.type === 'local' || e.type === 'snapshot') drawTop();
    const mine = e.type === 'state' && e.node === node && e.id === id;
    if ((e.type === 'local' || e.type === 'snapshot' || mine) && ctl) ctl.update();
    if ((e.type === 'local' || e.type === 'snapshot' || mine) && numericFields().join() !== charted) return void load();
    if (mine) {
      add(e.state, Date.now());
      const start = Date.now() / 1000 - range.ms / 1000;
      for (const c of charts) {
        const [xs, ys] = series.get(c.field);
        while (xs.length && xs[0] < start) (xs.shift(), ys.shift());
        c.set([xs, ys]);
        c.box.setAttribute('aria-label', `${c.field} over the last ${range.label}: ${xs.length} points`);
      }
    }
  });
  return {
    destroy() {
      stop();
      loadToken++;
      for (const c of charts) c.destroy();
    },
  };
}

// ---- Hardware -----------------------------------------------------------------------------

/** A table that scrolls sideways on a narrow screen; the scrolling box takes the keyboard focus. */
function table(label, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

function scanCard(node, scan) {
  const parts = [h('h2', { id: `hw-${slug(node)}` }, node, node === store.node ? ' (this node)' : '')];
  if (!scan || scan.error) {
    parts.push(h('p', {}, scan?.error ? `The scan failed: ${scan.error}` : 'No scan in its $info.'));
    return h('section', { class: 'card', 'aria-labelledby': `hw-${slug(node)}` }, parts);
  }
  parts.push(h('p', { class: 'meta' }, `${scan.hardware} hardware`));
  parts.push(h('h3', {}, 'GPIO chips'), scan.gpiochips.length ? table(`${node}: GPIO chips`, ['chip', 'label', 'base', 'lines'], scan.gpiochips.map((c) => [c.name, c.label, String(c.base), String(c.ngpio)])) : h('p', { class: 'meta' }, 'none'));
  const i2c = scan.i2c.flatMap((b) => (b.addresses.length ? b.addresses.map((a) => [String(b.bus), a.hex, a.likely.join(', ') || '—']) : [[String(b.bus), 'no device answered', '']]));
  parts.push(h('h3', {}, 'I2C'), i2c.length ? table(`${node}: I2C addresses`, ['bus', 'address', 'likely chips'], i2c) : h('p', { class: 'meta' }, 'no I2C bus'));
  parts.push(h('h3', {}, 'SPI'), scan.spi.length ? h('ul', {}, scan.spi.map((d) => h('li', {}, d.path))) : h('p', { class: 'meta' }, 'none'));
  parts.push(h('h3', {}, '1-wire'), scan.onewire.length ? h('ul', {}, scan.onewire.map((d) => h('li', {}, d))) : h('p', { class: 'meta' }, 'none'));
  if (scan.iio?.length) parts.push(h('h3', {}, 'IIO'), h('ul', {}, scan.iio.map((d) => h('li', {}, `${d.device} (${d.name})`))));
  parts.push(h('h3', {}, 'System'), table(`${node}: system`, ['fact', 'value'], Object.entries(scan.system).map(([k, v]) => [k.replace(/_/g, ' '), format(v)])));
  if (node === store.node) {
    const out = h('div', { 'aria-live': 'polite' });
    const btn = h('button', { type: 'button', id: 'draft-button' }, 'Draft scheme files');
    btn.addEventListener('click', async () => {
      btn.setAttribute('aria-busy', 'true');
      try {
        const plan = await api('/api/dashboard/drafts');
        out.replaceChildren(
          h('p', {}, `What hanode scan --write ${plan.dir} would write now (nothing is written):`),
          plan.files.length ? plan.files.map((f) => [h('h3', {}, f.file), h('pre', { 'data-draft': f.id }, f.text)]) : h('p', {}, 'No new file.'),
          plan.lines.length ? h('ul', { class: 'meta' }, plan.lines.map((l) => h('li', {}, l))) : '',
        );
      } catch (err) {
        out.replaceChildren(h('p', { class: 'msg' }, err.message));
      } finally {
        btn.removeAttribute('aria-busy');
      }
    });
    parts.push(h('h3', {}, 'Draft schemes'), btn, out);
  }
  return h('section', { class: 'card', 'aria-labelledby': `hw-${slug(node)}` }, parts);
}

function hardware(main) {
  const draw = () => {
    main.replaceChildren();
    page(main, 'Hardware', h('div', { class: 'grid' }, nodeOrder().map((node) => scanCard(node, store.nodes.get(node)?.info?.scan))));
  };
  draw();
  // Redrawn only when a scan can have changed, so an open draft stays.
  return { destroy: onChange((e) => (e.type === 'snapshot' || e.type === 'info') && draw()) };
}

// ---- Errors and log -----------------------------------------------------------------------

function log(main) {
  const filter = { text: '', kind: 'all', node: 'all' };
  const list = h('ol', { class: 'log', 'aria-label': 'Errors and rule firings, newest first' });
  const count = h('p', { class: 'meta', role: 'status' });
  const nodeSelect = h('select', { id: 'log-node', onchange: (e) => ((filter.node = e.target.value), draw()) });
  const fillNodes = () => nodeSelect.replaceChildren(h('option', { value: 'all' }, 'All nodes'), nodeOrder().map((n) => h('option', { value: n, selected: n === filter.node }, n)));
  const draw = () => {
    const words = filter.text.toLowerCase();
    const shown = store.log
      .filter((e) => (filter.kind === 'all' || e.kind === filter.kind) && (filter.node === 'all' || e.node === filter.node))
      .filter((e) => !words || `${e.node} ${e.topic} ${e.text}`.toLowerCase().includes(words))
      .reverse();
    count.textContent = `${shown.length} of ${store.log.length} entries`;
    list.replaceChildren(
      ...shown.map((e) =>
        h(
          'li',
          { 'data-kind': e.kind },
          h('span', { class: `kind-${e.kind}` }, e.kind === 'error' ? 'error' : 'rule'),
          ' ',
          h('span', { class: 'meta' }, `${new Date(e.ts).toLocaleString()} · ${e.node} · ${e.topic}`),
          h('div', {}, e.kind === 'rule' ? `${e.topic} fired ${e.text}` : e.text),
        ),
      ),
    );
  };
  fillNodes();
  page(
    main,
    'Errors and log',
    h(
      'div',
      { class: 'filters' },
      h('label', { for: 'log-filter' }, 'Filter', h('input', { type: 'search', id: 'log-filter', autocomplete: 'off', oninput: (e) => ((filter.text = e.target.value), draw()) })),
      h(
        'label',
        { for: 'log-kind' },
        'Show',
        h('select', { id: 'log-kind', onchange: (e) => ((filter.kind = e.target.value), draw()) }, h('option', { value: 'all' }, 'Errors and rule firings'), h('option', { value: 'error' }, 'Errors'), h('option', { value: 'rule' }, 'Rule firings')),
      ),
      h('label', { for: 'log-node' }, 'Node', nodeSelect),
    ),
    count,
    list,
  );
  draw();
  return {
    destroy: onChange((e) => {
      if (e.type === 'log' || e.type === 'snapshot') draw();
      if (e.type === 'snapshot' || e.type === 'status' || e.type === 'info') fillNodes();
    }),
  };
}

// ---- Gateway and bridges ------------------------------------------------------------------

function gateway(main) {
  let health;
  const gwBox = h('section', { class: 'card', 'aria-labelledby': 'gw-title' });
  const brBox = h('section', { class: 'card', 'aria-labelledby': 'br-title' });
  const drawGateway = () => {
    const gw = health?.gateway;
    const parts = [h('h2', { id: 'gw-title' }, 'Gateway')];
    if (!health) parts.push(h('p', { class: 'meta' }, 'Loading…'));
    else if (!gw) parts.push(h('p', {}, 'The line-protocol gateway is off on this node: add a gateway: section to hanode.yaml to turn it on.'));
    else {
      const devices = store.gateway ?? gw.devices.map((d) => d.id);
      const since = new Map(gw.devices.map((d) => [d.id, d]));
      parts.push(
        h('p', { class: 'meta' }, [gw.tcp && `TCP ${gw.tcp.host}:${gw.tcp.port}`, ...gw.serial.map((s) => `${s.path}${s.open ? '' : ' (closed)'}`)].filter(Boolean).join(' · ') || 'no listener'),
        h('h3', {}, `Devices connected (${devices.length})`),
        devices.length ? table('Devices connected', ['device', 'via', 'since'], devices.map((id) => [id, since.get(id)?.via ?? '', since.get(id)?.since ? new Date(since.get(id).since).toLocaleString() : ''])) : h('p', { class: 'meta' }, 'none'),
      );
      const input = h('input', { type: 'text', class: 'short', id: 'pair-for', value: '2m', maxlength: 16, autocomplete: 'off' });
      const msg = h('p', { role: 'status', id: 'pair-msg' }, gw.pairing_until && Date.parse(gw.pairing_until) > Date.now() ? `Pairing open until ${new Date(gw.pairing_until).toLocaleString()}` : '');
      parts.push(
        h('h3', {}, 'Pairing'),
        h(
          'form',
          {
            class: 'controls',
            onsubmit: async (e) => {
              e.preventDefault();
              try {
                const { until } = await api('/api/dashboard/pair', { method: 'POST', body: { for: input.value.trim() } });
                msg.textContent = `Pairing open until ${new Date(until).toLocaleString()}: new device IDs that connect meanwhile are accepted and remembered.`;
              } catch (err) {
                msg.textContent = err.message;
              }
            },
          },
          h('label', { for: 'pair-for' }, 'Window'),
          input,
          h('button', { type: 'submit', id: 'pair-button' }, 'Open pairing window'),
        ),
        msg,
      );
    }
    gwBox.replaceChildren(...parts);
  };
  const drawBridges = () => {
    const parts = [h('h2', { id: 'br-title' }, 'Bridges')];
    const mine = health?.bridges ?? [];
    if (mine.length) {
      parts.push(
        table(
          'Bridges of this node',
          ['bridge', 'type', 'status', 'backlog', 'dropped', 'sent', 'last error'],
          mine.map((b) => {
            const online = store.bridges.get(`${store.node}/${b.id}`) ?? b.online;
            return [b.id, b.type, statusBadge(online ? 'online' : 'offline'), String(b.backlog), String(b.dropped), String(b.sent), b.lastError ?? '—'];
          }),
        ),
      );
    } else if (health) parts.push(h('p', {}, 'No bridge on this node (bridges: in hanode.yaml).'));
    const others = [...store.bridges].filter(([k]) => !k.startsWith(`${store.node}/`));
    if (others.length) parts.push(h('h3', {}, 'Other nodes'), table('Bridges of other nodes', ['node / bridge', 'status'], others.map(([k, online]) => [k, statusBadge(online ? 'online' : 'offline')])));
    brBox.replaceChildren(...parts);
  };
  const refresh = async () => {
    try {
      health = await api('/api/health');
    } catch (err) {
      gwBox.replaceChildren(h('h2', { id: 'gw-title' }, 'Gateway'), h('p', {}, err.message));
      return;
    }
    // Keep a form being typed into.
    if (!gwBox.contains(document.activeElement)) drawGateway();
    drawBridges();
  };
  drawGateway();
  drawBridges();
  page(main, 'Gateway and bridges', h('div', { class: 'nodes' }, gwBox, brBox));
  void refresh();
  // Backlogs are not in the feed: read them again every 5 s while the page is open.
  const timer = setInterval(refresh, 5_000);
  const stop = onChange((e) => {
    if (e.type === 'gateway') void refresh();
    if (e.type === 'bridge') drawBridges();
  });
  return {
    destroy() {
      clearInterval(timer);
      stop();
    },
  };
}

export const pages = { home, scheme, hardware, log, gateway };
