"""Headless Chromium for the browser tests: Debian's chromium and chromedriver (scripts/browser-tools.sh installs
them), selenium from the project's venv. Imported by the test scripts beside it."""

import http.client as httpclient
import json
import os
import urllib.error
import urllib.parse
import urllib.request


def start_chromium(width, height, scale=1, mobile=False, page_load_timeout=30, extra_flags=()):
    """A headless Chromium with the browser console logged and the viewport emulated at width × height CSS px."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=%d,%d" % (width, height), "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking") + tuple(extra_flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    # The window size flag is not exact in every headless mode (and cannot go below 500 px): emulate the viewport.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
    driver.set_page_load_timeout(page_load_timeout)
    driver.set_script_timeout(10)
    return driver


def loopback(url):
    """Whether a URL names this machine: the tests send nothing anywhere else."""
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def http(method, url, body=None, timeout=5, headers=None):
    """One HTTP call; returns (status, parsed JSON or text). Network errors give status 0."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read().decode("utf-8", "replace"), error.code
    except (urllib.error.URLError, OSError, httpclient.HTTPException) as error:
        return 0, str(error)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw
