/* StormDrill live view: the facilitator console (/facilitator#token=…). The shared figures and charts come from
 * live.js; this adds the runbook, the controls (Continue, Hold, Halt, skips), notes, announcements and the join QR. */
(function () {
  'use strict';
  var Live = window.Live;
  var $ = Live.$, h = Live.h, setText = Live.setText, show = Live.show, clear = Live.clear;
  var TOKEN_KEY = 'stormdrill.facilitatorToken';
  var token = null;
  var model = null;
  var busy = false;
  var halting = false;

  // The token: from the fragment (then out of the address bar), else from this tab's sessionStorage.
  function readToken() {
    var match = /(?:^|[#&])token=([^&]*)/.exec(location.hash || '');
    if (match) {
      var value = decodeURIComponent(match[1]).trim();
      if (value) { store(value); }
      history.replaceState(null, '', location.pathname + location.search);
    }
    try { token = sessionStorage.getItem(TOKEN_KEY) || token; } catch (err) { /* storage off: keep it in memory */ }
    show('token-missing', !token);
  }

  function store(value) {
    token = value;
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch (err) { /* in memory only */ }
  }

  function status(text, state) {
    var node = $('action-status');
    setText(node, text);
    node.setAttribute('data-state', state || 'ok');
  }

  /** POSTs an action with the token; shows what came back; resolves to the result. */
  function act(path, body, label) {
    if (!token) {
      status(label + ': token missing or wrong', 'error');
      return Promise.resolve({ status: 401, body: null });
    }
    busy = true;
    status(label + '…', 'busy');
    update();
    return Live.request('POST', path, body || {}, { 'Authorization': 'Bearer ' + token }).then(function (r) {
      busy = false;
      if (r.status >= 200 && r.status < 300) {
        status(label + ': done' + detail(path, r.body), 'ok');
      } else if (r.status === 401) {
        status(label + ': token missing or wrong (401)', 'error');
        show('token-missing', true);
      } else {
        status(label + ': ' + Live.errorText(r) + ' (' + (r.status || 'no answer') + ')', 'error');
      }
      update();
      return r;
    });
  }

  function detail(path, body) {
    if (!body) { return ''; }
    if (path === '/api/continue' && typeof body.heldMs === 'number') { return ' (held ' + Live.duration(body.heldMs) + ')'; }
    if (path === '/api/halt' && Array.isArray(body.rolledBack)) {
      return body.rolledBack.length ? ' (rolled back ' + body.rolledBack.join(', ') + ')' : ' (no fault was in force)';
    }
    if (typeof body.atMs === 'number') { return ' at ' + Live.clock(body.atMs); }
    return '';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rendering

  function update() {
    var m = model;
    var over = !m || !!m.ended;
    var can = !!token && !over && !busy && !halting;
    var cont = $('continue');
    cont.disabled = !(can && m.held);
    var gatePhase = m && m.held && m.hold && m.hold.reason === 'gate' ? Live.phaseByName(m, m.hold.phase) : null;
    setText('continue-detail', !m ? '' : over ? 'the drill is over' : !m.held ? 'nothing holds'
      : gatePhase ? 'start ' + gatePhase.name : 'resume the scenario clock');
    $('hold').disabled = !(can && !m.held && m.status === 'running');
    $('halt').disabled = !(!!token && !over && !halting);
    var help = $('gate-help');
    if (m && m.held && !over) {
      show(help, true);
      setText(help, gatePhase
        ? 'Held at the gate of ' + gatePhase.name + '. Brief the room' + (gatePhase.brief ? ' (“' + gatePhase.brief + '”)' : '') + ', then press Continue.'
        : 'You are holding the scenario clock; the load goes on. Press Continue to resume.');
    } else {
      show(help, false);
    }
    ['note-send', 'announce-send'].forEach(function (id) { $(id).disabled = !token || over; });
    document.querySelectorAll('#skip-list button.skip').forEach(function (b) { b.disabled = !can; });
  }

  var runbookKey = null;

  function renderRunbook(m) {
    var body = $('runbook');
    // Rebuilt only when something it shows changed (not on every tick), so a selection in it survives.
    var key = JSON.stringify([m.phase && m.phase.index, m.held, m.hold && m.hold.phase, m.phases.map(function (p) {
      return [p.name, p.atMs, Live.clock(Math.max(Live.plannedDrillMs(m, p.scenarioMs), m.atMs))];
    })]);
    if (key === runbookKey) { return; }
    runbookKey = key;
    clear(body);
    if (!m.phases.length) {
      body.appendChild(h('tr', {}, h('td', { className: 'note', attrs: { colspan: 3 }, text: m.gameDay ? 'No phases.' : 'This drill has no game day.' })));
      return;
    }
    var ci = m.phase ? m.phase.index : -1;
    var gateIndex = m.held && m.hold && m.hold.reason === 'gate' ? (Live.phaseByName(m, m.hold.phase) || {}).index : null;
    m.phases.forEach(function (p) {
      var state = p.index < ci ? 'done' : p.index === ci ? 'current' : p.index === ci + 1 ? 'next' : 'ahead';
      if (gateIndex === p.index) { state = 'gate'; }
      var row = h('tr', { className: 'phase-row phase-' + state, data: { phase: p.name, state: state } });
      if (state === 'current') { row.setAttribute('aria-current', 'step'); }
      var name = h('td', { className: 'phase-cell' }, [h('strong', { text: p.name })]);
      var badges = h('div', { className: 'badges' });
      if (state === 'current') { badges.appendChild(h('span', { className: 'badge badge-now', text: 'now' })); }
      if (state === 'gate') { badges.appendChild(h('span', { className: 'badge badge-held', text: 'held at gate' })); }
      if (state === 'next') { badges.appendChild(h('span', { className: 'badge badge-next', text: 'next' })); }
      if (p.gate) { badges.appendChild(h('span', { className: 'badge badge-gate', text: 'gate' })); }
      name.appendChild(badges);
      row.appendChild(name);
      var when = h('td', { className: 'num' }, [h('div', { text: Live.clock(p.scenarioMs) })]);
      if (state === 'done' || state === 'current') {
        if (typeof p.atMs === 'number') { when.appendChild(h('div', { className: 'small', text: 'began ' + Live.clock(p.atMs) })); }
      } else if (typeof p.scenarioMs === 'number') {
        when.appendChild(h('div', { className: 'small', text: '≈ ' + Live.clock(Math.max(Live.plannedDrillMs(m, p.scenarioMs), m.atMs)) + ' drill' }));
      }
      row.appendChild(when);
      var text = h('td', { className: 'phase-text' });
      if (p.brief) { text.appendChild(h('p', {}, [h('span', { className: 'rb-label', text: 'Brief ' }), p.brief])); }
      if (p.expect) { text.appendChild(h('p', {}, [h('span', { className: 'rb-label', text: 'Expect ' }), p.expect])); }
      if (p.hypothesis) { text.appendChild(h('p', {}, [h('span', { className: 'rb-label', text: 'Hypothesis ' }), p.hypothesis])); }
      if (p.poll) { text.appendChild(h('p', { className: 'small' }, [h('span', { className: 'rb-label', text: 'Poll at its end ' }), p.poll])); }
      row.appendChild(text);
      body.appendChild(row);
    });
  }

  function renderFaults(m) {
    var body = $('skip-list');
    clear(body);
    if (!m.faults.length) {
      body.appendChild(h('tr', {}, h('td', { className: 'note', attrs: { colspan: 5 }, text: 'No faults planned.' })));
      return;
    }
    m.faults.forEach(function (f) {
      var row = h('tr', { className: 'fault-row fault-' + f.state, data: { fault: f.name, state: f.state } });
      row.appendChild(h('td', {}, h('strong', { text: f.name })));
      row.appendChild(h('td', { text: (f.type || '') + (f.on ? ' on ' + f.on : '') }));
      var planned = Live.clock(f.plannedStartMs) + (typeof f.plannedEndMs === 'number' ? '–' + Live.clock(f.plannedEndMs) : '');
      var actual = typeof f.actualStartMs === 'number'
        ? 'ran ' + Live.clock(f.actualStartMs) + '–' + (typeof f.actualEndMs === 'number' ? Live.clock(f.actualEndMs) : 'now') : '';
      row.appendChild(h('td', { className: 'num' }, [h('div', { text: planned }), actual ? h('div', { className: 'small', text: actual }) : null]));
      var stateCell = h('td', {}, [h('span', { className: 'badge fault-state state-' + f.state, text: f.state })]);
      if (f.reason) { stateCell.appendChild(h('div', { className: 'small', text: f.reason })); }
      row.appendChild(stateCell);
      var cell = h('td', { className: 'num' });
      if (f.state === 'pending') {
        var button = h('button', { className: 'btn btn-small skip', text: 'Skip', data: { fault: f.name }, attrs: { type: 'button', 'aria-label': 'Skip the fault ' + f.name } });
        cell.appendChild(button);
      }
      row.appendChild(cell);
      body.appendChild(row);
    });
  }

  function renderNotes(m) {
    var list = $('note-list');
    clear(list);
    m.notes.slice().reverse().forEach(function (n) {
      list.appendChild(h('li', { className: 'feed-item note' + (n.action ? ' note-action' : '') }, [
        h('span', { className: 'feed-time', text: Live.clock(n.atMs) }),
        n.action ? h('span', { className: 'badge badge-action', text: 'action' }) : null,
        ' ', h('span', { text: n.text })
      ]));
    });
    show('note-empty', m.notes.length === 0);
  }

  function renderJoin(m) {
    var link = $('join-link');
    var url = m.joinURL || new URL('/join', location.href).href;
    link.href = url;
    setText(link, url);
    var qr = $('qr');
    if (!qr.querySelector('img')) {
      qr.appendChild(h('img', { attrs: { src: '/api/qr.svg', alt: 'QR code of the join link ' + url, width: 260, height: 260 } }));
    }
  }

  function renderPhaseExtras(m) {
    var p = m.phase;
    show('phase-hypothesis-line', !!(p && p.hypothesis));
    setText('phase-hypothesis', p && p.hypothesis ? p.hypothesis : '');
    show('phase-poll-line', !!(p && p.poll));
    setText('phase-poll', p && p.poll ? p.poll : '');
  }

  function renderAll(m, what) {
    Live.renderShared(m, what);
    renderPhaseExtras(m);
    if (what === 'all' || what === 'phase' || what === 'hold' || what === 'tick' || what === 'end') { renderRunbook(m); }
    if (what === 'all' || what === 'fault' || what === 'end') { renderFaults(m); }
    if (what === 'all' || what === 'note') { renderNotes(m); }
    if (what === 'all') { renderJoin(m); }
    if (what === 'end' && m.ended) { show('token-missing', false); }
    update();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Controls

  function wire() {
    $('continue').addEventListener('click', function () { act('/api/continue', {}, 'Continue'); });
    $('hold').addEventListener('click', function () { act('/api/hold', {}, 'Hold'); });
    var dialog = $('halt-dialog');
    $('halt').addEventListener('click', function () {
      if (typeof dialog.showModal === 'function') { dialog.showModal(); } else { dialog.setAttribute('open', ''); }
      $('halt-cancel').focus();
    });
    $('halt-cancel').addEventListener('click', function () { closeDialog(); status('Halt cancelled', 'ok'); });
    $('halt-confirm').addEventListener('click', function () {
      closeDialog();
      halting = true;
      act('/api/halt', {}, 'Halt').then(function (r) {
        if (!(r.status >= 200 && r.status < 300)) { halting = false; update(); }
      });
    });
    $('skip-list').addEventListener('click', function (e) {
      var button = e.target.closest ? e.target.closest('button.skip') : null;
      if (!button || button.disabled) { return; }
      var name = button.getAttribute('data-fault');
      act('/api/skip', { fault: name }, 'Skip ' + name);
    });
    $('note-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var input = $('note-text');
      var text = input.value.trim();
      if (!text) { status('Note: write something first', 'error'); input.focus(); return; }
      act('/api/note', { text: text }, 'Note').then(function (r) { if (r.status >= 200 && r.status < 300) { input.value = ''; } });
    });
    $('announce-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var input = $('announce-text');
      var text = input.value.trim();
      if (!text) { status('Announcement: write something first', 'error'); input.focus(); return; }
      act('/api/announce', { text: text }, 'Announcement').then(function (r) { if (r.status >= 200 && r.status < 300) { input.value = ''; } });
    });
    $('announce-text').addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('announce-send').click(); }
    });
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var value = $('token-input').value.trim();
      if (!value) { return; }
      store(value);
      $('token-input').value = '';
      show('token-missing', false);
      status('Token set for this tab', 'ok');
      update();
    });
  }

  function closeDialog() {
    var dialog = $('halt-dialog');
    if (dialog.open && typeof dialog.close === 'function') { dialog.close(); } else { dialog.removeAttribute('open'); }
  }

  var render = Live.throttle(function (what) { renderAll(model, what); }, 200);

  readToken();
  wire();
  // A facilitator link pasted into this tab again only changes the fragment: take its token too.
  window.addEventListener('hashchange', function () {
    if (/token=/.test(location.hash)) {
      readToken();
      status('Token set for this tab', 'ok');
      update();
    }
  });
  Live.start({
    onReady: function (m) { model = m; renderAll(m, 'all'); },
    onEvent: function (type, data, m) {
      model = m;
      if (type === 'end' || type === 'hold') { renderAll(m, type); } else { render(type); }
      if (type === 'end') {
        halting = false;
        status('The drill ended: ' + (data.status || 'ended') + (data.reason ? ' (' + data.reason + ')' : ''), data.status === 'completed' ? 'ok' : 'error');
        update();
      }
    },
    onClock: function (m) { Live.renderCountdown(m); }
  });
}());
