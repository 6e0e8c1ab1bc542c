#!/usr/bin/env python3
"""Renders a StormDrill HTML report (report.html) in headless Chromium and checks that it really draws.

Given the path of a report.html it:
  1. opens it from disk (file://) at a laptop's size, 1280 x 900, and collects the browser console;
  2. checks the page loaded nothing at all (no subresource, no script) and does not scroll sideways;
  3. checks that every chart (svg.chart) has a non-zero bounding box and at least one data line
     (polyline.series-line or path.series-line) with 2 or more points and a drawn extent;
  4. checks that a fault-window band (rect.fault-window) is visible with a non-zero width (unless --no-fault-window);
  5. saves a PNG screenshot of the whole page next to the report (report.png, or --screenshot PATH) and checks, by
     decoding it with the standard library (zlib), that it is not blank: many colours, not one flat background;
  6. fails on any console error (level SEVERE).
Prints one JSON line (`"ok": true|false`, the counts, the screenshot path and its size and colours); exits 0 only on
success, 1 on a failed check, 2 on bad usage. Run it with scripts/browser-tools.sh, which provides Chromium,
ChromeDriver and Selenium:

  scripts/browser-tools.sh run Tests/browser/report_render_test.py reports/20261125-120000-lunch/report.html

A report whose timeline is empty draws "no data" charts; pass --allow-empty-charts to accept those.
"""

import argparse
import base64
import json
import os
import pathlib
import struct
import sys
import time
import zlib

from headless import start_chromium

STARTED = time.monotonic()
RESULT = {"ok": False}


def elapsed():
    return round(time.monotonic() - STARTED, 3)


