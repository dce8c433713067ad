/* 同心 Tongxin — the one map (一张图). Plain ES2019, no dependencies, no build step.
   TongxinMapCore: pure helpers (also loadable in node). init() runs the page. */
(root => {
'use strict';
const clock = () => (root.performance ? root.performance.now() : Date.now());
const T0 = clock();
// Levels by index. A 4-digit code or a 6-digit xxxx00 code is a city (GB/T 2260).
const LEVELS = ['city', 'district', 'street', 'community', 'grid'], LENS = [4, 6, 9, 12, 15];

const Core = {
  isCity: c => c.length === 4 || (c.length === 6 && /00$/.test(c)),
  levelIndex(c) {
    let i = 4;
    while (i > 0 && LENS[i] > String(c).length) i--;
    return Core.isCity(String(c)) ? 0 : i;
  },
  levelOf: c => LEVELS[Core.levelIndex(c)],
  // Level of the polygons shown in a node's view (a grid shows itself).
  childLevel: c => LEVELS[Math.min(Core.levelIndex(c) + 1, 4)],
  // Prefix of every code under the node (city 450100 -> 4501).
  scope: c => (Core.isCity(c) ? c.slice(0, 4) : c),
  // The API wants 6/9/12/15 digits: 4501 -> 450100.
  apiCode: c => (c.length === 4 ? c + '00' : c),
  // [x0,y0,dx1,dy1,...] (1/scale degree) -> Float64Array [lon,lat,...], minus a repeated last point.
  decodeRing(r, scale = 1) {
    const out = new Float64Array(r.length & ~1), n = out.length;
    for (let i = 0, x = 0, y = 0; i < n; i += 2) {
      out[i] = (x += r[i]) / scale; out[i + 1] = (y += r[i + 1]) / scale;
    }
    return n > 2 && out[0] === out[n - 2] && out[1] === out[n - 1] ? out.subarray(0, n - 2) : out;
  },
  // Web Mercator, pixels at zoom 0 (world 256 x 256, y down).
  project(lon, lat) {
    const s = Math.sin(Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180);
    return [(lon + 180) / 360 * 256, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256];
  },
  projectRing(xy) {
    for (let i = 0; i < xy.length; i += 2) {
      const p = Core.project(xy[i], xy[i + 1]);
      xy[i] = p[0]; xy[i + 1] = p[1];
    }
    return xy;
  },
  bbox(xy, bb) {
    bb = bb || [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < xy.length; i += 2) {
      bb[0] = Math.min(bb[0], xy[i]); bb[1] = Math.min(bb[1], xy[i + 1]);
      bb[2] = Math.max(bb[2], xy[i]); bb[3] = Math.max(bb[3], xy[i + 1]);
    }
    return bb;
  },
  // Even-odd ray casting on a flat [x,y,...] ring (closed implicitly).
  pointInRing(xy, x, y) {
    let inside = false;
    for (let n = xy.length, i = 0, j = n - 2; i < n; j = i, i += 2) {
      const yi = xy[i + 1], yj = xy[j + 1];
      if ((yi > y) !== (yj > y) && x < (xy[j] - xy[i]) * (y - yi) / (yj - yi) + xy[i]) inside = !inside;
    }
    return inside;
  },
  pointInRings: (rings, x, y) => rings.reduce((a, r) => a !== Core.pointInRing(r, x, y), false),
  // Up to 4 class thresholds: quintiles, or the distinct values if at most 5.
  breaks(vals) {
    const a = vals.filter(v => typeof v === 'number' && isFinite(v)).sort((p, q) => p - q);
    const u = a.filter((v, i) => i === 0 || v !== a[i - 1]), t = [];
    if (u.length <= 5) return u.slice(0, -1);
    for (let j = 1; j < 5; j++) {
      const v = a[Math.ceil(j * a.length / 5) - 1];
      if (v < a[a.length - 1] && (!t.length || v > t[t.length - 1])) t.push(v);
    }
    return t;
  },
  classOf: (t, v) => t.filter(x => v > x).length
};
root.TongxinMapCore = Core;
if (typeof module !== 'undefined' && module.exports) module.exports = Core;
if (typeof document === 'undefined') return;
const {isCity, levelIndex, levelOf, childLevel, apiCode} = Core;

// Page state, set by init().
let app, canvas, crumbs, legend, info, sel, tip, g, ds, ZH, TILE, TOP, TOPS, S, hook;
const L = (zh, en, sep) => (ZH ? zh + (sep || ' ') + en : en), L2 = a => L(a[0], a[1]);
const PAL = ['#1a9850', '#91cf60', '#fee08b', '#fc8d59', '#d73027'], NODATA = '#d0d0d0', ACCENT = '#b71c1c';
const f1 = v => String(Math.round(v * 10) / 10), fAny = v => (Number.isInteger(v) ? String(v) : f1(v));
const fPct = v => Math.round(v * 1000) / 10 + '%';
const MEAS = {
  open: ['未结案件', 'Open cases', fAny], overdue: ['超期案件', 'Overdue cases', fAny],
  on_time_rate: ['按期结案率', 'On-time closure rate', fPct, 1], per_1000: ['每千人案件', 'Cases per 1,000 residents', f1]
};
const LV = {city: ['全市', 'City'], district: ['区县', 'District'], street: ['街道', 'Street'], community: ['社区', 'Community'], grid: ['网格', 'Grid']};
// Case statuses (English: the status code itself).
const ST = {reported: '已上报', filed: '已立案', dispatched: '已派遣', accepted: '处置中', handled: '待核查', closed: '已结案', cancelled: '已作废', merged: '已合并'};
const CLOSED = {closed: 1, cancelled: 1, merged: 1};
const IND = {
  reported: ['上报案件', 'Reported'], closed: ['结案', 'Closed'],
  on_time_closure_rate: ['按期结案率', 'On-time closure rate'], satisfaction_rate: ['满意率', 'Satisfaction rate']
};
const stName = s => (ST[s] ? L(ST[s], s) : s || '');
const measure = () => (sel && sel.value) || 'open';
const M = () => MEAS[measure()] || [measure(), measure(), fAny];
const names = new Map();
const nameOf = c => names.get(c) || names.get(apiCode(c)) || (isCity(c) ? L('全市', 'City') : c);
const parentOf = c => {
  const i = levelIndex(c);
  return i <= 0 ? null : i === 1 ? (isCity(TOP) ? TOP : c.slice(0, 4)) : c.slice(0, LENS[i - 1]);
};
const enc = encodeURIComponent;

// ---- fetching; load() caches by URL, keeping the result as promise.value ----
const getJSON = url => fetch(url, {credentials: 'same-origin'}).then(r => r.ok ? r.json() : r.json().catch(() => ({}))
  .then(b => Promise.reject(Object.assign(new Error('HTTP ' + r.status), {status: r.status, detail: b.detail || b.title}))));
const cache = new Map();
const load = (url, make) => {
  let p = cache.get(url);
  if (p) {cache.delete(url); cache.set(url, p); return p;}
  p = getJSON(url).then(j => (p.value = make ? make(j) : j));
  cache.set(url, p);
  p.catch(() => cache.get(url) === p && cache.delete(url));
  for (const k of cache.keys()) {if (cache.size <= 40) break; cache.delete(k);}
  return p;
};
const q = (lv, within) => '?level=' + lv + '&within=' + enc(apiCode(within));
const geomUrl = (lv, within, detail) => '/api/v1/map/geometry' + q(lv, within) + '&detail=' + (detail || 'simplified');
const loadGeom = (lv, within, detail) => load(geomUrl(lv, within, detail), buildLayer);
const loadMeasure = (node, m) => load('/api/v1/map/measures' + q(childLevel(node), node) + '&measure=' + enc(m));
const cachedLayer = (lv, within) => (cache.get(geomUrl(lv, within)) || {}).value;

// Decodes and projects every ring once.
const buildLayer = j => {
  const items = [], byCode = new Map();
  for (const it of j.items || []) {
    if (!it.r || !it.r.length) continue;
    const rings = [];
    let bb = null;
    for (const r of Array.isArray(it.r[0]) ? it.r : [it.r]) {
      const xy = Core.decodeRing(r, j.scale);
      if (xy.length < 6) continue;
      bb = Core.bbox(Core.projectRing(xy), bb);
      rings.push(xy);
    }
    if (!rings.length) continue;
    const o = {c: String(it.c), n: it.n || '', rings, bb};
    items.push(o);
    byCode.set(o.c, o);
    if (it.n) names.set(o.c, it.n);
  }
  return {items, byCode};
};
const union = items => items.reduce((bb, it) => Core.bbox(it.bb, bb), null); // a bbox is 2 points
const findItem = c => {
  const p = parentOf(c), l = p && cachedLayer(levelOf(c), p);
  return (S.kids && S.kids.byCode.get(c)) || S.full.get(c) || (S.grid && S.grid.byCode.get(c)) || (l && l.byCode.get(c)) || null;
};
const bbOf = c => (findItem(c) || {}).bb;
const zoomTo = c => {const b = bbOf(c); if (b) fitTo(b, true);};

// ---- navigation ----
let waiters = [];
// Resolves after the next frame (or a timer if rAF is throttled).
const nextDraw = () => new Promise(res => {
  waiters.push(res); redraw();
  setTimeout(() => waiters.length && draw(), 120);
});
const go = (code, bb, selectCode) => {
  const seq = ++S.seq, lv = levelOf(code), cl = childLevel(code), m = measure();
  const deep = lv === 'community' || lv === 'grid';
  Object.assign(S, {node: code, selected: selectCode || null, hover: null, kids: null, groups: null, markers: null, colours: {}});
  S.ctx = code !== TOP && parentOf(code) ? cachedLayer(lv, parentOf(code)) : null;
  tip.hidden = true;
  if (bb) fitTo(bb, true);
  renderCrumbs();
  updateHook();
  loadInfo(selectCode || code);
  const jobs = [loadGeom(cl, code, deep ? 'full' : 'simplified'), loadMeasure(code, m)];
  if (!deep && levelIndex(TOP) < 3) jobs.push(loadGeom('grid', TOP));
  if (deep) loadMarkers(code, seq);
  setLoading(true);
  return Promise.all(jobs).then(([kids, mj, grid]) => {
    if (seq !== S.seq) return;
    S.kids = kids;
    if (grid) S.grid = grid;
    if (deep) kids.items.forEach(it => S.full.set(it.c, it));
    if (code === TOP) S.topBB = union(kids.items);
    applyMeasure(mj);
    if (!bb || !S.viewSet) fitTo(union(kids.items) || bb, S.viewSet);
    setLoading(false);
    if (m !== measure()) reloadMeasure();
    return nextDraw().then(() => {
      if (!hook.ready) {hook.ready = true; hook.loadMs = Math.round(clock() - T0); ds.ready = '1';}
      updateHook();
    });
  }, err => {
    if (seq !== S.seq) return;
    setLoading(false);
    showError(err, () => go(code, bb, selectCode));
  });
};
const drill = c => {
  if (isCity(c) && Core.scope(c) === TOPS) c = TOP;
  if (c.indexOf(TOPS) !== 0) return Promise.reject(new Error('outside ' + TOP));
  if (levelOf(c) !== 'grid' || c === TOP) return go(c, bbOf(c));
  const p = parentOf(c);
  return (p === S.node && S.kids ? select(c) : go(p, bbOf(p), c)).then(() => zoomTo(c));
};
const up = () => (S.node === TOP ? Promise.resolve() : go(parentOf(S.node), bbOf(parentOf(S.node))));
const select = c => {S.selected = c; redraw(); return loadInfo(c);};
const drillSelected = () => {
  const c = S.selected;
  if (c && levelOf(c) === 'grid') zoomTo(c);
  else if (c && c !== S.node) drill(c);
};
const setLoading = on => app.setAttribute('aria-busy', String(on)); // map.css: spinner
const updateHook = () => {
  Object.assign(hook, {node: S.node, level: levelOf(S.node), childLevel: childLevel(S.node), colours: S.colours});
  ds.node = S.node;
};

// ---- measures, classes, legend ----
const reloadMeasure = () => {
  const seq = S.seq, m = measure();
  return loadMeasure(S.node, m).then(mj => {
    if (seq !== S.seq || m !== measure() || !S.kids) return;
    applyMeasure(mj);
    return nextDraw().then(updateHook);
  }, err => seq === S.seq && showError(err, reloadMeasure));
};
const num = v => typeof v === 'number' && isFinite(v);
const applyMeasure = mj => {
  const vals = (mj && mj.values) || {}, meta = M(), good = meta[3], items = S.kids ? S.kids.items : [];
  const t = Core.breaks(items.map(it => vals[it.c])), k = t.length + 1, groups = [[], [], [], [], [], []], colours = {}, stats = [];
  // pi: palette position 0 (lowest value) .. 4 (highest), 5 = no data.
  const colourOf = pi => (pi === 5 ? NODATA : PAL[good ? 4 - pi : pi]);
  for (const it of items) {
    const v = vals[it.c];
    let pi = 5;
    if (num(v)) {
      const c = Core.classOf(t, v);
      pi = k > 1 ? Math.round(c * 4 / (k - 1)) : (good ? v >= 1 : v <= 0) ? (good ? 4 : 0) : 2;
      const st = stats[c] || (stats[c] = {min: v, max: v, n: 0, pi});
      st.min = Math.min(st.min, v); st.max = Math.max(st.max, v); st.n++;
    }
    groups[pi].push(it);
    colours[it.c] = colourOf(pi);
  }
  Object.assign(S, {vals, groups, colours, nodata: groups[5].length});
  S.legend = stats.filter(Boolean).map(st => {
    const a = meta[2](st.min), b = meta[2](st.max);
    return [colourOf(st.pi), (a === b ? a : a + ' – ' + b) + ' (' + st.n + ')'];
  });
  renderLegend();
  redraw();
};
const renderLegend = () => {
  legend.textContent = '';
  legend.append(el('div', {class: 'map-legend-title', text: L2(M()) + ' · ' + L2(LV[childLevel(S.node)])}));
  legend.append(el('ul', null, S.legend.concat([[NODATA, L('无数据', 'No data') + ' (' + S.nodata + ')']]).map(([col, text]) => {
    const sw = el('span', {class: 'map-sw'});
    sw.style.background = col; // CSSOM, so a strict CSP allows it
    return el('li', null, [sw, el('span', {text})]);
  })));
};

// ---- case markers (community and grid views) ----
const loadMarkers = (code, seq) => getJSON('/api/v1/map/cases?within=' + enc(code)).then(j => {
  if (seq !== S.seq) return;
  S.markers = (j.items || []).filter(m => num(m.lon) && num(m.lat)).map(m => {
    const p = Core.project(m.lon, m.lat);
    return {id: m.id, x: p[0], y: p[1], st: m.status, od: !!m.overdue, cat: m.category_name || '', k: m.overdue ? 2 : CLOSED[m.status] ? 0 : 1};
  });
  redraw();
}, err => seq === S.seq && showError(err, () => loadMarkers(code, S.seq)));

// ---- DOM: element helper, info panel, breadcrumb ----
const el = (tag, props, kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (typeof v === 'function') e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of kids || []) if (c) e.append(c);
  return e;
};
const panel = nodes => {infoFor = null; info.textContent = ''; info.append(...nodes.filter(Boolean));};
const btn = (text, onclick, cls = 'map-btn') => el('button', {type: 'button', class: cls, text, onclick});
const link = (text, href, cls = 'map-btn') => el('a', {class: cls, href, text});
const P = (cls, text) => el('p', {class: cls, text});
const badge = () => el('span', {class: 'map-badge', text: L('超期', 'Overdue')});
let infoSeq = 0;
// One node's panel is asked for once: a click on the node already shown (or loading) — as the
// two clicks of a double click are — keeps what is there.
let infoFor = null;
const loadInfo = c => {
  if (infoFor && infoFor.c === c) return infoFor.p;
  const n = ++infoSeq;
  panel([el('h2', {text: nameOf(c)}), P('map-muted', L('加载中…', 'Loading…'))]);
  const p = getJSON('/api/v1/map/node/' + enc(apiCode(c))).then(
    d => {if (n === infoSeq) {renderInfo(d || {}, c); infoFor = {c, p};}},
    err => n === infoSeq && showError(err, () => loadInfo(c)));
  infoFor = {c, p};
  return p;
};
const renderInfo = (d, c) => {
  for (const p of d.path || []) if (p && p.code && p.name) names.set(String(p.code), p.name);
  if (d.name) names.set(c, d.name);
  renderCrumbs();
  const lv = levelOf(c), rows = [], ind = d.indicators || {};
  const row = (lab, val) => val != null && val !== '' && rows.push(el('dt', {text: L2(lab)}), el('dd', {text: String(val)}));
  if (Array.isArray(d.workers) && d.workers.length) {
    row(['网格员', 'Grid workers'], d.workers.map(w => (w.name || '') + (w.username ? ' (' + w.username + ')' : '')).join(ZH ? '、' : ', '));
  }
  row(['党组织', 'Party organisation'], d.party);
  row(['户数', 'Households'], d.households);
  row(['人口', 'Population'], d.population);
  row(['未结案件', 'Open cases'], d.open_cases);
  row(['超期案件', 'Overdue cases'], d.overdue_cases);
  for (const k of Object.keys(ind)) if (num(ind[k])) row(IND[k] || [k, k], /rate$/.test(k) ? fPct(ind[k]) : fAny(ind[k]));
  const cases = Array.isArray(d.cases) ? d.cases : null;
  panel([
    el('h2', {text: d.name || nameOf(c)}),
    P('map-sub', L2(LV[lv]) + ' · ' + c),
    rows.length && el('dl', null, rows),
    cases && el('h3', {text: L('最新案件', 'Latest cases')}),
    cases && !cases.length && P('map-muted', L('暂无案件', 'No cases')),
    cases && cases.length && el('ul', {class: 'map-cases'}, cases.map(k => el('li', null, [
      el('a', {href: '/cases/' + enc(k.id), text: '#' + k.id + ' ' + (k.category_name || '')}), ' ',
      el('span', {class: 'map-st', text: ST[k.status] ? stName(k.status) : k.status_name}), k.overdue && badge()]))),
    el('div', {class: 'map-actions'}, [
      lv !== 'grid' && levelIndex(c) > levelIndex(S.node) && btn(L('进入', 'Drill in'), () => drill(c)),
      ds.cases === '1' && link(L('查看案件', 'Cases', ' / '), '/cases?within=' + enc(apiCode(c)), 'map-btn map-btn-2')])
  ]);
};
const showCase = m => {
  infoSeq++;
  panel([
    el('h2', {text: L('案件', 'Case') + ' #' + m.id}),
    el('p', {text: m.cat}),
    el('p', null, [el('span', {class: 'map-st', text: stName(m.st)}), m.od && badge()]),
    el('div', {class: 'map-actions'}, [link(L('查看详情', 'View case'), '/cases/' + enc(m.id))])
  ]);
};
const showError = (err, retry) => {
  infoSeq++;
  const st = err && err.status;
  panel([el('div', {class: 'map-error', role: 'alert'}, st === 401
    ? [el('p', {text: L('登录已过期', 'Session expired', ' / ')}), link(L('重新登录', 'Sign in', ' / '), '/login')]
    : [el('p', {text: L('加载失败，请重试', 'Failed to load, please retry', ' / ')}),
      err && err.detail && P('map-muted', String(err.detail)),
      btn(L('重试', 'Retry'), retry)])]);
};
const renderCrumbs = () => {
  const path = [TOP];
  for (let i = levelIndex(TOP) + 1; i <= levelIndex(S.node); i++) path.push(S.node.slice(0, LENS[i]));
  crumbs.textContent = '';
  crumbs.append(el('ol', null, path.map((c, i) => el('li', null, [i === path.length - 1
    ? el('span', {'aria-current': 'page', text: nameOf(c)})
    : btn(nameOf(c), () => go(c, bbOf(c)), 'map-crumb')]))));
};

// ---- view: centre (cx, cy) in world units, s = CSS px per world unit ----
let anim = null, raf = 0;
const fitScale = bb => Math.min(S.W / Math.max(bb[2] - bb[0], 1e-9), S.H / Math.max(bb[3] - bb[1], 1e-9)) * 0.9;
const clampS = s => Math.max(S.topBB && S.W ? fitScale(S.topBB) / 8 : 1e-6, Math.min(1 << 24, s));
const fitTo = (bb, animate) => {
  if (!bb || !isFinite(bb[0])) return;
  if (!S.W || !S.H) {S.pendingFit = bb; return;}
  const s = clampS(fitScale(bb)), cx = (bb[0] + bb[2]) / 2, cy = (bb[1] + bb[3]) / 2;
  if (!animate || !S.viewSet) {Object.assign(S, {cx, cy, s, viewSet: true}); anim = null;}
  else anim = {t0: clock(), a: [S.cx, S.cy, Math.log(S.s)], b: [cx, cy, Math.log(s)]};
  redraw();
};
// User pan/zoom stops a running fit animation.
const zoomAt = (px, py, f) => {
  anim = null;
  const wx = (px - S.W / 2) / S.s + S.cx, wy = (py - S.H / 2) / S.s + S.cy;
  S.s = clampS(S.s * f);
  S.cx = wx - (px - S.W / 2) / S.s; S.cy = wy - (py - S.H / 2) / S.s;
  redraw();
};
const pan = (dx, dy) => {anim = null; S.cx -= dx / S.s; S.cy -= dy / S.s; redraw();};
const redraw = () => {if (!raf) raf = root.requestAnimationFrame(() => {raf = 0; draw();});};
const resize = () => {
  const W = canvas.clientWidth, H = canvas.clientHeight, dpr = root.devicePixelRatio || 1;
  if (W === S.W && H === S.H && dpr === S.dpr) return;
  Object.assign(S, {W, H, dpr});
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  if (S.pendingFit && W && H) {const b = S.pendingFit; S.pendingFit = null; fitTo(b, false);}
  draw();
};

// ---- drawing: one path per style ----
let ox = 0, oy = 0;
const vb = [0, 0, 0, 0];
const visible = b => b[2] >= vb[0] && b[0] <= vb[2] && b[3] >= vb[1] && b[1] <= vb[3];
// Adds visible items' rings to the path, skipping vertices < 0.6 px apart; returns the count.
const trace = (items, skip, within) => {
  let n = 0;
  const s = S.s;
  for (const it of items) {
    if (it.c === skip || !visible(it.bb) || (within && it.c.indexOf(within))) continue;
    n++;
    for (const xy of it.rings) {
      const len = xy.length;
      const x0 = xy[0] * s + ox, y0 = xy[1] * s + oy;
      let px = x0, py = y0;
      g.moveTo(x0, y0);
      for (let j = 2; j < len; j += 2) {
        const x = xy[j] * s + ox, y = xy[j + 1] * s + oy;
        if (j < len - 2 && Math.abs(x - px) < 0.6 && Math.abs(y - py) < 0.6) continue;
        g.lineTo(x, y); px = x; py = y;
      }
      g.lineTo(x0, y0); // closePath() is quadratic in Chrome
    }
  }
  return n;
};
const stroke = (items, colour, width, within) => {
  g.beginPath();
  const n = trace(items, null, within);
  g.strokeStyle = colour; g.lineWidth = width; g.stroke();
  return n;
};
const draw = () => {
  const {W, H} = S;
  let count = 0;
  if (anim) {
    const t = Math.min(1, (clock() - anim.t0) / 320), e = t * (2 - t), {a, b} = anim;
    S.cx = a[0] + (b[0] - a[0]) * e; S.cy = a[1] + (b[1] - a[1]) * e; S.s = Math.exp(a[2] + (b[2] - a[2]) * e);
    if (t < 1) redraw(); else anim = null;
  }
  g.setTransform(S.dpr, 0, 0, S.dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  g.lineJoin = 'round';
  const s = S.s;
  ox = W / 2 - S.cx * s; oy = H / 2 - S.cy * s;
  vb[0] = -ox / s; vb[1] = -oy / s; vb[2] = (W - ox) / s; vb[3] = (H - oy) / s;
  if (S.viewSet) {
    if (TILE) drawTiles();
    if (S.ctx) {
      g.beginPath(); trace(S.ctx.items, S.node);
      g.fillStyle = TILE ? 'rgba(255,255,255,.35)' : '#ecebe8'; g.fill('evenodd');
      g.strokeStyle = '#c4c2bd'; g.lineWidth = 1; g.stroke();
    }
    if (S.groups) {
      g.globalAlpha = TILE ? 0.62 : 0.88;
      S.groups.forEach((grp, k) => {
        if (!grp.length) return;
        g.beginPath(); count += trace(grp);
        g.fillStyle = k === 5 ? NODATA : S.colours[grp[0].c]; g.fill('evenodd');
      });
      g.globalAlpha = 1;
    }
    const lines = S.grid && S.kids && levelIndex(S.node) < 3;
    if (lines) count += stroke(S.grid.items, 'rgba(40,40,40,.3)', 0.5, Core.scope(S.node));
    if (S.kids) stroke(S.kids.items, lines ? '#3a3a3a' : 'rgba(60,60,60,.75)', lines ? 1.6 : 1);
    const h = S.hover && S.hover !== S.selected && findItem(S.hover), sl = S.selected && findItem(S.selected);
    if (h) stroke([h], '#111', 2.4);
    if (sl) stroke([sl], ACCENT, 3.2);
    if (S.markers) drawMarkers();
  }
  hook.drawnPolygons = count;
  const w = waiters;
  waiters = [];
  w.forEach(f => f());
};
// Closed grey, open orange, overdue red (drawn last, on top).
const drawMarkers = () => {
  const s = S.s;
  ['#9e9e9e', '#f57c00', '#d32f2f'].forEach((col, k) => {
    g.beginPath();
    for (const m of S.markers) {
      const x = m.x * s + ox, y = m.y * s + oy;
      if (m.k !== k) continue;
      if (x > -6 && y > -6 && x < S.W + 6 && y < S.H + 6) {g.moveTo(x + 5, y); g.arc(x, y, 5, 0, 7);}
    }
    g.fillStyle = col; g.fill();
    g.strokeStyle = '#fff'; g.lineWidth = 1.2; g.stroke();
  });
};

// XYZ tiles; failed ones are skipped.
const tiles = new Map();
const tile = (z, x, y) => {
  const key = z + '/' + x + '/' + y;
  let t = tiles.get(key);
  if (t) {tiles.delete(key); tiles.set(key, t); return t;}
  t = {ok: false, img: new Image()};
  t.img.onload = () => {t.ok = true; redraw();};
  t.img.src = TILE.replace(/\{x\}/g, x).replace(/\{y\}/g, y).replace(/\{z\}/g, z);
  tiles.set(key, t);
  for (const k of tiles.keys()) {if (tiles.size <= 300) break; tiles.get(k).img.onload = null; tiles.delete(k);}
  return t;
};
const drawTiles = () => {
  const s = S.s, z = Math.max(0, Math.min(18, Math.round(Math.log2(s)))), n = 2 ** z, ts = 256 / n;
  const x0 = Math.max(0, Math.floor(vb[0] / ts)), x1 = Math.min(n - 1, Math.floor(vb[2] / ts));
  const y0 = Math.max(0, Math.floor(vb[1] / ts)), y1 = Math.min(n - 1, Math.floor(vb[3] / ts));
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > 160) return;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const t = tile(z, x, y);
      if (t.ok) g.drawImage(t.img, x * ts * s + ox, y * ts * s + oy, ts * s + 0.5, ts * s + 0.5);
    }
  }
};

