/* Administration page: imports and users through the JSON API, errors shown row by row. */
(function () {
  var root = document.getElementById('admin');
  if (!root) return;
  var zh = root.dataset.lang !== 'en', csrf = root.dataset.csrf;
  function t(a, b) { return zh ? a : b; }
  function $(id) { return document.getElementById(id); }
  function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
  function call(method, url, body, type) {
    var h = { 'X-CSRF-Token': csrf };
    if (type) h['Content-Type'] = type;
    return fetch(url, { method: method, credentials: 'same-origin', headers: h, body: body })
      .then(function (r) { return r.text().then(function (s) { var j = {}; try { j = JSON.parse(s); } catch (e) {} return { ok: r.ok, status: r.status, j: j }; }); });
  }
  function table(rows, head) {
    var tb = el('table'), tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', h)); }); tb.appendChild(tr);
    rows.forEach(function (r) { var tr = el('tr'); r.forEach(function (c) { tr.appendChild(el('td', c === undefined || c === null ? '' : String(c))); }); tb.appendChild(tr); });
    return tb;
  }
  function problems(list) {
    return table((list || []).map(function (p) { return [p.index === undefined ? '' : p.index, p.field || '', p.code || '', p.reason]; }),
      [t('序号/行', 'Index/row'), t('字段/代码', 'Field'), t('代码', 'Code'), t('原因', 'Reason')]);
  }
  function report(box, x, summary) {
    box.textContent = '';
    if (!x.ok) {
      box.appendChild(el('p', t('未导入：', 'Not imported: ') + (x.j.detail || x.status))).className = 'err';
      if (x.j.errors) box.appendChild(problems(x.j.errors));
      return;
    }
    box.appendChild(el('p', summary(x.j))).className = 'ok';
    var list = x.j.problems || x.j.rejected;
    if (list && list.length) box.appendChild(problems(list));
  }
  function read(input, asText) {
    return new Promise(function (ok, fail) {
      var f = input.files[0]; if (!f) { fail(new Error(t('请选择文件', 'Choose a file'))); return; }
      var r = new FileReader(); r.onload = function () { ok({ name: f.name, data: r.result }); }; r.onerror = function () { fail(r.error); };
      if (asText) r.readAsText(f); else r.readAsArrayBuffer(f);
    });
  }
  $('grid-import').addEventListener('click', function () {
    var box = $('grid-report'); box.textContent = t('校验中…', 'Checking…');
    read($('grid-file'), true).then(function (f) {
      return call('POST', '/api/v1/grids/import?dry_run=' + $('grid-dry').checked, f.data, 'application/geo+json');
    }).then(function (x) {
      report(box, x, function (j) { return (j.dry_run ? t('试运行：', 'Dry run: ') : '') + j.features + t(' 个网格，新增 ', ' grids, created ') + j.created + t('，更新 ', ', updated ') + j.updated + (j.warnings && j.warnings.length ? t('；空隙提示 ', '; gap warnings ') + j.warnings.length : ''); });
    }).catch(function (e) { box.textContent = e.message; });
  });
  $('ledger-import').addEventListener('click', function () {
    var box = $('ledger-report'); box.textContent = t('校验中…', 'Checking…');
    read($('ledger-file'), false).then(function (f) {
      var q = '?filename=' + encodeURIComponent(f.name) + '&partial=' + $('ledger-partial').checked + '&dry_run=' + $('ledger-dry').checked;
      return call('POST', '/api/v1/ledgers/' + $('ledger-kind').value + '/import' + q, f.data, 'application/octet-stream');
    }).then(function (x) {
      report(box, x, function (j) { return (j.dry_run ? t('试运行：', 'Dry run: ') : '') + j.rows + t(' 行，导入 ', ' rows, imported ') + j.imported + (j.encoding ? ' (' + j.encoding + ')' : ''); });
    }).catch(function (e) { box.textContent = e.message; });
  });
  var cursor = null;
  function users(reset) {
    var url = '/api/v1/users?limit=50' + (cursor && !reset ? '&cursor=' + encodeURIComponent(cursor) : '');
    call('GET', url).then(function (x) {
      var tb = $('user-table');
      if (reset) { tb.textContent = ''; var tr = el('tr'); [t('用户名', 'Username'), t('姓名', 'Name'), t('角色', 'Roles'), t('状态', 'State'), ''].forEach(function (h) { tr.appendChild(el('th', h)); }); tb.appendChild(tr); }
      (x.j.items || []).forEach(function (u) {
        var tr = el('tr');
        tr.appendChild(el('td', u.username)); tr.appendChild(el('td', u.display_name));
        tr.appendChild(el('td', (u.roles || []).map(function (r) { return r.role + '@' + r.node; }).join(', ')));
        tr.appendChild(el('td', u.disabled ? t('已停用', 'disabled') : t('正常', 'active')));
        var td = el('td'), b = el('button', u.disabled ? t('启用', 'Enable') : t('停用', 'Disable')); b.type = 'button'; b.className = 'quiet';
        b.setAttribute('aria-label', b.textContent + ' ' + u.username);
        b.addEventListener('click', function () { call('POST', '/api/v1/users/' + u.id + (u.disabled ? '/enable' : '/disable'), '{}', 'application/json').then(function () { users(true); }); });
        td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
      });
      cursor = x.j.next_cursor || null; $('user-more').hidden = !cursor;
    });
  }
  $('user-more').addEventListener('click', function () { users(false); });
  $('user-add').addEventListener('click', function () {
    var body = { username: $('user-name').value.trim(), display_name: $('user-display').value.trim(), password: $('user-password').value,
      roles: [{ role: $('user-role').value, node: $('user-node').value.trim() }] };
    call('POST', '/api/v1/users', JSON.stringify(body), 'application/json').then(function (x) {
      var m = $('user-message');
      if (x.ok) { m.className = 'ok'; m.textContent = t('已添加 ', 'Added ') + body.username; $('user-password').value = ''; users(true); }
      else { m.className = 'err'; m.textContent = (x.j.detail || x.status) + ' ' + (x.j.errors || []).map(function (f) { return (f.field || '') + ': ' + f.reason; }).join('; '); }
    });
  });
  users(true);
})();
