// Camino dashboards: turns each chart's option (JSON beside its container)
// into an ECharts instance, in the page's language and colour scheme;
// says in tooltips what a mark on the chart says (a hidden value, a zero);
// opens a district's or a school's page from its bar or point; sorts tables
// and sortable charts; hides a Sankey's node; saves a chart as PNG; fits
// the charts to the paper when the page is printed. No request leaves the
// page's origin.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'es' ? 'es' : 'en';
  var nf = new Intl.NumberFormat(lang === 'es' ? 'es-ES' : 'en-US', { maximumFractionDigits: 2 });
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var charts = {};
  window.caminoCharts = charts;

  function fmt(v) {
    if (v === null || v === undefined || v === '-' || (typeof v === 'number' && isNaN(v))) { return '–'; }
    return typeof v === 'number' ? nf.format(v) : String(v);
  }
  function list(x) { return x === undefined ? [] : (Array.isArray(x) ? x : [x]); }
  function esc(s) { return echarts.format.encodeHTML(String(s)); }
  // countOf is what a point stands for: its count n on a log axis, else its value.
  function countOf(d, v) {
    if (d && typeof d === 'object') {
      if (d.n !== undefined) { return d.n; }
      if ('value' in d) { return d.value; }
    }
    return v;
  }
  var markKinds = { hidden: true, zero: true, nodata: true };

  // marksOf are the texts of a chart's marks, by series and category.
  function marksOf(opt) {
    var out = {};
    list(opt.series).forEach(function (s, i) {
      list(s.markPoint && s.markPoint.data).forEach(function (d) {
        if (!markKinds[d.name] || !d.coord) { return; }
        var cat = typeof d.coord[0] === 'string' ? d.coord[0] : d.coord[1];
        (out[i] = out[i] || {})[cat] = d.value;
      });
    });
    return out;
  }

  // localise puts the reader's number format on tooltips, value axes, bar
  // labels and gauges, the marks' texts in the tooltips, and the colour
  // scheme's colours on the marks.
  function localise(opt) {
    var marks = marksOf(opt);
    opt.backgroundColor = 'transparent';
    if (dark && Array.isArray(opt.color)) {
      // the dark theme's palette would fill in after ours: ours, repeated
      var pal = opt.color.slice();
      while (opt.color.length < 16) { opt.color = opt.color.concat(pal); }
    }
    list(opt.tooltip).forEach(function (t) {
      t.valueFormatter = fmt;
      if (t.trigger === 'axis') {
        t.formatter = function (ps) {
          ps = list(ps);
          var head = ps.length ? (ps[0].axisValueLabel || ps[0].name) : '';
          return esc(head) + ps.map(function (p) {
            var m = marks[p.seriesIndex] && marks[p.seriesIndex][p.name];
            var v = m !== undefined ? m : fmt(countOf(p.data, p.value));
            return '<br>' + p.marker + esc(p.seriesName) + ' <b>' + esc(v) + '</b>';
          }).join('');
        };
      }
    });
    // A y axis's title sits above it, centred on the axis line: align it
    // inwards so that it stays inside the canvas.
    list(opt.yAxis).forEach(function (a, i) {
      if (a.name) { a.nameTextStyle = Object.assign({}, a.nameTextStyle, { align: i === 0 ? 'left' : 'right' }); }
    });
    ['xAxis', 'yAxis'].forEach(function (k) {
      list(opt[k]).forEach(function (a) {
        if (a.caminoLog) {
          // log10(n) + 1: ticks at 1, 10, 100 …, nothing at the axis start
          a.axisLabel = Object.assign({}, a.axisLabel, { formatter: function (v) {
            return v < 1 ? '' : nf.format(Math.round(Math.pow(10, v - 1)));
          } });
        } else if (a.type === 'value' || a.type === 'log') {
          a.axisLabel = Object.assign({}, a.axisLabel, { formatter: function (v) { return nf.format(v); } });
        }
        if (a.type === 'category') { a.triggerEvent = true; }
      });
    });
    list(opt.series).forEach(function (s) {
      if (s.label && s.label.caminoCount) {
        s.label.formatter = function (p) {
          var n = countOf(p.data, p.value);
          return typeof n === 'number' && n > 0 ? nf.format(n) : '';
        };
      }
      if (s.caminoSize) {
        s.symbolSize = function (v) { return 6 + 3 * Math.sqrt(Math.max(0, v[2] || 0)); };
        s.tooltip = { formatter: function (p) {
          var v = p.value || [];
          var m = p.seriesIndex === 1 && s.label ? s.label.formatter : fmt(v[1]) + (lang === 'es' ? '\u00a0%' : '%');
          return '<b>' + esc(p.name) + '</b><br>' + esc(opt.xAxis[0].name) + ' ' + esc(fmt(v[0])) +
            '<br>' + esc(opt.yAxis[0].name) + ' ' + esc(m) + '<br>' + esc(fmt(v[2])) + ' ×';
        } };
      }
      if (s.type === 'gauge' && !s.caminoExpected) {
        s.min = 0; s.max = 100; s.splitNumber = 5;
        s.progress = { show: true };
        s.detail = Object.assign({}, s.detail, { fontSize: 20, offsetCenter: [0, '70%'],
          formatter: function (v) { return nf.format(v) + (lang === 'es' ? '\u00a0%' : '%'); } });
        s.title = { offsetCenter: [0, '95%'], fontSize: 12 };
        var ex = list(s.data).filter(function (d) { return d && d.caminoExpected; })[0];
        if (ex) {
          opt.graphic = [{ type: 'text', left: 'center', bottom: 6, silent: true,
            style: { text: '▲ ' + ex.caminoExpected, fill: dark ? '#f0a56b' : '#9a3f00', fontSize: 12 } }];
        }
      }
      if (dark && s.markPoint) {
        list(s.markPoint.data).forEach(function (d) {
          if (d.label && d.label.color) { d.label.color = d.name === 'hidden' || d.name === 'expected' || d.name === 'target' ? '#e6edf3' : '#9da7b3'; }
          if (d.name === 'hidden' && d.itemStyle) { d.itemStyle.color = '#161b22'; d.itemStyle.borderColor = '#9da7b3'; }
          if ((d.name === 'expected' || d.name === 'target') && d.label) {
            d.label.backgroundColor = 'rgba(22,27,34,0.85)'; d.itemStyle = { color: '#e6edf3' };
          }
        });
      }
    });
    return opt;
  }

  // shiftMarks puts each mark of a group of bars over its own bar: its
  // caminoShift is a share of the category's band, known in pixels only
  // once the chart is laid out.
  function shiftMarks(c) {
    var opt = c.getOption();
    var key = opt.xAxis && opt.xAxis[0] && opt.xAxis[0].type === 'category' ? 'xAxis' : 'yAxis';
    var axisModel = c.getModel().getComponent(key, 0);
    if (!axisModel || !axisModel.axis || !axisModel.axis.getBandWidth) { return; }
    var bw = axisModel.axis.getBandWidth();
    var upd = [];
    var any = false;
    (opt.series || []).forEach(function (s) {
      var data = list(s.markPoint && s.markPoint.data);
      if (!data.some(function (d) { return d.caminoShift !== undefined; })) { upd.push({}); return; }
      any = true;
      upd.push({ markPoint: { data: data.map(function (d) {
        if (d.caminoShift === undefined) { return d; }
        var off = (d.symbolOffset || [0, 0]).slice();
        if (key === 'xAxis') { off[0] = d.caminoShift * bw; } else { off[1] = d.caminoShift * bw; }
        return Object.assign({}, d, { symbolOffset: off });
      }) } });
    });
    if (any) { c.setOption({ series: upd }); }
  }

  function optionOf(id) {
    var src = document.getElementById('option-' + id);
    return src ? JSON.parse(src.textContent) : null;
  }

  function init() {
    if (typeof echarts === 'undefined') { return; }
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var id = el.getAttribute('data-chart');
      var opt = optionOf(id);
      if (!opt) { return; }
      var links = opt.caminoLinks || {};
      delete opt.caminoLinks;
      var c = echarts.init(el, dark ? 'dark' : null, { renderer: 'canvas' });
      c.setOption(localise(opt));
      shiftMarks(c);
      // A district's or a school's bar, point or axis label opens its page
      // (with the page's filters, already in the link).
      c.on('click', function (p) {
        var name = p.componentType === 'xAxis' || p.componentType === 'yAxis' ? p.value : p.name;
        if (links[name]) { window.location.href = links[name]; }
      });
      if (Object.keys(links).length) { el.setAttribute('data-links', Object.keys(links).length); }
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

  // toggleSankey hides a Sankey's node (and its links), or shows it again.
  function toggleSankey(btn) {
    var id = btn.getAttribute('data-sankey-toggle');
    var c = charts[id];
    var opt = optionOf(id);
    if (!c || !opt) { return; }
    delete opt.caminoLinks;
    var node = btn.getAttribute('data-node');
    var hide = btn.getAttribute('aria-pressed') !== 'true';
    if (hide) {
      list(opt.series).forEach(function (s) {
        s.data = list(s.data).filter(function (d) { return d.name !== node; });
        s.links = list(s.links).filter(function (l) { return l.source !== node && l.target !== node; });
      });
    }
    c.setOption(localise(opt), { notMerge: true });
    btn.setAttribute('aria-pressed', hide ? 'true' : 'false');
    btn.textContent = btn.getAttribute(hide ? 'data-label-show' : 'data-label-hide');
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
    var card = document.getElementById('option-' + id);
    var bg = card ? getComputedStyle(card.closest('.card')).backgroundColor : '#fff';
    var a = document.createElement('a');
    a.href = c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: bg });
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
    else if ((b = t.closest('[data-sankey-toggle]'))) { toggleSankey(b); }
    else if ((b = t.closest('table.sortable th'))) { sortTable(b); }
  });
  function resizeAll() { Object.keys(charts).forEach(function (k) { charts[k].resize(); shiftMarks(charts[k]); }); }
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(resizeAll, 100);
  });
  // Charts in a closed <details> or a resized card get their size right.
  document.addEventListener('toggle', function () { if (!printing) { resizeAll(); } }, true);

  // Printing: every table open, every chart as wide as the paper (a page
  // region each, see the print stylesheet); as they were afterwards.
  var opened = [];
  var printing = false;
  function beforePrint() {
    if (printing) { return; }
    printing = true;
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.open = true; opened.push(d); });
    Object.keys(charts).forEach(function (k) {
      var el = charts[k].getDom();
      var w = el.closest('.panel-gauge') ? 200 : (el.closest('.goal') ? 460 : 660);
      charts[k].setOption({ toolbox: { show: false } });
      charts[k].resize({ width: w, animation: { duration: 0 } });
      shiftMarks(charts[k]);
    });
  }
  function afterPrint() {
    if (!printing) { return; }
    printing = false;
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    Object.keys(charts).forEach(function (k) { charts[k].setOption({ toolbox: { show: true } }); });
    resizeAll();
  }
  window.caminoPrint = { before: beforePrint, after: afterPrint };
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
  if (window.matchMedia) {
    var pm = window.matchMedia('print');
    var onPrint = function (e) { if (e.matches) { beforePrint(); } else { afterPrint(); } };
    if (pm.addEventListener) { pm.addEventListener('change', onPrint); } else if (pm.addListener) { pm.addListener(onPrint); }
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