// ---- hit-testing: markers within 9 px, then child polygons, bbox first ----
const hit = (px, py) => {
  const s = S.s, wx = (px - S.W / 2) / s + S.cx, wy = (py - S.H / 2) / s + S.cy;
  let best = null, bd = 81;
  for (const m of S.markers || []) {
    const dx = (m.x - wx) * s, dy = (m.y - wy) * s, dd = dx * dx + dy * dy;
    if (dd < bd) {bd = dd; best = m;}
  }
  if (best) return {m: best};
  for (const it of S.kids ? S.kids.items : []) {
    const b = it.bb;
    if (wx >= b[0] && wx <= b[2] && wy >= b[1] && wy <= b[3] && Core.pointInRings(it.rings, wx, wy)) return {it};
  }
  return null;
};

// ---- input: pointer (mouse, touch, pen), wheel, keyboard ----
const ptrs = new Map();
let drag = null, hoverAt = null, hraf = 0, lastTap = null, lastDbl = 0;
const doHover = () => {
  hraf = 0;
  const p = hoverAt, h = p && !drag ? hit(p[0], p[1]) : null, code = h && h.it ? h.it.c : null;
  canvas.style.cursor = h ? 'pointer' : '';
  tip.hidden = !h;
  if (h) {
    const v = h.it && S.vals ? S.vals[h.it.c] : undefined;
    tip.textContent = h.m ? '#' + h.m.id + ' ' + h.m.cat + ' · ' + stName(h.m.st)
      : h.it.n + (v === undefined ? '' : ' · ' + (num(v) ? M()[2](v) : L('无数据', 'No data')));
    const x = Math.min(canvas.offsetLeft + p[0] + 14, canvas.offsetLeft + S.W - tip.offsetWidth);
    tip.style.transform = 'translate(' + x + 'px,' + (canvas.offsetTop + p[1] + 14) + 'px)';
  }
  if (code !== S.hover) {S.hover = code; redraw();}
};
const tap = (p, touch) => {
  if (touch) {
    if (lastTap && clock() - lastTap.t < 350 && Math.abs(p[0] - lastTap.p[0]) + Math.abs(p[1] - lastTap.p[1]) < 30) {
      lastTap = null; lastDbl = clock(); dblAt(p); return;
    }
    lastTap = {t: clock(), p};
  }
  const h = hit(p[0], p[1]);
  if (h && h.m) showCase(h.m);
  else if (h) select(h.it.c);
  else if (S.selected) {S.selected = null; redraw(); loadInfo(S.node);}
};
// Double click/tap: drill into a division, zoom to a grid, or zoom in.
const dblAt = p => {
  const h = hit(p[0], p[1]);
  if (h && h.it) {
    if (levelOf(h.it.c) !== 'grid') go(h.it.c, h.it.bb);
    else {if (S.selected !== h.it.c) select(h.it.c); zoomTo(h.it.c);}
  } else if (!h) zoomAt(p[0], p[1], 2);
};
const pos = e => {const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top];};
const pinch = () => {
  const [a, b] = ptrs.values();
  return {d: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, m: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]};
};
const onDown = e => {
  if (e.button > 0) return;
  const p = pos(e);
  ptrs.set(e.pointerId, p);
  try {canvas.setPointerCapture(e.pointerId);} catch (x) {/* gone */}
  anim = null;
  if (ptrs.size === 1) drag = {p0: p, last: p, t0: clock(), moved: false};
  else if (drag) {drag.moved = true; drag.pinch = pinch();}
  if (document.activeElement !== canvas) canvas.focus({preventScroll: true});
};
const onMove = e => {
  const p = pos(e);
  if (!ptrs.has(e.pointerId)) {
    if (e.pointerType === 'mouse') {hoverAt = p; if (!hraf) hraf = root.requestAnimationFrame(doHover);}
    return;
  }
  ptrs.set(e.pointerId, p);
  if (!drag) return;
  if (ptrs.size >= 2 && drag.pinch) {
    const n = pinch(), o = drag.pinch;
    zoomAt(o.m[0], o.m[1], n.d / o.d);
    pan(n.m[0] - o.m[0], n.m[1] - o.m[1]);
    drag.pinch = n;
  } else if (ptrs.size === 1) {
    if (!drag.moved && Math.hypot(p[0] - drag.p0[0], p[1] - drag.p0[1]) > 6) {drag.moved = true; tip.hidden = true;}
    if (drag.moved) {pan(p[0] - drag.last[0], p[1] - drag.last[1]); drag.last = p;}
  }
};
const end = e => {
  if (!ptrs.delete(e.pointerId)) return;
  if (!ptrs.size) {
    const d = drag;
    drag = null;
    if (d && !d.moved && e.type === 'pointerup' && clock() - d.t0 < 700) tap(pos(e), e.pointerType !== 'mouse');
  } else if (drag) {
    const p = ptrs.values().next().value; // one finger left after a pinch
    drag = {p0: p, last: p, t0: 0, moved: true};
  }
};
const onLeave = () => {hoverAt = null; doHover();};
const onWheel = e => {
  e.preventDefault();
  const p = pos(e), dy = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
  zoomAt(p[0], p[1], Math.exp(-Math.max(-300, Math.min(300, dy)) * 0.002));
};
// Arrows pan, +/- zoom, Enter drills, Backspace/Escape go up, n/p select next/previous child.
const PANS = {ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]};
const onKey = e => {
  const k = e.key, d = PANS[k];
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (d) pan(d[0] * S.W * 0.15, d[1] * S.H * 0.15);
  else if (k === '+' || k === '=' || k === '-') zoomAt(S.W / 2, S.H / 2, k === '-' ? 2 / 3 : 1.5);
  else if (k === 'Enter') drillSelected();
  else if (k === 'Backspace' || k === 'Escape') up();
  else if (k === 'n' || k === 'p') cycle(k === 'n' ? 1 : -1);
  else return;
  e.preventDefault();
};
const cycle = dir => {
  const list = S.kids ? S.kids.items : [], n = list.length, i = list.findIndex(it => it.c === S.selected);
  if (!n) return;
  const it = list[i < 0 ? (dir > 0 ? 0 : n - 1) : (i + dir + n) % n], b = it.bb;
  select(it.c);
  if (!visible(b)) pan((S.cx - (b[0] + b[2]) / 2) * S.s, (S.cy - (b[1] + b[3]) / 2) * S.s);
};

