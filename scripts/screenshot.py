#!/usr/bin/env python3
"""Log in to a running EMC server in headless Chromium and save screenshots.

    .venv/bin/python scripts/screenshot.py --url http://localhost:8069 \
        --login admin --password admin --out var/shots \
        project_form=/odoo/action-emc_project.emc_project_action/1 \
        dashboard=/odoo/dashboards

Each NAME=PATH argument is opened after logging in and saved as NAME.png.
Chromium is driven through the DevTools protocol (websocket-client), so the
pages are rendered with their JavaScript, as a user sees them.
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

    def goto(self, url, settle=2.5):
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
        time.sleep(settle)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
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
    parser.add_argument("pages", nargs="+", help="NAME=PATH")
    args = parser.parse_args()

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
            mobile=False,
        )
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
            page.goto(args.url + path)
            target = os.path.join(args.out, f"{name}.png")
            page.screenshot(target)
            print(target)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
