// The hanode dashboard: one page, plain ES modules, no build step. It keeps what the node's live
// feed (/api/events) says in the store (core.js), and each page draws from the store and follows
// its changes.
import { pages } from './pages.js';
import { store, changed, authHeaders, askToken, setLive, loadLocal, ago, LOG_MAX, TOKEN_KEY } from './core.js';

document.getElementById('token-form').addEventListener('submit', () => {
  const value = document.getElementById('token-input').value.trim();
  if (!value) return;
  localStorage.setItem(TOKEN_KEY, value);
  document.getElementById('token-input').value = '';
  live.restart();
  loadLocal();
  route();
});

// ---- the live feed ------------------------------------------------------------------------


function applySnapshot(s) {
  store.base = s.base;
  store.node = s.node;
  document.getElementById('brand').textContent = `hanode · ${s.node}`;
  document.title = `hanode · ${s.node}`;
  store.nodes = new Map(s.nodes.map((n) => [n.id, n]));
  store.states = new Map();
  const now = Date.now();
  for (const [node, schemes] of Object.entries(s.state)) for (const [id, state] of Object.entries(schemes)) store.states.set(`${node}/${id}`, { state, received: now });
  store.availability = new Map(Object.entries(s.availability));
  store.bridges = new Map(Object.entries(s.bridges));
  store.gateway = s.gateway;
  store.log = s.log.slice(-LOG_MAX);
  changed({ type: 'snapshot' });
}

function apply(e) {
  switch (e.type) {
    case 'state': {
      const key = `${e.node}/${e.id}`;
      if (e.state === null) store.states.delete(key);
      else store.states.set(key, { state: e.state, received: Date.now() });
      seen(e.node);
      break;
    }
    case 'status':
      seen(e.node).status = e.status === 'online' || e.status === 'offline' ? e.status : 'unknown';
      break;
    case 'info':
      seen(e.node).info = e.info;
      if (e.node === store.node) loadLocal();
      break;
    case 'availability':
      store.availability.set(`${e.node}/${e.id}`, e.online);
      break;
    case 'bridge':
      store.bridges.set(`${e.node}/${e.id}`, e.online);
      break;
    case 'gateway':
      store.gateway = e.devices;
      break;
    case 'log':
      store.log.push(e.entry);
      if (store.log.length > LOG_MAX) store.log.splice(0, store.log.length - LOG_MAX);
      break;
  }
  changed(e);
}

function seen(node) {
  let entry = store.nodes.get(node);
  if (!entry) store.nodes.set(node, (entry = { id: node, status: 'unknown', last_seen: new Date().toISOString() }));
  entry.last_seen = new Date().toISOString();
  return entry;
}

/** Server-Sent Events read through fetch, so the token goes in a header and never in a URL. */
const live = {
  abort: undefined,
  timer: undefined,
  restart() {
    this.abort?.abort();
    clearTimeout(this.timer);
    void this.run();
  },
  retry(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), ms);
  },
  async run() {
    const abort = (this.abort = new AbortController());
    setLive('connecting…');
    try {
      const res = await fetch('/api/events', { headers: authHeaders(), signal: abort.signal });
      if (res.status === 401) return askToken(true);
      if (!res.ok) {
        const data = await res.json().catch(() => ({}));
        setLive(`not live: ${data.detail ?? res.status}`);
        return this.retry(10_000);
      }
      setLive('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (err) {
      if (abort.signal.aborted) return;
    }
    if (abort.signal.aborted) return;
    setLive('reconnecting…');
    this.retry(2_000);
  },
};

function frame(text) {
  let event = 'message';
  let data = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trimStart();
  }
  if (!data) return;
  const msg = JSON.parse(data);
  if (event === 'snapshot') applySnapshot(msg);
  else apply(msg);
}


// ---- the pages ----------------------------------------------------------------------------

let current;

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...params] = hash.split('/').map(decodeURIComponent);
  const page = pages[name || 'home'] ?? pages.home;
  current?.destroy?.();
  const main = document.getElementById('main');
  main.replaceChildren();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === (page === pages.scheme ? 'home' : name || 'home')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  current = page(main, params);
}

window.addEventListener('hashchange', () => {
  route();
  document.getElementById('main').focus();
});

// Ages on the page ("12 s ago") move on without a redraw.
setInterval(() => {
  for (const el of document.querySelectorAll('[data-since]')) el.textContent = ago(Number(el.dataset.since));
}, 1_000);


route();
loadLocal();
live.restart();
