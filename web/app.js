// The hanode dashboard: one page, plain ES modules, no build step. It keeps what the node's live
// feed (/api/events) says in `store`, and each page draws from the store and follows its changes.
import { pages } from './pages.js';

const TOKEN_KEY = 'hanode.token';
/** Entries of the errors-and-rules log kept in the page; the server keeps as many. */
const LOG_MAX = 500;

export const store = {
  base: 'han',
  node: '',
  /** id → {id, status, info, last_seen} */
  nodes: new Map(),
  /** "node/scheme" → {state, received} */
  states: new Map(),
  /** "node/scheme" → online */
  availability: new Map(),
  /** "node/bridge" → online */
  bridges: new Map(),
  gateway: undefined,
  log: [],
  /** This node's schemes from /api/dashboard/schemes: id → description. */
  local: new Map(),
  invalid: [],
};

const listeners = new Set();
/** Calls `fn(event)` on every change of the store; returns the function that stops it. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed(event) {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (err) {
      console.error(err);
    }
  }
}

/** document.createElement with attributes (`on…` become listeners) and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export class ApiFailure extends Error {
  constructor(status, error, detail) {
    super(detail ? `${error}: ${detail}` : error || `HTTP ${status}`);
    this.status = status;
  }
}

function authHeaders() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A JSON request to the node's API with the saved token; a 401 asks for the token. */
export async function api(path, init = {}) {
  const headers = { ...authHeaders(), ...(init.headers ?? {}) };
  let body = init.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body });
  const data = await res.json().catch(() => undefined);
  if (res.status === 401) askToken(true);
  if (!res.ok) throw new ApiFailure(res.status, data?.error, data?.detail);
  return data;
}

// ---- the token ----------------------------------------------------------------------------

function askToken(wrong) {
  const dialog = document.getElementById('token-dialog');
  if (dialog.open) return;
  const had = localStorage.getItem(TOKEN_KEY);
  document.getElementById('token-why').textContent =
    wrong && had ? 'The saved token was refused. Enter the token from http.token in hanode.yaml.' : 'This node needs its HTTP token (http.token in hanode.yaml). It is kept in this browser.';
  setLive('token needed');
  dialog.showModal();
  document.getElementById('token-input').focus();
}

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

function setLive(text) {
  document.getElementById('live').textContent = text;
}

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

/** This node's schemes (fields, units, controls): read at start and whenever its $info changes. */
export async function loadLocal() {
  try {
    const data = await api('/api/dashboard/schemes');
    store.local = new Map(data.schemes.map((s) => [s.id, s]));
    store.invalid = data.invalid;
    changed({ type: 'local' });
  } catch {
    // 401 asks for the token; anything else shows once the feed says what is wrong
  }
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

export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

route();
loadLocal();
live.restart();
