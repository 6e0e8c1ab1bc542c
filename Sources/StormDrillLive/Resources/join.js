/* StormDrill game day: the participant page (/join). Joins with an optional nickname (POST /api/join), keeps the
 * participant id in localStorage (a reload rejoins without a new join), follows the phase and the announcements from
 * the live stream (live.js), answers a phase's poll and sends one-tap feedback. */
(function () {
  'use strict';
  var Live = window.Live;
  var $ = Live.$, setText = Live.setText, show = Live.show;
  var KEY = 'stormdrill.participant';
  var ANSWERED_KEY = 'stormdrill.pollsAnswered';
  var model = null;
  var me = null;      // {participant, nickname, run}
  var sending = false;

  function runId(m) { return (m.plan || '') + '|' + (m.startedAt || ''); }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (err) { return null; }
  }

  function save(value) {
    try {
      if (value) { localStorage.setItem(KEY, JSON.stringify(value)); } else { localStorage.removeItem(KEY); }
    } catch (err) { /* private mode: the id lives as long as the page */ }
  }

  function answered() {
    try { return JSON.parse(localStorage.getItem(ANSWERED_KEY) || '{}') || {}; } catch (err) { return {}; }
  }

  function markAnswered(phase) {
    var all = answered();
    all[runId(model) + '|' + phase] = true;
    try { localStorage.setItem(ANSWERED_KEY, JSON.stringify(all)); } catch (err) { /* ignore */ }
  }

  function formStatus(id, text, state) {
    var node = $(id);
    setText(node, text);
    node.setAttribute('data-state', state || 'ok');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rendering

  function renderMe() {
    var over = !!(model && model.ended);
    show('join-section', !!model && !me && !over);
    var joined = $('joined');
    show(joined, !!me);
    joined.setAttribute('data-participant', me ? me.participant : '');
    setText('joined-name', me ? (me.nickname || 'anonymous') : '');
    show('feedback', !!me && !over);
    document.querySelectorAll('#feedback button.fb').forEach(function (b) { b.disabled = sending || over; });
    show('ended', over);
    renderPoll();
  }

  function renderPhase(m) {
    var box = $('phase-box');
    var gate = m.held && m.hold && m.hold.reason === 'gate' ? (Live.phaseByName(m, m.hold.phase) || m.nextPhase) : null;
    var p = m.phase;
    if (m.ended) {
      box.setAttribute('data-state', 'ended');
      setText('phase-label', 'Finished');
      setText('phase-name', 'That was the last part');
      setText('phase-brief', 'The facilitator will talk through what happened.');
      setText('phase-expect', 'nothing more: you can close this page.');
    } else if (gate) {
      box.setAttribute('data-state', 'gate');
      setText('phase-label', 'The next part starts soon');
      setText('phase-name', gate.name);
      setText('phase-brief', gate.brief || '');
      setText('phase-expect', gate.expect || 'the facilitator starts it in a moment.');
    } else if (p) {
      box.setAttribute('data-state', m.held ? 'held' : 'phase');
      setText('phase-label', m.held ? 'Paused by the facilitator' : 'Now' + (m.phases.length ? ' · part ' + (p.index + 1) + ' of ' + m.phases.length : ''));
      setText('phase-name', p.name);
      setText('phase-brief', p.brief || '');
      setText('phase-expect', p.expect || '—');
    } else {
      box.setAttribute('data-state', 'none');
      setText('phase-label', 'Now');
      setText('phase-name', 'Starting soon');
      setText('phase-brief', 'The rehearsal has not started yet. Keep this page open.');
      setText('phase-expect', 'the first part’s instructions here.');
    }
  }

  function renderApp(m) {
    var link = $('app-link');
    if (m.appURL && /^https?:\/\//i.test(m.appURL) && !m.ended) {
      link.href = m.appURL;
      show(link, true);
    } else {
      show(link, false);
    }
  }

  function renderAnnouncements(m) {
    show('announcement-section', m.announcements.length > 0);
    Live.renderAnnouncements(m, 'announcements');
  }

  function openPoll() {
    if (!model || !me || model.ended) { return null; }
    var done = answered();
    for (var i = model.polls.length - 1; i >= 0; i--) {
      var p = model.polls[i];
      if (p.state === 'open' && !done[runId(model) + '|' + p.phase]) { return p; }
    }
    return null;
  }

  function renderPoll() {
    var box = $('poll');
    var p = openPoll();
    if (!p) { show(box, false); return; }
    if (box.getAttribute('data-phase') !== p.phase) { formStatus('poll-status', '', 'idle'); }
    box.setAttribute('data-phase', p.phase);
    setText('poll-question', p.question || 'How did that part go?');
    show(box, true);
  }

  function renderAll(m, what) {
    document.title = m.title + ' · Game day';
    setText('title', m.title);
    renderPhase(m);
    renderApp(m);
    if (what === 'all' || what === 'announcement') { renderAnnouncements(m); }
    renderMe();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Actions

  function join(e) {
    e.preventDefault();
    if (!model) { return; }
    var button = $('join');
    var nickname = $('nickname').value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 40);
    button.disabled = true;
    formStatus('join-status', 'Joining…', 'busy');
    Live.request('POST', '/api/join', nickname ? { nickname: nickname } : {}).then(function (r) {
      button.disabled = false;
      if (r.status === 201 && r.body && r.body.participant) {
        me = { participant: r.body.participant, nickname: r.body.nickname || null, run: runId(model) };
        save(me);
        formStatus('join-status', '', 'ok');
        renderMe();
      } else if (r.status === 403) {
        formStatus('join-status', 'Sorry, the rehearsal is full.', 'error');
      } else {
        formStatus('join-status', 'Could not join: ' + Live.errorText(r), 'error');
      }
    });
  }

  function feedback(kind) {
    if (!me || sending || (model && model.ended)) { return; }
    var text = $('fb-text').value.trim();
    var order = $('fb-order').value.trim();
    if (text.length > 280) { formStatus('fb-status', 'That text is too long (at most 280 characters).', 'error'); return; }
    var body = { participant: me.participant, kind: kind };
    if (text) { body.text = text; }
    if (order) { body.orderId = order.slice(0, 64); }
    sending = true;
    renderMe();
    formStatus('fb-status', 'Sending…', 'busy');
    Live.request('POST', '/api/feedback', body).then(function (r) {
      sending = false;
      if (r.status === 202 || (r.status >= 200 && r.status < 300)) {
        formStatus('fb-status', 'Sent: “' + (Live.KIND_LABELS[kind] || kind) + '”' + (text ? ' with your words' : '') + '. Thank you!', 'sent');
        $('fb-text').value = '';
        updateCount();
      } else if (r.status === 429) {
        formStatus('fb-status', 'Slow down: wait a second, then tap again.', 'error');
      } else if (r.status === 400 && /participant/i.test(Live.errorText(r))) {
        formStatus('fb-status', 'The rehearsal does not know this phone any more: please join again.', 'error');
        me = null;
        save(null);
      } else {
        formStatus('fb-status', 'Not sent: ' + Live.errorText(r), 'error');
      }
      renderMe();
    });
  }

  function answer(value) {
    var p = openPoll();
    if (!p || !me) { return; }
    var buttons = document.querySelectorAll('#poll button');
    buttons.forEach(function (b) { b.disabled = true; });
    formStatus('poll-status', 'Sending…', 'busy');
    Live.request('POST', '/api/poll', { participant: me.participant, phase: p.phase, answer: value }).then(function (r) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (r.status >= 200 && r.status < 300) {
        markAnswered(p.phase);
        formStatus('poll-thanks', 'Thanks for answering the question.', 'sent');
      } else if (r.status === 409) {
        markAnswered(p.phase);
        formStatus('poll-thanks', 'That question has closed.', 'error');
      } else if (r.status === 429) {
        formStatus('poll-status', 'Slow down: wait a second, then tap again.', 'error');
        return;
      } else {
        formStatus('poll-status', 'Not sent: ' + Live.errorText(r), 'error');
        return;
      }
      renderPoll();
    });
  }

  function updateCount() {
    var n = $('fb-text').value.length;
    var count = $('fb-count');
    setText(count, n);
    count.parentNode.classList.toggle('counter-full', n >= 260);
  }

  $('join-form').addEventListener('submit', join);
  document.querySelectorAll('#feedback button.fb').forEach(function (b) {
    b.addEventListener('click', function () { feedback(b.getAttribute('data-kind')); });
  });
  document.querySelectorAll('#poll button').forEach(function (b) {
    b.addEventListener('click', function () { answer(b.getAttribute('data-answer')); });
  });
  $('fb-text').addEventListener('input', updateCount);

  Live.start({
    onReady: function (m) {
      model = m;
      // The stored id belongs to this run (same plan and start; a join made before the start was known counts).
      var stored = load();
      var sameRun = stored && stored.participant && typeof stored.run === 'string' &&
        (stored.run === runId(m) || stored.run === (m.plan || '') + '|');
      me = sameRun ? stored : null;
      if (me && me.run !== runId(m)) { me.run = runId(m); save(me); }
      if (stored && !me) { save(null); }
      renderAll(m, 'all');
    },
    onEvent: function (type, data, m) {
      model = m;
      renderAll(m, type);
    }
  });
}());
