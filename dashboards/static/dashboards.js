// Camino dashboards: turns each chart's option (JSON beside its container)
// into an ECharts instance, in the page's language; sorts tables and
// sortable charts; saves a chart as PNG. No request leaves the page's origin.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'es' ? 'es' : 'en';
  var nf = new Intl.NumberFormat(lang === 'es' ? 'es-ES' : 'en-US', { maximumFractionDigits: 2 });
  var charts = {};
  window.caminoCharts = charts;

  function fmt(v) {
    if (v === null || v === undefined || v === '-' || (typeof v === 'number' && isNaN(v))) { return '–'; }
    return typeof v === 'number' ? nf.format(v) : String(v);
  }
  function list(x) { return x === undefined ? [] : (Array.isArray(x) ? x : [x]); }

  // localise puts the reader's number format on tooltips, value axes and gauges.
  function localise(opt) {
    list(opt.tooltip).forEach(function (t) { t.valueFormatter = fmt; });
    // A y axis's title sits above it, centred on the axis line: align it
    // inwards so that it stays inside the canvas.
    list(opt.yAxis).forEach(function (a, i) {
      if (a.name) { a.nameTextStyle = Object.assign({}, a.nameTextStyle, { align: i === 0 ? 'left' : 'right' }); }
    });
    ['xAxis', 'yAxis'].forEach(function (k) {
      list(opt[k]).forEach(function (a) {
        if (a.type === 'value' || a.type === 'log') {
          a.axisLabel = Object.assign({}, a.axisLabel, { formatter: function (v) { return nf.format(v); } });
        }
      });
    });
    list(opt.series).forEach(function (s) {
      if (s.type === 'gauge') {
        s.min = 0; s.max = 100;
        s.progress = { show: true };
        s.detail = Object.assign({}, s.detail, { fontSize: 20, offsetCenter: [0, '70%'],
          formatter: function (v) { return nf.format(v) + (lang === 'es' ? '\u00a0%' : '%'); } });
        s.title = { offsetCenter: [0, '95%'], fontSize: 12 };
      }
    });
    return opt;
  }

  function init() {
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var id = el.getAttribute('data-chart');
      var src = document.getElementById('option-' + id);
      if (!src || typeof echarts === 'undefined') { return; }
      var c = echarts.init(el, null, { renderer: 'canvas' });
      c.setOption(localise(JSON.parse(src.textContent)));
      charts[id] = c;
    });
  }

  function num(v) {
    var x = (v && typeof v === 'object') ? v.value : v;
    return typeof x === 'number' ? x : -Infinity;
  }

  // sortChart toggles a category chart between by value and by name.
  function sortChart(btn) {
    var id = btn.getAttribute('data-sort-chart');
    var c = charts[id];
    if (!c) { return; }
    var opt = c.getOption();
    var key = opt.yAxis && opt.yAxis[0] && opt.yAxis[0].type === 'category' ? 'yAxis' : 'xAxis';
    var names = opt[key][0].data.map(function (d) { return (d && typeof d === 'object') ? d.value : d; });
    var vals = opt.series[0].data;
    var idx = names.map(function (_, i) { return i; });
    var byName = btn.getAttribute('data-state') !== 'name';
    idx.sort(byName ? function (a, b) { return String(names[a]).localeCompare(String(names[b]), lang); }
                    : function (a, b) { return num(vals[b]) - num(vals[a]); });
    if (key === 'yAxis') { idx.reverse(); } // a vertical category axis draws its first item at the bottom
    var upd = { series: [{ data: idx.map(function (i) { return vals[i]; }) }] };
    upd[key] = [{ data: idx.map(function (i) { return names[i]; }) }];
    c.setOption(upd);
    btn.setAttribute('data-state', byName ? 'name' : 'value');
    btn.textContent = btn.getAttribute(byName ? 'data-label-value' : 'data-label-name');
  }

  // sortTable sorts a table by a column, numbers as numbers; again reverses.
  function sortTable(th) {
    var table = th.closest('table');
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(r) {
      var s = r.cells[col] ? r.cells[col].getAttribute('data-sort') : '';
      var x = parseFloat(s);
      return isNaN(x) || !/^[-0-9.]/.test(s) ? { n: false, s: s } : { n: true, x: x };
    }
    rows.sort(function (a, b) {
      var ka = key(a), kb = key(b), d;
      if (ka.n && kb.n) { d = ka.x - kb.x; } else if (ka.n !== kb.n) { d = ka.n ? 1 : -1; } else { d = ka.s.localeCompare(kb.s, lang); }
      return asc ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function savePNG(id) {
    var c = charts[id];
    if (!c) { return; }
    var a = document.createElement('a');
    a.href = c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
    a.download = 'camino-' + id + '.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    var b;
    if ((b = t.closest('[data-png]'))) { savePNG(b.getAttribute('data-png')); }
    else if ((b = t.closest('[data-sort-chart]'))) { sortChart(b); }
    else if ((b = t.closest('table.sortable th'))) { sortTable(b); }
  });
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }, 100);
  });
  // Charts in a closed <details> or a resized card get their size right.
  document.addEventListener('toggle', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }, true);

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