def step(name, **facts):
    """Records progress on stderr, so a failure shows how far the run got."""
    print("report-render-test: %6.2fs %s %s" % (elapsed(), name, json.dumps(facts) if facts else ""),
          file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description="Browser test of a StormDrill HTML report.")
    parser.add_argument("report", help="path of the report.html to check")
    parser.add_argument("--screenshot", help="where to save the PNG (default: report.png next to the report)")
    parser.add_argument("--allow-empty-charts", action="store_true",
                        help="accept charts that say 'no data' (a report with an empty timeline)")
    parser.add_argument("--no-fault-window", action="store_true",
                        help="do not require a fault-window band (a report without faults)")
    args = parser.parse_args()

    report = pathlib.Path(args.report).resolve()
    if not report.is_file():
        parser.error("no such file: %s" % report)
    screenshot = pathlib.Path(args.screenshot).resolve() if args.screenshot else report.with_name("report.png")
    RESULT["report"] = str(report)

    driver = None
    try:
        driver = start_browser()
        run(driver, report, screenshot, args)
        RESULT["ok"] = True
    except CheckFailed as failure:
        RESULT["error"] = str(failure)
    except Exception as error:  # a crash of the test itself is a failure too, reported in the JSON
        RESULT["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        RESULT["seconds"] = elapsed()
        print(json.dumps(RESULT, sort_keys=True), flush=True)
    return 0 if RESULT["ok"] else 1


def start_browser():
    driver = start_chromium(1280, 900, extra_flags=("--hide-scrollbars", "--force-device-scale-factor=1"))
    step("browser started", version=driver.capabilities.get("browserVersion"))
    return driver


# Everything about the charts, measured in the page (read only: it changes nothing).
CHARTS_SCRIPT = """
function box(e) { var r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }
function points(e) {
  if (e.points) { return e.points.numberOfItems; }
  var d = e.getAttribute('d') || '';
  return (d.match(/[ML]/gi) || []).length;
}
var charts = Array.prototype.slice.call(document.querySelectorAll('svg.chart'));
return charts.map(function (svg, i) {
  var lines = Array.prototype.slice.call(svg.querySelectorAll('polyline.series-line, path.series-line'));
  return {
    index: i,
    id: svg.id || null,
    title: (svg.querySelector('title') || {}).textContent || '',
    box: box(svg),
    empty: svg.classList.contains('chart-empty'),
    noData: !!svg.querySelector('.no-data'),
    lines: lines.map(function (l) {
      var b = box(l);
      return {points: points(l), width: b.width, height: b.height,
              stroke: getComputedStyle(l).stroke, display: getComputedStyle(l).display};
    })
  };
});
"""

BANDS_SCRIPT = """
return Array.prototype.slice.call(document.querySelectorAll('rect.fault-window')).map(function (r) {
  var b = r.getBoundingClientRect(), s = getComputedStyle(r);
  var svg = r.ownerSVGElement, label = null;
  if (svg) {
    var labels = svg.querySelectorAll('text.fault-window-label');
    label = labels.length ? Array.prototype.map.call(labels, function (t) { return t.textContent; }) : [];
  }
  return {width: b.width, height: b.height, display: s.display, visibility: s.visibility,
          opacity: parseFloat(s.opacity), fillOpacity: parseFloat(s.fillOpacity), fill: s.fill,
          title: (r.querySelector('title') || {}).textContent || '', labels: label};
});
"""


def run(driver, report, screenshot, args):
    # 1. Load the page from disk.
    driver.get(report.as_uri())
    ready = driver.execute_script("return document.readyState")
    RESULT["title"] = driver.title
    step("page loaded", title=driver.title, readyState=ready)
    if not driver.title:
        raise CheckFailed("the page has no title")

    # 2. Nothing loaded from anywhere, no script, no sideways scrolling at laptop width.
    page = driver.execute_script("""
        return {resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
                scripts: document.scripts.length,
                scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                height: document.documentElement.scrollHeight,
                text: document.body ? document.body.innerText.length : 0}""")
    RESULT["resources"] = len(page["resources"])
    if page["resources"]:
        raise CheckFailed("the page loaded resources: %s" % page["resources"][:5])
    if page["scripts"]:
        raise CheckFailed("the page has %d script element(s)" % page["scripts"])
    if page["scrollWidth"] > page["innerWidth"] + 1:
        raise CheckFailed("the page scrolls sideways at %d px (%d px wide)" % (page["innerWidth"], page["scrollWidth"]))
    if page["text"] < 200:
        raise CheckFailed("the page has almost no text (%d characters)" % page["text"])

    # 3. Every chart is drawn, with data.
    charts = driver.execute_script(CHARTS_SCRIPT)
    RESULT["charts"] = len(charts)
    if not charts:
        raise CheckFailed("the page has no chart (svg.chart)")
    data_lines = 0
    empty = []
    for chart in charts:
        name = chart["title"] or "chart %d" % chart["index"]
        b = chart["box"]
        if not (b["width"] > 0 and b["height"] > 0):
            raise CheckFailed("%s has an empty bounding box: %s" % (name, b))
        drawn = [l for l in chart["lines"] if l["points"] >= 2 and l["display"] != "none"
                 and (l["width"] > 0 or l["height"] > 0)]
        data_lines += len(drawn)
        if not drawn:
            if chart["empty"] and chart["noData"] and args.allow_empty_charts:
                empty.append(name)
                continue
            raise CheckFailed("%s has no data line with 2 or more points (lines: %s, empty: %s)" % (
                name, chart["lines"][:3], chart["empty"]))
    RESULT["dataLines"] = data_lines
    RESULT["emptyCharts"] = empty
    step("charts drawn", charts=len(charts), dataLines=data_lines, empty=empty,
         sizes=["%dx%d" % (c["box"]["width"], c["box"]["height"]) for c in charts])

    # 4. The fault window is shaded where one can see it.
    bands = driver.execute_script(BANDS_SCRIPT)
    visible = [b for b in bands if b["width"] > 0 and b["height"] > 0 and b["display"] != "none"
               and b["visibility"] == "visible" and b["opacity"] > 0 and b["fillOpacity"] > 0]
    RESULT["faultBands"] = len(visible)
    if bands:
        RESULT["faultLabels"] = sorted(set(label for b in bands for label in (b["labels"] or [])))
    if not args.no_fault_window and not visible:
        raise CheckFailed("no visible fault-window band with a non-zero width (found %d: %s)" % (len(bands), bands[:3]))
    if visible:
        step("fault windows visible", count=len(visible), width=round(visible[0]["width"], 1),
             labels=RESULT.get("faultLabels"))

    # 5. A screenshot of the whole page, next to the report, and not blank.
    save_screenshot(driver, screenshot, page["height"])
    RESULT["screenshot"] = str(screenshot)
    RESULT["screenshotBytes"] = screenshot.stat().st_size
    png = png_summary(screenshot.read_bytes())
    RESULT["png"] = png
    step("screenshot saved", path=str(screenshot), bytes=RESULT["screenshotBytes"], png=png)
    if png["width"] < 600 or png["height"] < 400:
        raise CheckFailed("the screenshot is too small: %dx%d" % (png["width"], png["height"]))
    if png["colors"] < 16 or png["nonBackgroundShare"] < 0.01:
        raise CheckFailed("the screenshot looks blank: %d colours, %.2f%% not background" % (
            png["colors"], png["nonBackgroundShare"] * 100))

    # 6. A clean console.
    entries = console(driver)
    RESULT["consoleEntries"] = len(entries)
    errors = [e for e in entries if e.get("level") == "SEVERE"]
    RESULT["consoleErrors"] = len(errors)
    if errors:
        raise CheckFailed("the browser console has errors: %s" % [e.get("message", "") for e in errors[:5]])
    RESULT["summary"] = "%d charts with %d data lines, %d fault band(s), no console error, %s %dx%d (%d colours)" % (
        len(charts), data_lines, len(visible), screenshot.name, png["width"], png["height"], png["colors"])


def console(driver):
    try:
        return driver.get_log("browser")
    except Exception as error:
        raise CheckFailed("cannot read the browser console: %s" % error)


def save_screenshot(driver, path, height):
    """The whole page through the DevTools protocol (capped at 16,000 px), else the viewport."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        width = driver.execute_script("return document.documentElement.scrollWidth")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(max(height, 1), 16000), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception as error:
        step("full-page screenshot failed, taking the viewport", error=str(error))
        if not driver.save_screenshot(str(path)):
            raise CheckFailed("could not save the screenshot to %s" % path)


def png_summary(data, max_rows=1400):
    """Width, height, distinct colours and the share of pixels not of the most common colour, over the first
    max_rows rows (8-bit greyscale, RGB, grey+alpha or RGBA, not interlaced: what Chromium writes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise CheckFailed("the screenshot is not a PNG")
    pos, header, compressed = 8, None, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not compressed:
        raise CheckFailed("the screenshot PNG has no image data")
    width, height, depth, color_type, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color_type)
    if depth != 8 or channels is None or interlace != 0:
        raise CheckFailed("unexpected PNG layout (depth %d, colour type %d, interlace %d)" % (
            depth, color_type, interlace))
    bpp = channels
    stride = width * bpp
    rows = min(height, max_rows)
    raw = zlib.decompressobj().decompress(b"".join(compressed), rows * (stride + 1))
    if len(raw) < rows * (stride + 1):
        raise CheckFailed("the screenshot PNG is truncated")
    counts = {}
    previous = bytes(stride)
    sampled = 0
    for r in range(rows):
        start = r * (stride + 1)
        kind = raw[start]
        line = unfilter(kind, raw[start + 1:start + 1 + stride], previous, bpp)
        previous = line
        if r % 2:
            continue
        for i in range(0, stride, bpp * 3):
            pixel = line[i:i + bpp]
            counts[pixel] = counts.get(pixel, 0) + 1
            sampled += 1
    dominant = max(counts.values()) if counts else 0
    return {"width": width, "height": height, "rowsChecked": rows, "colors": len(counts),
            "nonBackgroundShare": round(1 - dominant / sampled, 4) if sampled else 0.0}


MASKS = {}


def unfilter(kind, line, previous, bpp):
    """Undoes one row's PNG filter (None, Sub, Up, Average, Paeth)."""
    if kind == 0:
        return bytes(line)
    if kind == 2:
        # Byte-wise addition modulo 256 on whole rows at once, as big integers without carries between bytes.
        n = len(line)
        if n not in MASKS:
            MASKS[n] = (int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big"))
        low, high = MASKS[n]
        a = int.from_bytes(line, "big")
        b = int.from_bytes(previous, "big")
        return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(n, "big")
    out = bytearray(line)
    n = len(out)
    if kind == 1:
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 3:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + previous[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(n):
            a = out[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    else:
        raise CheckFailed("unknown PNG filter type %d" % kind)
    return bytes(out)


if __name__ == "__main__":
    sys.exit(main())
