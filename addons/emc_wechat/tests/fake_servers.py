"""Fake WeChat and Alibaba Cloud SMS servers on loopback for the tests.

Both run an ``http.server`` in a thread on 127.0.0.1 (a free port) and speak
the documented request and response formats, with their error codes:

WeChat (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/):
  POST /cgi-bin/stable_token          {"grant_type","appid","secret","force_refresh"}
       → {"access_token","expires_in"} | {"errcode":40013|40125,"errmsg"}
  POST /cgi-bin/message/subscribe/send?access_token=…
       {"touser","template_id","page"?,"data":{key:{"value"}},"miniprogram_state","lang"}
       → {"errcode":0,"errmsg":"ok","msgid"} | 40001 invalid credential |
         42001 access_token expired | 43101 user refuse to accept the msg | 47003 …
  POST /wxa/msg_sec_check?access_token=…  {"content","version":2,"scene","openid"}
       → {"errcode":0,"result":{"suggest":"pass"|"risky","label":100|20001}}

Alibaba Cloud SMS (dysmsapi 2017-05-25, RPC style as the SDK sends it):
  POST /?PhoneNumbers=…&SignName=…&TemplateCode=…&TemplateParam=…
  headers x-acs-action: SendSms, x-acs-version: 2017-05-25, x-acs-date,
  x-acs-signature-nonce, x-acs-content-sha256, Authorization: ACS3-HMAC-SHA256
  Credential=<AccessKeyId>,SignedHeaders=…,Signature=… — the fake checks the
  signature with the AccessKey secret it knows.
       → {"Code":"OK","Message":"OK","BizId","RequestId"} |
         {"Code":"isv.BUSINESS_LIMIT_CONTROL"|"isv.MOBILE_NUMBER_ILLEGAL"|…,"Message","RequestId"}
         | HTTP 400 {"Code":"SignatureDoesNotMatch",…} on a bad signature.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


class _FakeServer:
    """An HTTP server in a thread; subclasses implement ``handle(method, path, query, headers, body)``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake.lock:
                    fake.requests.append((self.command, parts.path, query, body))
                status, answer = fake.handle(
                    self.command, parts.path, query, headers, body, parts.query
                )
                out = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class FakeWechat(_FakeServer):
    def __init__(self, appid, secret):
        super().__init__()
        self.appid, self.secret = appid, secret
        self.counter = itertools.count(1)
        self.token = None
        self.expired = set()  # tokens answered 42001
        self.token_calls = 0
        self.token_delay = 0.0
        self.send_errors = []  # errcodes answered to the next subscribe sends, in order
        self.sent = []
        self.risky_words = ("赌博",)

    def reset(self):
        with self.lock:
            self.token = None
            self.expired = set()
            self.token_calls = 0
            self.token_delay = 0.0
            self.send_errors = []
            self.sent = []

    def revoke_token(self):
        """WeChat invalidates the current token (another client forced a new one)."""
        with self.lock:
            self.token = f"TOKEN-{next(self.counter)}"

    def handle(self, method, path, query, headers, body, raw_query):
        if method != "POST":
            return 200, {"errcode": 43002, "errmsg": "require POST method"}
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        if path == "/cgi-bin/stable_token":
            return 200, self._stable_token(payload)
        with self.lock:
            token = query.get("access_token")
            if token in self.expired:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if not token or token != self.token:
                return 200, {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid",
                }
        if path == "/cgi-bin/message/subscribe/send":
            return 200, self._send(payload)
        if path == "/wxa/msg_sec_check":
            if payload.get("version") != 2 or not payload.get("openid"):
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            risky = any(word in payload.get("content", "") for word in self.risky_words)
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "result": {
                    "suggest": "risky" if risky else "pass",
                    "label": 20001 if risky else 100,
                },
                "trace_id": uuid.uuid4().hex,
            }
        return 404, {"errcode": 40066, "errmsg": "invalid url"}

    def _stable_token(self, payload):
        if payload.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if payload.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if payload.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        time.sleep(self.token_delay)  # long enough for a concurrent caller to race
        with self.lock:
            self.token_calls += 1
            if payload.get("force_refresh") or not self.token:
                self.token = f"TOKEN-{next(self.counter)}"
            return {"access_token": self.token, "expires_in": 7200}

    def _send(self, payload):
        if not payload.get("touser") or not payload.get("template_id"):
            return {"errcode": 47003, "errmsg": "argument invalid! touser or template_id"}
        data = payload.get("data")
        if not isinstance(data, dict) or not all(
            isinstance(v, dict) and "value" in v for v in data.values()
        ):
            return {"errcode": 47003, "errmsg": "argument invalid! data.value"}
        for key, value in data.items():
            if key.startswith("thing") and len(value["value"]) > 20:
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value"}
        with self.lock:
            if self.send_errors:
                code = self.send_errors.pop(0)
                return {
                    "errcode": code,
                    "errmsg": {43101: "user refuse to accept the msg"}.get(code, "error"),
                }
            self.sent.append(payload)
            return {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.sent)}


def _percent(value):
    return quote(str(value), safe="~")


class FakeAlibabaSms(_FakeServer):
    ERRORS = {
        "isv.BUSINESS_LIMIT_CONTROL": "触发号码天级流控Permits:10",
        "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
        "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
        "isp.SYSTEM_ERROR": "系统错误",
    }

    def __init__(self, access_key, access_secret):
        super().__init__()
        self.access_key, self.access_secret = access_key, access_secret
        self.errors = []  # Codes answered to the next SendSms, in order
        self.sent = []
        self.bad_signatures = 0

    def reset(self):
        with self.lock:
            self.errors = []
            self.sent = []
            self.bad_signatures = 0

    def _check_signature(self, method, path, raw_query, headers, body):
        auth = headers.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return False
        fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 ") :].split(","))
        if fields.get("Credential") != self.access_key:
            return False
        if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return False
        signed = fields.get("SignedHeaders", "").split(";")
        pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
        canonical = "\n".join(
            [
                method,
                path or "/",
                "&".join(f"{_percent(k)}={_percent(v)}" for k, v in pairs),
                "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed),
                ";".join(signed),
                headers.get("x-acs-content-sha256", ""),
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(
            self.access_secret.encode(), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def handle(self, method, path, query, headers, body, raw_query):
        request_id = str(uuid.uuid4()).upper()
        if not self._check_signature(method, path, raw_query, headers, body):
            with self.lock:
                self.bad_signatures += 1
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return 404, {
                "Code": "InvalidAction.NotFound",
                "Message": "action",
                "RequestId": request_id,
            }
        phone = query.get("PhoneNumbers", "")
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                return 400, {"Code": "MissingParameter", "Message": name, "RequestId": request_id}
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {
                "Code": "isv.INVALID_JSON_PARAM",
                "Message": "JSON参数不合法",
                "RequestId": request_id,
            }
        with self.lock:
            if self.errors:
                code = self.errors.pop(0)
                return 200, {
                    "Code": code,
                    "Message": self.ERRORS.get(code, code),
                    "RequestId": request_id,
                }
            if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
                code = "isv.MOBILE_NUMBER_ILLEGAL"
                return 200, {"Code": code, "Message": self.ERRORS[code], "RequestId": request_id}
            biz_id = f"{900000 + len(self.sent)}^0"
            self.sent.append(
                {
                    "phone": phone,
                    "sign": query["SignName"],
                    "template": query["TemplateCode"],
                    "params": params,
                    "biz_id": biz_id,
                }
            )
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
