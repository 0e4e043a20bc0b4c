// What every part of the dashboard shares: the store of what the live feed said, its change
// listeners, the element helper, the API client (with the token) and small formatters.
export const TOKEN_KEY = 'hanode.token';
/** Entries of the errors-and-rules log kept in the page; the server keeps as many. */
export const LOG_MAX = 500;

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
export function changed(event) {
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

export function authHeaders() {
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

export function askToken(wrong) {
  const dialog = document.getElementById('token-dialog');
  if (dialog.open) return;
  const had = localStorage.getItem(TOKEN_KEY);
  document.getElementById('token-why').textContent =
    wrong && had ? 'The saved token was refused. Enter the token from http.token in hanode.yaml.' : 'This node needs its HTTP token (http.token in hanode.yaml). It is kept in this browser.';
  setLive('token needed');
  dialog.showModal();
  document.getElementById('token-input').focus();
}

export function setLive(text) {
  document.getElementById('live').textContent = text;
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

export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
