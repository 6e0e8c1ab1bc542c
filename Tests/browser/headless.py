"""Headless Chromium for the browser tests: Debian's chromium and chromedriver (scripts/browser-tools.sh installs
them), selenium from the project's venv. Imported by the test scripts beside it."""

import os


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
