#!/usr/bin/env python3
"""Drives the campus platform's student page in headless Chromium, as a student would during a fault rehearsal.

Against a running order service (`stormdrill serve campus`, base URL as the argument) it:
  1. loads `/`, waits for the menu, adds food, chooses delivery to a dorm in a slot, enters a name, places the order;
  2. sees the order's status on the page (#order-id, #order-state) and checks it against GET /orders/{id};
  3. starts a payment outage (through a Toxiproxy-compatible API: `POST /proxies/{name} {"enabled": false}`, or a
     plain POST to a URL), places a second order on the page, and waits for the incident notice (#notice,
     data-state="degraded") to appear; the page must stay usable and never go blank meanwhile;
  4. ends the outage (always, even on failure) and reports whether the notice turned to "resolved".
Prints one JSON line (`"ok": true|false`, timings, states, notice text); exits 0 only on success, 1 on a failed check,
2 on bad usage. Run it with scripts/browser-tools.sh, which provides Chromium, ChromeDriver and Selenium:

  scripts/browser-tools.sh run Tests/browser/student_page_test.py http://127.0.0.1:8080 \
      --toxiproxy-api http://127.0.0.1:8474 --proxy payment

Only loopback URLs are accepted.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse

from headless import http, loopback, start_chromium

STARTED = time.monotonic()
RESULT = {"ok": False}


def elapsed():
    return round(time.monotonic() - STARTED, 3)


def step(name, **facts):
    """Records progress on stderr, so a failure shows how far the run got."""
    print("student-page-test: %6.2fs %s %s" % (elapsed(), name, json.dumps(facts) if facts else ""),
          file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description="Browser test of the campus student page.")
    parser.add_argument("base_url", help="the order service, e.g. http://127.0.0.1:8080")
    parser.add_argument("--toxiproxy-api", help="Toxiproxy-compatible API whose proxy stands in front of payment")
    parser.add_argument("--proxy", default="payment", help="name of the payment proxy (default: payment)")
    parser.add_argument("--outage-start-post", help="instead of a proxy: POST this URL ({\"down\": true}) to start")
    parser.add_argument("--outage-end-post", help="with --outage-start-post: POST this URL ({\"down\": false}) to end")
    parser.add_argument("--notice-timeout", type=float, default=20, help="seconds the notice may take (default 20)")
    parser.add_argument("--resolved-timeout", type=float, default=15,
                        help="seconds to wait for the 'resolved' notice after the outage (default 15; 0 skips)")
    parser.add_argument("--require-resolved", action="store_true", help="fail if 'resolved' is not shown")
    parser.add_argument("--screenshots", help="folder to save a PNG of each stage (and of a failure)")
    args = parser.parse_args()

    base = args.base_url.rstrip("/")
    urls = [base] + [u for u in (args.toxiproxy_api, args.outage_start_post, args.outage_end_post) if u]
    for url in urls:
        if not loopback(url):
            parser.error("only loopback addresses are allowed: %s" % url)
    if not args.toxiproxy_api and not args.outage_start_post:
        parser.error("say how to start the payment outage: --toxiproxy-api URL [--proxy NAME] or --outage-start-post URL")

    driver = None
    outage = {"started": False, "ended": False}
    try:
        driver = start_browser()
        run(driver, base, args, outage)
        RESULT["ok"] = True
    except CheckFailed as failure:
        RESULT["error"] = str(failure)
    except Exception as error:  # a crash of the test itself is a failure too, reported in the JSON
        RESULT["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        if outage["started"] and not outage["ended"]:
            end_outage(args)
        if driver is not None:
            if not RESULT["ok"] and args.screenshots:
                shot(driver, args, "failure")
                RESULT["pageText"] = page_text(driver)[:600]
            try:
                driver.quit()
            except Exception:
                pass
        RESULT["seconds"] = elapsed()
        print(json.dumps(RESULT, sort_keys=True), flush=True)
    return 0 if RESULT["ok"] else 1


def start_browser():
    driver = start_chromium(390, 844, scale=2, mobile=True, page_load_timeout=15)
    step("browser started", version=driver.capabilities.get("browserVersion"))
    return driver


def wait_for(driver, what, condition, timeout):
    """Polls condition() (a truthy value ends the wait) every 100 ms; the page must never be blank meanwhile."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the DOM may change under us; try again
            last_error = error
        if len(page_text(driver).strip()) < 20:
            raise CheckFailed("the page went blank while waiting for %s" % what)
        if time.monotonic() > deadline:
            raise CheckFailed("%s did not happen within %.0f s%s" % (
                what, timeout, " (%s)" % last_error if last_error else ""))
        time.sleep(0.1)


