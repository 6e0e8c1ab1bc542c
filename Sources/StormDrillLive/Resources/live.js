/* StormDrill live view: the shared client of the dashboard (/), the console (/facilitator) and the participant page
 * (/join). It keeps a model of the drill from GET /api/state and the Server-Sent Events of /events (docs/live-view.md),
 * draws the live charts as SVG in the style of the drill report's charts (SVGChart.swift) and renders the figures the
 * dashboard and the console share. Plain ES5-style JavaScript, no dependencies; every text from the server is set with
 * textContent, never parsed as HTML. */
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var COLORS = {
    blue: '#2f6fb0', green: '#2e8540', red: '#c8322d', orange: '#d9822b', purple: '#7b4fb5', grey: '#6b6f76'
  };
  var KINDS = ['ok', 'slow', 'error', 'stuck', 'notice', 'other'];
  var KIND_COLORS = {
    ok: COLORS.green, slow: COLORS.orange, error: COLORS.red, stuck: COLORS.purple, notice: COLORS.blue,
    other: COLORS.grey
  };
  var KIND_LABELS = {
    ok: 'works', slow: 'slow', error: 'error', stuck: 'stuck', notice: 'saw a notice', other: 'other'
  };
  var EVENT_TYPES = ['tick', 'phase', 'hold', 'fault', 'join', 'feedback', 'poll', 'note', 'announcement', 'end',
    'reset'];

  // ---------------------------------------------------------------------------------------------------------------
  // DOM helpers

  function $(id) { return document.getElementById(id); }

  /** An HTML element: props may have id, className, text, title, attrs {}, data {}; children are nodes or strings. */
  function h(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    if (props.id) { node.id = props.id; }
    if (props.className) { node.className = props.className; }
    if (props.text !== undefined && props.text !== null) { node.textContent = String(props.text); }
    if (props.title) { node.title = String(props.title); }
    var key;
    if (props.attrs) { for (key in props.attrs) { if (props.attrs[key] !== null && props.attrs[key] !== undefined) { node.setAttribute(key, String(props.attrs[key])); } } }
    if (props.data) { for (key in props.data) { if (props.data[key] !== null && props.data[key] !== undefined) { node.setAttribute('data-' + key, String(props.data[key])); } } }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === undefined || children === null) { return node; }
    if (!Array.isArray(children)) { children = [children]; }
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) { return; }
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  }

  /** An SVG element with attributes and an optional text. */
  function s(tag, attrs, text) {
    var node = document.createElementNS(SVGNS, tag);
    for (var key in attrs || {}) {
      if (attrs[key] !== null && attrs[key] !== undefined) { node.setAttribute(key, String(attrs[key])); }
    }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function setText(id, text) {
    var node = typeof id === 'string' ? $(id) : id;
    if (node && node.textContent !== String(text)) { node.textContent = String(text); }
    return node;
  }

  function show(id, visible) {
    var node = typeof id === 'string' ? $(id) : id;
    if (node) { node.hidden = !visible; }
    return node;
  }

  function clear(node) {
    while (node && node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Formatting

  function finite(v) { return typeof v === 'number' && isFinite(v); }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  /** Drill or scenario milliseconds as m:ss (h:mm:ss beyond an hour); negative values get a minus sign. */
  function clock(ms, roundUp) {
    if (!finite(ms)) { return '–'; }
    var sign = ms < 0 ? '-' : '';
    var total = roundUp ? Math.ceil(Math.abs(ms) / 1000 - 1e-9) : Math.floor(Math.abs(ms) / 1000 + 1e-9);
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    return sign + (hours > 0 ? hours + ':' + pad2(minutes) : String(minutes)) + ':' + pad2(seconds);
  }

  /** A duration: 850 ms, 2.4 s, 1m05s. */
  function duration(ms) {
    if (!finite(ms)) { return '–'; }
    if (ms < 1000) { return Math.round(ms) + ' ms'; }
    if (ms < 60000) { return (Math.round(ms / 100) / 10) + ' s'; }
    var total = Math.round(ms / 1000);
    return Math.floor(total / 60) + 'm' + pad2(total % 60) + 's';
  }

  function decimals(step) {
    var a = Math.abs(step);
    if (!finite(a) || a <= 0) { return 0; }
    for (var d = 0; d <= 6; d++) {
      var scaled = a * Math.pow(10, d);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) { return d; }
    }
    return 6;
  }

  function plain(v, step) {
    var digits = decimals(step !== undefined && step !== null ? step : (Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 0.01 : 0.0001));
    var text = v.toFixed(digits);
    if ((step === undefined || step === null) && text.indexOf('.') >= 0) { text = text.replace(/0+$/, '').replace(/\.$/, ''); }
    return text === '-0' ? '0' : text;
  }

  function compact(v, step) {
    var a = Math.max(Math.abs(v), Math.abs(step || 0));
    var units = [[1e9, 'G'], [1e6, 'M'], [1e4, 'k']];
    for (var i = 0; i < units.length; i++) {
      if (a >= units[i][0]) {
        var scale = units[i][0] === 1e4 ? 1e3 : units[i][0];
        return plain(v / scale, step ? step / scale : null) + units[i][1];
      }
    }
    return plain(v, step);
  }

  /** A value as an axis shows it: format is 'number', 'percent' or 'ms'. */
  function formatValue(v, format, step) {
    if (!finite(v)) { return '–'; }
    if (v === 0) { v = 0; }
    if (format === 'percent') { return compact(v * 100, step ? step * 100 : null) + '%'; }
    if (format === 'ms') {
      if (Math.abs(v) >= 1000 && (step === undefined || step === null || step >= 100)) {
        return compact(v / 1000, step ? step / 1000 : null) + ' s';
      }
      return plain(v, step !== undefined && step !== null ? step : (Math.abs(v) < 10 ? 0.1 : 1)) + ' ms';
    }
    return compact(v, step);
  }

  function percent(share) {
    if (!finite(share)) { return '–'; }
    var p = share * 100;
    return (p === 0 ? '0' : p < 0.1 ? '<0.1' : p < 10 ? p.toFixed(1) : Math.round(p)) + '%';
  }

  function count(n) { return finite(n) ? Math.round(n).toLocaleString('en-US') : '–'; }

  // ---------------------------------------------------------------------------------------------------------------
  // The model

  function copy(o) { var r = {}; for (var k in o || {}) { r[k] = o[k]; } return r; }

  function now() { return (window.performance && performance.now) ? performance.now() : Date.now(); }

  /** The client's model of the drill, from a GET /api/state snapshot. */
  function modelFromState(st) {
    var m = {
      plan: st.plan || '', title: st.title || st.plan || 'StormDrill', gameDay: !!st.gameDay,
      startedAt: st.startedAt || null, status: st.status || 'starting',
      atMs: num(st.atMs, 0), scenarioMs: num(st.scenarioMs, 0), loadScenarioMs: num(st.loadScenarioMs, null),
      held: !!st.held, hold: st.hold ? copy(st.hold) : null,
      phase: st.phase ? copy(st.phase) : null, nextPhase: st.nextPhase ? copy(st.nextPhase) : null,
      phases: (st.phases || []).map(copy), faults: (st.faults || []).map(copy), inForce: (st.inForce || []).slice(),
      holds: (st.holds || []).map(copy), totals: copy(st.totals || {}),
      ticks: (st.ticks || []).slice(), participants: copy(st.participants || { joined: 0, active: 0 }),
      feedback: (st.feedback || []).slice(), polls: (st.polls || []).map(copy), notes: (st.notes || []).slice(),
      announcements: (st.announcements || []).slice(), appURL: st.appURL || null, joinURL: st.joinURL || null,
      maxParticipants: st.maxParticipants || null, lastEventId: num(st.lastEventId, 0),
      ended: st.status === 'ended' ? { status: st.endStatus || null, reason: st.endReason || null } : null,
      clockAt: now()
    };
    m.shiftMs = m.atMs - m.scenarioMs;
    if (!finite(m.shiftMs)) { m.shiftMs = num(st.shiftMs, 0); }
    m.ticks.sort(function (a, b) { return a.t - b.t; });
    return m;
  }

  function num(v, fallback) { return finite(v) ? v : fallback; }

  function phaseByIndex(m, index) {
    for (var i = 0; i < m.phases.length; i++) { if (m.phases[i].index === index) { return m.phases[i]; } }
    return null;
  }

  function phaseByName(m, name) {
    for (var i = 0; i < m.phases.length; i++) { if (m.phases[i].name === name) { return m.phases[i]; } }
    return null;
  }

  function faultByName(m, name) {
    for (var i = 0; i < m.faults.length; i++) { if (m.faults[i].name === name) { return m.faults[i]; } }
    return null;
  }

  function merge(target, source) {
    for (var k in source) { if (source[k] !== undefined) { target[k] = source[k]; } }
    return target;
  }

  /** Takes the clocks of an event; a tick always counts (the contract projects from the latest tick). */
  function clockFrom(m, d, isTick) {
    if (finite(d.atMs) && (isTick || d.atMs >= m.atMs)) {
      m.atMs = Math.max(m.atMs, d.atMs);
      if (finite(d.scenarioMs)) {
        m.scenarioMs = d.scenarioMs;
        m.shiftMs = d.atMs - d.scenarioMs;
      }
      m.clockAt = now();
    }
  }

  /** Applies one event to the model. */
  function apply(m, type, d) {
    var i, p, f, target;
    switch (type) {
      case 'tick':
        var last = m.ticks[m.ticks.length - 1];
        if (!last || d.t > last.t) {
          m.ticks.push(d);
        } else {
          for (i = m.ticks.length - 1; i >= 0; i--) { if (m.ticks[i].t === d.t) { m.ticks[i] = d; break; } }
        }
        clockFrom(m, d, true);
        if (typeof d.held === 'boolean') {
          m.held = d.held;
          if (!d.held) {
            m.hold = null;
          } else if (!m.hold) {
            // The clock holds before its hold event arrived: a gate reached, or the facilitator's hold.
            var np = m.nextPhase;
            m.hold = np && np.gate && finite(np.scenarioMs) && d.scenarioMs >= np.scenarioMs
              ? { reason: 'gate', phase: np.name, sinceMs: d.scenarioMs, atMs: null }
              : { reason: 'facilitator', phase: null, sinceMs: d.scenarioMs, atMs: null };
          }
        }
        if (d.totals) { m.totals = copy(d.totals); }
        if (finite(d.participants)) { m.participants.joined = Math.max(m.participants.joined || 0, d.participants); }
        if (m.status === 'starting') { m.status = 'running'; }
        break;
      case 'phase':
        p = phaseByIndex(m, d.index) || phaseByName(m, d.name);
        if (p) { merge(p, d); } else { p = copy(d); m.phases.push(p); m.phases.sort(function (a, b) { return a.index - b.index; }); }
        p.started = true;
        m.phase = copy(p);
        m.nextPhase = phaseByIndex(m, (d.index || 0) + 1);
        m.nextPhase = m.nextPhase ? copy(m.nextPhase) : null;
        clockFrom(m, d);
        break;
      case 'hold':
        if (d.state === 'held') {
          m.held = true;
          m.hold = { reason: d.reason, phase: d.phase || null, sinceMs: d.scenarioMs, atMs: d.atMs };
          var open = m.holds.length && m.holds[m.holds.length - 1];
          if (!open || !(open.heldMs === null || open.heldMs === undefined) || open.atMs !== d.atMs) {
            m.holds.push({ reason: d.reason, phase: d.phase || null, atMs: d.atMs, scenarioMs: d.scenarioMs, heldMs: null });
          }
        } else {
          m.held = false;
          m.hold = null;
          for (i = m.holds.length - 1; i >= 0; i--) {
            if (m.holds[i].heldMs === null || m.holds[i].heldMs === undefined) {
              m.holds[i].heldMs = finite(d.heldMs) ? d.heldMs : d.atMs - m.holds[i].atMs;
              break;
            }
          }
        }
        clockFrom(m, d);
        break;
      case 'fault':
        f = faultByName(m, d.name);
        if (f) { merge(f, d); } else { m.faults.push(copy(d)); }
        m.inForce = m.faults.filter(function (x) { return x.state === 'applied'; }).map(function (x) { return x.name; });
        break;
      case 'join':
        if (finite(d.participants)) {
          if (d.participants > (m.participants.joined || 0)) { m.participants.active = (m.participants.active || 0) + 1; }
          m.participants.joined = Math.max(m.participants.joined || 0, d.participants);
        }
        break;
      case 'feedback':
        for (i = m.feedback.length - 1; i >= 0; i--) { if (m.feedback[i].id === d.id) { return; } }
        m.feedback.push(d);
        if (m.feedback.length > 500) { m.feedback.splice(0, m.feedback.length - 500); }
        break;
      case 'poll':
        target = null;
        for (i = 0; i < m.polls.length; i++) { if (m.polls[i].phase === d.phase) { target = m.polls[i]; } }
        if (target) { merge(target, d); } else { m.polls.push(copy(d)); }
        break;
      case 'note':
        m.notes.push(d);
        break;
      case 'announcement':
        m.announcements.push(d);
        break;
      case 'end':
        m.ended = { status: d.status || null, reason: d.reason || null, atMs: d.atMs };
        m.status = 'ended';
        m.held = false;
        m.hold = null;
        if (finite(d.atMs) && d.atMs > m.atMs) { m.atMs = d.atMs; }
        break;
      default:
        break;
    }
  }

  /** Scenario time now, moving on between ticks (at most 1.5 s past the latest) unless held. */
  function currentScenarioMs(m) {
    if (m.held || m.ended || m.status === 'starting') { return m.scenarioMs; }
    return m.scenarioMs + Math.min(Math.max(now() - m.clockAt, 0), 1500);
  }

  /** Drill time for something planned at scenario time `scenarioMs` (contract: + atMs − scenarioMs of the latest tick). */
  function plannedDrillMs(m, scenarioMs) { return scenarioMs + m.shiftMs; }

  /** The planned end of the load in drill time (or the last second when it is over). */
  function loadEndDrillMs(m) {
    var lastTick = m.ticks.length ? m.ticks[m.ticks.length - 1].atMs : 0;
    if (m.ended || m.status === 'ending' || m.status === 'ended') { return Math.max(lastTick, m.atMs); }
    if (finite(m.loadScenarioMs)) { return Math.max(plannedDrillMs(m, m.loadScenarioMs), m.atMs); }
    return Math.max(m.atMs, lastTick);
  }

  function currentPhaseIndex(m) { return m.phase && finite(m.phase.index) ? m.phase.index : -1; }

  /** What comes next in scenario time: {atMs (scenario), label, kind, name} or null. */
  function nextMilestone(m) {
    var cur = m.scenarioMs;
    var best = null;
    function offer(at, label, kind, name) {
      if (!finite(at) || at < cur - 1) { return; }
      if (!best || at < best.at) { best = { at: at, label: label, kind: kind, name: name }; }
    }
    var ci = currentPhaseIndex(m);
    m.phases.forEach(function (p) {
      if (p.index > ci) { offer(p.scenarioMs, 'phase ' + p.name + (p.gate ? ' (gate)' : '') + ' begins', 'phase', p.name); }
    });
    m.faults.forEach(function (f) {
      if (f.state === 'pending') { offer(f.plannedStartMs, 'fault ' + f.name + ' starts', 'fault-start', f.name); }
      else if (f.state === 'applied') { offer(f.plannedEndMs, 'fault ' + f.name + ' ends', 'fault-end', f.name); }
    });
    if (m.status !== 'ending' && m.status !== 'ended') { offer(m.loadScenarioMs, 'the load ends', 'end', null); }
    return best;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The connection: state, then the event stream

  /**
   * Starts the live model. options: onReady(model, why) after every (re)load of the state, onEvent(type, data, model)
   * after each event is applied, onClock(model) four times a second, onConnection(state) with 'connecting', 'live',
   * 'reconnecting' or 'ended'.
   */
  function start(options) {
    var model = null;
    var source = null;
    var retry = 0;
    var retryTimer = null;
    var clockTimer = null;
    var stopped = false;

    function connection(state) {
      var node = $('connection');
      if (node) {
        node.setAttribute('data-state', state);
        node.hidden = state === 'live' || state === 'ended';
        node.textContent = state === 'connecting' ? 'connecting…' : state === 'reconnecting' ? 'reconnecting…' : '';
      }
      if (options.onConnection) { options.onConnection(state); }
    }

    function later(fn) {
      if (stopped) { return; }
      var delay = Math.min(1000 * Math.pow(2, retry), 10000);
      retry += 1;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(fn, delay);
    }

    function loadState(why) {
      connection(model ? 'reconnecting' : 'connecting');
      fetch('/api/state', { cache: 'no-store', headers: { 'Accept': 'application/json' } }).then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      }).then(function (st) {
        if (stopped) { return; }
        model = modelFromState(st);
        retry = 0;
        if (options.onReady) { options.onReady(model, why); }
        if (model.status === 'ended') { finish(); return; }
        openStream();
      }).catch(function () {
        later(function () { loadState(why); });
      });
    }

    function openStream() {
      if (stopped) { return; }
      if (source) { source.close(); }
      var es = new EventSource('/events?lastEventId=' + encodeURIComponent(model.lastEventId));
      source = es;
      EVENT_TYPES.forEach(function (type) {
        es.addEventListener(type, function (e) { onMessage(es, type, e); });
      });
      es.onopen = function () { if (source === es) { retry = 0; connection('live'); } };
      es.onerror = function () {
        if (source !== es || stopped) { return; }
        connection('reconnecting');
        if (es.readyState === 2) {
          // The browser gave up (an HTTP error): open again ourselves from the last event seen.
          es.close();
          source = null;
          later(openStream);
        }
      };
    }

    function onMessage(es, type, e) {
      if (source !== es || stopped) { return; }
      var id = parseInt(e.lastEventId, 10);
      if (finite(id) && id > 0 && id <= model.lastEventId && type !== 'reset') { return; }
      var data = {};
      try { data = e.data ? JSON.parse(e.data) : {}; } catch (err) { data = {}; }
      if (type === 'reset') {
        es.close();
        source = null;
        loadState('reset');
        return;
      }
      apply(model, type, data || {});
      if (finite(id) && id > model.lastEventId) { model.lastEventId = id; }
      if (options.onEvent) { options.onEvent(type, data || {}, model); }
      if (type === 'end') { finish(); }
    }

    function finish() {
      stopped = true;
      if (source) { source.close(); source = null; }
      clearTimeout(retryTimer);
      clearInterval(clockTimer);
      connection('ended');
      if (options.onClock && model) { options.onClock(model); }
    }

    clockTimer = setInterval(function () { if (model && options.onClock) { options.onClock(model); } }, 250);
    loadState('start');
    return {
      model: function () { return model; },
      stopped: function () { return stopped; }
    };
  }

  /** A JSON request: resolves to {status, body} (status 0 when the server cannot be reached). */
  function request(method, path, body, headers) {
    var init = { method: method, cache: 'no-store', headers: { 'Accept': 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    for (var k in headers || {}) { init.headers[k] = headers[k]; }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (err) { parsed = { error: text }; }
        return { status: r.status, body: parsed };
      });
    }, function () { return { status: 0, body: { error: 'the server cannot be reached' } }; });
  }

  function errorText(result) {
    if (result.status === 0) { return 'the server cannot be reached'; }
    var message = result.body && typeof result.body.error === 'string' ? result.body.error : '';
    return message || ('HTTP ' + result.status);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Charts: client-side SVG in the style of the report's SVGChart

  var GLYPH = 6.3;
  var ROW = 14;

  function textWidth(text) { return String(text).length * GLYPH; }

  function truncated(text, limit) { text = String(text); return text.length <= limit ? text : text.slice(0, limit - 1) + '…'; }

  function nice(raw) {
    if (!(raw > 0) || !finite(raw)) { return 1; }
    var magnitude = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var ms = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < ms.length; i++) { if (ms[i] * magnitude >= raw * (1 - 1e-9)) { return ms[i] * magnitude; } }
    return 10 * magnitude;
  }

  function stepFor(span, format, target) {
    if (!(span > 0) || !finite(span)) { return 1; }
    var raw = span / Math.max(target, 1);
    if (format === 'seconds') {
      var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
      for (var i = 0; i < steps.length; i++) { if (steps[i] >= raw) { return steps[i]; } }
      return nice(raw / 3600) * 3600;
    }
    if (format === 'ms' && raw >= 1000) { return nice(raw / 1000) * 1000; }
    return nice(raw);
  }

  function ticksFor(low, high, format, target) {
    var step = stepFor(high - low, format, target);
    var ticks = [];
    if (!(step > 0)) { return ticks; }
    var first = Math.ceil(low / step - 1e-9);
    for (var k = 0; k <= 60; k++) {
      var v = (first + k) * step;
      if (v > high + step * 1e-9) { break; }
      if (Math.abs(v) < step * 1e-9) { v = 0; }
      ticks.push({ value: v, label: format === 'seconds' ? clock(v * 1000) : formatValue(v, format, step) });
    }
    return ticks;
  }

  function scale(low, high, ticks) {
    return {
      low: low, high: high, ticks: ticks,
      map: function (v, from, to) {
        var span = high - low;
        if (!(span > 0)) { return (from + to) / 2; }
        return from + (v - low) / span * (to - from);
      }
    };
  }

  function yScaleFor(values, format) {
    var low = values.length ? Math.min.apply(null, values) : 0;
    var high = values.length ? Math.max.apply(null, values) : (format === 'percent' ? 0.01 : 1);
    low = Math.min(low, 0);
    high = Math.max(high, 0);
    if (high === low) { high = format === 'percent' ? 0.01 : 1; }
    var step = stepFor(high - low, format, 5);
    if (step > 0) {
      low = Math.floor(low / step) * step;
      high = Math.ceil(high / step - 1e-9) * step;
    }
    return scale(low, high, ticksFor(low, high, format, 5));
  }

  /**
   * Draws one chart into `container` (replacing what it held). spec: id, title, yLabel, format ('number', 'percent',
   * 'ms'), xEnd (seconds), now (seconds or null), series [{name, color, style: 'line'|'area'|'dashed', points: [[x, y]]}],
   * bands [{from, to, label, kind: 'applied'|'planned'|'hold', detail}], markers [{x, label, color, kind}],
   * dots [{x, color, title}], emptyNote.
   */
  function drawChart(container, spec) {
    if (!container) { return; }
    var w = spec.width || 760;
    var hgt = spec.height || 230;
    var values = [];
    var hasData = false;
    spec.series.forEach(function (se) {
      se.points.forEach(function (p) { if (finite(p[0]) && finite(p[1])) { values.push(p[1]); hasData = true; } });
    });
    var xs = scale(0, Math.max(spec.xEnd || 1, 1), ticksFor(0, Math.max(spec.xEnd || 1, 1), 'seconds', 8));
    var ys = yScaleFor(values, spec.format);

    var yLabelWidth = Math.max.apply(null, [0].concat(ys.ticks.map(function (t) { return textWidth(t.label); }))) + 10;
    var left = Math.max(14 + (spec.yLabel ? 14 : 0) + Math.max(yLabelWidth, 24), spec.leftMin || 0);
    var right = w - 12;

    // Legend items.
    var legend = [];
    spec.series.forEach(function (se) {
      legend.push({ text: se.name, swatch: se.style === 'area' ? 'box' : 'line', color: se.color, dashed: se.style === 'dashed' });
    });
    var kinds = {};
    spec.bands.forEach(function (b) { kinds[b.kind] = true; });
    if (kinds.applied) { legend.push({ text: 'fault window', swatch: 'box', color: COLORS.orange }); }
    if (kinds.planned) { legend.push({ text: 'planned fault', swatch: 'hatch', color: COLORS.orange }); }
    if (kinds.hold) { legend.push({ text: 'held', swatch: 'box', color: COLORS.grey }); }
    if ((spec.dots || []).length) { legend.push({ text: 'feedback', swatch: 'dot', color: COLORS.grey }); }
    var legendRows = layoutRow(legend.map(function (it) { return textWidth(it.text) + 26; }), left, right);

    var X = function (v) { return xs.map(v, left, right); };
    var bandPlaces = placeBands(spec.bands, X, left, right, xs.high);
    var bandRows = bandPlaces.reduce(function (mx, p) { return Math.max(mx, p.row + 1); }, 0);
    var titleY = 16;
    var legendTop = titleY + 8;
    var bandTop = legendTop + legendRows.rows * ROW + (legend.length ? 4 : 0);
    var top = bandTop + bandRows * ROW + 4;
    var bottom = hgt - 22 - 14;
    var plotHeight = Math.max(bottom - top, 30);
    var plotBottom = top + plotHeight;
    var Y = function (v) { return ys.map(v, plotBottom, top); };
    function clampY(v) { return Math.min(Math.max(v, top), plotBottom); }
    function clampX(v) { return Math.min(Math.max(v, left), right); }
    function n(v) { return finite(v) ? Math.round(v * 10) / 10 : 0; }

    var svg = s('svg', {
      'class': 'chart live-chart' + (hasData ? '' : ' chart-empty'), viewBox: '0 0 ' + w + ' ' + hgt,
      width: w, height: hgt, role: 'img', 'aria-label': spec.title,
      'font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", 'font-size': 11
    });
    svg.appendChild(s('title', {}, spec.title));
    var hatchId = 'hatch-' + (spec.id || 'chart');
    var defs = s('defs');
    var pattern = s('pattern', { id: hatchId, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    pattern.appendChild(s('rect', { width: 6, height: 6, fill: COLORS.orange, 'fill-opacity': 0.06 }));
    pattern.appendChild(s('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: COLORS.orange, 'stroke-opacity': 0.5, 'stroke-width': 2 }));
    defs.appendChild(pattern);
    svg.appendChild(defs);
    svg.appendChild(s('rect', { 'class': 'chart-background', x: 0, y: 0, width: w, height: hgt, fill: '#ffffff' }));
    svg.appendChild(s('text', { 'class': 'chart-title', x: n(left), y: titleY, 'font-size': 13, 'font-weight': 600, fill: '#1d2125' }, spec.title));

    // Legend.
    if (legend.length) {
      var lg = s('g', { 'class': 'legend' });
      legend.forEach(function (it, i) {
        var pos = legendRows.positions[i];
        var cy = legendTop + pos.row * ROW + ROW / 2;
        var x0 = pos.x;
        var g = s('g', { 'class': 'legend-item' });
        if (it.swatch === 'line') {
          g.appendChild(s('line', { x1: n(x0), y1: n(cy), x2: n(x0 + 18), y2: n(cy), stroke: it.color, 'stroke-width': 2.5, 'stroke-dasharray': it.dashed ? '5 3' : null }));
        } else if (it.swatch === 'hatch') {
          g.appendChild(s('rect', { x: n(x0), y: n(cy - 5), width: 18, height: 10, fill: 'url(#' + hatchId + ')', stroke: it.color, 'stroke-dasharray': '3 2', 'stroke-opacity': 0.8 }));
        } else if (it.swatch === 'dot') {
          g.appendChild(s('circle', { cx: n(x0 + 5), cy: n(cy), r: 3.5, fill: KIND_COLORS.slow, stroke: '#fff' }));
          g.appendChild(s('circle', { cx: n(x0 + 13), cy: n(cy), r: 3.5, fill: KIND_COLORS.error, stroke: '#fff' }));
        } else {
          g.appendChild(s('rect', { x: n(x0), y: n(cy - 5), width: 18, height: 10, fill: it.color, 'fill-opacity': it.color === COLORS.grey ? 0.3 : (spec.series.some(function (se) { return se.name === it.text; }) ? 0.35 : 0.3), stroke: it.color, 'stroke-opacity': 0.5 }));
        }
        g.appendChild(s('text', { x: n(x0 + 23), y: n(cy + 4), fill: '#30353b' }, it.text));
        lg.appendChild(g);
      });
      svg.appendChild(lg);
    }

    // Plot frame and grid.
    svg.appendChild(s('rect', { 'class': 'plot-area', x: n(left), y: n(top), width: n(right - left), height: n(plotHeight), fill: '#fbfbfc', stroke: '#c9ced4' }));
    var grid = s('g', { 'class': 'grid', stroke: '#e3e6ea', 'stroke-width': 1 });
    ys.ticks.forEach(function (t) {
      var y = Y(t.value);
      if (y >= top - 0.5 && y <= plotBottom + 0.5) { grid.appendChild(s('line', { x1: n(left), y1: n(y), x2: n(right), y2: n(y) })); }
    });
    svg.appendChild(grid);

    // Bands: applied fault windows (solid), planned ones (hatched, dashed outline), holds (grey).
    if (bandPlaces.length) {
      var bg = s('g', { 'class': 'bands' });
      bandPlaces.forEach(function (p) {
        var b = spec.bands[p.index];
        var color = b.kind === 'hold' ? COLORS.grey : COLORS.orange;
        var textColor = b.kind === 'hold' ? '#4a5058' : '#8a4b0f';
        var cls = b.kind === 'hold' ? 'band neutral-window hold-window' : b.kind === 'planned' ? 'band fault-window planned-window' : 'band fault-window applied-window';
        var rect = s('rect', {
          'class': cls, x: n(p.x0), y: n(top), width: n(Math.max(p.x1 - p.x0, 2)), height: n(plotHeight),
          fill: b.kind === 'planned' ? 'url(#' + hatchId + ')' : color, 'fill-opacity': b.kind === 'planned' ? null : 0.2,
          stroke: b.kind === 'planned' ? color : null, 'stroke-opacity': b.kind === 'planned' ? 0.7 : null,
          'stroke-dasharray': b.kind === 'planned' ? '4 3' : null, 'data-name': b.name || null
        });
        rect.appendChild(s('title', {}, b.detail || b.label));
        bg.appendChild(rect);
        if (p.row < 0) { return; }
        var ly = bandTop + p.row * ROW + ROW - 3;
        bg.appendChild(s('line', { 'class': 'band-tick', x1: n(p.x0), y1: n(ly + 3), x2: n(p.x0), y2: n(top), stroke: color, 'stroke-width': 1, 'stroke-dasharray': b.kind === 'planned' ? '2 2' : null }));
        bg.appendChild(s('text', { 'class': 'band-label', x: n(p.x0 + 3), y: n(ly), fill: textColor, 'font-style': b.kind === 'planned' ? 'italic' : null }, p.text));
      });
      svg.appendChild(bg);
    }

    // Series.
    spec.series.forEach(function (se) {
      var g = s('g', { 'class': 'series series-' + se.style, 'data-series': se.name });
      var baseline = clampY(Y(Math.max(ys.low, 0)));
      segments(se.points).forEach(function (seg) {
        var coords = seg.map(function (p) { return [clampX(X(p[0])), clampY(Y(p[1]))]; });
        if (coords.length === 1) {
          g.appendChild(s('circle', { 'class': 'series-dot', cx: n(coords[0][0]), cy: n(coords[0][1]), r: 3, fill: se.color }));
          return;
        }
        var list = coords.map(function (c) { return n(c[0]) + ',' + n(c[1]); }).join(' ');
        if (se.style === 'area') {
          g.appendChild(s('polygon', { 'class': 'series-area', points: n(coords[0][0]) + ',' + n(baseline) + ' ' + list + ' ' + n(coords[coords.length - 1][0]) + ',' + n(baseline), fill: se.color, 'fill-opacity': 0.14, stroke: 'none' }));
        }
        g.appendChild(s('polyline', { 'class': 'series-line', points: list, fill: 'none', stroke: se.color, 'stroke-width': se.style === 'dashed' ? 1.6 : 1.8, 'stroke-linejoin': 'round', 'stroke-dasharray': se.style === 'dashed' ? '6 4' : null }));
      });
      svg.appendChild(g);
    });

    // Feedback dots along the bottom of the plot, stacked when they share a spot.
    if ((spec.dots || []).length) {
      var dg = s('g', { 'class': 'feedback-dots' });
      var stacks = {};
      spec.dots.forEach(function (d) {
        if (!finite(d.x)) { return; }
        var x = X(d.x);
        if (x < left - 0.5 || x > right + 0.5) { return; }
        var slot = Math.round(x / 6);
        var k = stacks[slot] || 0;
        stacks[slot] = k + 1;
        var cy = plotBottom - 6 - Math.min(k, 8) * 7;
        var c = s('circle', { 'class': 'feedback-dot', cx: n(x), cy: n(cy), r: 3.5, fill: d.color, stroke: '#ffffff', 'stroke-width': 1, 'data-kind': d.kind || null });
        c.appendChild(s('title', {}, d.title));
        dg.appendChild(c);
      });
      svg.appendChild(dg);
    }

    // Markers: phase starts (grey dashed, planned ones fainter) and "now" (blue, solid), labels stacked at the top.
    var markers = (spec.markers || []).filter(function (mk) { return finite(mk.x); }).slice();
    if (finite(spec.now)) { markers.unshift({ x: spec.now, label: 'now', color: COLORS.blue, kind: 'now' }); }
    if (markers.length) {
      var mg = s('g', { 'class': 'markers' });
      var rows = [];
      var maxRows = Math.max(1, Math.floor((plotHeight - 4) / 13));
      markers.forEach(function (mk) {
        var x = X(mk.x);
        if (x < left - 0.5 || x > right + 0.5) { return; }
        var isNow = mk.kind === 'now';
        var line = s('line', {
          'class': 'marker ' + (isNow ? 'now-marker' : 'phase-marker' + (mk.kind === 'planned' ? ' planned-marker' : '')),
          x1: n(x), y1: n(top), x2: n(x), y2: n(plotBottom), stroke: mk.color,
          'stroke-width': isNow ? 2 : 1.5, 'stroke-dasharray': isNow ? null : mk.kind === 'planned' ? '2 4' : '3 3',
          'stroke-opacity': mk.kind === 'planned' ? 0.7 : null
        });
        line.appendChild(s('title', {}, mk.title || mk.label));
        mg.appendChild(line);
        var text = truncated(mk.label, 28);
        var tw = textWidth(text);
        var anchorEnd = x + 3 + tw > right;
        var extent = anchorEnd ? [x - 3 - tw, x - 3] : [x + 3, x + 3 + tw];
        var row = 0;
        function free(r) { return !(r < rows.length && rows[r].some(function (e) { return extent[0] < e[1] + 4 && e[0] < extent[1] + 4; })); }
        while (row < maxRows - 1 && !free(row)) { row += 1; }
        while (rows.length <= row) { rows.push([]); }
        rows[row].push(extent);
        mg.appendChild(s('text', {
          'class': 'marker-label' + (isNow ? ' now-label' : ''), x: n(anchorEnd ? x - 3 : x + 3), y: n(top + 12 + row * 13),
          'text-anchor': anchorEnd ? 'end' : null, fill: mk.color, 'paint-order': 'stroke', stroke: '#ffffff', 'stroke-width': 3,
          'font-weight': isNow ? 600 : null, 'font-style': mk.kind === 'planned' ? 'italic' : null
        }, text));
      });
      svg.appendChild(mg);
    }

    // Axes.
    var xa = s('g', { 'class': 'axis x-axis', fill: '#4a5058' });
    var lastEnd = -Infinity;
    xs.ticks.forEach(function (t) {
      var x = X(t.value);
      if (x < left - 0.5 || x > right + 0.5) { return; }
      xa.appendChild(s('line', { x1: n(x), y1: n(plotBottom), x2: n(x), y2: n(plotBottom + 4), stroke: '#9aa1a9' }));
      var tw = textWidth(t.label);
      if (x - tw / 2 <= lastEnd + 6) { return; }
      lastEnd = x + tw / 2;
      xa.appendChild(s('text', { x: n(x), y: n(plotBottom + 16), 'text-anchor': 'middle' }, t.label));
    });
    xa.appendChild(s('text', { 'class': 'axis-label', x: n((left + right) / 2), y: n(hgt - 6), 'text-anchor': 'middle' }, 'drill time (m:ss)'));
    svg.appendChild(xa);
    var ya = s('g', { 'class': 'axis y-axis', fill: '#4a5058' });
    var widest = 0;
    ys.ticks.forEach(function (t) {
      var y = Y(t.value);
      if (y < top - 0.5 || y > plotBottom + 0.5) { return; }
      ya.appendChild(s('line', { x1: n(left), y1: n(y), x2: n(left - 4), y2: n(y), stroke: '#9aa1a9' }));
      ya.appendChild(s('text', { x: n(left - 6), y: n(y + 4), 'text-anchor': 'end' }, t.label));
      widest = Math.max(widest, textWidth(t.label));
    });
    if (spec.yLabel) {
      var lx = left - Math.max(widest, 24) - 16;
      var lyy = (top + plotBottom) / 2;
      ya.appendChild(s('text', { 'class': 'axis-label', x: n(lx), y: n(lyy), 'text-anchor': 'middle', transform: 'rotate(-90 ' + n(lx) + ' ' + n(lyy) + ')' }, spec.yLabel));
    }
    svg.appendChild(ya);

    if (!hasData) {
      svg.appendChild(s('text', { 'class': 'no-data', x: n((left + right) / 2), y: n(top + plotHeight / 2 + 5), 'text-anchor': 'middle', 'font-size': 14, fill: '#6b6f76' }, spec.emptyNote || 'waiting for the first second…'));
    }

    var old = container.querySelector('svg.chart');
    if (old) { container.replaceChild(svg, old); } else { container.insertBefore(svg, container.firstChild); }
  }

  function layoutRow(widths, from, to) {
    var positions = [];
    var row = 0;
    var x = from;
    widths.forEach(function (wd) {
      if (x > from && x + wd > to) { row += 1; x = from; }
      positions.push({ row: row, x: x });
      x += wd + 12;
    });
    return { rows: widths.length ? row + 1 : 0, positions: positions };
  }

  function placeBands(bands, X, left, right, xHigh) {
    var places = [];
    var rows = [];
    var order = bands.map(function (b, i) { return i; }).sort(function (a, b) { return (bands[a].from - bands[b].from) || (a - b); });
    order.forEach(function (i) {
      var b = bands[i];
      if (!finite(b.from)) { return; }
      var end = finite(b.to) ? b.to : xHigh;
      var a = X(Math.min(b.from, end));
      var z = X(Math.max(b.from, end));
      if (z < left - 0.5 || a > right + 0.5) { return; }
      var x0 = Math.min(Math.max(a, left), right);
      var x1 = Math.min(Math.max(z, left), right);
      var text = truncated(b.label || '', 32);
      if (!text) { places.push({ index: i, x0: x0, x1: x1, row: -1, text: '' }); return; }
      var extent = [x0, x0 + 3 + textWidth(text)];
      var row = 0;
      while (row < rows.length && rows[row].some(function (e) { return extent[0] < e[1] + 6 && e[0] < extent[1] + 6; })) { row += 1; }
      if (row >= 3) { row = 2; }
      while (rows.length <= row) { rows.push([]); }
      rows[row].push(extent);
      places.push({ index: i, x0: x0, x1: x1, row: row, text: text });
    });
    return places;
  }

  function segments(points) {
    var result = [];
    var current = [];
    points.forEach(function (p) {
      if (finite(p[0]) && finite(p[1])) { current.push(p); } else if (current.length) { result.push(current); current = []; }
    });
    if (current.length) { result.push(current); }
    return result;
  }

  /** Bands, markers and feedback dots of the model, in seconds of drill time. */
  function overlays(m) {
    var nowMs = m.atMs;
    var bands = [];
    m.faults.forEach(function (f) {
      if (finite(f.actualStartMs) && f.state !== 'pending' && f.state !== 'skipped') {
        var endMs = finite(f.actualEndMs) ? f.actualEndMs : (f.state === 'applied' ? nowMs : f.actualStartMs);
        if (f.state === 'applied' && !finite(f.actualEndMs) && finite(f.plannedEndMs)) {
          // The rest of its planned window, ahead of "now".
          var restEnd = plannedDrillMs(m, f.plannedEndMs);
          if (restEnd > nowMs) {
            bands.push({ from: nowMs / 1000, to: restEnd / 1000, label: '', kind: 'planned', name: f.name,
              detail: f.name + ' planned to end at about ' + clock(restEnd) });
          }
        }
        bands.push({
          from: f.actualStartMs / 1000, to: Math.max(endMs, f.actualStartMs) / 1000, label: f.name, kind: 'applied', name: f.name,
          detail: f.name + ' (' + (f.type || 'fault') + (f.on ? ' on ' + f.on : '') + '): ' + clock(f.actualStartMs) + '–' +
            (finite(f.actualEndMs) ? clock(f.actualEndMs) : 'now') + (f.state === 'failed' ? ', failed' : '')
        });
      } else if (f.state === 'pending' && finite(f.plannedStartMs)) {
        var startMs = Math.max(plannedDrillMs(m, f.plannedStartMs), nowMs);
        var plannedEnd = finite(f.plannedEndMs) ? plannedDrillMs(m, f.plannedEndMs) : null;
        var stopMs = plannedEnd !== null ? Math.max(plannedEnd, startMs) : null;
        bands.push({
          from: startMs / 1000, to: stopMs !== null ? stopMs / 1000 : null, label: f.name + ' (planned)', kind: 'planned', name: f.name,
          detail: f.name + ' planned (' + (f.type || 'fault') + (f.on ? ' on ' + f.on : '') + '): from about ' + clock(startMs) +
            (stopMs !== null ? ' to ' + clock(stopMs) : '')
        });
      }
    });
    m.holds.forEach(function (hd) {
      if (!finite(hd.atMs)) { return; }
      var endMs = finite(hd.heldMs) ? hd.atMs + hd.heldMs : nowMs;
      bands.push({
        from: hd.atMs / 1000, to: Math.max(endMs, hd.atMs) / 1000,
        label: hd.reason === 'gate' ? 'held at gate' : 'held', kind: 'hold',
        detail: (hd.reason === 'gate' ? 'held at the gate of ' + (hd.phase || 'a phase') : 'held by the facilitator') +
          (finite(hd.heldMs) ? ' for ' + duration(hd.heldMs) : ' (still held)')
      });
    });
    var markers = [];
    var ci = currentPhaseIndex(m);
    m.phases.forEach(function (p) {
      var started = p.index <= ci;
      if (started && finite(p.atMs)) {
        markers.push({ x: p.atMs / 1000, label: p.name, color: COLORS.grey, kind: 'phase', title: 'phase ' + p.name + ' began at ' + clock(p.atMs) });
      } else if (!started && finite(p.scenarioMs)) {
        var at = Math.max(plannedDrillMs(m, p.scenarioMs), nowMs);
        markers.push({ x: at / 1000, label: p.name, color: COLORS.grey, kind: 'planned', title: 'phase ' + p.name + ' planned at about ' + clock(at) + (p.gate ? ' (gate)' : '') });
      }
    });
    var dots = m.feedback.map(function (fb) {
      return {
        x: fb.atMs / 1000, color: KIND_COLORS[fb.kind] || COLORS.grey, kind: fb.kind,
        title: (fb.nickname || 'anonymous') + ': ' + (KIND_LABELS[fb.kind] || fb.kind) + (fb.text ? ' — ' + fb.text : '') + ' (' + clock(fb.atMs) + ')'
      };
    });
    return { bands: bands, markers: markers, dots: dots, now: nowMs / 1000 };
  }

  /**
   * The chart's width in SVG units: the container's width at the page's text size, so that labels stay as large as
   * the page's text on a laptop and on a projector and the plot uses the width there is.
   */
  function chartWidth(container) {
    var cw = container ? container.clientWidth : 0;
    if (!(cw > 0)) { return 760; }
    var size = parseFloat(window.getComputedStyle(document.body).fontSize) || 15;
    return Math.max(420, Math.min(1600, Math.round(cw / (size / 15))));
  }

  var lastChartModel = null;
  var resizeRedraw = null;

  /** Draws the three live charts of the model into #chart-throughput, #chart-errors and #chart-latency. */
  function drawCharts(m) {
    lastChartModel = m;
    if (!resizeRedraw) {
      resizeRedraw = throttle(function () { if (lastChartModel) { drawCharts(lastChartModel); } }, 150);
      window.addEventListener('resize', function () { resizeRedraw('resize'); });
    }
    var o = overlays(m);
    var xEnd = Math.max(loadEndDrillMs(m), m.atMs) / 1000;
    o.bands.forEach(function (b) { if (finite(b.to)) { xEnd = Math.max(xEnd, b.to); } });
    o.markers.forEach(function (mk) { xEnd = Math.max(xEnd, mk.x); });
    xEnd = Math.max(xEnd, 10);
    var okPts = [], errPts = [], dropPts = [], ratePts = [], p50Pts = [], p99Pts = [];
    var anyDrop = false;
    m.ticks.forEach(function (t) {
      var x = (t.atMs - 500) / 1000;
      okPts.push([x, num(t.ok, NaN)]);
      errPts.push([x, num(t.errors, NaN)]);
      dropPts.push([x, num(t.dropped, NaN)]);
      if (t.dropped > 0) { anyDrop = true; }
      var done = (t.ok || 0) + (t.errors || 0);
      ratePts.push([x, done > 0 ? (t.errors || 0) / done : NaN]);
      p50Pts.push([x, num(t.p50Ms, NaN)]);
      p99Pts.push([x, num(t.p99Ms, NaN)]);
    });
    // One left margin for the three charts, so that their time axes line up.
    var leftMin = 0;
    [[okPts, errPts, anyDrop ? dropPts : []], [ratePts], [p50Pts, p99Pts]].forEach(function (sets, i) {
      var values = [];
      sets.forEach(function (pts) { pts.forEach(function (p) { if (finite(p[0]) && finite(p[1])) { values.push(p[1]); } }); });
      var ys = yScaleFor(values, ['number', 'percent', 'ms'][i]);
      var widest = Math.max.apply(null, [0].concat(ys.ticks.map(function (t) { return textWidth(t.label); })));
      leftMin = Math.max(leftMin, 28 + Math.max(widest + 10, 24));
    });
    var base = { xEnd: xEnd, now: m.ended ? null : o.now, bands: o.bands, markers: o.markers, dots: o.dots, leftMin: leftMin };
    var throughput = [
      { name: 'ok/s', color: COLORS.green, style: 'area', points: okPts },
      { name: 'errors/s', color: COLORS.red, style: 'line', points: errPts }
    ];
    if (anyDrop) { throughput.push({ name: 'dropped/s', color: COLORS.orange, style: 'dashed', points: dropPts }); }
    var containers = ['#chart-throughput', '#chart-errors', '#chart-latency'].map(function (sel) { return document.querySelector(sel); });
    base.width = chartWidth(containers[0]);
    drawChart(containers[0], merge(copy(base), { id: 'throughput', title: 'Throughput', yLabel: 'requests/s', format: 'number', series: throughput }));
    drawChart(containers[1], merge(copy(base), { id: 'errors', title: 'Error rate', yLabel: 'failed share', format: 'percent', series: [{ name: 'error rate', color: COLORS.red, style: 'area', points: ratePts }] }));
    drawChart(containers[2], merge(copy(base), {
      id: 'latency', title: 'Latency p50 / p99', yLabel: 'latency (ms)', format: 'ms',
      series: [{ name: 'p50', color: COLORS.blue, style: 'line', points: p50Pts }, { name: 'p99', color: COLORS.purple, style: 'line', points: p99Pts }]
    }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shared view of the dashboard and the console

  function statusText(m) {
    if (m.ended) { return 'ended' + (m.ended.status ? ' · ' + m.ended.status : ''); }
    return m.status;
  }

  function renderStatus(m) {
    var node = $('status');
    if (!node) { return; }
    var cls = 'verdict live-status ';
    if (m.ended) { cls += m.ended.status === 'completed' || !m.ended.status ? 'status-done' : 'verdict-fail'; }
    else if (m.held) { cls += 'verdict-invalid'; }
    else if (m.status === 'running') { cls += 'verdict-pass'; }
    else { cls += 'status-other'; }
    node.className = cls;
    node.setAttribute('data-status', m.status);
    node.setAttribute('data-end', m.ended && m.ended.status ? m.ended.status : '');
    setText(node, statusText(m));
    var reason = $('end-reason');
    if (reason) {
      show(reason, !!(m.ended && m.ended.reason));
      setText(reason, m.ended && m.ended.reason ? m.ended.reason : '');
    }
  }

  function renderTitle(m) {
    setText('title', m.title);
    var kicker = $('plan-line');
    if (kicker) {
      var parts = ['plan ' + m.plan];
      if (m.startedAt) {
        var d = new Date(m.startedAt);
        if (!isNaN(d.getTime())) { parts.push('started ' + d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })); }
      }
      setText(kicker, parts.join(' · '));
    }
    document.title = m.title + ' · ' + (document.body.getAttribute('data-page-title') || 'StormDrill live');
  }

  function renderPhase(m) {
    var label = $('phase-label');
    var gatePhase = m.held && m.hold && m.hold.reason === 'gate' ? (phaseByName(m, m.hold.phase) || m.nextPhase) : null;
    if (m.phase) {
      setText('phase-name', m.phase.name);
      setText('phase-brief', m.phase.brief || '');
      setText('phase-expect', m.phase.expect || '');
    } else {
      setText('phase-name', m.gameDay ? 'not started' : 'no phases');
      setText('phase-brief', m.gameDay ? '' : 'This drill has no game day: only the load and its faults.');
      setText('phase-expect', '');
    }
    if (label) { setText(label, m.phase ? 'Phase ' + (m.phase.index + 1) + (m.phases.length ? ' of ' + m.phases.length : '') : 'Phase'); }
    var held = $('held');
    if (held) {
      show(held, !!m.held);
      setText(held, !m.held ? '' : gatePhase ? 'held at the gate of ' + gatePhase.name : 'held by the facilitator');
      held.setAttribute('data-reason', m.held && m.hold ? m.hold.reason || '' : '');
    }
    var next = $('next-phase');
    if (next) {
      var np = m.nextPhase;
      show(next, !!np);
      if (np) { setText(next, 'Next: ' + np.name + (np.gate ? ' (waits for Continue)' : '') + (np.brief ? ' — ' + np.brief : '')); }
    }
  }

  function renderCountdown(m) {
    var node = $('countdown');
    if (!node) { return; }
    var label = $('countdown-label');
    var next = nextMilestone(m);
    if (m.ended) {
      setText(node, 'ended');
      node.setAttribute('data-state', 'ended');
      setText(label, 'the drill is over');
      return;
    }
    if (m.held) {
      setText(node, 'held');
      node.setAttribute('data-state', 'held');
      setText(label, next ? 'clock stopped before ' + next.label : 'the scenario clock stands still');
      return;
    }
    if (m.status === 'ending') {
      setText(node, 'load over');
      node.setAttribute('data-state', 'ending');
      setText(label, 'requests drain, the audit runs');
      return;
    }
    if (!next) {
      setText(node, '–');
      node.setAttribute('data-state', 'none');
      setText(label, 'nothing more planned');
      return;
    }
    var remaining = Math.max(next.at - currentScenarioMs(m), 0);
    setText(node, clock(remaining, true));
    node.setAttribute('data-state', 'running');
    node.setAttribute('data-target', next.name || next.kind);
    setText(label, 'until ' + next.label + ' (at ' + clock(plannedDrillMs(m, next.at)) + ')');
  }

  function renderFigures(m) {
    setText('participants', count(m.participants.joined || 0));
    setText('participants-detail', 'joined · ' + count(m.participants.active || 0) + ' active' + (m.maxParticipants ? ' · max ' + count(m.maxParticipants) : ''));
    var t = m.totals || {};
    setText('totals', count(t.sent || 0));
    var done = (t.ok || 0) + (t.errors || 0);
    setText('totals-detail', count(t.ok || 0) + ' ok · ' + count(t.errors || 0) + ' errors' + (t.dropped ? ' · ' + count(t.dropped) + ' dropped' : '') + ' · ' + percent(done ? (t.errors || 0) / done : 0) + ' failed');
    var last = m.ticks[m.ticks.length - 1];
    setText('latest', last ? count(last.ok) + ' ok/s' : '–');
    setText('latest-detail', last ? (last.errors || 0) + ' errors/s · p50 ' + formatValue(num(last.p50Ms, NaN), 'ms') + ' · p99 ' + formatValue(num(last.p99Ms, NaN), 'ms') : 'waiting for the first second');
    var recent = m.ticks.slice(-10);
    var errs = 0, oks = 0;
    recent.forEach(function (tk) { errs += tk.errors || 0; oks += tk.ok || 0; });
    var card = $('latest-card');
    if (card) { card.classList.toggle('card-bad', errs + oks > 0 && errs / (errs + oks) > 0.05); }
    setText('in-force', m.inForce.length ? m.inForce.join(', ') : 'none');
    setText('clock', clock(m.atMs));
  }

  function feedbackItem(fb) {
    var li = h('li', { className: 'feed-item feedback kind-' + (KINDS.indexOf(fb.kind) >= 0 ? fb.kind : 'other'), data: { id: fb.id, kind: fb.kind, participant: fb.participant } });
    li.appendChild(h('div', { className: 'feed-head' }, [
      h('span', { className: 'badge kind-badge', text: KIND_LABELS[fb.kind] || fb.kind }),
      ' ',
      h('strong', { className: 'fb-nick', text: fb.nickname || 'anonymous' }),
      h('span', { className: 'feed-time', text: clock(fb.atMs) })
    ]));
    if (fb.text) { li.appendChild(h('div', { className: 'fb-text', text: fb.text })); }
    var meta = [];
    if (fb.orderId) { meta.push('order ' + fb.orderId); }
    if (fb.phase) { meta.push('phase ' + fb.phase); }
    if (fb.faults && fb.faults.length) { meta.push('in force: ' + fb.faults.join(', ')); }
    if (meta.length) { li.appendChild(h('div', { className: 'small', text: meta.join(' · ') })); }
    return li;
  }

  var renderedFeedback = { list: null, ids: {} };

  /** The feedback feed, newest first (at most `limit`); items not seen before are highlighted briefly. */
  function renderFeedback(m, limit) {
    var list = $('feedback-list');
    if (!list) { return; }
    limit = limit || 60;
    if (renderedFeedback.list !== list) { renderedFeedback = { list: list, ids: {}, first: true }; }
    var items = m.feedback.slice(-limit).reverse();
    clear(list);
    items.forEach(function (fb) {
      var li = feedbackItem(fb);
      if (!renderedFeedback.first && !renderedFeedback.ids[fb.id]) { flash(li); }
      renderedFeedback.ids[fb.id] = true;
      list.appendChild(li);
    });
    renderedFeedback.first = false;
    show('feedback-empty', items.length === 0);
    var counts = {};
    m.feedback.forEach(function (fb) { counts[fb.kind] = (counts[fb.kind] || 0) + 1; });
    var summary = $('feedback-summary');
    if (summary) {
      clear(summary);
      KINDS.forEach(function (k) {
        summary.appendChild(h('span', { className: 'kind-count kind-' + k, data: { kind: k } }, [h('span', { className: 'kind-dot' }), KIND_LABELS[k] + ' ' + (counts[k] || 0)]));
      });
    }
  }

  function flash(node) {
    node.classList.add('fresh');
    setTimeout(function () { node.classList.remove('fresh'); }, 6000);
  }

  function renderAnnouncements(m, listId) {
    var list = $(listId || 'announcement-list');
    if (!list) { return; }
    var known = list.children.length;
    clear(list);
    m.announcements.slice().reverse().forEach(function (a, i) {
      var li = h('li', { className: 'feed-item announcement' }, [
        h('span', { className: 'feed-time', text: clock(a.atMs) }), h('span', { className: 'announcement-text', text: a.text })
      ]);
      if (known && i < m.announcements.length - known) { flash(li); }
      list.appendChild(li);
    });
    show('announcement-empty', m.announcements.length === 0);
  }

  function renderPolls(m) {
    var list = $('poll-list');
    if (!list) { return; }
    clear(list);
    m.polls.forEach(function (p) {
      var a = p.answers || {};
      list.appendChild(h('li', { className: 'feed-item poll-result', data: { phase: p.phase, state: p.state } }, [
        h('div', { className: 'feed-head' }, [h('span', { className: 'badge ' + (p.state === 'open' ? 'badge-pass' : 'badge-closed'), text: p.state }), ' ', h('strong', { text: p.phase })]),
        h('div', { text: p.question || '' }),
        h('div', { className: 'small', text: 'yes ' + (a.yes || 0) + ' · no ' + (a.no || 0) + ' · not sure ' + (a.unsure || 0) })
      ]));
    });
    show('poll-section', m.polls.length > 0);
  }

  /**
   * Coalesces renders: render(what) is called at most every `ms` milliseconds with what changed since ('all' when
   * several kinds did), so a burst of feedback from a full room redraws the charts a few times a second, not per event.
   */
  function throttle(render, ms) {
    var pending = null;
    var timer = null;
    var last = 0;
    function flush() {
      timer = null;
      last = now();
      var what = pending;
      pending = null;
      render(what);
    }
    return function (what) {
      pending = pending === null || pending === what ? what : 'all';
      if (timer) { return; }
      var wait = Math.max(0, ms - (now() - last));
      timer = setTimeout(flush, wait);
    };
  }

  /** Everything the dashboard and the console share, drawn from the model. */
  function renderShared(m, what) {
    what = what || 'all';
    if (what === 'all' || what === 'tick' || what === 'phase' || what === 'hold' || what === 'fault' || what === 'end' || what === 'feedback') { drawCharts(m); }
    if (what === 'all') { renderTitle(m); }
    renderStatus(m);
    renderPhase(m);
    renderCountdown(m);
    renderFigures(m);
    if (what === 'all' || what === 'feedback') { renderFeedback(m); }
    if (what === 'all' || what === 'announcement') { renderAnnouncements(m); }
    if (what === 'all' || what === 'poll') { renderPolls(m); }
  }

  window.Live = {
    $: $, h: h, s: s, setText: setText, show: show, clear: clear, flash: flash,
    clock: clock, duration: duration, formatValue: formatValue, percent: percent, count: count,
    KINDS: KINDS, KIND_LABELS: KIND_LABELS, KIND_COLORS: KIND_COLORS, COLORS: COLORS,
    start: start, request: request, throttle: throttle, errorText: errorText, apply: apply, modelFromState: modelFromState,
    phaseByName: phaseByName, phaseByIndex: phaseByIndex, faultByName: faultByName, nextMilestone: nextMilestone,
    plannedDrillMs: plannedDrillMs, currentScenarioMs: currentScenarioMs,
    drawChart: drawChart, drawCharts: drawCharts, renderShared: renderShared, renderCountdown: renderCountdown,
    renderStatus: renderStatus, renderPhase: renderPhase, renderFeedback: renderFeedback,
    renderAnnouncements: renderAnnouncements
  };
}());
