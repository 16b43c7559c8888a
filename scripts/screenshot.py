#!/usr/bin/env python3
"""Log in to a running EMC server in headless Chromium and save screenshots.

    .venv/bin/python scripts/screenshot.py --url http://localhost:8069 \
        --login admin --password admin --out var/shots \
        project_form=/odoo/action-emc_project.emc_project_action/1 \
        'dashboard=/odoo/dashboards|.o-spreadsheet canvas'

    .venv/bin/python scripts/screenshot.py --phone --full-page --login customer \
        --password portal my_orders=/my/workorders

Each NAME=PATH argument is opened after logging in and saved as NAME.png;
NAME=PATH|SELECTOR also waits until SELECTOR is on the page. --phone renders
on a 390×844 touch screen as a phone does, --full-page saves the whole page
instead of the first screen. Chromium is driven through the DevTools
protocol (websocket-client), so the pages are rendered with their
JavaScript, as a user sees them.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import websocket

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--lang=zh-CN",
]


PHONE_SIZE = (390, 844)
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def goto(self, url, settle=2.5, selector=None):
        self.call("Page.navigate", url=url)
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.5)
            if self.evaluate("document.readyState") == "complete":
                break
        # The web client renders after load; wait for its busy indicator to go.
        deadline = time.time() + 30
        while time.time() < deadline:
            busy = self.evaluate("!!document.querySelector('.o_loading_indicator, .o_blockUI')")
            if not busy:
                break
            time.sleep(0.3)
        if selector:
            deadline = time.time() + 60
            found = f"!!document.querySelector({json.dumps(selector)})"
            while not self.evaluate(found):
                if time.time() > deadline:
                    raise RuntimeError(f"{url}: {selector} did not appear within 60 s")
                time.sleep(0.5)
        time.sleep(settle)

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={
                    "x": 0,
                    "y": 0,
                    "width": metrics["width"],
                    "height": metrics["height"],
                    "scale": 1,
                },
            )
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default=None)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="var/shots")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument(
        "--phone", action="store_true", help="a 390×844 touch screen, rendered as a phone"
    )
    parser.add_argument("--full-page", action="store_true", help="the whole page, not one screen")
    parser.add_argument("--settle", type=float, default=2.5, help="seconds to wait once loaded")
    parser.add_argument(
        "--timezone",
        default="Asia/Shanghai",
        help="the browser's time zone (Odoo gives it to a user at first login)",
    )
    parser.add_argument("pages", nargs="+", help="NAME=PATH or NAME=PATH|SELECTOR")
    args = parser.parse_args()
    if args.phone:
        args.width, args.height = PHONE_SIZE

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium not found (apt-get install chromium)")
    os.makedirs(args.out, exist_ok=True)
    port = free_port()
    profile = tempfile.mkdtemp(prefix="emc-chromium-")
    proc = subprocess.Popen(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            f"--window-size={args.width},{args.height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as r:
                    targets = json.load(r)
                page_target = next(t for t in targets if t.get("type") == "page")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        page = Page(page_target["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=args.phone,
        )
        page.call("Emulation.setTimezoneOverride", timezoneId=args.timezone)
        if args.phone:
            page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
            page.call("Emulation.setUserAgentOverride", userAgent=PHONE_USER_AGENT)
        login_url = f"{args.url}/web/login" + (f"?db={args.db}" if args.db else "")
        page.goto(login_url, settle=0.5)
        page.evaluate(
            f"document.querySelector('input[name=login]').value = {json.dumps(args.login)};"
            f"document.querySelector('input[name=password]').value = {json.dumps(args.password)};"
            "document.querySelector('form.oe_login_form').submit();"
        )
        time.sleep(3)
        for spec in args.pages:
            name, _sep, path = spec.partition("=")
            path, _sep, selector = path.partition("|")
            page.goto(args.url + path, settle=args.settle, selector=selector or None)
            target = os.path.join(args.out, f"{name}.png")
            page.screenshot(target, full_page=args.full_page)
            print(target)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
