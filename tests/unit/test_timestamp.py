"""Unit tests of addons/emc_workorder/lib/timestamp.py, without Odoo or a database.

Tokens come from addons/emc_workorder/tests/tsa_server.py: a CA, a TSA
certificate and ``openssl ts -reply`` served on 127.0.0.1. Both modules are
loaded by file path so that importing them does not import the
``odoo.addons.emc_workorder`` package (whose __init__ needs the ORM).
"""

import datetime
import hashlib
import re
import shutil
import socket
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from _load import load
from cryptography import x509

timestamp = load("emc_workorder", "lib.timestamp")
tsa_server = load("emc_workorder", "tests.tsa_server")

TimestampError = timestamp.TimestampError
MESSAGE = b'{"company_id":1,"root":"5dc9da79a706","size":8}'

TSA = OTHER = SHA1_TSA = None


def setUpModule():
    global TSA, OTHER, SHA1_TSA
    TSA = tsa_server.LocalTSA().start()
    OTHER = tsa_server.LocalTSA("Unrelated TSA").start()
    SHA1_TSA = tsa_server.LocalTSA(
        "Legacy TSA", include_chain=False, ess_cert_id_alg="sha1"
    ).start()


def tearDownModule():
    for tsa in (TSA, OTHER, SHA1_TSA):
        if tsa is not None:
            tsa.close()


def signed_range(der, needle):
    """Offset of ``needle`` (bytes of the signed TSTInfo) inside ``der``."""
    offset = der.find(needle)
    assert offset > 0, "needle not found in the token"
    return offset


class TimestampCase(unittest.TestCase):
    def setUp(self):
        TSA.http_status = None
        TSA.canned_reply = None
        TSA.start()

    def assertReason(self, reason, func, *args, **kwargs):
        with self.assertRaises(TimestampError) as caught:
            func(*args, **kwargs)
        self.assertEqual(caught.exception.reason, reason, caught.exception.message)
        self.assertIn(caught.exception.reason, timestamp.REASONS)
        self.assertTrue(caught.exception.message)
        return caught.exception


