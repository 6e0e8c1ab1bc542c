/// The student web page served at `/`: the menu, placing an order (delivery to a dorm in a slot, or a pickup point),
/// the order's live status and the incident notice from `/status`.
///
/// One self-contained document: plain HTML, CSS and a little JavaScript, no external resources, laid out for a
/// phone-sized screen. Students use it during fault rehearsals, so it keeps working while dependencies fail: every
/// request has a timeout, failures are said in words, polling goes on, and a retried submission reuses its
/// `Idempotency-Key`, so it can never create a second order.
///
/// It talks to the order service with relative URLs (`menu`, `orders`, `orders/{id}`, `status`) and copes with what
/// is missing: `/status` answering 404 hides the notice; unknown menu fields are ignored and missing ones (slots,
/// pickup points, dorms, payment methods) hide the matching choice. Stable element ids for tests: `#notice`,
/// `#connection`, `#menu`, `#vendor`, `#mode-delivery`, `#mode-pickup`, `#dorm`, `#slot`, `#pickup-point`,
/// `#student`, `#payment`, `#total`, `#place-order`, `#form-message`, `#order-status`, `#order-id`, `#order-state`
/// (its `data-state` is the raw state), `#order-message`, `#new-order`, `#cancel-order`.
public enum StudentPage {
    public static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
        <meta name="color-scheme" content="light">
        <title>Campus Take-out</title>
        <style>
        :root {
          --ink: #1d2433; --muted: #5b6476; --line: #d9dee8; --bg: #f4f6fa; --card: #fff;
          --accent: #0b6bcb; --accent-ink: #fff; --warn-bg: #fff4d6; --warn-line: #e0a800; --warn-ink: #5c4200;
          --ok-bg: #e3f6e8; --ok-line: #2e9e50; --ok-ink: #14532d; --err-bg: #fde8e8; --err-line: #d03b3b; --err-ink: #7a1414;
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        header.top { background: var(--accent); color: var(--accent-ink); padding: 12px 16px; }
        header.top h1 { margin: 0; font-size: 1.25rem; }
        header.top p { margin: 2px 0 0; font-size: .9rem; opacity: .9; }
        .banner { padding: 12px 16px; border-bottom: 3px solid; font-size: 1rem; }
        .banner strong { display: block; }
        .banner[hidden] { display: none; }
        #notice { position: sticky; top: 0; z-index: 10; }
        #notice[data-state="degraded"] { background: var(--warn-bg); border-color: var(--warn-line); color: var(--warn-ink); }
        #notice[data-state="resolved"] { background: var(--ok-bg); border-color: var(--ok-line); color: var(--ok-ink); }
        #connection { background: var(--err-bg); border-color: var(--err-line); color: var(--err-ink); }
        main { max-width: 560px; margin: 0 auto; padding: 12px 12px 40px; }
        section.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px; margin: 12px 0; }
        section.card[hidden] { display: none; }
        h2 { font-size: 1.1rem; margin: 0 0 10px; }
        label { display: block; font-weight: 600; margin: 10px 0 4px; }
        select, input[type="text"] { width: 100%; min-height: 48px; font: inherit; padding: 8px 10px; border: 1px solid #b8c0cf; border-radius: 8px; background: #fff; color: var(--ink); }
        select:focus, input:focus, button:focus-visible { outline: 3px solid #8cc2ff; outline-offset: 1px; }
        button { font: inherit; min-height: 48px; border-radius: 8px; border: 1px solid #b8c0cf; background: #fff; color: var(--ink); padding: 8px 14px; cursor: pointer; }
        button.primary { width: 100%; background: var(--accent); border-color: var(--accent); color: var(--accent-ink); font-weight: 700; font-size: 1.05rem; }
        button:disabled { opacity: .55; cursor: default; }
        .hint { color: var(--muted); font-size: .9rem; margin: 4px 0 0; }
        .badge { display: inline-block; font-size: .8rem; padding: 1px 8px; border-radius: 999px; background: #e8ecf3; color: var(--muted); margin-left: 6px; white-space: nowrap; }
        .badge.closed { background: var(--err-bg); color: var(--err-ink); }
        .badge.open { background: var(--ok-bg); color: var(--ok-ink); }
        #menu ul { list-style: none; margin: 8px 0 0; padding: 0; }
        #menu li { display: flex; align-items: center; gap: 10px; padding: 8px 0; border-top: 1px solid var(--line); }
        #menu li:first-child { border-top: 0; }
        #menu .name { flex: 1; min-width: 0; }
        #menu .price { display: block; color: var(--muted); font-size: .9rem; }
        .stepper { display: flex; align-items: center; gap: 6px; }
        .stepper button { width: 48px; padding: 0; font-size: 1.4rem; line-height: 1; }
        .stepper .qty { min-width: 1.6em; text-align: center; font-weight: 700; }
        .segmented { display: flex; gap: 8px; }
        .segmented label { flex: 1; margin: 0; }
        .segmented input { position: absolute; opacity: 0; width: 1px; height: 1px; }
        .segmented span { display: flex; align-items: center; justify-content: center; min-height: 48px; border: 1px solid #b8c0cf; border-radius: 8px; background: #fff; font-weight: 600; }
        .segmented input:checked + span { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
        .segmented input:focus-visible + span { outline: 3px solid #8cc2ff; }
        .summary { display: flex; justify-content: space-between; align-items: baseline; margin: 4px 0 12px; }
        .summary .sum { font-size: 1.3rem; font-weight: 700; }
        .msg { margin: 10px 0 0; padding: 10px 12px; border-radius: 8px; border-left: 4px solid; }
        .msg[hidden] { display: none; }
        .msg.info { background: #e8f1fb; border-color: var(--accent); }
        .msg.warn { background: var(--warn-bg); border-color: var(--warn-line); color: var(--warn-ink); }
        .msg.error { background: var(--err-bg); border-color: var(--err-line); color: var(--err-ink); }
        .msg.ok { background: var(--ok-bg); border-color: var(--ok-line); color: var(--ok-ink); }
        .invalid { border-color: var(--err-line) !important; box-shadow: 0 0 0 2px var(--err-bg); }
        #order-state { display: inline-block; font-weight: 700; font-size: 1.15rem; }
        .steps { list-style: none; display: flex; gap: 4px; padding: 0; margin: 12px 0; }
        .steps li { flex: 1; text-align: center; font-size: .78rem; color: var(--muted); padding-top: 8px; border-top: 5px solid var(--line); }
        .steps li.done { border-color: var(--ok-line); color: var(--ok-ink); }
        .steps li.current { border-color: var(--accent); color: var(--ink); font-weight: 700; }
        .steps li.trouble { border-color: var(--warn-line); color: var(--warn-ink); font-weight: 700; }
        dl.details { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 8px 0 0; }
        dl.details dt { color: var(--muted); }
        dl.details dd { margin: 0; overflow-wrap: anywhere; }
        .row { display: flex; gap: 8px; margin-top: 12px; }
        .row button { flex: 1; }
        .updated { color: var(--muted); font-size: .85rem; margin-top: 8px; }
        .hidden { display: none !important; }
        </style>
        </head>
        <body>
        <header class="top">
          <h1>Campus Take-out</h1>
          <p>Order from the canteens and campus merchants</p>
        </header>
        <div id="notice" class="banner" role="status" aria-live="polite" data-state="none" hidden></div>
        <div id="connection" class="banner" role="alert" hidden></div>
        <main>
          <section id="order-status" class="card" aria-live="polite" hidden>
            <h2>Your order <span id="order-id"></span></h2>
            <div><span id="order-state" data-state="">…</span></div>
            <ol class="steps" id="order-steps"></ol>
            <p id="order-message" class="msg info" hidden></p>
            <dl class="details" id="order-details"></dl>
            <p class="updated" id="order-updated"></p>
            <div class="row">
              <button type="button" id="cancel-order" hidden>Cancel order</button>
              <button type="button" id="new-order">New order</button>
            </div>
          </section>

          <form id="order-form" novalidate>
            <section class="card">
              <h2>1. Choose food</h2>
              <label for="vendor">Canteen or merchant</label>
              <select id="vendor" name="vendor"></select>
              <p class="hint" id="vendor-info"></p>
              <div id="menu" aria-busy="true"><p class="hint">Loading the menu…</p></div>
            </section>

            <section class="card">
              <h2>2. Delivery or pickup</h2>
              <div class="segmented" role="radiogroup" aria-label="Delivery or pickup">
                <label><input type="radio" name="mode" id="mode-delivery" value="delivery" checked><span>Deliver to dorm</span></label>
                <label><input type="radio" name="mode" id="mode-pickup" value="pickup"><span>Pick up</span></label>
              </div>
              <div id="delivery-fields">
                <label for="dorm">Dorm</label>
                <select id="dorm" name="dorm"></select>
              </div>
              <div id="pickup-fields" class="hidden">
                <label for="pickup-point">Pickup point</label>
                <select id="pickup-point" name="pickupPoint"></select>
              </div>
              <div id="slot-fields">
                <label for="slot" id="slot-label">Delivery slot</label>
                <select id="slot" name="slot"></select>
              </div>
            </section>

            <section class="card">
              <h2>3. Your details</h2>
              <label for="student">Name or student id</label>
              <input type="text" id="student" name="student" maxlength="64" autocomplete="name" placeholder="e.g. Lin Wei">
              <div id="payment-fields">
                <label for="payment">Payment</label>
                <select id="payment" name="payment"></select>
              </div>
            </section>

            <section class="card">
              <div class="summary"><span>Total</span><span class="sum" id="total">0.00</span></div>
              <p class="hint" id="total-hint"></p>
              <button type="submit" class="primary" id="place-order">Place order</button>
              <p id="form-message" class="msg" role="alert" hidden></p>
            </section>
          </form>
        </main>
        <script>
        (function () {
          "use strict";
          var $ = function (id) { return document.getElementById(id); };
          var ORDER_POLL_MS = 1500, ORDER_POLL_DONE_MS = 10000, STATUS_POLL_MS = 2000, MENU_RETRY_MS = 3000;
          var REQUEST_TIMEOUT_MS = 8000, SUBMIT_TIMEOUT_MS = 10000, SUBMIT_ATTEMPTS = 3;
          var TERMINAL = { delivered: 1, picked_up: 1, cancelled: 1, canceled: 1, refunded: 1, failed: 1, payment_failed: 1, rejected: 1 };
          var CANCELLABLE = { placed: 1, payment_pending: 1, paid: 1 };

          var menu = null;          // normalised menu
          var cart = {};            // sku -> qty for the chosen vendor
          var pending = null;       // {key, body}: the submission a retry must repeat with the same key
          var orderId = null, orderTimer = null, lastOrder = null, lastOrderOk = 0, orderErrors = 0;
          var submitting = false;

          // ---------- small helpers ----------
          function store(name, value) {
            try { if (value === null || value === undefined) localStorage.removeItem(name); else localStorage.setItem(name, JSON.stringify(value)); } catch (e) {}
          }
          function load(name) {
            try { var v = localStorage.getItem(name); return v === null ? null : JSON.parse(v); } catch (e) { return null; }
          }
          function text(el, value) { el.textContent = value === undefined || value === null ? "" : String(value); }
          function money(cents) { return (Math.round(cents) / 100).toFixed(2); }
          function pretty(id) {
            var s = String(id).replace(/[-_]+/g, " ").trim();
            return s.charAt(0).toUpperCase() + s.slice(1);
          }
          function option(value, label) { var o = document.createElement("option"); o.value = value; o.textContent = label; return o; }
          function show(el, on) { if (on) el.removeAttribute("hidden"); else el.setAttribute("hidden", ""); }
          function message(el, kind, words) {
            if (!words) { show(el, false); text(el, ""); return; }
            el.className = "msg " + kind; text(el, words); show(el, true);
          }
          function newKey() {
            if (window.crypto && crypto.randomUUID) { try { return crypto.randomUUID(); } catch (e) {} }
            var b = new Uint8Array(16);
            if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
            else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
            b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
            var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
            return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
          }
          function clock(date) {
            try { return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); } catch (e) { return date.toISOString(); }
          }
          function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

          // One request with a timeout. Resolves to {ok, status, data, error}; never rejects.
          function request(path, options, timeout) {
            options = options || {};
            var controller = window.AbortController ? new AbortController() : null;
            var timer = setTimeout(function () { if (controller) controller.abort(); }, timeout || REQUEST_TIMEOUT_MS);
            if (controller) options.signal = controller.signal;
            options.cache = "no-store";
            return fetch(path, options).then(function (response) {
              return response.text().then(function (body) {
                var data = null;
                try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
                connection(true);
                return { ok: response.ok, status: response.status, data: data, body: body };
              });
            }, function (error) {
              var timedOut = error && error.name === "AbortError";
              connection(false, timedOut);
              return { ok: false, status: 0, data: null, error: timedOut ? "timeout" : "network" };
            }).then(function (r) { clearTimeout(timer); return r; });
          }
          function problemText(r) {
            if (r.status === 0) return r.error === "timeout" ? "the platform did not answer in time" : "the platform could not be reached";
            var d = r.data || {};
            var words = d.error || d.detail || d.title || d.message || d.reason;
            return (words ? String(words) : "the platform answered " + r.status) + (r.status >= 500 ? " (HTTP " + r.status + ")" : "");
          }

          // ---------- connection banner ----------
          var failures = 0, lastContact = null;
          function connection(ok, timedOut) {
            var el = $("connection");
            if (ok) { failures = 0; lastContact = new Date(); show(el, false); return; }
            failures += 1;
            if (failures < 2) return;  // one lost request is not worth a banner
            el.innerHTML = "";
            var strong = document.createElement("strong");
            strong.textContent = timedOut ? "The platform is slow to answer" : "Can't reach the platform";
            el.appendChild(strong);
            el.appendChild(document.createTextNode("Still trying every few seconds. Your order, if placed, is not lost" +
              (lastContact ? " (last contact " + clock(lastContact) + ")." : ".")));
            show(el, true);
          }

          // ---------- incident notice (/status) ----------
          function pollStatus() {
            request("status").then(function (r) {
              if (r.ok && r.data) notice(r.data);
              else if (r.status === 404) notice({ state: "none" });
              // Other failures keep the last notice: the connection banner already says we can't reach the platform.
            }).then(function () { setTimeout(pollStatus, STATUS_POLL_MS); });
          }
          function notice(s) {
            var el = $("notice");
            var state = String(s.state || s.status || "none").toLowerCase();
            if (state === "ok" || state === "operational") state = "none";
            el.setAttribute("data-state", state);
            if (state === "none") { show(el, false); el.innerHTML = ""; return; }
            if (el.getAttribute("data-shown") === JSON.stringify(s) && !el.hidden) return;
            el.setAttribute("data-shown", JSON.stringify(s));
            el.innerHTML = "";
            var head = document.createElement("strong");
            var sinceRaw = s.since !== undefined && s.since !== null ? s.since : s.sinceMs;
            var since = sinceRaw !== undefined && sinceRaw !== null && sinceRaw !== "" ? new Date(sinceRaw) : null;
            var at = since && !isNaN(since.getTime()) ? " (since " + clock(since) + ")" : "";
            if (state === "resolved") {
              var when = s.resolvedAt ? new Date(s.resolvedAt) : since;
              head.textContent = "Resolved" + (when && !isNaN(when.getTime()) ? " at " + clock(when) : "");
            } else if (state === "degraded" || state === "outage" || state === "down") {
              head.textContent = "Service problem" + at;
            } else {
              head.textContent = pretty(state) + at;
            }
            el.appendChild(head);
            var words = s.message || (state === "resolved" ? "The earlier problem is fixed. Orders are back to normal."
              : "Some parts of the platform are not working right now. Orders placed now are kept and finished when it recovers.");
            el.appendChild(document.createTextNode(words));
            show(el, true);
            // The order card words a pending payment by the notice, so it follows at once.
            if (lastOrder && orderId && String(lastOrder.id) === orderId) renderOrder(lastOrder);
          }

          // ---------- menu ----------
          function list(x) { return Array.isArray(x) ? x : []; }
          function choice(x) {
            if (x === null || x === undefined) return null;
            if (typeof x !== "object") return { id: String(x), name: pretty(x) };
            var id = x.id || x.slot || x.name || x.label;
            if (!id && x.start) id = x.start + (x.end ? "-" + x.end : "");
            if (!id) return null;
            var name = x.name || x.label || (x.start ? id : pretty(id));
            if (x.gate) name += " (" + pretty(x.gate) + ")";
            if (x.available === false || x.full === true) name += " (full)";
            return { id: String(id), name: String(name), disabled: x.available === false || x.full === true };
          }
          function price(item) {
            if (typeof item.priceCents === "number") return item.priceCents;
            if (typeof item.price === "number") return Math.round(item.price * 100);
            return 0;
          }
          function normalise(raw) {
            var vendors = list(raw.vendors);
            if (!vendors.length) vendors = list(raw.canteens).concat(list(raw.merchants));
            vendors = vendors.filter(function (v) { return v && v.id; }).map(function (v) {
              return {
                id: String(v.id), name: String(v.name || pretty(v.id)), kind: v.kind || "",
                hours: typeof v.hours === "string" ? v.hours : (v.openingHours || v.opens && v.closes && v.opens + "-" + v.closes || ""),
                fee: typeof v.deliveryFeeCents === "number" ? v.deliveryFeeCents : (typeof v.deliveryFee === "number" ? Math.round(v.deliveryFee * 100) : 0),
                open: typeof v.open === "boolean" ? v.open : (typeof v.isOpen === "boolean" ? v.isOpen : null),
                items: list(v.items).filter(function (i) { return i && i.sku; }).map(function (i) {
                  return { sku: String(i.sku), name: String(i.name || pretty(i.sku)), cents: price(i), available: i.available !== false };
                })
              };
            });
            function choices(x) { return list(x).map(choice).filter(Boolean); }
            return {
              vendors: vendors,
              slots: choices(raw.slots || raw.deliverySlots),
              pickupPoints: choices(raw.pickupPoints || raw.pickup),
              payments: choices(raw.paymentMethods || raw.payments),
              dorms: choices(raw.dorms)
            };
          }
          function loadMenu() {
            request("menu").then(function (r) {
              if (r.ok && r.data && typeof r.data === "object") {
                var m = normalise(r.data);
                if (m.vendors.length) { store("campus.menu", r.data); useMenu(m, null); return; }
                return retryMenu("The menu came back empty.");
              }
              retryMenu("The menu could not be loaded: " + problemText(r) + ".");
            });
          }
          function retryMenu(words) {
            var saved = load("campus.menu");
            if (!menu && saved) useMenu(normalise(saved), "Showing the menu saved on this phone; the live menu could not be loaded. Retrying…");
            else if (!menu) {
              var el = $("menu"); el.innerHTML = "";
              var p = document.createElement("p"); p.className = "msg warn"; p.textContent = words + " Retrying every few seconds…";
              el.appendChild(p);
            }
            setTimeout(loadMenu, MENU_RETRY_MS);
          }
          function fill(select, items, remembered, placeholder) {
            var current = select.value || remembered;
            select.innerHTML = "";
            if (placeholder) select.appendChild(option("", placeholder));
            items.forEach(function (c) { var o = option(c.id, c.name); if (c.disabled) o.disabled = true; select.appendChild(o); });
            if (current && items.some(function (c) { return c.id === current; })) select.value = current;
          }
          function useMenu(m, note) {
            menu = m;
            var vendorSelect = $("vendor");
            var chosen = vendorSelect.value || load("campus.vendor");
            vendorSelect.innerHTML = "";
            m.vendors.forEach(function (v) { vendorSelect.appendChild(option(v.id, v.name + (v.kind ? " · " + v.kind : ""))); });
            if (chosen && m.vendors.some(function (v) { return v.id === chosen; })) vendorSelect.value = chosen;
            fill($("dorm"), m.dorms, load("campus.dorm"), "Choose your dorm");
            fill($("slot"), m.slots, null, m.slots.length ? "As soon as possible" : null);
            fill($("pickup-point"), m.pickupPoints, load("campus.pickup"), "Choose a pickup point");
            fill($("payment"), m.payments, load("campus.payment"), null);
            $("slot-fields").classList.toggle("hidden", !m.slots.length);
            $("payment-fields").classList.toggle("hidden", !m.payments.length);
            if (!m.pickupPoints.length) { $("mode-pickup").disabled = true; $("mode-delivery").checked = true; }
            else $("mode-pickup").disabled = false;
            if (!m.dorms.length) { $("mode-delivery").disabled = true; if (m.pickupPoints.length) $("mode-pickup").checked = true; }
            else $("mode-delivery").disabled = false;
            renderMenu(note);
            modeChanged();
          }
          function vendor() {
            if (!menu) return null;
            var id = $("vendor").value;
            for (var i = 0; i < menu.vendors.length; i++) if (menu.vendors[i].id === id) return menu.vendors[i];
            return menu.vendors[0] || null;
          }
          function openNow(hours) {
            var m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(hours || "");
            if (!m) return null;
            var now = new Date(), t = now.getHours() * 60 + now.getMinutes();
            var a = +m[1] * 60 + +m[2], b = +m[3] * 60 + +m[4];
            return a <= b ? (t >= a && t < b) : (t >= a || t < b);
          }
          function renderMenu(note) {
            var v = vendor(), el = $("menu"), info = $("vendor-info");
            el.innerHTML = ""; el.removeAttribute("aria-busy");
            info.innerHTML = "";
            if (!v) return;
            if (v.hours) {
              info.appendChild(document.createTextNode("Hours " + v.hours));
              var open = v.open !== null ? v.open : openNow(v.hours);
              if (open !== null) {
                var badge = document.createElement("span");
                badge.className = "badge " + (open ? "open" : "closed");
                badge.textContent = open ? "open now" : "closed now";
                info.appendChild(badge);
              }
            }
            if (v.fee) info.appendChild(document.createTextNode((v.hours ? " · " : "") + "delivery fee " + money(v.fee)));
            if (note) { var n = document.createElement("p"); n.className = "msg warn"; n.textContent = note; el.appendChild(n); }
            var ul = document.createElement("ul");
            v.items.forEach(function (item) {
              var li = document.createElement("li");
              li.setAttribute("data-sku", item.sku);
              var name = document.createElement("div"); name.className = "name";
              name.appendChild(document.createTextNode(item.name));
              var p = document.createElement("span"); p.className = "price"; p.textContent = money(item.cents) + (item.available ? "" : " · sold out");
              name.appendChild(p);
              var stepper = document.createElement("div"); stepper.className = "stepper";
              var minus = document.createElement("button"); minus.type = "button"; minus.className = "remove";
              minus.setAttribute("data-sku", item.sku); minus.setAttribute("aria-label", "One less " + item.name); minus.textContent = "−";
              var qty = document.createElement("span"); qty.className = "qty"; qty.setAttribute("aria-live", "polite");
              var plus = document.createElement("button"); plus.type = "button"; plus.className = "add";
              plus.setAttribute("data-sku", item.sku); plus.setAttribute("aria-label", "One more " + item.name); plus.textContent = "+";
              plus.disabled = !item.available;
              stepper.appendChild(minus); stepper.appendChild(qty); stepper.appendChild(plus);
              li.appendChild(name); li.appendChild(stepper);
              ul.appendChild(li);
            });
            el.appendChild(ul);
            updateCart();
          }
          function updateCart() {
            var v = vendor(), subtotal = 0, count = 0;
            if (!v) return;
            Array.prototype.forEach.call($("menu").querySelectorAll("li[data-sku]"), function (li) {
              var sku = li.getAttribute("data-sku"), q = cart[sku] || 0;
              li.querySelector(".qty").textContent = q ? String(q) : "";
              li.querySelector(".remove").disabled = !q;
            });
            v.items.forEach(function (i) { var q = cart[i.sku] || 0; subtotal += q * i.cents; count += q; });
            var delivery = deliveryMode();
            var fee = count && delivery ? v.fee : 0;
            text($("total"), money(subtotal + fee));
            text($("total-hint"), count ? count + (count === 1 ? " item" : " items") + (fee ? " + delivery fee " + money(fee) : "") : "Tap + to add food.");
          }
          function deliveryMode() { return !$("mode-pickup").checked; }
          function modeChanged() {
            var delivery = deliveryMode();
            $("delivery-fields").classList.toggle("hidden", !delivery);
            $("pickup-fields").classList.toggle("hidden", delivery);
            text($("slot-label"), delivery ? "Delivery slot" : "Pickup time");
            updateCart();
          }

          // ---------- placing an order ----------
          function clearInvalid() { Array.prototype.forEach.call(document.querySelectorAll(".invalid"), function (e) { e.classList.remove("invalid"); }); }
          function markInvalid(field) {
            var map = { student: "student", dorm: "dorm", slot: "slot", pickupPoint: "pickup-point", payment: "payment", canteen: "vendor" };
            var key = String(field || "").split(/[.\[]/)[0];
            var el = map[key] ? $(map[key]) : (key === "items" ? $("menu") : null);
            if (el) { el.classList.add("invalid"); if (el.focus) el.focus(); }
          }
          function buildOrder() {
            var v = vendor(), form = $("form-message");
            clearInvalid();
            if (!v) { message(form, "warn", "The menu is not loaded yet. Please wait a moment."); return null; }
            var items = v.items.filter(function (i) { return cart[i.sku]; }).map(function (i) { return { sku: i.sku, qty: cart[i.sku] }; });
            if (!items.length) { markInvalid("items"); message(form, "warn", "Add at least one item from the menu."); return null; }
            var student = $("student").value.trim();
            if (!student) { markInvalid("student"); message(form, "warn", "Please enter your name or student id."); return null; }
            var body = { student: student, canteen: v.id, items: items };
            if (deliveryMode()) {
              if (!$("dorm").value) { markInvalid("dorm"); message(form, "warn", "Choose the dorm to deliver to."); return null; }
              body.dorm = $("dorm").value;
            } else {
              if (!$("pickup-point").value) { markInvalid("pickupPoint"); message(form, "warn", "Choose a pickup point."); return null; }
              body.pickupPoint = $("pickup-point").value;
            }
            if ($("slot").value) body.slot = $("slot").value;
            if ($("payment").value) body.payment = $("payment").value;
            store("campus.student", student);
            store("campus.dorm", $("dorm").value || null);
            store("campus.pickup", $("pickup-point").value || null);
            store("campus.payment", $("payment").value || null);
            return body;
          }
          function setSubmitting(on, label) {
            submitting = on;
            var b = $("place-order");
            b.disabled = on;
            text(b, label);
          }
          function submit(event) {
            if (event) event.preventDefault();
            if (submitting) return;
            if (pending && !Object.keys(cart).length) {
              // The unconfirmed submission from before a reload: resend exactly that body with its key.
              attempt(1);
              return;
            }
            var order = buildOrder();
            if (!order) return;
            var body = JSON.stringify(order);
            // The same submission keeps its key until the platform has answered it for good, so a retry (by us or by
            // the student tapping again, even after a reload) can never create a second order.
            if (!pending || pending.body !== body) pending = { key: newKey(), body: body };
            store("campus.pending", pending);
            attempt(1);
          }
          function attempt(n) {
            var form = $("form-message");
            setSubmitting(true, n === 1 ? "Placing order…" : "Retrying (" + n + " of " + SUBMIT_ATTEMPTS + ")…");
            if (n === 1) message(form, "info", "Sending your order…");
            request("orders", {
              method: "POST",
              headers: { "Content-Type": "application/json", "Idempotency-Key": pending.key },
              body: pending.body
            }, SUBMIT_TIMEOUT_MS).then(function (r) {
              if (r.ok && r.data && r.data.id) {
                pending = null; store("campus.pending", null);
                setSubmitting(false, "Place order");
                message(form, null, "");
                cart = {}; updateCart();
                startOrder(String(r.data.id), r.data);
                return;
              }
              var retryable = r.status === 0 || r.status >= 500 || r.status === 408 || r.status === 429 || (r.ok && !(r.data && r.data.id));
              if (!retryable) {
                // The platform refused this request for good: a changed form gets a fresh key.
                pending = null; store("campus.pending", null);
                setSubmitting(false, "Place order");
                var d = r.data || {};
                if (d.field) markInvalid(d.field);
                message(form, "error", (r.status === 409 ? "This order conflicts with an earlier one: " : "The order was not accepted: ") + problemText(r) + ".");
                return;
              }
              if (n < SUBMIT_ATTEMPTS) {
                message(form, "warn", "Not confirmed yet: " + problemText(r) + ". Trying again in a moment (you will not be charged twice)…");
                return wait(1000 * n).then(function () { attempt(n + 1); });
              }
              setSubmitting(false, "Retry order");
              message(form, "error", "Your order is not confirmed: " + problemText(r) + ". Tap “Retry order” when you are ready; it repeats the same request, so you cannot end up with two orders.");
            });
          }

          // ---------- order status ----------
          var LABELS = {
            placed: "Placed", payment_pending: "Payment pending", paid: "Paid", preparing: "Being prepared",
            ready: "Ready for pickup", ready_for_pickup: "Ready for pickup", dispatched: "On its way",
            delivered: "Delivered", picked_up: "Picked up", cancelled: "Cancelled", canceled: "Cancelled",
            refunded: "Refunded", payment_failed: "Payment failed", failed: "Failed", rejected: "Rejected"
          };
          function paymentDelayed(o) {
            if (o.state === "payment_pending") return true;
            if (o.state !== "placed" || String(o.paymentState || "") !== "pending") return false;
            if ($("notice").getAttribute("data-state") === "degraded") return true;
            var created = o.createdAt ? Date.parse(o.createdAt) : NaN;
            return !isNaN(created) && Date.now() - created > 5000;
          }
          function pickupPointOf(o) { return o.pickupPoint || (o.dispatch && o.dispatch.pickupPoint) || null; }
          function describe(o) {
            var s = o.state, pickup = !!pickupPointOf(o) || (o.dispatch && o.dispatch.mode === "pickup");
            var pay = String(o.paymentState || "");
            if (paymentDelayed(o)) s = "payment_pending";
            if ((s === "cancelled" || s === "canceled") && pay) {
              if (pay === "refunded") return ["warn", "This order was cancelled and refunded. The money goes back to your payment method."];
              if (pay === "refund_pending") return ["warn", "This order was cancelled. Your refund is on its way (it may take a moment while payment recovers)."];
              if (pay === "failed") return ["warn", "This order was cancelled because the payment did not go through. You have not been charged."];
            }
            switch (s) {
              case "placed": return ["info", "Order received. Waiting for the payment to go through…"];
              case "payment_pending": return ["warn", "Your order is saved, but payment is delayed by a problem on our side. We will charge you as soon as payment works again — you don't need to order again."];
              case "paid": return ["info", "Paid. The kitchen is preparing your food."];
              case "preparing": return ["info", "The kitchen is preparing your food."];
              case "ready": case "ready_for_pickup": return ["ok", "Ready! Collect it at " + nameOf(menu && menu.pickupPoints, pickupPointOf(o) || "the pickup point") + "."];
              case "dispatched": return ["info", pickup ? "On its way to " + nameOf(menu && menu.pickupPoints, pickupPointOf(o) || "the pickup point") + "." : "A rider is bringing it to your dorm gate."];
              case "delivered": return ["ok", "Delivered. Enjoy your meal!"];
              case "picked_up": return ["ok", "Picked up. Enjoy your meal!"];
              case "cancelled": case "canceled": return ["warn", "This order was cancelled" + (o.paymentState === "refunded" ? " and refunded." : ".")];
              case "refunded": return ["warn", "This order was refunded. The money goes back to your payment method."];
              case "payment_failed": case "failed": case "rejected": return ["error", "The payment did not go through. You have not been charged."];
              default: return ["info", "Status: " + pretty(s || "unknown") + "."];
            }
          }
          function renderSteps(o) {
            var pickup = !!pickupPointOf(o) || (o.dispatch && o.dispatch.mode === "pickup");
            var steps = [["placed", "Placed"], ["paid", "Paid"], ["dispatched", "On its way"], [pickup ? "picked_up" : "delivered", pickup ? "Picked up" : "Delivered"]];
            var rank = { placed: 0, payment_pending: 0, paid: 1, preparing: 1, dispatched: 2, ready: 2, ready_for_pickup: 2, delivered: 3, picked_up: 3 };
            var at = rank.hasOwnProperty(o.state) ? rank[o.state] : -1;
            var ol = $("order-steps"); ol.innerHTML = "";
            steps.forEach(function (step, i) {
              var li = document.createElement("li"); li.textContent = step[1];
              if (at >= 0) {
                if (i < at || (i === at && i === steps.length - 1)) li.className = "done";
                else if (i === at) li.className = paymentDelayed(o) ? "trouble" : "current";
              }
              ol.appendChild(li);
            });
            show(ol, at >= 0);
          }
          function detail(dl, term, value) {
            if (value === undefined || value === null || value === "") return;
            var dt = document.createElement("dt"); dt.textContent = term;
            var dd = document.createElement("dd"); dd.textContent = value;
            dl.appendChild(dt); dl.appendChild(dd);
          }
          function nameOf(choices, id) {
            for (var i = 0; choices && i < choices.length; i++) if (choices[i].id === id) return choices[i].name;
            return pretty(id);
          }
          function renderOrder(o) {
            o.state = String(o.state || o.status || "unknown");
            lastOrder = o;
            text($("order-id"), "#" + o.id);
            var st = $("order-state");
            st.setAttribute("data-state", o.state);
            text(st, paymentDelayed(o) ? LABELS.payment_pending : (LABELS[o.state] || pretty(o.state)));
            renderSteps(o);
            var d = describe(o);
            var words = d[1];
            if (o.compensation && (o.compensation.issued || o.compensation.coupon)) {
              words += " Sorry" + (o.compensation.reason ? " (" + o.compensation.reason + ")" : " for the trouble") + ": " +
                (o.compensation.coupon ? "coupon " + o.compensation.coupon + " has been added to your account." : "a coupon has been added to your account.");
            }
            message($("order-message"), d[0], words);
            var dl = $("order-details"); dl.innerHTML = "";
            if (Array.isArray(o.items)) detail(dl, "Items", o.items.map(function (i) { return (i.qty || 1) + " × " + (i.name || pretty(i.sku)); }).join(", "));
            if (typeof o.totalCents === "number") detail(dl, "Total", money(o.totalCents));
            var vendorName = null;
            if (menu) menu.vendors.forEach(function (v) { if (v.id === o.canteen) vendorName = v.name; });
            detail(dl, "From", vendorName || (o.canteen ? pretty(o.canteen) : null));
            if (pickupPointOf(o)) detail(dl, "Pickup at", nameOf(menu && menu.pickupPoints, pickupPointOf(o)));
            else if (o.dorm) detail(dl, "Deliver to", nameOf(menu && menu.dorms, o.dorm).replace(/ \(.*\)$/, "") + (o.gate ? " (" + pretty(o.gate) + ")" : ""));
            detail(dl, o.pickupPoint ? "Time" : "Slot", o.slot);
            var pay = o.paymentState || (o.payment && typeof o.payment === "object" ? o.payment.state : null);
            if (pay) detail(dl, "Payment", pretty(pay));
            if (o.dispatch && typeof o.dispatch === "object") {
              var x = o.dispatch, parts = [];
              if (x.rider) parts.push("rider " + (typeof x.rider === "object" ? (x.rider.name || x.rider.id) : x.rider));
              if (typeof x.etaMinutes === "number" && !TERMINAL[o.state]) parts.push("about " + x.etaMinutes + " min");
              if (parts.length) detail(dl, "Delivery", parts.join(" · "));
              if (x.note) detail(dl, "Note", x.note);
            }
            if (o.notifications && typeof o.notifications === "object") {
              var last = o.notifications.last ? o.notifications.last : null;
              if (last) detail(dl, "Message", last + (o.notifications.queued ? " (" + o.notifications.queued + " more waiting to be sent)" : ""));
              else if (o.notifications.queued) detail(dl, "Messages", o.notifications.queued + " waiting to be sent; this page is up to date");
            }
            show($("cancel-order"), !!CANCELLABLE[o.state]);
          }
          function startOrder(id, initial) {
            orderId = id; orderErrors = 0;
            store("campus.order", id);
            show($("order-status"), true);
            $("order-form").classList.add("hidden");
            if (initial) { renderOrder(initial); lastOrderOk = Date.now(); }
            else { text($("order-id"), "#" + id); text($("order-state"), "Loading…"); }
            text($("order-updated"), "");
            if (orderTimer) clearTimeout(orderTimer);
            pollOrder();
            window.scrollTo(0, 0);
          }
          function pollOrder() {
            var id = orderId;
            if (!id) return;
            request("orders/" + encodeURIComponent(id)).then(function (r) {
              if (id !== orderId) return;
              if (r.ok && r.data) {
                orderErrors = 0; lastOrderOk = Date.now();
                renderOrder(r.data);
                text($("order-updated"), "Updated " + clock(new Date()) + " · refreshes automatically");
              } else {
                orderErrors += 1;
                var since = lastOrderOk ? " Last update " + clock(new Date(lastOrderOk)) + "." : "";
                if (r.status === 404) {
                  message($("order-message"), "error", "The platform cannot find order #" + id + " right now." + since + " Still checking; if it does not come back, please tell the staff running the rehearsal.");
                } else {
                  message($("order-message"), "warn", "Can't get the latest status: " + problemText(r) + "." + since + " Still trying…" +
                    (lastOrder ? " Last known: " + (LABELS[lastOrder.state] || pretty(lastOrder.state)) + "." : ""));
                }
              }
            }).then(function () {
              if (id !== orderId) return;
              var done = lastOrder && lastOrder.id == id && TERMINAL[lastOrder.state];
              orderTimer = setTimeout(pollOrder, done ? ORDER_POLL_DONE_MS : ORDER_POLL_MS);
            });
          }
          function cancelOrder() {
            var id = orderId, b = $("cancel-order");
            if (!id) return;
            b.disabled = true;
            request("orders/" + encodeURIComponent(id) + "/cancel", { method: "POST" }).then(function (r) {
              b.disabled = false;
              if (r.ok) { if (r.data && r.data.id) renderOrder(r.data); message($("order-message"), "info", "Cancelling… the status below updates in a moment."); }
              else if (r.status === 404 || r.status === 405) message($("order-message"), "warn", "Cancelling is not available for this order.");
              else message($("order-message"), "error", "Could not cancel: " + problemText(r) + ".");
            });
          }
          function newOrder() {
            orderId = null; lastOrder = null;
            if (orderTimer) clearTimeout(orderTimer);
            store("campus.order", null);
            show($("order-status"), false);
            $("order-form").classList.remove("hidden");
            message($("form-message"), null, "");
            setSubmitting(false, pending ? "Retry order" : "Place order");
          }

          // ---------- wiring ----------
          $("order-form").addEventListener("submit", submit);
          $("menu").addEventListener("click", function (e) {
            var b = e.target.closest ? e.target.closest("button[data-sku]") : null;
            if (!b) return;
            var sku = b.getAttribute("data-sku");
            var q = (cart[sku] || 0) + (b.classList.contains("add") ? 1 : -1);
            if (q > 20) q = 20;
            if (q <= 0) delete cart[sku]; else cart[sku] = q;
            $("menu").classList.remove("invalid");
            updateCart();
          });
          $("vendor").addEventListener("change", function () {
            var had = Object.keys(cart).length;
            cart = {}; store("campus.vendor", $("vendor").value);
            renderMenu(null);
            if (had) message($("form-message"), "info", "An order comes from one place, so your basket was emptied.");
          });
          $("mode-delivery").addEventListener("change", modeChanged);
          $("mode-pickup").addEventListener("change", modeChanged);
          $("cancel-order").addEventListener("click", cancelOrder);
          $("new-order").addEventListener("click", newOrder);

          $("student").value = load("campus.student") || "";
          pending = load("campus.pending");
          if (pending && (!pending.key || !pending.body)) pending = null;
          if (pending) {
            // An unconfirmed submission from before a reload: its key is kept for a retry of the same order.
            try { var p = JSON.parse(pending.body); if (p.pickupPoint) $("mode-pickup").checked = true; } catch (e) {}
            setSubmitting(false, "Retry order");
            message($("form-message"), "warn", "An earlier order was not confirmed. Tap “Retry order” to send exactly the same order again; it cannot be placed twice.");
          }
          var savedOrder = load("campus.order");
          if (savedOrder) startOrder(String(savedOrder), null);
          loadMenu();
          pollStatus();
        })();
        </script>
        </body>
        </html>
        """#
}
