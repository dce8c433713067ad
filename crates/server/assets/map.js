/* 同心 Tongxin — the one map (一张图). Plain ES2019, no dependencies, no build step.
   TongxinMapCore holds the pure helpers (loadable in node for tests); start() runs the page. */
(root => {
'use strict';
const clock = () => (root.performance ? root.performance.now() : Date.now());
const T0 = clock();
// Levels by index. A 4-digit code or a 6-digit xxxx00 code is a city (GB/T 2260).
const LEVELS = ['city', 'district', 'street', 'community', 'grid'], LENS = [4, 6, 9, 12, 15];

const Core = {
  isCity: c => c.length === 4 || (c.length === 6 && /00$/.test(c)),
  levelIndex(c) {
    c = String(c);
    if (Core.isCity(c)) return 0;
    let i = 4;
    while (i > 0 && LENS[i] > c.length) i--;
    return i;
  },
  levelOf: c => LEVELS[Core.levelIndex(c)],
  // Level of the polygons shown inside a node (a grid shows itself).
  childLevel: c => LEVELS[Math.min(Core.levelIndex(c) + 1, 4)],
  // Prefix of every code below the node (city 450100 -> 4501).
  scope: c => (Core.isCity(c) ? c.slice(0, 4) : c),
  // The API takes 6/9/12/15-digit codes: a 4-digit city code becomes xxxx00.
  apiCode: c => (c.length === 4 ? c + '00' : c),
  // [x0,y0,dx1,dy1,...] (integers, 1/scale degree) -> Float64Array [lon,lat,...] in degrees,
  // without a repeated closing point.
  decodeRing(r, scale) {
    const n = r.length >> 1;
    let i, sx = 0, sy = 0, x = 0, y = 0;
    for (i = 1; i < n; i++) { sx += r[2 * i]; sy += r[2 * i + 1]; }
    const m = n > 1 && sx === 0 && sy === 0 ? n - 1 : n, out = new Float64Array(m * 2);
    scale = scale || 1;
    for (i = 0; i < m; i++) {
      x += r[2 * i]; y += r[2 * i + 1];
      out[2 * i] = x / scale; out[2 * i + 1] = y / scale;
    }
    return out;
  },
  // Web Mercator in pixels at zoom 0 (the world is 256 x 256, y down).
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
      const x = xy[i], y = xy[i + 1];
      if (x < bb[0]) bb[0] = x;
      if (y < bb[1]) bb[1] = y;
      if (x > bb[2]) bb[2] = x;
      if (y > bb[3]) bb[3] = y;
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
  // Up to 4 class thresholds: quantiles, or the distinct values when there are at most 5.
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
  // Class of v: the number of thresholds below it.
  classOf(t, v) {
    let i = 0;
    while (i < t.length && v > t[i]) i++;
    return i;
  }
};
root.TongxinMapCore = Core;
if (typeof module !== 'undefined' && module.exports) module.exports = Core;
if (typeof document === 'undefined') return;

const start = () => {
  const $ = id => document.getElementById(id), app = $('map-app'), canvas = $('map-canvas');
  if (!app || !canvas || !canvas.getContext) return;
  const crumbs = $('map-crumbs'), legend = $('map-legend'), info = $('map-info'), sel = $('map-measure');
  const g = canvas.getContext('2d'), ds = app.dataset, ZH = ds.lang !== 'en';
  const L = (zh, en, sep) => (ZH ? zh + (sep || ' ') + en : en), L2 = a => L(a[0], a[1]);
  const TILE = (ds.tiles || '').trim(), TOP = (ds.within || '').trim(), TOPS = Core.scope(TOP);
  const REDUCED = root.matchMedia && root.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const PAL = ['#1a9850', '#91cf60', '#fee08b', '#fc8d59', '#d73027'], NODATA = '#d0d0d0', ACCENT = '#b71c1c';
  const f1 = v => String(Math.round(v * 10) / 10), fInt = v => String(Math.round(v));
  const fPct = v => Math.round(v * 1000) / 10 + '%', fAny = v => (Number.isInteger(v) ? String(v) : f1(v));
  const MEAS = {
    open: ['未结案件', 'Open cases', fInt], overdue: ['超期案件', 'Overdue cases', fInt],
    on_time_rate: ['按期结案率', 'On-time closure rate', fPct, 1], per_1000: ['每千人案件', 'Cases per 1,000 residents', f1]
  };
  const LV = { city: ['全市', 'City'], district: ['区县', 'District'], street: ['街道', 'Street'], community: ['社区', 'Community'], grid: ['网格', 'Grid'] };
  const ST = {
    reported: ['已上报', 'Reported'], filed: ['已立案', 'Filed'], dispatched: ['已派遣', 'Dispatched'], accepted: ['处置中', 'In progress'],
    handled: ['待核查', 'Awaiting check'], closed: ['已结案', 'Closed'], cancelled: ['已作废', 'Cancelled'], merged: ['已合并', 'Merged']
  };
  const CLOSED = { closed: 1, cancelled: 1, merged: 1 };
  const IND = {
    reported: ['上报案件', 'Reported'], closed: ['结案', 'Closed'],
    on_time_closure_rate: ['按期结案率', 'On-time closure rate'], satisfaction_rate: ['满意率', 'Satisfaction rate']
  };
  const stName = s => (ST[s] ? L2(ST[s]) : s || '');
  const measure = () => (sel && sel.value) || 'open';
  const M = () => MEAS[measure()] || [measure(), measure(), fAny];
  const names = new Map();
  const nameOf = c => names.get(c) || names.get(Core.apiCode(c)) || (Core.isCity(c) ? L('全市', 'City') : c);
  const parentOf = c => {
    const i = Core.levelIndex(c);
    return i <= 0 ? null : i === 1 ? (Core.isCity(TOP) ? TOP : c.slice(0, 4)) : c.slice(0, LENS[i - 1]);
  };
  const enc = encodeURIComponent;
  // kids: child layer shown; grid: all grids under TOP (thin outlines); full: full-detail
  // grids seen so far; ctx: the layer the current node belongs to (greyed siblings).
  const S = {
    node: TOP, kids: null, grid: null, full: new Map(), ctx: null, markers: null, groups: null, vals: null,
    colours: {}, legend: [], nodata: 0, period: '', selected: null, selMarker: null, hover: null,
    seq: 0, W: 0, H: 0, dpr: 1, cx: 0, cy: 0, s: 1, topBB: null, viewSet: false, pendingFit: null, loading: false
  };
  const hook = root.tongxinMap = {
    ready: false, level: null, childLevel: null, node: null, drawnPolygons: 0, colours: {}, loadMs: null,
    drill: c => drill(String(c)), select: c => select(String(c)), up: () => up(),
    setMeasure: m => { sel.value = m; return reloadMeasure(); }
  };

  // ---- fetching: cached by URL; the resolved value sits on the promise as .value ----
  const getJSON = url => fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(r =>
    r.ok ? r.json() : r.json().catch(() => ({})).then(b => {
      const e = new Error('HTTP ' + r.status);
      e.status = r.status; e.detail = b && (b.detail || b.title);
      throw e;
    }));
  const cache = new Map();
  const load = (url, make) => {
    let p = cache.get(url);
    if (p) { cache.delete(url); cache.set(url, p); return p; }
    p = getJSON(url).then(j => (p.value = make ? make(j) : j));
    cache.set(url, p);
    p.catch(() => cache.get(url) === p && cache.delete(url));
    for (const k of cache.keys()) { if (cache.size <= 40) break; cache.delete(k); }
    return p;
  };
  const q = (lv, within) => '?level=' + lv + '&within=' + enc(Core.apiCode(within));
  const geomUrl = (lv, within, detail) => '/api/v1/map/geometry' + q(lv, within) + '&detail=' + (detail || 'simplified');
  const loadGeom = (lv, within, detail) => load(geomUrl(lv, within, detail), buildLayer);
  const loadMeasure = (node, m) => load('/api/v1/map/measures' + q(Core.childLevel(node), node) + '&measure=' + enc(m));
  const cachedLayer = (lv, within) => (cache.get(geomUrl(lv, within)) || {}).value;

  // Decodes and projects every ring once; items keep rings (Float64Array) and a bbox.
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
      const o = { c: String(it.c), n: it.n || '', rings, bb };
      items.push(o);
      byCode.set(o.c, o);
      if (it.n) names.set(o.c, it.n);
    }
    return { items, byCode };
  };
  const union = items => {
    const bb = [Infinity, Infinity, -Infinity, -Infinity];
    for (const { bb: b } of items) {
      bb[0] = Math.min(bb[0], b[0]); bb[1] = Math.min(bb[1], b[1]);
      bb[2] = Math.max(bb[2], b[2]); bb[3] = Math.max(bb[3], b[3]);
    }
    return isFinite(bb[0]) ? bb : null;
  };
  const findItem = c => {
    const p = parentOf(c), l = p && cachedLayer(Core.levelOf(c), p);
    return (S.kids && S.kids.byCode.get(c)) || S.full.get(c) || (S.grid && S.grid.byCode.get(c)) || (l && l.byCode.get(c)) || null;
  };
  const bbOf = c => (findItem(c) || {}).bb;
  const zoomTo = c => { const b = bbOf(c); if (b) fitTo(b, true); };

  // ---- navigation ----
  let drawWaiters = [];
  // Resolves after the next drawn frame (a timer covers throttled rAF in hidden tabs).
  const nextDraw = () => new Promise(res => {
    drawWaiters.push(res); requestDraw();
    setTimeout(() => drawWaiters.length && draw(), 120);
  });
  const go = (code, bb, selectCode) => {
    const seq = ++S.seq, lv = Core.levelOf(code), cl = Core.childLevel(code), m = measure();
    const deep = lv === 'community' || lv === 'grid';
    Object.assign(S, { node: code, selected: selectCode || null, selMarker: null, hover: null, kids: null, groups: null, markers: null, colours: {} });
    S.ctx = code !== TOP && parentOf(code) ? cachedLayer(lv, parentOf(code)) : null;
    tip.hidden = true;
    if (bb) fitTo(bb, true);
    renderCrumbs();
    updateHook();
    loadInfo(selectCode || code);
    const jobs = [loadGeom(cl, code, deep ? 'full' : 'simplified'), loadMeasure(code, m)];
    if (!deep && Core.levelIndex(TOP) < 3) jobs.push(loadGeom('grid', TOP));
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
        if (!hook.ready) {
          hook.ready = true;
          hook.loadMs = Math.round(clock() - T0);
          ds.ready = '1';
        }
        updateHook();
      });
    }, err => {
      if (seq !== S.seq) return;
      setLoading(false);
      showError(err, () => go(code, bb, selectCode));
    });
  };
  const drill = c => {
    if (Core.isCity(c) && Core.scope(c) === TOPS) c = TOP;
    if (c.indexOf(TOPS) !== 0) return Promise.reject(new Error('outside ' + TOP));
    if (Core.levelOf(c) !== 'grid' || c === TOP) return go(c, bbOf(c));
    const p = parentOf(c);
    return (p === S.node && S.kids ? select(c) : go(p, bbOf(p), c)).then(() => zoomTo(c));
  };
  const up = () => (S.node === TOP ? Promise.resolve() : go(parentOf(S.node), bbOf(parentOf(S.node))));
  const select = c => {
    S.selected = c; S.selMarker = null;
    requestDraw();
    return loadInfo(c);
  };
  const drillSelected = () => {
    const c = S.selected;
    if (c && Core.levelOf(c) === 'grid') zoomTo(c);
    else if (c && c !== S.node) drill(c);
  };
  const setLoading = on => {
    S.loading = on;
    app.setAttribute('aria-busy', String(on));
    requestDraw();
  };
  const updateHook = () => {
    Object.assign(hook, { node: S.node, level: Core.levelOf(S.node), childLevel: Core.childLevel(S.node), colours: S.colours });
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
    const t = Core.breaks(items.map(it => vals[it.c])), k = t.length + 1;
    const groups = [[], [], [], [], [], []], colours = {}, stats = [];
    // pi: palette position 0 (lowest value) .. 4 (highest), 5 = no data.
    const colourOf = pi => (pi === 5 ? NODATA : PAL[good ? 4 - pi : pi]);
    for (const it of items) {
      const v = vals[it.c];
      let pi = 5;
      if (num(v)) {
        const c = Core.classOf(t, v);
        pi = k > 1 ? Math.round(c * 4 / (k - 1)) : (good ? v >= 1 : v <= 0) ? (good ? 4 : 0) : 2;
        const st = stats[c] || (stats[c] = { min: v, max: v, n: 0, pi });
        st.min = Math.min(st.min, v); st.max = Math.max(st.max, v); st.n++;
      }
      groups[pi].push(it);
      colours[it.c] = colourOf(pi);
    }
    Object.assign(S, { vals, groups, colours, nodata: groups[5].length });
    S.legend = stats.filter(Boolean).map(st => {
      const a = meta[2](st.min), b = meta[2](st.max);
      return [colourOf(st.pi), (a === b ? a : a + ' – ' + b) + ' (' + st.n + ')'];
    });
    const days = mj && mj.from && mj.to && /rate|per_/.test(measure()) ? Math.round((mj.to - mj.from) / 864e5) : 0;
    S.period = days ? L('近' + days + '天', 'last ' + days + ' days') : '';
    renderLegend();
    requestDraw();
  };
  const renderLegend = () => {
    legend.textContent = '';
    legend.append(el('div', { class: 'map-legend-title' },
      [L2(M()) + ' · ' + L2(LV[Core.childLevel(S.node)]) + (S.period ? ' · ' + S.period : '')]));
    legend.append(el('ul', null, S.legend.concat([[NODATA, L('无数据', 'No data') + ' (' + S.nodata + ')']]).map(([col, text]) => {
      const sw = el('span', { class: 'map-sw', 'aria-hidden': 'true' });
      sw.style.background = col; // CSSOM, not a style attribute: fine under a strict CSP
      return el('li', null, [sw, el('span', { text })]);
    })));
    legend.append(el('p', { class: 'map-hint', text: L('单击查看，双击或回车进入，退格返回上级',
      'Click to inspect, double-click or Enter to drill in, Backspace to go up') }));
  };

  // ---- case markers (community and grid views) ----
  const loadMarkers = (code, seq) => getJSON('/api/v1/map/cases?within=' + enc(code)).then(j => {
    if (seq !== S.seq) return;
    S.markers = (j.items || []).filter(m => num(m.lon) && num(m.lat)).map(m => {
      const p = Core.project(m.lon, m.lat);
      return { id: m.id, x: p[0], y: p[1], st: m.status, od: !!m.overdue, cat: m.category_name || '', k: m.overdue ? 2 : CLOSED[m.status] ? 0 : 1 };
    });
    requestDraw();
  }, err => seq === S.seq && showError(err, () => loadMarkers(code, S.seq)));

  // ---- DOM: element helper, info panel, breadcrumb ----
  const el = (tag, props, kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (typeof v === 'function') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of kids || []) if (c != null && c !== false) e.append(c);
    return e;
  };
  const panel = nodes => { info.textContent = ''; info.append(...nodes.filter(Boolean)); };
  const btn = (text, onclick, cls) => el('button', { type: 'button', class: 'map-btn' + (cls || ''), text, onclick });
  const link = (text, href, cls) => el('a', { class: 'map-btn' + (cls || ''), href, text });
  const badge = () => el('span', { class: 'map-badge', text: L('超期', 'Overdue') });
  let infoSeq = 0;
  const loadInfo = c => {
    const n = ++infoSeq;
    panel([el('h2', { text: nameOf(c) }), el('p', { class: 'map-muted', text: L('加载中…', 'Loading…') })]);
    return getJSON('/api/v1/map/node/' + enc(Core.apiCode(c))).then(
      d => n === infoSeq && renderInfo(d || {}, c),
      err => n === infoSeq && showError(err, () => loadInfo(c)));
  };
  const renderInfo = (d, c) => {
    for (const p of d.path || []) if (p && p.code && p.name) names.set(String(p.code), p.name);
    if (d.name) names.set(c, d.name);
    renderCrumbs();
    const lv = LV[d.level] ? d.level : Core.levelOf(c), rows = [], ind = d.indicators || {}, v = S.vals && S.vals[c];
    const row = (lab, val) => val != null && val !== '' && rows.push(el('dt', { text: L2(lab) }), el('dd', { text: String(val) }));
    if (Array.isArray(d.workers) && d.workers.length) {
      row(['网格员', 'Grid workers'], d.workers.map(w => (w.name || '') + (w.username ? ' (' + w.username + ')' : '')).join(ZH ? '、' : ', '));
    }
    row(['党组织', 'Party organisation'], d.party);
    row(['户数', 'Households'], d.households);
    row(['人口', 'Population'], d.population);
    row(['未结案件', 'Open cases'], d.open_cases);
    row(['超期案件', 'Overdue cases'], d.overdue_cases);
    for (const k of Object.keys(ind)) if (num(ind[k])) row(IND[k] || [k, k], /rate$/.test(k) ? fPct(ind[k]) : fAny(ind[k]));
    if (num(v) && !/^(open|overdue)$/.test(measure())) row(M(), M()[2](v));
    const cases = Array.isArray(d.cases) ? d.cases : null;
    panel([
      el('h2', { text: d.name || nameOf(c) }),
      el('p', { class: 'map-sub', text: L2(LV[lv]) + ' · ' + c }),
      d.path && d.path.length > 1 && el('p', { class: 'map-path', text: d.path.map(p => p.name).join(' › ') }),
      rows.length && el('dl', null, rows),
      cases && el('h3', { text: L('最新案件', 'Latest cases') }),
      cases && !cases.length && el('p', { class: 'map-muted', text: L('暂无案件', 'No cases') }),
      cases && cases.length && el('ul', { class: 'map-cases' }, cases.map(k => el('li', null, [
        el('a', { href: '/cases/' + enc(k.id), text: '#' + k.id + ' ' + (k.category_name || '') }), ' ',
        el('span', { class: 'map-st', text: k.status_name || stName(k.status) }), k.overdue && badge()]))),
      el('div', { class: 'map-actions' }, [
        lv !== 'grid' && Core.levelIndex(c) > Core.levelIndex(S.node) && btn(L('进入', 'Drill in'), () => drill(c)),
        link(L('查看案件', 'Cases', ' / '), '/cases?within=' + enc(Core.apiCode(c)), ' map-btn-2')])
    ]);
  };
  const showCase = m => {
    S.selMarker = m.id;
    infoSeq++;
    requestDraw();
    panel([
      el('h2', { text: L('案件', 'Case') + ' #' + m.id }),
      el('p', { text: m.cat }),
      el('p', null, [el('span', { class: 'map-st', text: stName(m.st) }), m.od && badge()]),
      el('div', { class: 'map-actions' }, [link(L('查看详情', 'View case'), '/cases/' + enc(m.id))])
    ]);
  };
  const showError = (err, retry) => {
    infoSeq++;
    const st = err && err.status;
    panel([el('div', { class: 'map-error', role: 'alert' }, st === 401
      ? [el('p', { text: L('登录已过期', 'Session expired', ' / ') }), link(L('重新登录', 'Sign in', ' / '), '/login')]
      : [el('p', { text: st === 403 ? L('无权查看', 'Access denied', ' / ') : L('加载失败，请重试', 'Failed to load, please retry', ' / ') }),
        err && err.detail && el('p', { class: 'map-muted', text: String(err.detail) }),
        btn(L('重试', 'Retry'), retry)])]);
  };
  const renderCrumbs = () => {
    const path = [TOP];
    for (let i = Core.levelIndex(TOP) + 1; i <= Core.levelIndex(S.node); i++) path.push(S.node.slice(0, LENS[i]));
    crumbs.textContent = '';
    crumbs.append(el('ol', null, path.map((c, i) => el('li', null, [i === path.length - 1
      ? el('span', { 'aria-current': 'page', text: nameOf(c) })
      : el('button', { type: 'button', class: 'map-crumb', text: nameOf(c), onclick: () => go(c, bbOf(c)) })]))));
  };

  // ---- view: centre (cx, cy) in world units, scale s in CSS px per world unit ----
  let anim = null, raf = 0;
  const fitScale = bb => Math.min(S.W / Math.max(bb[2] - bb[0], 1e-9), S.H / Math.max(bb[3] - bb[1], 1e-9)) * 0.9;
  const clampS = s => Math.max(S.topBB && S.W ? fitScale(S.topBB) / 8 : 1e-6, Math.min(1 << 24, s));
  const fitTo = (bb, animate) => {
    if (!bb || !isFinite(bb[0])) return;
    if (!S.W || !S.H) { S.pendingFit = bb; return; }
    const s = clampS(fitScale(bb)), cx = (bb[0] + bb[2]) / 2, cy = (bb[1] + bb[3]) / 2;
    if (!animate || !S.viewSet || REDUCED) { Object.assign(S, { cx, cy, s, viewSet: true }); anim = null; }
    else anim = { t0: clock(), a: [S.cx, S.cy, Math.log(S.s)], b: [cx, cy, Math.log(s)] };
    requestDraw();
  };
  const zoomAt = (px, py, f) => {
    const wx = (px - S.W / 2) / S.s + S.cx, wy = (py - S.H / 2) / S.s + S.cy;
    S.s = clampS(S.s * f);
    S.cx = wx - (px - S.W / 2) / S.s; S.cy = wy - (py - S.H / 2) / S.s;
    requestDraw();
  };
  const pan = (dx, dy) => { S.cx -= dx / S.s; S.cy -= dy / S.s; requestDraw(); };
  const requestDraw = () => { if (!raf) raf = root.requestAnimationFrame(() => { raf = 0; draw(); }); };
  const resize = () => {
    const W = canvas.clientWidth, H = canvas.clientHeight, dpr = root.devicePixelRatio || 1;
    if (W === S.W && H === S.H && dpr === S.dpr) return;
    Object.assign(S, { W, H, dpr });
    canvas.width = Math.max(1, Math.round(W * dpr));
    canvas.height = Math.max(1, Math.round(H * dpr));
    if (S.pendingFit && W && H) { const b = S.pendingFit; S.pendingFit = null; fitTo(b, false); }
    draw();
  };

  // ---- drawing: one path per style ----
  let ox = 0, oy = 0;
  const vb = [0, 0, 0, 0];
  const visible = b => b[2] >= vb[0] && b[0] <= vb[2] && b[3] >= vb[1] && b[1] <= vb[3];
  // Adds the visible items' rings to the current path, skipping vertices within ~0.6 px of
  // the last one drawn. Returns how many items were traced.
  const trace = (items, skip) => {
    let n = 0;
    const s = S.s;
    for (const it of items) {
      if (it.c === skip || !visible(it.bb)) continue;
      n++;
      for (const xy of it.rings) {
        const len = xy.length;
        let px = xy[0] * s + ox, py = xy[1] * s + oy;
        g.moveTo(px, py);
        for (let j = 2; j < len; j += 2) {
          const x = xy[j] * s + ox, y = xy[j + 1] * s + oy;
          if (j < len - 2 && Math.abs(x - px) < 0.6 && Math.abs(y - py) < 0.6) continue;
          g.lineTo(x, y); px = x; py = y;
        }
        g.closePath();
      }
    }
    return n;
  };
  const stroke = (items, colour, width, skip) => {
    g.beginPath();
    const n = trace(items, skip);
    g.strokeStyle = colour; g.lineWidth = width; g.stroke();
    return n;
  };
  const draw = () => {
    const { W, H } = S;
    let count = 0;
    if (anim) {
      const t = Math.min(1, (clock() - anim.t0) / 320), e = t * (2 - t), { a, b } = anim;
      S.cx = a[0] + (b[0] - a[0]) * e; S.cy = a[1] + (b[1] - a[1]) * e; S.s = Math.exp(a[2] + (b[2] - a[2]) * e);
      if (t < 1) requestDraw(); else anim = null;
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
      const lines = S.grid && S.kids && Core.levelIndex(S.node) < 3;
      if (lines) count += stroke(S.grid.items, 'rgba(40,40,40,.3)', 0.5);
      if (S.kids) stroke(S.kids.items, lines ? '#3a3a3a' : 'rgba(60,60,60,.75)', lines ? 1.6 : 1);
      const cur = S.ctx && S.ctx.byCode.get(S.node), h = S.hover && S.hover !== S.selected && findItem(S.hover);
      const sl = S.selected && findItem(S.selected);
      if (cur) stroke([cur], '#333', 2.2);
      if (h) stroke([h], '#111', 2.4);
      if (sl) stroke([sl], ACCENT, 3.2);
      if (S.markers) drawMarkers();
    }
    if (S.loading) {
      const msg = L('加载中…', 'Loading…');
      g.font = '13px system-ui, sans-serif';
      g.fillStyle = 'rgba(255,255,255,.9)'; g.fillRect(8, 8, g.measureText(msg).width + 16, 24);
      g.fillStyle = '#333'; g.fillText(msg, 16, 25);
    }
    hook.drawnPolygons = count;
    const w = drawWaiters;
    drawWaiters = [];
    w.forEach(f => f());
  };
  // Closed grey, open orange, overdue red (drawn last, on top).
  const drawMarkers = () => {
    const s = S.s;
    let sm = null;
    ['#9e9e9e', '#f57c00', '#d32f2f'].forEach((col, k) => {
      g.beginPath();
      for (const m of S.markers) {
        if (m.k !== k) continue;
        if (m.id === S.selMarker) sm = m;
        const x = m.x * s + ox, y = m.y * s + oy;
        if (x > -6 && y > -6 && x < S.W + 6 && y < S.H + 6) { g.moveTo(x + 5, y); g.arc(x, y, 5, 0, 7); }
      }
      g.fillStyle = col; g.fill();
      g.strokeStyle = '#fff'; g.lineWidth = 1.2; g.stroke();
    });
    if (sm) {
      g.beginPath(); g.arc(sm.x * s + ox, sm.y * s + oy, 8, 0, 7);
      g.strokeStyle = ACCENT; g.lineWidth = 2.5; g.stroke();
    }
  };

  // Tiles (XYZ, Web Mercator). A tile not loaded yet borrows its part of a loaded ancestor;
  // failed tiles are skipped.
  const tiles = new Map();
  const tile = (z, x, y) => {
    const key = z + '/' + x + '/' + y;
    let t = tiles.get(key);
    if (t) { tiles.delete(key); tiles.set(key, t); return t; }
    t = { ok: false, img: new Image() };
    t.img.onload = () => { t.ok = true; requestDraw(); };
    t.img.src = TILE.replace(/\{x\}/g, x).replace(/\{y\}/g, y).replace(/\{z\}/g, z);
    tiles.set(key, t);
    for (const k of tiles.keys()) { if (tiles.size <= 300) break; tiles.get(k).img.onload = null; tiles.delete(k); }
    return t;
  };
  const drawTiles = () => {
    const s = S.s, z = Math.max(0, Math.min(18, Math.round(Math.log2(s)))), n = 2 ** z, ts = 256 / n;
    const x0 = Math.max(0, Math.floor(vb[0] / ts)), x1 = Math.min(n - 1, Math.floor(vb[2] / ts));
    const y0 = Math.max(0, Math.floor(vb[1] / ts)), y1 = Math.min(n - 1, Math.floor(vb[3] / ts));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 160) return;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const t = tile(z, x, y), sx = Math.floor(x * ts * s + ox), sy = Math.floor(y * ts * s + oy);
        const sw = Math.ceil((x + 1) * ts * s + ox) - sx, sh = Math.ceil((y + 1) * ts * s + oy) - sy;
        if (t.ok) { g.drawImage(t.img, sx, sy, sw, sh); continue; }
        for (let d = 1; d <= 4 && d <= z; d++) {
          const f = 1 << d, pt = tiles.get(z - d + '/' + Math.floor(x / f) + '/' + Math.floor(y / f));
          if (!pt || !pt.ok) continue;
          const sub = pt.img.naturalWidth / f;
          g.drawImage(pt.img, (x % f) * sub, (y % f) * sub, sub, sub, sx, sy, sw, sh);
          break;
        }
      }
    }
  };

  // ---- hit-testing: markers within 9 px, then child polygons (bbox first) ----
  const hit = (px, py) => {
    const s = S.s, wx = (px - S.W / 2) / s + S.cx, wy = (py - S.H / 2) / s + S.cy;
    let best = null, bd = 81;
    for (const m of S.markers || []) {
      const dx = (m.x - wx) * s, dy = (m.y - wy) * s, dd = dx * dx + dy * dy;
      if (dd < bd) { bd = dd; best = m; }
    }
    if (best) return { m: best };
    for (const it of S.kids ? S.kids.items : []) {
      const b = it.bb;
      if (wx >= b[0] && wx <= b[2] && wy >= b[1] && wy <= b[3] && Core.pointInRings(it.rings, wx, wy)) return { it };
    }
    return null;
  };

  // ---- input: pointer (mouse, touch, pen), wheel, keyboard ----
  const tip = el('div', { class: 'map-tip', role: 'tooltip', hidden: '' });
  app.append(tip);
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
    if (code !== S.hover) { S.hover = code; requestDraw(); }
  };
  const tap = (p, touch) => {
    if (touch) {
      if (lastTap && clock() - lastTap.t < 350 && Math.abs(p[0] - lastTap.p[0]) + Math.abs(p[1] - lastTap.p[1]) < 30) {
        lastTap = null; lastDbl = clock(); dblAt(p); return;
      }
      lastTap = { t: clock(), p };
    }
    const h = hit(p[0], p[1]);
    if (h && h.m) showCase(h.m);
    else if (h) select(h.it.c);
    else if (S.selected || S.selMarker) { S.selected = S.selMarker = null; requestDraw(); loadInfo(S.node); }
  };
  // Double click / double tap: drill into a division, zoom to a grid, zoom in on empty space.
  const dblAt = p => {
    const h = hit(p[0], p[1]);
    if (h && h.it) {
      if (Core.levelOf(h.it.c) !== 'grid') go(h.it.c, h.it.bb);
      else { if (S.selected !== h.it.c) select(h.it.c); zoomTo(h.it.c); }
    } else if (!h) zoomAt(p[0], p[1], 2);
  };
  const pos = e => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const pinch = () => {
    const [a, b] = ptrs.values();
    return { d: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, m: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
  };
  const on = (type, f, opt) => canvas.addEventListener(type, f, opt);
  on('pointerdown', e => {
    if (e.button > 0) return;
    const p = pos(e);
    ptrs.set(e.pointerId, p);
    try { canvas.setPointerCapture(e.pointerId); } catch (x) { /* not capturable */ }
    anim = null;
    if (ptrs.size === 1) drag = { p0: p, last: p, t0: clock(), moved: false };
    else if (drag) { drag.moved = true; drag.pinch = pinch(); }
    if (document.activeElement !== canvas) canvas.focus({ preventScroll: true });
  });
  on('pointermove', e => {
    const p = pos(e);
    if (!ptrs.has(e.pointerId)) {
      if (e.pointerType === 'mouse') { hoverAt = p; if (!hraf) hraf = root.requestAnimationFrame(doHover); }
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
      if (!drag.moved && Math.hypot(p[0] - drag.p0[0], p[1] - drag.p0[1]) > 6) { drag.moved = true; tip.hidden = true; }
      if (drag.moved) { pan(p[0] - drag.last[0], p[1] - drag.last[1]); drag.last = p; }
    }
  });
  const end = e => {
    if (!ptrs.delete(e.pointerId)) return;
    if (!ptrs.size) {
      const d = drag;
      drag = null;
      if (d && !d.moved && e.type === 'pointerup' && clock() - d.t0 < 700) tap(pos(e), e.pointerType !== 'mouse');
    } else if (drag) {
      const p = ptrs.values().next().value; // one finger left after a pinch: keep panning
      drag = { p0: p, last: p, t0: 0, moved: true };
    }
  };
  on('pointerup', end);
  on('pointercancel', end);
  on('pointerleave', e => {
    if (e.pointerType !== 'mouse' || ptrs.size) return;
    tip.hidden = true; hoverAt = null;
    if (S.hover) { S.hover = null; requestDraw(); }
  });
  on('dblclick', e => { e.preventDefault(); if (clock() - lastDbl > 600) dblAt(pos(e)); });
  on('wheel', e => {
    e.preventDefault();
    anim = null;
    const p = pos(e), dy = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
    zoomAt(p[0], p[1], Math.exp(-Math.max(-300, Math.min(300, dy)) * 0.002));
  }, { passive: false });
  // Arrows pan, +/- zoom, Enter drills, Backspace/Escape go up, n/] and p/[ cycle the selection.
  on('keydown', e => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key, dx = S.W * 0.15, dy = S.H * 0.15;
    if (k === 'ArrowLeft') pan(dx, 0);
    else if (k === 'ArrowRight') pan(-dx, 0);
    else if (k === 'ArrowUp') pan(0, dy);
    else if (k === 'ArrowDown') pan(0, -dy);
    else if (k === '+' || k === '=') zoomAt(S.W / 2, S.H / 2, 1.5);
    else if (k === '-' || k === '_') zoomAt(S.W / 2, S.H / 2, 1 / 1.5);
    else if (k === 'Enter') drillSelected();
    else if (k === 'Backspace' || k === 'Escape') up();
    else if ('np[]'.includes(k)) cycle(k === 'n' || k === ']' ? 1 : -1);
    else return;
    anim = null;
    e.preventDefault();
  });
  const cycle = dir => {
    const list = S.kids ? S.kids.items.slice().sort((a, b) => a.n.localeCompare(b.n, 'zh') || (a.c < b.c ? -1 : 1)) : [];
    if (!list.length) return;
    const i = list.findIndex(it => it.c === S.selected), it = list[i < 0 ? (dir > 0 ? 0 : list.length - 1) : (i + dir + list.length) % list.length];
    select(it.c);
    if (!visible(it.bb)) pan((S.cx - (it.bb[0] + it.bb[2]) / 2) * S.s, (S.cy - (it.bb[1] + it.bb[3]) / 2) * S.s);
  };

  if (sel) {
    for (const o of sel.options) if (MEAS[o.value]) o.textContent = L2(MEAS[o.value]);
    sel.addEventListener('change', () => reloadMeasure());
  }
  crumbs.setAttribute('aria-label', L('层级导航', 'Breadcrumb'));
  if (root.ResizeObserver) new root.ResizeObserver(resize).observe(canvas);
  root.addEventListener('resize', resize);
  resize();
  if (/^\d{4,15}$/.test(TOP)) go(TOP);
  else showError({ detail: 'data-within: ' + TOP }, () => root.location.reload());
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
})(typeof window !== 'undefined' ? window : globalThis);