const init = () => {
  const $ = id => document.getElementById(id);
  app = $('map-app'); canvas = $('map-canvas');
  if (!app || !canvas || !canvas.getContext) return;
  crumbs = $('map-crumbs'); legend = $('map-legend'); info = $('map-info'); sel = $('map-measure');
  g = canvas.getContext('2d'); ds = app.dataset; ZH = ds.lang !== 'en';
  TILE = (ds.tiles || '').trim(); TOP = (ds.within || '').trim(); TOPS = Core.scope(TOP);
  // kids: child layer; grid: all grids under TOP (thin lines); full: full-detail grids seen;
  // ctx: the layer holding the current node (siblings, greyed).
  S = {node: TOP, full: new Map(), seq: 0};
  hook = root.tongxinMap = {
    ready: false, drawnPolygons: 0, colours: {}, loadMs: null,
    drill: c => drill(String(c)), select: c => select(String(c)), up: () => up()
  };
  tip = el('div', {class: 'map-tip', role: 'tooltip', hidden: ''});
  app.append(tip);
  const on = {pointerdown: onDown, pointermove: onMove, pointerup: end, pointercancel: end, pointerleave: onLeave, keydown: onKey,
    dblclick: e => {e.preventDefault(); if (clock() - lastDbl > 600) dblAt(pos(e));}};
  for (const t in on) canvas.addEventListener(t, on[t]);
  canvas.addEventListener('wheel', onWheel, {passive: false});
  if (sel) {
    for (const o of sel.options) if (MEAS[o.value]) o.textContent = L2(MEAS[o.value]);
    sel.addEventListener('change', () => reloadMeasure());
  }
  crumbs.setAttribute('aria-label', L('层级导航', 'Breadcrumb'));
  if (root.ResizeObserver) new root.ResizeObserver(resize).observe(canvas);
  root.addEventListener('resize', resize);
  resize();
  if (/^\d{4,15}$/.test(TOP)) go(TOP);
  else showError({}, () => root.location.reload());
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
})(typeof window !== 'undefined' ? window : globalThis);