def script_errors(driver):
    """JavaScript errors the page logged (failed requests are expected during an outage and are not counted)."""
    try:
        entries = driver.get_log("browser")
    except Exception:
        return []
    return [e.get("message", "") for e in entries if e.get("level") == "SEVERE" and e.get("source") != "network"
            and "Failed to load resource" not in e.get("message", "")]


def page_text(driver):
    try:
        return driver.execute_script("return document.body ? document.body.innerText : ''") or ""
    except Exception:
        return ""


def shot(driver, args, name):
    if not args.screenshots:
        return
    try:
        os.makedirs(args.screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(args.screenshots, "%s.png" % name))
    except Exception:
        pass


def visible(driver, css):
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0] if found and found[0].is_displayed() else None


def click(driver, element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def choose_first(driver, select_id):
    """Picks the first real option of a <select> (skipping a placeholder with an empty value)."""
    from selenium.webdriver.support.ui import Select

    select = Select(driver.find_element("id", select_id))
    for option in select.options:
        if option.get_attribute("value") and option.is_enabled():
            select.select_by_value(option.get_attribute("value"))
            return option.get_attribute("value")
    raise CheckFailed("#%s has no option to choose" % select_id)


def notice_state(driver):
    return driver.execute_script(
        "var n = document.getElementById('notice');"
        "return n ? {state: n.getAttribute('data-state'), shown: !n.hidden && n.offsetHeight > 0,"
        " text: n.innerText} : null")


def place_order(driver, student, pickup=False):
    """Fills the form and taps "Place order"; returns the order id shown on the page."""
    from selenium.webdriver.common.by import By

    wait_for(driver, "the menu", lambda: visible(driver, "#menu button.add:not([disabled])"), 15)
    add = driver.find_elements(By.CSS_SELECTOR, "#menu button.add:not([disabled])")
    click(driver, add[0])
    click(driver, add[0])
    if len(add) > 1:
        click(driver, add[1])
    chosen = {}
    if pickup:
        click(driver, driver.find_element(By.CSS_SELECTOR, "label:has(#mode-pickup) span"))
        chosen["pickupPoint"] = choose_first(driver, "pickup-point")
    else:
        click(driver, driver.find_element(By.CSS_SELECTOR, "label:has(#mode-delivery) span"))
        chosen["dorm"] = choose_first(driver, "dorm")
    if visible(driver, "#slot"):
        chosen["slot"] = choose_first(driver, "slot")
    name = driver.find_element(By.ID, "student")
    name.clear()
    name.send_keys(student)
    total = driver.find_element(By.ID, "total").text
    click(driver, driver.find_element(By.ID, "place-order"))
    step("order submitted", total=total, **chosen)

    def shown():
        if visible(driver, "#order-status"):
            order_id = driver.find_element(By.ID, "order-id").text.strip().lstrip("#")
            return order_id or None
        message = visible(driver, "#form-message")
        if message and "msg error" in (message.get_attribute("class") or "") and \
                driver.find_element(By.ID, "place-order").text == "Place order":
            raise CheckFailed("the order was refused: %s" % message.text)
        return None

    return wait_for(driver, "the placed order's status card", shown, 20)


def page_state(driver):
    return driver.execute_script(
        "var s = document.getElementById('order-state'); return s ? s.getAttribute('data-state') : null") or None


def start_outage(args):
    if args.toxiproxy_api:
        url = "%s/proxies/%s" % (args.toxiproxy_api.rstrip("/"), urllib.parse.quote(args.proxy))
        status, body = http("POST", url, {"enabled": False})
    else:
        url = args.outage_start_post
        status, body = http("POST", url, {"down": True})
    if not 200 <= status < 300:
        raise CheckFailed("could not start the payment outage: POST %s answered %s %s" % (url, status, body))
    step("payment outage started", via=url)


def end_outage(args):
    if args.toxiproxy_api:
        url = "%s/proxies/%s" % (args.toxiproxy_api.rstrip("/"), urllib.parse.quote(args.proxy))
        status, _ = http("POST", url, {"enabled": True})
    elif args.outage_end_post:
        url = args.outage_end_post
        status, _ = http("POST", url, {"down": False})
    else:
        return True
    step("payment outage ended", via=url, status=status)
    return 200 <= status < 300


def run(driver, base, args, outage):
    from selenium.webdriver.common.by import By

    # 1. The page loads, with the viewport meta, and shows the menu.
    driver.get(base + "/")
    RESULT["title"] = driver.title
    viewport = driver.execute_script(
        "var m = document.querySelector('meta[name=viewport]'); return m ? m.content : null")
    if not viewport or "width=device-width" not in viewport:
        raise CheckFailed("the page has no viewport meta for phones (got %r)" % viewport)
    wait_for(driver, "the menu", lambda: visible(driver, "#menu button.add"), 15)
    RESULT["menuItems"] = len(driver.find_elements(By.CSS_SELECTOR, "#menu button.add"))
    wide = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
    if wide:
        raise CheckFailed("the page scrolls sideways at 390 px wide")
    before = notice_state(driver)
    RESULT["noticeBefore"] = before and before["state"]
    step("menu shown", items=RESULT["menuItems"], notice=RESULT["noticeBefore"])
    shot(driver, args, "1-menu")

    # 2. Place an order and see its status, as the platform has it.
    order_id = place_order(driver, "browser-%d" % int(time.time() * 1000 % 1_000_000_000))
    RESULT["orderId"] = order_id
    status, order = http("GET", "%s/orders/%s" % (base, urllib.parse.quote(order_id)))
    if status != 200 or not isinstance(order, dict) or str(order.get("id")) != order_id:
        raise CheckFailed("GET /orders/%s answered %s %s" % (order_id, status, order))

    def agrees():
        _, current = http("GET", "%s/orders/%s" % (base, urllib.parse.quote(order_id)))
        api = isinstance(current, dict) and str(current.get("state") or current.get("status"))
        shown = page_state(driver)
        return shown if shown and shown == api else None

    RESULT["orderState"] = wait_for(driver, "the page to show the order's state as GET /orders/{id} has it", agrees, 10)
    RESULT["orderStateText"] = driver.find_element(By.ID, "order-state").text
    step("order status shown", id=order_id, state=RESULT["orderState"], text=RESULT["orderStateText"])
    shot(driver, args, "2-order-status")

    # 3. A payment outage begins; a student orders meanwhile; the notice appears at the top.
    before = notice_state(driver)
    if before and before["shown"] and before["state"] == "degraded":
        raise CheckFailed("the notice already said degraded before the outage: %r" % before["text"])
    start_outage(args)
    outage["started"] = True
    outage_began = time.monotonic()
    click(driver, driver.find_element(By.ID, "new-order"))

    second = {}
    try:
        second["id"] = place_order(driver, "browser-outage-%d" % int(time.time() * 1000 % 1_000_000_000), pickup=True)
    except CheckFailed as failure:
        # During an outage a fragile platform may refuse the order; the page must then say so, which it did.
        second["refused"] = str(failure)
    form_message = visible(driver, "#form-message")
    if form_message:
        second["formMessage"] = form_message.text

    def degraded():
        state = notice_state(driver)
        return state if state and state["shown"] and state["state"] == "degraded" and state["text"].strip() else None

    shown = wait_for(driver, "the incident notice (#notice, degraded)", degraded, args.notice_timeout)
    RESULT["noticeSeconds"] = round(time.monotonic() - outage_began, 3)
    RESULT["noticeText"] = shown["text"].strip()
    top = driver.execute_script("return document.getElementById('notice').getBoundingClientRect().top")
    if top > 120:
        raise CheckFailed("the notice is not at the top of the page (top at %s px)" % top)
    if second.get("id"):
        second["state"] = page_state(driver)
        message = visible(driver, "#order-message")
        second["message"] = message.text if message else None
    RESULT["outageOrder"] = second
    step("notice shown", seconds=RESULT["noticeSeconds"], text=RESULT["noticeText"], outageOrder=second)
    shot(driver, args, "3-outage-notice")

    # 4. The outage ends; the notice should turn to "resolved".
    outage["ended"] = True
    if not end_outage(args):
        raise CheckFailed("could not end the payment outage")
    if args.resolved_timeout > 0:
        try:
            resolved = wait_for(driver, "the 'resolved' notice", lambda: (
                lambda s: s if s and s["shown"] and s["state"] == "resolved" else None)(notice_state(driver)),
                args.resolved_timeout)
            RESULT["resolved"] = True
            RESULT["resolvedText"] = resolved["text"].strip()
            step("resolved shown", text=RESULT["resolvedText"])
        except CheckFailed:
            RESULT["resolved"] = False
            if args.require_resolved:
                raise
        shot(driver, args, "4-after-outage")
    if second.get("id"):
        RESULT["outageOrder"]["finalState"] = page_state(driver)
    errors = script_errors(driver)
    if errors:
        raise CheckFailed("the page logged script errors: %s" % errors[:5])


if __name__ == "__main__":
    sys.exit(main())
