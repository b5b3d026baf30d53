/* sparktune report renderer: one renderer for the static report.html and the live dashboard.
 * Plain SVG, no libraries (no internet at run time). render(data) draws every section the data has. */
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function sv(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in (attrs || {})) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(v, d) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) { return '–'; }
    return typeof v === 'number' ? v.toFixed(d === undefined ? 4 : d) : String(v);
  }
  function section(host, title) {
    var s = el('section', {}, host);
    el('h2', {}, s, title);
    return s;
  }
  function figure(host, id, title, w, h) {
    var f = el('figure', {'class': 'chart', 'data-chart': id}, host);
    el('figcaption', {}, f, title);
    var svg = sv('svg', {width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img'}, f);
    return svg;
  }

  /* series: [{name, points: [[x, y], ...]}] */
  function lineChart(host, id, title, series, opts) {
    opts = opts || {};
    var W = 460, H = 260, L = 56, R = 12, T = 12, B = 40;
    var pts = [];
    series.forEach(function (s) { s.points = s.points.filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); }); pts = pts.concat(s.points); });
    var svg = figure(host, id, title, W, H);
    if (pts.length === 0) { sv('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', 'class': 'empty'}, svg, 'no data'); return; }
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = opts.yMin !== undefined ? opts.yMin : Math.min.apply(null, ys);
    var y1 = opts.yMax !== undefined ? opts.yMax : Math.max.apply(null, ys);
    if (x1 === x0) { x1 = x0 + 1; }
    if (y1 === y0) { var pad = 0.05 * Math.max(1, Math.abs(y0)); y0 -= pad; y1 += pad; }
    var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var sy = function (y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); };
    sv('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, 'class': 'axis'}, svg);
    sv('line', {x1: L, y1: T, x2: L, y2: H - B, 'class': 'axis'}, svg);
    for (var i = 0; i <= 4; i++) {
      var yv = y0 + (y1 - y0) * i / 4, xv = x0 + (x1 - x0) * i / 4;
      sv('text', {x: L - 4, y: sy(yv) + 4, 'text-anchor': 'end', 'class': 'tick'}, svg, fmt(yv, Math.abs(y1 - y0) < 1 ? 3 : 1));
      sv('text', {x: sx(xv), y: H - B + 16, 'text-anchor': 'middle', 'class': 'tick'}, svg, fmt(xv, Math.abs(x1 - x0) < 10 ? 1 : 0));
      sv('line', {x1: L, y1: sy(yv), x2: W - R, y2: sy(yv), 'class': 'grid'}, svg);
    }
    if (opts.xLabel) { sv('text', {x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'class': 'label'}, svg, opts.xLabel); }
    if (opts.diagonal) {
      sv('line', {x1: sx(Math.max(x0, y0)), y1: sy(Math.max(x0, y0)), x2: sx(Math.min(x1, y1)), y2: sy(Math.min(x1, y1)), 'class': 'diagonal'}, svg);
    }
    series.forEach(function (s, k) {
      var color = s.color || COLORS[k % COLORS.length];
      if (s.points.length === 0) { return; }
      sv('polyline', {points: s.points.map(function (p) { return sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1); }).join(' '),
        fill: 'none', stroke: color, 'stroke-width': 2, 'class': 'series', 'data-points': s.points.length}, svg);
      s.points.forEach(function (p) {
        if (s.points.length <= 40 || opts.markers) { sv('circle', {cx: sx(p[0]), cy: sy(p[1]), r: 3, fill: color, 'class': 'point'}, svg); }
      });
      sv('text', {x: L + 8 + 150 * k, y: T + 10, fill: color, 'class': 'legend'}, svg, s.name);
    });
  }

  function colorScale(t) { /* 0..1 -> white..blue */
    t = Math.max(0, Math.min(1, t));
    var r = Math.round(255 - t * (255 - 31)), g = Math.round(255 - t * (255 - 119)), b = Math.round(255 - t * (255 - 180));
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  }

  /* cells[r][c] = {v: number for colour 0..1, text} */
  function heatmap(host, id, title, rows, cols, cells) {
    var cw = Math.max(28, Math.min(56, 520 / Math.max(1, cols.length))), ch = 24, L = 110, T = 70;
    var W = L + cw * cols.length + 10, H = T + ch * rows.length + 10;
    var svg = figure(host, id, title, W, H);
    cols.forEach(function (c, j) {
      sv('text', {x: L + cw * j + cw / 2, y: T - 6, transform: 'rotate(-40 ' + (L + cw * j + cw / 2) + ' ' + (T - 6) + ')', 'class': 'tick'}, svg, c);
    });
    rows.forEach(function (r, i) {
      sv('text', {x: L - 6, y: T + ch * i + ch / 2 + 4, 'text-anchor': 'end', 'class': 'tick'}, svg, r);
      cols.forEach(function (c, j) {
        var cell = cells[i][j];
        sv('rect', {x: L + cw * j, y: T + ch * i, width: cw - 1, height: ch - 1, fill: cell.v === null ? '#eee' : colorScale(cell.v), 'class': 'cell'}, svg);
        sv('text', {x: L + cw * j + cw / 2, y: T + ch * i + ch / 2 + 4, 'text-anchor': 'middle', 'class': cell.v > 0.6 ? 'cell-text dark' : 'cell-text'}, svg, cell.text);
      });
    });
  }

  function table(host, cls, columns, rows) {
    var t = el('table', {'class': cls}, host);
    var tr = el('tr', {}, el('thead', {}, t));
    columns.forEach(function (c) { el('th', {}, tr, c); });
    var body = el('tbody', {}, t);
    rows.forEach(function (r) {
      var row = el('tr', {}, body);
      r.forEach(function (v) { el('td', {}, row, typeof v === 'number' ? fmt(v) : v); });
    });
    return t;
  }

  function stackedBars(host, id, title, labels, stacks) {
    var W = 460, H = 260, L = 56, R = 120, T = 12, B = 40;
    var svg = figure(host, id, title, W, H);
    var totals = labels.map(function (_, i) { return stacks.reduce(function (a, s) { return a + (s.values[i] || 0); }, 0); });
    var max = Math.max.apply(null, totals.concat([1e-9]));
    var bw = (W - L - R) / Math.max(1, labels.length);
    sv('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, 'class': 'axis'}, svg);
    for (var t = 0; t <= 4; t++) {
      var y = H - B - t / 4 * (H - T - B);
      sv('text', {x: L - 4, y: y + 4, 'text-anchor': 'end', 'class': 'tick'}, svg, fmt(max * t / 4, 1));
    }
    labels.forEach(function (lab, i) {
      var y = H - B;
      stacks.forEach(function (s, k) {
        var h = (s.values[i] || 0) / max * (H - T - B);
        sv('rect', {x: L + bw * i + 4, y: y - h, width: Math.max(2, bw - 8), height: h, fill: COLORS[k % COLORS.length], 'class': 'bar'}, svg);
        y -= h;
      });
      sv('text', {x: L + bw * i + bw / 2, y: H - B + 16, 'text-anchor': 'middle', 'class': 'tick'}, svg, lab);
    });
    stacks.forEach(function (s, k) {
      sv('rect', {x: W - R + 8, y: T + 16 * k, width: 10, height: 10, fill: COLORS[k % COLORS.length]}, svg);
      sv('text', {x: W - R + 22, y: T + 16 * k + 9, 'class': 'legend'}, svg, s.name);
    });
  }

  function modelsSection(app, m) {
    var rows = [];
    [['linear-baseline', 'logistic regression (MLlib)'], ['baseline', 'pre-trained, adapted, not fine-tuned'],
     ['head-only', 'head only (trunk frozen)'], ['final', 'fine-tuned'], ['evaluation', 'evaluated model']].forEach(function (k) {
      var r = m[k[0]];
      if (r && r.r2 !== undefined) { rows.push([k[1], r.r2, r.rmse, r.mae, r.mse]); }
      else if (r) { rows.push([k[1], r.accuracy, r['macro-f1'], r['roc-auc-macro'], r['log-loss'], r['expected-calibration-error']]); }
    });
    if (rows.length === 0) { return; }
    var s = section(app, 'Models on the validation set');
    table(s, 'models', rows[0].length === 5 ? ['model', 'R²', 'RMSE', 'MAE', 'MSE']
      : ['model', 'accuracy', 'macro-F1', 'ROC-AUC', 'log loss', 'ECE'], rows);
  }

  function curvesSection(app, records, history) {
    var s = section(app, 'Training');
    var grid = el('div', {'class': 'grid'}, s);
    var progress = records.filter(function (r) { return r.type === 'progress' && r.phase !== 'head-only'; });
    var loss = progress.filter(function (r) { return r.loss !== null; }).map(function (r) { return [r.epoch - 1 + r.step / r.steps, r.loss]; });
    var epochs = (history || []).length ? history : records.filter(function (r) { return r.type === 'epoch' && r.phase !== 'head-only'; });
    var epochLoss = epochs.map(function (h) { return [h.epoch, h['train-loss']]; });
    lineChart(grid, 'loss', 'Training loss', [{name: 'recent loss', points: loss}, {name: 'epoch mean', points: epochLoss}], {xLabel: 'epoch'});
    var regression = epochs.some(function (h) { return h['validation-r2'] !== undefined; });
    if (regression) {
      lineChart(grid, 'accuracy', 'Validation R²', [{name: 'R²', points: epochs.map(function (h) { return [h.epoch, h['validation-r2']]; })}], {xLabel: 'epoch', markers: true});
    } else {
      lineChart(grid, 'accuracy', 'Validation accuracy', [{name: 'accuracy', points: epochs.map(function (h) { return [h.epoch, h['validation-accuracy']]; })},
        {name: 'macro-F1', points: epochs.map(function (h) { return [h.epoch, h['validation-macro-f1']]; })}], {xLabel: 'epoch', markers: true});
    }
    var rates = progress.filter(function (r) { return r.step > 0 && r['examples-per-second'] > 0; })
      .map(function (r) { return [r.epoch - 1 + r.step / r.steps, r['examples-per-second']]; });
    lineChart(grid, 'throughput', 'Throughput (examples/s)', [{name: 'examples/s', points: rates}], {xLabel: 'epoch', yMin: 0});
    var timed = epochs.filter(function (h) { return h['time-seconds']; });
    if (timed.length) {
      var parts = ['training-steps', 'data-shuffle-wait', 'serialization', 'gc', 'scheduler-delay', 'driver-and-idle'];
      stackedBars(grid, 'time-split', 'Where each epoch went (s per worker)', timed.map(function (h) { return 'e' + h.epoch; }),
        parts.map(function (p) {
          return {name: p, values: timed.map(function (h) {
            return h['time-seconds'][p] || 0;
          })};
        }));
    }
    var flows = epochs.filter(function (h) { return h['gradient-flow'] && h['gradient-flow'].length; });
    if (flows.length) {
      var layers = flows[flows.length - 1]['gradient-flow'].map(function (l) { return l.layer; });
      var cells = layers.map(function (name) {
        return flows.map(function (h) {
          var l = h['gradient-flow'].filter(function (x) { return x.layer === name; })[0];
          if (!l || l['update-ratio'] === null || l.status === 'frozen') { return {v: null, text: l ? l.status : ''}; }
          var lg = Math.log10(Math.max(1e-12, l['update-ratio']));
          return {v: (lg + 7) / 6, text: l.status === 'ok' ? lg.toFixed(1) : l.status};
        });
      });
      heatmap(grid, 'gradient-flow', 'Gradient flow: log10(update / parameter norm) per layer and epoch', layers, flows.map(function (h) { return 'epoch ' + h.epoch; }), cells);
    }
  }

  function classesSection(app, fin, classes) {
    if (!fin || !fin['confusion-matrix']) { return; }
    var s = section(app, 'Classes (final model)');
    var grid = el('div', {'class': 'grid'}, s);
    var counts = fin['confusion-matrix'].counts;
    var cells = counts.map(function (row) {
      var total = row.reduce(function (a, b) { return a + b; }, 0) || 1;
      return row.map(function (c) { return {v: c / total, text: String(c)}; });
    });
    heatmap(grid, 'confusion', 'Confusion matrix (rows: actual, columns: predicted)', classes, classes, cells);
    var curve = (fin['reliability-curve'] || {}).points || [];
    lineChart(grid, 'calibration', 'Calibration: accuracy vs confidence (ECE ' + fmt(fin['expected-calibration-error'], 3) + ')',
      [{name: 'model', points: curve.map(function (p) { return [p[0], p[1]]; })}], {xLabel: 'mean confidence', yMin: 0, yMax: 1, diagonal: true, markers: true});
    table(s, 'per-class', ['class', 'support', 'precision', 'recall', 'F1', 'ROC-AUC', 'PR-AUC'],
      (fin['per-class'] || []).map(function (c) { return [c['class'], String(c.support), c.precision, c.recall, c.f1, c['roc-auc'], c['pr-auc']]; }));
  }

  function errorsSection(app, errors) {
    if (!errors) { return; }
    var s = section(app, 'Error analysis');
    if (errors['most-confused'] && errors['most-confused'].length) {
      el('h3', {}, s, 'Most-confused class pairs');
      table(s, 'confused', ['actual', 'predicted as', 'count', 'share of actual'], errors['most-confused'].map(function (c) { return [c.actual, c.predicted, String(c.count), c['share-of-actual']]; }));
    }
    var worst = errors['worst-examples'] || [];
    if (worst.length) {
      el('h3', {}, s, 'Worst-predicted examples');
      var g = el('div', {'class': 'gallery'}, s);
      worst.forEach(function (w) {
        var f = el('figure', {'class': 'example'}, g);
        if (w['image-data']) { el('img', {src: w['image-data'], alt: w.origin, width: 56, height: 56}, f); }
        el('figcaption', {}, f, '#' + w.rank + ' ' + w.actual + ' → ' + w.predicted + ' (' + fmt(w.confidence, 2) + ')');
      });
    }
    var slices = errors.slices || {};
    var names = Object.keys(slices);
    if (names.length) {
      el('h3', {}, s, 'Per slice');
      table(s, 'slices', ['slice', 'examples', 'accuracy', 'macro-F1', 'log loss'], names.map(function (n) { var m = slices[n]; return [n, String(m.examples), m.accuracy, m['macro-f1'], m['log-loss']]; }));
    }
  }

  function importanceSection(app, imp) {
    if (!imp) { return; }
    var s = section(app, 'Feature importance');
    var grid = el('div', {'class': 'grid'}, s);
    if (imp.method === 'permutation') {
      var rows = imp.features.slice(0, 20);
      heatmap(grid, 'importance', 'Permutation importance (' + imp.repeats + ' shuffles, ' + imp.examples + ' examples): rise in log loss',
        rows.map(function (r) { return r.feature; }), ['log-loss rise', 'accuracy drop'],
        rows.map(function (r) {
          var top = Math.max(1e-9, rows[0]['log-loss-rise']);
          return [{v: Math.max(0, r['log-loss-rise']) / top, text: fmt(r['log-loss-rise'], 3)},
                  {v: Math.max(0, r['accuracy-drop']) / Math.max(1e-9, top), text: fmt(r['accuracy-drop'], 3) + ' ± ' + fmt(r['accuracy-drop-std'], 3)}];
        }));
    } else {
      Object.keys(imp['per-class']).forEach(function (cls) {
        var m = imp['per-class'][cls]['probability-drop'];
        var max = 1e-9;
        m.forEach(function (row) { row.forEach(function (v) { max = Math.max(max, v); }); });
        var labels = m[0].map(function (_, j) { return String(j * imp.patch); });
        heatmap(grid, 'occlusion-' + cls, 'Occlusion: ' + cls + ' (' + imp['per-class'][cls].examples + ' images)',
          m.map(function (_, i) { return String(i * imp.patch); }), labels,
          m.map(function (row) { return row.map(function (v) { return {v: Math.max(0, v) / max, text: ''}; }); }));
      });
    }
  }

  function comparisonSection(app, c) {
    if (!c) { return; }
    var s = section(app, 'A/B comparison');
    el('p', {'class': 'verdict'}, s, c.verdict);
    el('p', {}, s, 'A: ' + c.a + ' — B: ' + c.b + ' — ' + c.examples + ' examples of ' + c.data);
    var rows = Object.keys(c.differences).map(function (k) {
      var d = c.differences[k];
      return [k, d.a, d.b, d.difference, '[' + fmt(d['ci-low']) + ', ' + fmt(d['ci-high']) + ']', d['interval-excludes-zero'] ? 'yes' : 'no'];
    });
    table(s, 'differences', ['metric', 'A', 'B', 'B − A', (100 * c.bootstrap.confidence) + '% CI (paired bootstrap)', 'excludes 0'], rows);
    var g = c['degradation-of-b'];
    el('p', {'class': g.degraded ? 'degraded' : 'ok'}, s, 'Degradation of B against A: ' + g.explanation);
    var grid = el('div', {'class': 'grid'}, s);
    var classes = (c['metrics-a']['per-class'] || []).map(function (p) { return p['class']; });
    lineChart(grid, 'ab-recall', 'Per-class recall: A vs B', [
      {name: 'A', points: c['metrics-a']['per-class'].map(function (p, i) { return [i, p.recall]; })},
      {name: 'B', points: c['metrics-b']['per-class'].map(function (p, i) { return [i, p.recall]; })}], {xLabel: 'class index (' + classes.join(', ') + ')', markers: true});
  }

  function executorsSection(app, executors) {
    if (!executors || !executors.length) { return; }
    var s = section(app, 'Executors');
    table(s, 'executors', ['executor', 'host', 'running tasks', 'cached (MiB)'], executors.map(function (e) { return [e.id, e.host, String(e['running-tasks']), fmt(e['cache-mib'], 1)]; }));
  }

  /* A sweep axis: position in [0, 1] of a trial's value (log scale for log domains, categories evenly). */
  function axisOf(param) {
    if (param.kind === 'choice') {
      var cats = param.values.map(String);
      return {name: param.key, ticks: cats, pos: function (v) { var i = cats.indexOf(String(v)); return cats.length === 1 ? 0.5 : i / (cats.length - 1); }};
    }
    var f = param.log ? Math.log : function (x) { return x; };
    var lo = f(param.min), hi = f(param.max);
    return {name: param.key, ticks: [fmt(param.min, 6), fmt(param.max, 6)], pos: function (v) { return (f(v) - lo) / (hi - lo || 1); }};
  }

  function metricColor(t) { /* 0..1 -> red..green */
    var r = Math.round(214 - 170 * t), g = Math.round(39 + 121 * t), b = Math.round(40 + 4 * t);
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  }

  /* trials: [{values, score}], axes: axisOf(...) list; the last axis is the metric */
  function parallelCoordinates(host, id, title, axes, trials, metricName) {
    var W = 140 * (axes.length + 1), H = 300, T = 30, B = 50, L = 70, R = 70;
    var svg = figure(host, id, title, W, H);
    var scores = trials.map(function (t) { return t.score; });
    var s0 = Math.min.apply(null, scores), s1 = Math.max.apply(null, scores);
    var n = axes.length + 1;
    var ax = function (i) { return L + i * (W - L - R) / (n - 1); };
    var ay = function (u) { return H - B - u * (H - T - B); };
    var all = axes.concat([{name: metricName, ticks: [fmt(s0), fmt(s1)], pos: function (v) { return (v - s0) / (s1 - s0 || 1); }}]);
    all.forEach(function (a, i) {
      sv('line', {x1: ax(i), y1: T, x2: ax(i), y2: H - B, 'class': 'axis'}, svg);
      sv('text', {x: ax(i), y: H - B + 30, 'text-anchor': 'middle', 'class': 'tick'}, svg, a.name);
      if (a.ticks.length && a.pos !== undefined && a.ticks.length > 2) {
        a.ticks.forEach(function (t) { sv('text', {x: ax(i) + 4, y: ay(a.pos(t)) + 4, 'class': 'tick'}, svg, t); });
      } else {
        sv('text', {x: ax(i) + 4, y: H - B + 4, 'class': 'tick'}, svg, a.ticks[0]);
        sv('text', {x: ax(i) + 4, y: T + 4, 'class': 'tick'}, svg, a.ticks[1]);
      }
    });
    trials.forEach(function (t) {
      var pts = all.map(function (a, i) {
        var v = i === all.length - 1 ? t.score : t.values[a.name];
        if (v === undefined || v === null) { return null; }
        return ax(i).toFixed(1) + ',' + ay(Math.min(1, Math.max(0, a.pos(v)))).toFixed(1);
      }).filter(function (p) { return p !== null; });
      sv('polyline', {points: pts.join(' '), 'class': 'series', fill: 'none', 'stroke-width': 1.6,
        stroke: metricColor((t.score - s0) / (s1 - s0 || 1))}, svg).appendChild(sv('title', {}, null, t.name + ': ' + fmt(t.score)));
    });
  }

  /* metric against one searched key, one dot per trial */
  function scatter(host, id, axis, trials, metricName) {
    var W = 300, H = 220, L = 56, R = 12, T = 12, B = 44;
    var svg = figure(host, id, metricName + ' vs ' + axis.name, W, H);
    var shown = trials.filter(function (t) { return t.values[axis.name] !== undefined; });
    var scores = shown.map(function (t) { return t.score; });
    var s0 = Math.min.apply(null, scores), s1 = Math.max.apply(null, scores);
    var sx = function (u) { return L + u * (W - L - R); };
    var sy = function (v) { return H - B - (v - s0) / (s1 - s0 || 1) * (H - T - B); };
    sv('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, 'class': 'axis'}, svg);
    sv('line', {x1: L, y1: T, x2: L, y2: H - B, 'class': 'axis'}, svg);
    sv('text', {x: L - 4, y: sy(s1) + 4, 'text-anchor': 'end', 'class': 'tick'}, svg, fmt(s1, 3));
    sv('text', {x: L - 4, y: sy(s0) + 4, 'text-anchor': 'end', 'class': 'tick'}, svg, fmt(s0, 3));
    if (axis.ticks.length > 2) {
      axis.ticks.forEach(function (t) { sv('text', {x: sx(axis.pos(t)), y: H - B + 16, 'text-anchor': 'middle', 'class': 'tick'}, svg, t); });
    } else {
      sv('text', {x: sx(0), y: H - B + 16, 'text-anchor': 'start', 'class': 'tick'}, svg, axis.ticks[0]);
      sv('text', {x: sx(1), y: H - B + 16, 'text-anchor': 'end', 'class': 'tick'}, svg, axis.ticks[1]);
    }
    shown.forEach(function (t) {
      sv('circle', {cx: sx(Math.min(1, Math.max(0, axis.pos(t.values[axis.name])))).toFixed(1), cy: sy(t.score).toFixed(1), r: 4,
        'class': 'point', fill: COLORS[0]}, svg).appendChild(sv('title', {}, null, t.name + ': ' + fmt(t.score)));
    });
  }

  function sweepSection(app, sw) {
    if (!sw) { return; }
    var s = section(app, 'Sweep: ' + sw.algorithm + ' search, early stopping ' + sw['early-stopping']);
    var metricName = sw.metric;
    var trials = sw.trials.filter(function (t) { return t.score !== null && t.score !== undefined; });
    el('p', {}, s, sw.trials.length + ' trials (' + trials.length + ' with a score), ' + sw['total-epochs'] + ' epochs in all, '
      + fmt(sw.seconds, 0) + ' s; best ' + (sw.best || '–') + '.');
    var ranked = sw.trials.slice().sort(function (a, b) { return (b.score === null ? -1e9 : b.score) - (a.score === null ? -1e9 : a.score); });
    table(s, 'trials', ['trial', 'status', 'epochs', metricName].concat(sw.keys).concat(['error']), ranked.map(function (t) {
      return [t.name, t.status, String(t.epochs), t.score === null ? '–' : t.score].concat(sw.keys.map(function (k) {
        var v = t.values[k]; return v === undefined ? '–' : (typeof v === 'number' ? fmt(v, 6) : String(v));
      })).concat([t.error || '']);
    }));
    if (!trials.length) { return; }
    var axes = sw.space.map(axisOf);
    var grid = el('div', {'class': 'grid'}, s);
    parallelCoordinates(grid, 'parallel-coordinates', 'Parallel coordinates: every scored trial, coloured by ' + metricName, axes, trials, metricName);
    axes.forEach(function (a, i) { scatter(grid, 'scatter-' + i, a, trials, metricName); });
    lineChart(grid, 'trial-curves', metricName + ' per epoch of each trial (ended lines: stopped or paused)', trials.map(function (t) {
      return {name: t.name, points: t.history.map(function (v, e) { return [e + 1, v]; })};
    }), {xLabel: 'epoch', markers: true});
  }

  function inspectionSection(app, r) {
    if (!r) { return; }
    var q = r.quality, d = r.duplicates, o = r.outliers, le = r['label-errors'], lc = r['learning-curve'];
    var s = section(app, 'Data inspection: ' + r.data);
    var classNames = Object.keys(q.classes);
    table(s, 'inspect-summary', ['finding', 'result'], [
      ['examples', q.examples + ' (' + q.features + ' features); validation: ' + r.validation],
      ['class balance', classNames.length ? classNames.length + ' classes, largest/smallest ' + fmt(q['imbalance-ratio'], 2)
        + (q['empty-classes'].length ? '; empty: ' + q['empty-classes'].join(', ') : '') : 'regression'],
      ['missing values', q['examples-with-missing-values'] + ' examples, in ' + q['features-with-missing-values'].length + ' features'],
      ['constant features', q['constant-features'].length ? q['constant-features'].length + ': ' + q['constant-features'].slice(0, 12).join(', ') + (q['constant-features'].length > 12 ? ', …' : '') : 'none'],
      ['out of range', q['valid-range'] ? q['examples-out-of-range'] + ' examples outside [' + q['valid-range'].join(', ') + ']' : 'no valid range set'],
      ['exact duplicates', d['redundant-copies'] + ' redundant copies in ' + d.groups + ' groups; ' + d['groups-with-conflicting-labels'] + ' with conflicting labels'],
      ['train/validation leakage', d['validation-examples-seen-in-training'] + ' of ' + d['validation-examples'] + ' validation examples also in training'],
      ['outliers', o.skipped ? 'skipped: ' + o.skipped : o['examples-above'] + ' examples beyond distance ' + o.threshold],
      ['likely label errors', le.skipped ? 'skipped: ' + le.skipped : le['likely-label-errors'] + ' (estimated noise rate ' + fmt(le['estimated-noise-rate'], 4) + ', ' + le.folds + ' folds)'],
      ['learning curve', lc.skipped ? 'skipped: ' + lc.skipped : lc.reason]
    ]);
    var grid = el('div', {'class': 'grid'}, s);
    if (classNames.length) {
      stackedBars(grid, 'class-balance', 'Examples per class', classNames, [{name: 'examples', values: classNames.map(function (c) { return q.classes[c].examples; })}]);
    }
    if (!lc.skipped) {
      var key = lc.metric.replace('validation ', '');
      lineChart(grid, 'learning-curve', 'Learning curve: ' + lc.metric + ' vs share of the training data', [{name: lc.metric,
        points: lc.points.map(function (p) { return [p.share * 100, p[key]]; })}], {xLabel: '% of training data', markers: true});
    }
    if (!le.skipped && le.listed.length) {
      el('h3', {}, s, 'Likely label errors (least self-confident first)');
      table(s, 'label-errors', ['example', 'given', 'likely', 'p(given)', 'p(likely)'], le.listed.map(function (x) {
        return [x.origin, x.given, x.likely, x['p-given'], x['p-likely']];
      }));
    }
    if (d.listed.length) {
      el('h3', {}, s, 'Duplicate groups');
      table(s, 'duplicates', ['copies', 'labels', 'conflicting', 'leaked', 'examples'], d.listed.map(function (g) {
        return [String(g.copies), g.labels.join(', '), g['conflicting-labels'] ? 'yes' : 'no', g.leaked ? 'yes' : 'no', g.origins.join('; ')];
      }));
    }
    if (!o.skipped && o.farthest.length) {
      el('h3', {}, s, 'Farthest examples');
      table(s, 'outliers', ['example', 'label', 'distance', 'most extreme feature', 'z'], o.farthest.map(function (x) {
        return [x.origin, x.label || '–', x.distance, x['most-extreme-feature'] || '–', x.z];
      }));
    }
    var feats = q['per-feature'];
    if (feats.length && feats.length <= 64) {
      el('h3', {}, s, 'Per-feature statistics');
      table(s, 'features', ['feature', 'missing', 'min', 'max', 'mean', 'std'], feats.map(function (f) {
        return [f.feature, String(f.missing), f.min, f.max, f.mean, f.std];
      }));
    }
  }

  function checkRendered() {
    var charts = document.querySelectorAll('figure.chart');
    var rendered = 0;
    charts.forEach(function (f) {
      var marks = f.querySelectorAll('polyline.series, rect.cell, rect.bar, circle.point');
      var ok = false;
      marks.forEach(function (m) { var b = m.getBBox(); if (b.width > 0 || b.height > 0) { ok = true; } });
      f.setAttribute('data-rendered', ok ? 'true' : 'false');
      if (ok) { rendered++; }
    });
    var c = document.getElementById('render-check');
    if (c) { c.textContent = 'charts=' + charts.length + ' rendered=' + rendered; }
  }

  function render(data) {
    var app = document.getElementById('app');
    app.innerHTML = '';
    var head = el('header', {}, app);
    el('h1', {}, head, data.title || 'sparktune');
    el('p', {'class': 'status'}, head, (data.status || '') + (data.updated ? ' — updated ' + data.updated : ''));
    var m = data.metrics || {};
    modelsSection(app, m);
    executorsSection(app, data.executors);
    if ((data.records && data.records.length) || m.history) { curvesSection(app, data.records || [], m.history); }
    classesSection(app, m.final || (data.evaluation || null), m.classes || data.classes || []);
    errorsSection(app, data.errors);
    importanceSection(app, data.importance);
    comparisonSection(app, data.comparison);
    sweepSection(app, data.sweep);
    inspectionSection(app, data.inspection);
    checkRendered();
  }

  window.sparktuneReport = {render: render};
  document.addEventListener('DOMContentLoaded', function () {
    var embedded = document.getElementById('report-data');
    if (embedded) { render(JSON.parse(embedded.textContent)); }
    var live = document.body.getAttribute('data-live');
    if (live) {
      var poll = function () {
        fetch(live, {cache: 'no-store'}).then(function (r) { return r.json(); }).then(render).catch(function () {});
      };
      poll();
      setInterval(poll, 2000);
    }
  });
})();
