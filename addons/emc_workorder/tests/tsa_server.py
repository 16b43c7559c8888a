"""A local RFC 3161 Time-Stamping Authority for tests (standard library only).

Usable from the pure-Python unit tests (loaded by file path) and from Odoo
TransactionCase / HttpCase tests alike: it imports nothing from Odoo, and its
module name does not start with ``test_``, so no test runner collects it.

Each :class:`LocalTSA` makes, once, in its own temporary directory and with
the ``openssl`` command line tool:

* a self-signed CA (EC P-256, ``basicConstraints=critical,CA:TRUE``);
* a TSA certificate issued by that CA (EC P-256,
  ``extendedKeyUsage=critical,timeStamping``, as RFC 3161 §2.3 requires);
* an ``openssl ts`` configuration: SHA-256/384/512 imprints, SHA-256
  signatures, a default and an alternative policy, the TSA name in the
  token, the ESS signing-certificate attribute (v2 with SHA-256 unless told
  otherwise), and the CA certificate next to the TSA's in the token.

It then serves, on 127.0.0.1 at an ephemeral port and from a background
thread, ``POST`` requests of ``Content-Type: application/timestamp-query``
by running ``openssl ts -reply`` on each (one at a time: the serial number
file is shared). The answer is a TimeStampResp (``application/timestamp-reply``);
a request that OpenSSL refuses (unknown policy or digest) gets a "rejection"
response, as from a real TSA.

To simulate failures: set :attr:`LocalTSA.http_status` (e.g. 500) to answer
every request with that HTTP status, or :attr:`LocalTSA.canned_reply` to
answer with fixed bytes (a replayed response, garbage); call :meth:`LocalTSA.stop` to refuse
connections (the URL stays the same and :meth:`LocalTSA.start` serves it
again). A second instance is an unrelated CA and TSA ("token from another
authority").

    with LocalTSA() as tsa:
        token = request_token(tsa.url, b"...", ca_pem=tsa.ca_pem)
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

__all__ = ["DEFAULT_POLICY", "OTHER_POLICY", "LocalTSA"]

# Arcs under the "example" private enterprise number 32473 (RFC 5612).
DEFAULT_POLICY = "1.3.6.1.4.1.32473.3161.1"
OTHER_POLICY = "1.3.6.1.4.1.32473.3161.2"

_MAX_QUERY = 64 * 1024

_TSA_EXTENSIONS = """\
[tsa_cert]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

_TS_CONFIG = """\
[tsa]
default_tsa = tsa_section

[tsa_section]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
{certs_line}
default_policy = {policy}
other_policies = {other_policies}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess_cert_id_alg}
"""


class LocalTSA:
    """A CA, a TSA certificate and an HTTP time-stamping service on 127.0.0.1.

    ``name`` is the common name of the TSA certificate (the CA's is
    ``f"{name} Root CA"``); ``policy`` the default policy OID and
    ``other_policies`` those a request may ask for; ``include_chain`` puts
    the CA certificate in each token besides the TSA's; ``ess_cert_id_alg``
    is ``"sha1"`` for the ESS signingCertificate attribute of RFC 2634, or a
    SHA-2 name for signingCertificateV2 (RFC 5035).
    """

    def __init__(
        self,
        name: str = "EMC Test TSA",
        *,
        policy: str = DEFAULT_POLICY,
        other_policies: tuple[str, ...] = (OTHER_POLICY,),
        include_chain: bool = True,
        ess_cert_id_alg: str = "sha256",
    ) -> None:
        self.name = name
        self.policy = policy
        self.other_policies = tuple(other_policies)
        #: When set, every request gets this HTTP status instead of a reply.
        self.http_status: int | None = None
        #: When set, every request gets these bytes as its reply (an old
        #: response replayed, garbage...) with HTTP status 200.
        self.canned_reply: bytes | None = None
        #: Number of time-stamp queries answered by ``openssl ts -reply``.
        self.replies = 0
        self._dir = Path(tempfile.mkdtemp(prefix="emc-tsa-"))
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        try:
            self._make_pki(include_chain, ess_cert_id_alg)
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        self.ca_pem: bytes = (self._dir / "ca.pem").read_bytes()
        self.tsa_cert_pem: bytes = (self._dir / "tsa.pem").read_bytes()

    # -- PKI ---------------------------------------------------------------

    def _openssl(self, *args: str, stdin: bytes | None = None) -> bytes:
        result = subprocess.run(
            ["openssl", *args],
            cwd=self._dir,
            input=stdin,
            capture_output=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"openssl {args[0]} failed ({result.returncode}): "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        return result.stdout

    def _make_pki(self, include_chain: bool, ess_cert_id_alg: str) -> None:
        ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
        self._openssl(
            "req", "-x509", "-new", *ec, "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "3650", "-subj", f"/O=EMC Suite tests/CN={self.name} Root CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        self._openssl(
            "req", "-new", *ec, "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", f"/O=EMC Suite tests/CN={self.name}",
        )  # fmt: skip
        (self._dir / "tsa.ext").write_text(_TSA_EXTENSIONS)
        self._openssl(
            "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "3650",
            "-extfile", "tsa.ext", "-extensions", "tsa_cert", "-out", "tsa.pem",
        )  # fmt: skip
        (self._dir / "serial").write_text("01\n")
        config = _TS_CONFIG.format(
            dir=self._dir,
            certs_line="certs = $dir/ca.pem" if include_chain else "",
            policy=self.policy,
            other_policies=", ".join(self.other_policies) or self.policy,
            ess_cert_id_alg=ess_cert_id_alg,
        )
        (self._dir / "ts.cnf").write_text(config)

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp of ``openssl ts -reply`` for a DER query."""
        with self._lock:
            query_path = self._dir / "query.tsq"
            reply_path = self._dir / "reply.tsr"
            query_path.write_bytes(query)
            reply_path.unlink(missing_ok=True)
            self._openssl(
                "ts", "-reply", "-config", "ts.cnf",
                "-queryfile", "query.tsq", "-out", "reply.tsr",
            )  # fmt: skip
            self.replies += 1
            return reply_path.read_bytes()

    # -- HTTP --------------------------------------------------------------

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(min(length, _MAX_QUERY))
                if tsa.http_status is not None:
                    self._answer(tsa.http_status, b"simulated failure\n", "text/plain")
                elif tsa.canned_reply is not None:
                    self._answer(200, tsa.canned_reply, "application/timestamp-reply")
                elif self.headers.get("Content-Type") != "application/timestamp-query":
                    self._answer(415, b"expected application/timestamp-query\n", "text/plain")
                elif length > _MAX_QUERY:
                    self._answer(413, b"query too large\n", "text/plain")
                else:
                    try:
                        body = tsa.reply(query)
                    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                        self._answer(500, f"{exc}\n".encode(), "text/plain")
                    else:
                        self._answer(200, body, "application/timestamp-reply")

            def log_message(self, format, *args):
                pass

        return Handler

    def start(self) -> LocalTSA:
        """Serve on 127.0.0.1 (the same port again after :meth:`stop`)."""
        if self._server is not None:
            return self
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self._port or 0), self._handler())
        server.daemon_threads = True
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits for one poll
            name=f"LocalTSA:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: connections to :attr:`url` are refused until :meth:`start`."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def close(self) -> None:
        """Stop serving and delete the keys and certificates."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def url(self) -> str:
        """The service's URL (known once started; kept across stop/start)."""
        if self._port is None:
            raise RuntimeError("LocalTSA has no URL before start().")
        return f"http://127.0.0.1:{self._port}/tsa"

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> LocalTSA:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()