class TestRequestAndVerify(TimestampCase):
    def test_token_obtained_and_verified(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        token = timestamp.request_token(TSA.url, MESSAGE, ca_pem=TSA.ca_pem)
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(token.imprint, hashlib.sha256(MESSAGE).digest())
        self.assertEqual(token.policy, tsa_server.DEFAULT_POLICY)
        self.assertEqual(token.tsa_name, "CN=EMC Test TSA,O=EMC Suite tests")
        self.assertIsInstance(token.serial, int)
        self.assertGreater(token.serial, 0)
        # gen_time: aware UTC, within the call (the TSA has 1 s precision).
        self.assertEqual(token.gen_time.utcoffset(), datetime.timedelta(0))
        self.assertLessEqual(before - datetime.timedelta(seconds=2), token.gen_time)
        self.assertLessEqual(token.gen_time, after + datetime.timedelta(seconds=2))
        again = timestamp.verify_token(token.der, MESSAGE, TSA.ca_pem)
        self.assertEqual(again, token)
        self.assertEqual(timestamp.parse_token(token.der), token)

    def test_without_immediate_verification(self):
        token = timestamp.request_token(TSA.url, MESSAGE)
        self.assertEqual(timestamp.verify_token(token.der, MESSAGE, TSA.ca_pem), token)

    def test_der_is_the_bare_token_that_openssl_verifies(self):
        """Token.der is a TimeStampToken, verifiable by an auditor with the openssl CLI."""
        token = timestamp.request_token(TSA.url, MESSAGE, ca_pem=TSA.ca_pem)
        self.assertEqual(token.der[4:15], bytes.fromhex("06092a864886f70d010702"))  # signedData
        workdir = Path(tempfile.mkdtemp())
        try:
            (workdir / "token.tst").write_bytes(token.der)
            (workdir / "message").write_bytes(MESSAGE)
            (workdir / "ca.pem").write_bytes(TSA.ca_pem)
            result = subprocess.run(
                [
                    *("openssl", "ts", "-verify", "-token_in", "-in", "token.tst"),
                    *("-data", "message", "-CAfile", "ca.pem"),
                ],
                cwd=workdir,
                capture_output=True,
                text=True,
                check=False,
            )
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("Verification: OK", result.stdout)
        finally:
            shutil.rmtree(workdir)

    def test_whole_response_accepted_and_reduced_to_the_token(self):
        token = timestamp.request_token(TSA.url, MESSAGE)
        query = timestamp._request_der(MESSAGE, None)[0]
        response = TSA.reply(query)
        parsed = timestamp.verify_token(response, MESSAGE, TSA.ca_pem)
        self.assertNotEqual(parsed.der, response)
        self.assertEqual(timestamp.verify_token(parsed.der, MESSAGE, TSA.ca_pem), parsed)
        self.assertGreater(parsed.serial, token.serial)

    def test_chain_certificates_are_put_in_der_order(self):
        token = timestamp.request_token(TSA.url, MESSAGE)
        for tag, _pos, start, end in timestamp._signed_data(token.der):
            if tag == 0xA0:
                certs = [
                    token.der[p:e] for _t, p, _c, e in timestamp._children(token.der, start, end)
                ]
                break
        else:
            self.fail("no certificates in the token")
        self.assertEqual(len(certs), 2)  # TSA certificate and CA
        self.assertEqual(certs, sorted(certs))

    def test_ess_v1_token_without_chain(self):
        token = timestamp.request_token(SHA1_TSA.url, MESSAGE, ca_pem=SHA1_TSA.ca_pem)
        self.assertEqual(token.tsa_name, "CN=Legacy TSA,O=EMC Suite tests")
        hashes = timestamp._ess_hashes(token.der)
        self.assertEqual([name for name, _hash in hashes], ["sha1"])

    def test_serial_numbers_are_unique(self):
        serials = {timestamp.request_token(TSA.url, MESSAGE).serial for _ in range(3)}
        self.assertEqual(len(serials), 3)

    def test_ca_bundle_with_several_certificates(self):
        token = timestamp.request_token(TSA.url, MESSAGE)
        bundle = OTHER.ca_pem + TSA.ca_pem
        self.assertEqual(timestamp.verify_token(token.der, MESSAGE, bundle), token)
        self.assertEqual(len(timestamp.load_ca_certificates(bundle.decode())), 2)


class TestRefusals(TimestampCase):
    @classmethod
    def setUpClass(cls):
        cls.token = timestamp.request_token(TSA.url, MESSAGE, ca_pem=TSA.ca_pem)
        cls.other_token = timestamp.request_token(OTHER.url, MESSAGE, ca_pem=OTHER.ca_pem)

    def test_wrong_ca(self):
        self.assertReason(
            "untrusted", timestamp.verify_token, self.token.der, MESSAGE, OTHER.ca_pem
        )

    def test_token_from_another_authority(self):
        self.assertReason(
            "untrusted", timestamp.verify_token, self.other_token.der, MESSAGE, TSA.ca_pem
        )
        self.assertReason(
            "untrusted", timestamp.request_token, OTHER.url, MESSAGE, ca_pem=TSA.ca_pem
        )

    def test_message_changed(self):
        self.assertReason(
            "imprint_mismatch", timestamp.verify_token, self.token.der, MESSAGE + b" ", TSA.ca_pem
        )

    def test_policy_mismatch(self):
        other = tsa_server.OTHER_POLICY
        self.assertReason(
            "policy_mismatch",
            timestamp.verify_token,
            self.token.der,
            MESSAGE,
            TSA.ca_pem,
            policy=other,
        )
        token = timestamp.request_token(TSA.url, MESSAGE, policy=other, ca_pem=TSA.ca_pem)
        self.assertEqual(token.policy, other)
        self.assertEqual(
            timestamp.verify_token(token.der, MESSAGE, TSA.ca_pem, policy=other), token
        )
        self.assertReason(
            "policy_mismatch",
            timestamp.verify_token,
            token.der,
            MESSAGE,
            TSA.ca_pem,
            policy=tsa_server.DEFAULT_POLICY,
        )

    def test_policy_the_tsa_does_not_serve(self):
        error = self.assertReason(
            "rejected", timestamp.request_token, TSA.url, MESSAGE, policy="1.2.3.4.5"
        )
        self.assertIn("unacceptedPolicy", error.message)

    def test_tsa_down(self):
        TSA.stop()
        try:
            self.assertReason("unreachable", timestamp.request_token, TSA.url, MESSAGE)
        finally:
            TSA.start()
        self.assertTrue(timestamp.request_token(TSA.url, MESSAGE).der)

    def test_tsa_that_never_answers(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)  # the handshake completes, nothing is ever read
            url = f"http://127.0.0.1:{listener.getsockname()[1]}/tsa"
            self.assertReason("unreachable", timestamp.request_token, url, MESSAGE, timeout=0.5)

    def test_http_500(self):
        TSA.http_status = 500
        error = self.assertReason("http_status", timestamp.request_token, TSA.url, MESSAGE)
        self.assertIn("500", error.message)

    def test_replayed_answer(self):
        TSA.canned_reply = TSA.reply(timestamp._request_der(MESSAGE, None)[0])
        self.assertReason("nonce_mismatch", timestamp.request_token, TSA.url, MESSAGE)

    def forge_answers(self, forge):
        """Make the TSA answer each request for ``forge(query)`` instead (same nonce)."""
        real = timestamp._request_der

        def request_der(message, policy):
            query, nonce = real(message, policy)
            TSA.canned_reply = TSA.reply(forge(query, message))
            return query, nonce

        return mock.patch.object(timestamp, "_request_der", request_der)

    def test_answer_for_another_message(self):
        def other_imprint(query, message):
            digest = hashlib.sha256(message).digest()
            self.assertEqual(query.count(digest), 1)
            return query.replace(digest, hashlib.sha256(b"another message").digest())

        with self.forge_answers(other_imprint):
            self.assertReason("imprint_mismatch", timestamp.request_token, TSA.url, MESSAGE)

    def test_answer_under_another_policy(self):
        def without_policy(query, _message):
            _tag, start, end = timestamp._single(query)
            items = timestamp._children(query, start, end)
            kept = b"".join(query[pos:stop] for tag, pos, _c, stop in items if tag != 0x06)
            return timestamp._encode(0x30, kept)

        with self.forge_answers(without_policy):
            error = self.assertReason(
                "policy_mismatch",
                timestamp.request_token,
                TSA.url,
                MESSAGE,
                policy=tsa_server.OTHER_POLICY,
            )
        self.assertIn(tsa_server.DEFAULT_POLICY, error.message)

    def test_garbage_answer(self):
        for garbage in (b"", b"<html>503</html>", b"\x30\x03\x02\x01"):
            with self.subTest(garbage=garbage):
                TSA.canned_reply = garbage
                self.assertReason("malformed", timestamp.request_token, TSA.url, MESSAGE)

    def test_tampered_signed_byte(self):
        der = self.token.der
        for needle in (self.token.imprint, self.token.serial.to_bytes(1, "big")):
            offset = signed_range(der, needle)
            tampered = bytearray(der)
            tampered[offset] ^= 0x01
            error = self.assertReason(
                "bad_signature", timestamp.verify_token, bytes(tampered), MESSAGE, TSA.ca_pem
            )
            self.assertIn("signature", error.message)
        tampered = bytearray(der)
        tampered[-3] ^= 0x01  # inside the signature value, at the end of the token
        self.assertReason(
            "bad_signature", timestamp.verify_token, bytes(tampered), MESSAGE, TSA.ca_pem
        )

    def test_no_byte_flip_changes_what_the_token_asserts(self):
        """Every flip is refused, or hits bytes outside the signature and changes nothing."""
        der = self.token.der
        original = self.token
        refused = 0
        for offset in range(len(der)):
            tampered = bytearray(der)
            tampered[offset] ^= 0x04
            try:
                parsed = timestamp.verify_token(bytes(tampered), MESSAGE, TSA.ca_pem)
            except TimestampError as exc:
                self.assertIn(exc.reason, timestamp.REASONS)
                refused += 1
                continue
            self.assertEqual(
                (parsed.gen_time, parsed.serial, parsed.policy, parsed.tsa_name, parsed.imprint),
                (
                    original.gen_time,
                    original.serial,
                    original.policy,
                    original.tsa_name,
                    original.imprint,
                ),
                offset,
            )
        self.assertGreater(refused, len(der) // 2)

    def test_truncated_and_padded(self):
        der = self.token.der
        for broken in (der[:-1], der[:100], der + b"\x00", b"", b"\x04\x00"):
            with self.subTest(length=len(broken)):
                self.assertReason("malformed", timestamp.parse_token, broken)
                self.assertReason("malformed", timestamp.verify_token, broken, MESSAGE, TSA.ca_pem)

    def test_rejection_response_is_reported(self):
        # PKIStatusInfo { rejection, "busy", failInfo systemFailure(25) }, no token.
        text = b"\x30\x06\x0c\x04busy"
        fail = b"\x03\x05\x06\x00\x00\x00\x40"
        status = b"\x02\x01\x02" + text + fail
        response = b"\x30" + bytes([len(status) + 2]) + b"\x30" + bytes([len(status)]) + status
        error = self.assertReason("rejected", timestamp.parse_token, response)
        self.assertIn("busy", error.message)
        self.assertIn("systemFailure", error.message)

    def test_ess_attribute_must_name_the_signer(self):
        other_signer = x509.load_pem_x509_certificate(OTHER.tsa_cert_pem)
        self.assertReason("bad_signature", timestamp._check_ess, self.token.der, other_signer)
        signer = x509.load_pem_x509_certificate(TSA.tsa_cert_pem)
        timestamp._check_ess(self.token.der, signer)


class TestArguments(unittest.TestCase):
    def test_bad_arguments_raise_value_error(self):
        url = "http://127.0.0.1:9/tsa"
        with self.assertRaisesRegex(ValueError, "message must not be empty"):
            timestamp.request_token(url, b"")
        with self.assertRaisesRegex(ValueError, "message must be bytes"):
            timestamp.request_token(url, "text")
        with self.assertRaisesRegex(ValueError, "http:// or https://"):
            timestamp.request_token("ftp://tsa.example/", MESSAGE)
        with self.assertRaisesRegex(ValueError, "dotted OID"):
            timestamp.request_token(url, MESSAGE, policy="policy-1")
        with self.assertRaisesRegex(ValueError, "second arc"):
            timestamp.request_token(url, MESSAGE, policy="1.40.1")
        with self.assertRaisesRegex(ValueError, "positive number"):
            timestamp.request_token(url, MESSAGE, timeout=0)
        with self.assertRaisesRegex(ValueError, "not a PEM certificate bundle|holds no"):
            timestamp.request_token(url, MESSAGE, ca_pem=b"not a certificate")
        with self.assertRaisesRegex(ValueError, "der must be bytes"):
            timestamp.parse_token("3082")

    def test_policy_is_spliced_into_the_request(self):
        for policy in ("1.2.3.4", "1.3.6.1.4.1.32473.3161.2", "2.999.1234567"):
            query, nonce = timestamp._request_der(MESSAGE, policy)
            text = subprocess.run(
                ["openssl", "ts", "-query", "-in", "/dev/stdin", "-text"],
                input=query,
                capture_output=True,
                check=True,
            ).stdout.decode()
            self.assertIn(f"Policy OID: {policy}", text)
            self.assertIn("Hash Algorithm: sha256", text)
            self.assertIn("Certificate required: yes", text)
            self.assertEqual(int(re.search(r"Nonce: 0x([0-9A-F]+)", text).group(1), 16), nonce)


if __name__ == "__main__":
    unittest.main()
