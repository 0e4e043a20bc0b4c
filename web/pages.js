// The pages. Each is a function (main, params) that draws into main and returns {destroy()}.
import { store, h, api, onChange } from './core.js';
import { slug, format, page, nodeOrder, statusBadge, table } from './parts.js';
import { home, scheme } from './home.js';

// ---- Hardware -----------------------------------------------------------------------------

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
