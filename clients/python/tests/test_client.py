"""Tests of cmrwatch_client: against small local HTTP servers (retry, Retry-After, rejected lines), and, when
CMRWATCH_URL and CMRWATCH_TOKEN are set, against a real ingest server (the Java PythonClientIT sets them and then
checks the Kafka topic).

    python3 -m unittest discover -s clients/python/tests -v
"""

import http.server
import json
import os
import sys
import threading
import time
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))

from cmrwatch_client import Publisher, PublishError  # noqa: E402
import hf_callback  # noqa: E402

TOKEN = "test-token-0123456789abcdef"


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each POST with the next scripted (status, headers, body); records what it received."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv = self.server
        srv.requests.append((time.monotonic(), self.headers.get("Authorization"), self.headers.get("Content-Type"),
                             body.decode("utf-8")))
        status, headers, payload = srv.script.pop(0) if srv.script else (202, {}, None)
        if payload is None:
            payload = {"accepted": len([l for l in body.splitlines() if l.strip()]), "rejected": []}
        raw = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


def _server(script):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    srv.script = list(script)
    srv.requests = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def _pub(url, **kw):
    return Publisher(url, TOKEN, experiment="exp-py", run="r1", ratio=0.25, base_general_loss=2.3,
                     base_domain_loss=2.2, backoff=0.05, **kw)


class AgainstScriptedServer(unittest.TestCase):

    def test_batches_as_ndjson_with_the_bearer_token(self):
        srv, url = _server([])
        try:
            pub = _pub(url, batch_size=10)
            for i in range(25):
                pub.log(tokens=1000 * (i + 1), general_loss=2.3, domain_loss=2.0)
            pub.close()
            self.assertEqual(pub.accepted, 25)
            self.assertEqual([len(r[3].splitlines()) for r in srv.requests], [10, 10, 5])
            _, auth, ctype, body = srv.requests[0]
            self.assertEqual(auth, "Bearer " + TOKEN)
            self.assertEqual(ctype, "application/x-ndjson")
            first = json.loads(body.splitlines()[0])
            self.assertEqual(first["eventId"], "r1/1000")
            self.assertEqual(first["schema"], 1)
            self.assertEqual(first["experiment"], "exp-py")
        finally:
            srv.shutdown()
            srv.server_close()

    def test_retries_after_503_honouring_retry_after(self):
        srv, url = _server([(503, {"Retry-After": "1"}, {"error": "broker_unavailable"}),
                            (429, {"Retry-After": "0"}, {"error": "backed_up"})])
        try:
            pub = _pub(url)
            pub.log(tokens=1, general_loss=2.3, domain_loss=2.0)
            pub.close()
            self.assertEqual(pub.accepted, 1)
            times = [r[0] for r in srv.requests]
            self.assertEqual(len(times), 3)
            self.assertGreaterEqual(times[1] - times[0], 0.95)
            self.assertEqual(srv.requests[0][3], srv.requests[2][3])  # the same batch, resent
        finally:
            srv.shutdown()
            srv.server_close()

    def test_reports_rejected_lines_and_does_not_retry_client_errors(self):
        srv, url = _server([
            (202, {}, {"accepted": 1, "rejected": [{"line": 2, "reason": "negative_loss", "message": "m"}]}),
            (401, {}, {"error": "unauthorized", "message": "the bearer token is not valid"})])
        try:
            pub = _pub(url, batch_size=2)
            pub.log(tokens=1, general_loss=2.3, domain_loss=2.0)
            pub.log(tokens=2, general_loss=-1, domain_loss=2.0)
            pub.flush()
            self.assertEqual(pub.accepted, 1)
            self.assertEqual(pub.rejected[0]["reason"], "negative_loss")
            self.assertEqual(pub.rejected[0]["event"]["tokens"], 2)
            pub.log(tokens=3, general_loss=2.3, domain_loss=2.0)
            with self.assertRaises(PublishError) as err:
                pub.flush()
            self.assertEqual(err.exception.status, 401)
            self.assertEqual(len(srv.requests), 2)
            pub.close()
        finally:
            srv.shutdown()
            srv.server_close()

    def test_gives_up_after_max_retries(self):
        srv, url = _server([(503, {"Retry-After": "0"}, {"error": "x"})] * 3)
        try:
            pub = _pub(url, max_retries=2)
            pub.log(tokens=1, general_loss=2.3, domain_loss=2.0)
            with self.assertRaises(PublishError):
                pub.flush()
            self.assertEqual(len(srv.requests), 3)
            pub.close()
        finally:
            srv.shutdown()
            srv.server_close()

    def test_hf_callback_publishes_evaluations_with_both_losses(self):
        srv, url = _server([])
        try:
            pub = _pub(url)
            cb = hf_callback.CmrwatchCallback(pub, tokens_per_step=1000)
            state = types.SimpleNamespace(global_step=7, num_input_tokens_seen=0,
                                          log_history=[{"learning_rate": 3e-5, "loss": 2.0}])
            cb.on_evaluate(None, state, None, metrics={"eval_general_loss": 2.31})  # one set only: skipped
            cb.on_evaluate(None, state, None, metrics={"eval_general_loss": 2.31, "eval_domain_loss": 1.95})
            cb.on_train_end(None, state, None)
            events = [json.loads(l) for r in srv.requests for l in r[3].splitlines()]
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0]["tokens"], 7000)
            self.assertEqual(events[0]["step"], 7)
            self.assertEqual(events[0]["learningRate"], 3e-5)
            pub.close()
        finally:
            srv.shutdown()
            srv.server_close()


@unittest.skipUnless(os.environ.get("CMRWATCH_URL"), "set CMRWATCH_URL and CMRWATCH_TOKEN to test a real server")
class AgainstIngestServer(unittest.TestCase):
    """Publishes CMRWATCH_EXPECT valid events and one invalid one; the Java side checks the topic."""

    def test_publishes_every_valid_event_once(self):
        url, token = os.environ["CMRWATCH_URL"], os.environ["CMRWATCH_TOKEN"]
        experiment = os.environ.get("CMRWATCH_EXPERIMENT", "py-exp")
        n = int(os.environ.get("CMRWATCH_EXPECT", "120"))
        pub = Publisher(url, token, experiment=experiment, run="py-r1", ratio=0.25, base_general_loss=2.3,
                        base_domain_loss=2.2, batch_size=50)
        cb = hf_callback.CmrwatchCallback(pub)
        for i in range(n - 1):
            pub.log(tokens=(i + 1) * 1_000_000, general_loss=2.3 + 0.001 * i, domain_loss=2.0 - 0.001 * i, step=i)
        state = types.SimpleNamespace(global_step=n, num_input_tokens_seen=n * 1_000_000, log_history=[])
        cb.on_evaluate(None, state, None, metrics={"eval_general_loss": 2.4, "eval_domain_loss": 1.8})
        pub.log(tokens=10**12, general_loss=float("nan"), domain_loss=1.0)  # invalid: reported, not retried
        pub.close()
        self.assertEqual(pub.accepted, n)
        self.assertEqual(len(pub.rejected), 1)
        self.assertEqual(pub.rejected[0]["reason"], "malformed_json")


if __name__ == "__main__":
    unittest.main()
