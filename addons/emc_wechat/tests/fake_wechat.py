"""A fake WeChat server API on 127.0.0.1 for the tests (no real network).

It speaks the documented requests and answers of the three calls the REST
API makes, including their error codes:

- ``GET /cgi-bin/token?grant_type=client_credential&appid&secret`` →
  ``{"access_token", "expires_in"}``; ``40013`` for another appid, ``40125``
  for a wrong secret.
- ``GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code``
  → ``{"openid", "session_key", "unionid"}``; ``40029`` invalid code,
  ``45011`` too frequent, ``-1`` system busy (codes listed in ``ERRORS``).
- ``POST /wxa/business/getuserphonenumber?access_token`` with ``{"code"}`` →
  ``{"errcode": 0, "phone_info": {...}}``; ``40001`` when the token is not
  the current one, ``40029`` for an unknown code.

Each request is recorded in ``FakeWechat.requests`` as (path, query, body).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

APPID = "wx_test_appid"
SECRET = "test_secret"
ERRORS = {
    "code-invalid": (40029, "invalid code"),
    "code-rate": (45011, "api minute-quota reach limit"),
    "code-busy": (-1, "system error"),
}


class FakeWechat:
    def __init__(self):
        self.requests = []
        # login code -> openid
        self.sessions = {}
        # phone code -> phone number (purePhoneNumber), country code
        self.phones = {}
        self.token_counter = 0
        self.current_token = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _answer(self, path, query, body):
        def q(name):
            return query.get(name, [""])[0]

        if path == "/cgi-bin/token":
            if q("appid") != APPID:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if q("secret") != SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            self.token_counter += 1
            self.current_token = f"AT{self.token_counter}"
            return {"access_token": self.current_token, "expires_in": 7200}
        if path == "/sns/jscode2session":
            if q("appid") != APPID or q("secret") != SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            code = q("js_code")
            if code in ERRORS:
                errcode, errmsg = ERRORS[code]
                return {"errcode": errcode, "errmsg": errmsg}
            if code not in self.sessions:
                return {"errcode": 40029, "errmsg": "invalid code"}
            openid = self.sessions.pop(code)  # a code is used once
            return {"openid": openid, "session_key": f"SK-{openid}", "unionid": f"U-{openid}"}
        if path == "/wxa/business/getuserphonenumber":
            if q("access_token") != self.current_token:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            code = (body or {}).get("code")
            if code in ERRORS:
                errcode, errmsg = ERRORS[code]
                return {"errcode": errcode, "errmsg": errmsg}
            if code not in self.phones:
                return {"errcode": 40029, "errmsg": "invalid code"}
            number, country = self.phones[code]
            return {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": number,
                    "purePhoneNumber": number,
                    "countryCode": country,
                    "watermark": {"timestamp": 1637744274, "appid": APPID},
                },
            }
        return None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, body=None):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.requests.append((url.path, query, body))
                answer = fake._answer(url.path, query, body)
                if answer is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                self._serve(body)

            def log_message(self, *args):
                pass

        return Handler
