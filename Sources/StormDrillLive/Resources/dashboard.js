/* StormDrill live view: the dashboard (/). Everything it shows is shared with the console and lives in live.js. */
(function () {
  'use strict';
  var Live = window.Live;

  var model = null;
  var render = Live.throttle(function (what) { Live.renderShared(model, what); }, 200);

  Live.start({
    onReady: function (m) { model = m; Live.renderShared(m, 'all'); },
    onEvent: function (type, data, m) { model = m; render(type); },
    onClock: function (m) { Live.renderCountdown(m); }
  });
}());
