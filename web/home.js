// The home page and a scheme's page.
import { store, h, api, onChange, ago } from './core.js';
import { slug, local, title, unitOf, stateTime, page, schemesOf, nodeOrder, values, controls, availabilityNote, statusBadge } from './parts.js';

const RANGES = [
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
];

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
// ---- Home ---------------------------------------------------------------------------------

export function home(main) {
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

export function scheme(main, [node, id]) {
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
