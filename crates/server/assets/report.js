/* Report form on a phone: position, photo, category search, duplicates, a draft kept while
   the session lapses, and a submission that retries with one idempotency key. */
(function () {
  var form = document.getElementById('report-form');
  if (!form) return;
  var zh = form.dataset.lang !== 'en';
  function t(a, b) { return zh ? a : b; }
  var $ = function (id) { return document.getElementById(id); };
  var status = $('report-status'), submit = $('submit'), csrf = form.csrf_token.value;
  var DRAFT = 'tongxin.report.draft';
  var MAX = 10 * 1024 * 1024;
  // Said beside the submit button, where the user is looking, and brought into view.
  function say(text, bad) {
    status.textContent = text; status.className = bad ? 'err' : 'muted';
    if (bad && status.scrollIntoView) status.scrollIntoView({ block: 'center' });
  }
  // The key protects one identical retry: a refused or changed request gets a fresh one.
  function freshKey() {
    var a = new Uint8Array(16); (window.crypto || window.msCrypto).getRandomValues(a);
    form.idempotency_key.value = Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  var lastSent = null;

  // Draft: nothing typed is lost if the session expires or the page reloads.
  var fields = ['category', 'description', 'lon', 'lat', 'crs', 'address', 'photos', 'idempotency_key'];
  function save() {
    var d = {}; fields.forEach(function (f) { d[f] = form[f].value; });
    try { localStorage.setItem(DRAFT, JSON.stringify(d)); } catch (e) {}
  }
  try {
    var d = JSON.parse(localStorage.getItem(DRAFT) || 'null');
    if (d && !form.description.value) fields.forEach(function (f) { if (d[f]) form[f].value = d[f]; });
  } catch (e) {}
  form.addEventListener('input', save);

  // Category search.
  var search = $('category-search'), select = $('category');
  search.hidden = false;
  search.addEventListener('input', function () {
    var q = search.value.trim().toLowerCase(), first = null;
    Array.prototype.forEach.call(select.options, function (o) {
      var hit = !q || !o.value || o.text.toLowerCase().indexOf(q) >= 0 || o.value.indexOf(q) === 0;
      o.hidden = !hit; if (hit && o.value && !first) first = o;
    });
    if (first && q) { select.value = first.value; duplicates(); }
  });

  // Position from the phone (browsers give WGS-84).
  var locate = $('locate');
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener('click', function () {
      say(t('正在定位…', 'Locating…'));
      navigator.geolocation.getCurrentPosition(function (p) {
        form.lon.value = p.coords.longitude.toFixed(6); form.lat.value = p.coords.latitude.toFixed(6);
        form.crs.value = 'wgs84'; save(); say(t('已定位', 'Position set')); duplicates(); whereIs();
      }, function (e) { say(t('无法定位：', 'Cannot locate: ') + e.message, true); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // Photo: checked for size before upload, stored by content hash.
  var photo = $('photo'), preview = $('photo-preview');
  $('photo-label').hidden = false;
  photo.addEventListener('change', function () {
    var f = photo.files[0]; if (!f) return;
    if (f.size > MAX) {
      say(t('照片太大（', 'Photo too large (') + (f.size / 1048576).toFixed(1) + t(' MB），请小于 10 MB', ' MB); keep it under 10 MB'), true);
      photo.value = ''; return;
    }
    say(t('正在上传照片…', 'Uploading photo…'));
    fetch('/api/v1/media', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrf }, body: f })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.detail || r.status); return j; }); })
      .then(function (j) {
        var list = form.photos.value ? form.photos.value.split(',') : [];
        list.push(j.hash); form.photos.value = list.join(','); save();
        var img = document.createElement('img'); img.src = '/api/v1/media/' + j.hash + '/thumbnail'; img.alt = 'photo'; img.style.maxWidth = '8rem';
        preview.appendChild(img); say(t('照片已上传', 'Photo uploaded'));
      })
      .catch(function (e) { say(t('照片上传失败：', 'Photo upload failed: ') + e.message, true); });
  });

  // Possible duplicates: same category within 50 m in the last 7 days; "me too" instead.
  var box = $('duplicates');
  function duplicates() {
    if (!select.value || !form.lon.value || !form.lat.value) return;
    var q = '/api/v1/cases/nearby?category=' + encodeURIComponent(select.value) + '&lon=' + encodeURIComponent(form.lon.value) +
      '&lat=' + encodeURIComponent(form.lat.value) + '&crs=' + encodeURIComponent(form.crs.value);
    fetch(q, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      box.textContent = '';
      if (!list.length) return;
      var h = document.createElement('p'); h.className = 'err'; h.textContent = t('附近已有相同问题，可点“我也遇到”而不重复上报：', 'The same problem was reported nearby; add "me too" instead of a duplicate:');
      box.appendChild(h);
      list.forEach(function (n) {
        var p = document.createElement('p'), a = document.createElement('a'), b = document.createElement('button');
        a.href = '/cases/' + n.case.id; a.textContent = '#' + n.case.id + ' ' + n.case.category_name + ' · ' + Math.round(n.distance_m) + ' m';
        b.type = 'button'; b.className = 'quiet'; b.textContent = t('我也遇到', 'Me too');
        b.addEventListener('click', function () {
          fetch('/api/v1/cases/' + n.case.id + '/support', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: '{}' })
            .then(function (r) { if (r.ok) { localStorage.removeItem(DRAFT); location.href = '/cases/' + n.case.id; } else say(t('未能加入', 'Could not add'), true); });
        });
        p.appendChild(a); p.appendChild(document.createTextNode(' ')); p.appendChild(b); box.appendChild(p);
      });
    }).catch(function () {});
  }
  ['change'].forEach(function (ev) { select.addEventListener(ev, duplicates); form.lon.addEventListener(ev, duplicates); form.lat.addEventListener(ev, duplicates); });

  // The grid a position falls in, as soon as the position is known.
  var hint = $('grid-hint');
  function whereIs() {
    if (!form.lon.value || !form.lat.value) { hint.textContent = ''; return; }
    var q = '/api/v1/locate?lon=' + encodeURIComponent(form.lon.value) + '&lat=' + encodeURIComponent(form.lat.value) + '&crs=' + encodeURIComponent(form.crs.value);
    fetch(q, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
      if (j.found) {
        hint.className = 'muted';
        hint.textContent = t('位置所在：', 'This position is in: ') + j.path.slice(1).map(function (n) { return n.name; }).join(' › ') + ' (' + j.grid.code + ')';
      } else {
        hint.className = 'err';
        hint.textContent = j.message || j.detail || t('该位置不在任何网格内', 'The position is outside every grid');
      }
    }).catch(function () {});
  }
  [form.lon, form.lat, form.crs].forEach(function (el) { el.addEventListener('change', whereIs); });
  if (form.lon.value && form.lat.value) whereIs();

  // Submission: one idempotency key for every retry, so nothing is lost and nothing doubled.
  var sending = false;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (sending) return;
    sending = true; submit.disabled = true; save();
    var body = {
      category: select.value, description: form.description.value, address: form.address.value,
      crs: form.crs.value, photos: form.photos.value ? form.photos.value.split(',') : []
    };
    if (form.lon.value) body.lon = parseFloat(form.lon.value);
    if (form.lat.value) body.lat = parseFloat(form.lat.value);
    var sent = JSON.stringify(body);
    if (lastSent !== null && sent !== lastSent) { freshKey(); save(); }
    lastSent = sent;
    var tries = 0;
    function attempt() {
      tries++;
      say(tries > 1 ? t('网络中断，正在重试（第 ', 'Connection lost, retrying (attempt ') + tries + t(' 次）…', ')…') : t('正在提交…', 'Submitting…'));
      fetch('/api/v1/cases', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': form.idempotency_key.value },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (j) { return { r: r, j: j }; }, function () { return { r: r, j: {} }; });
      }).then(function (x) {
        if (x.r.ok) {
          localStorage.removeItem(DRAFT);
          location.href = '/cases/' + x.j.id + '?done=' + encodeURIComponent(t('已上报 ✔', 'Reported ✔') + (x.j.notice ? ' ' + x.j.notice : ''));
          return;
        }
        sending = false; submit.disabled = false;
        if (x.r.status >= 400 && x.r.status < 500 && x.r.status !== 401) { freshKey(); save(); lastSent = null; }
        if (x.r.status === 401 || x.r.status === 403 && /csrf/i.test(x.j.detail || '')) {
          say(t('登录已过期，内容已保存。请重新登录后再提交：', 'Your session expired; your report is saved. Sign in again, then submit: '), true);
          var a = document.createElement('a'); a.href = '/login?next=/report'; a.textContent = t('重新登录', 'Sign in'); status.appendChild(a);
          return;
        }
        var msg = x.j.errors && x.j.errors.length
          ? x.j.errors.map(function (f) { return f.reason; }).join('；')
          : (x.j.detail || x.j.title || x.r.status);
        say(t('未能提交：', 'Not submitted: ') + msg, true);
      }).catch(function () {
        if (tries < 8) setTimeout(attempt, Math.min(30000, 1000 * Math.pow(2, tries - 1)));
        else { sending = false; submit.disabled = false; say(t('网络不可用，内容已保存，稍后再试', 'No connection; your report is saved, try again later'), true); }
      });
    }
    attempt();
  });
})();
