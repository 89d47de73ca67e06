"""Publish loss events from a training job to cmrwatch's ingest API.

Standard library only (urllib, json, threading). Events are queued, sent in NDJSON batches from a background
thread, and retried with exponential backoff on connection errors, 429 and 5xx, honouring ``Retry-After``.

    from cmrwatch_client import Publisher
    pub = Publisher("http://127.0.0.1:8090", token="...", experiment="exp", run="r025", ratio=0.25,
                    base_general_loss=2.30, base_domain_loss=2.20)
    pub.log(tokens=1_200_000_000, general_loss=2.341, domain_loss=1.902)
    pub.close()
"""

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

__all__ = ["Publisher", "PublishError"]

log = logging.getLogger("cmrwatch_client")

SCHEMA_VERSION = 1
_RETRYABLE = {429, 500, 502, 503, 504}


class PublishError(Exception):
    """Events could not be delivered: the server refused them (4xx) or stayed unreachable through every retry."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


class Publisher:
    """Batches loss events and sends them to ``POST /v1/events`` in the background. Thread-safe.

    Fields given here (``experiment``, ``run``, ``ratio``, ``base_general_loss``, ...) fill every event that lacks
    them. ``eventId`` defaults to ``<run>/<tokens>``, so a re-sent evaluation is recognised as a duplicate downstream.
    """

    def __init__(self, url, token, *, experiment=None, run=None, ratio=None, base_general_loss=None,
                 base_domain_loss=None, budget_tokens=None, batch_size=500, flush_interval=2.0, max_retries=10,
                 backoff=0.5, max_backoff=30.0, timeout=60.0, max_queue=100_000):
        self._endpoint = url.rstrip("/") + "/v1/events"
        self._token = token
        self._defaults = {k: v for k, v in {
            "schema": SCHEMA_VERSION, "experiment": experiment, "run": run, "ratio": ratio,
            "baseGeneralLoss": base_general_loss, "baseDomainLoss": base_domain_loss,
            "budgetTokens": budget_tokens}.items() if v is not None}
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._timeout = timeout
        self._max_queue = max_queue
        self._queue = []
        self._sending = 0
        self._flushing = 0
        self._oldest = 0.0
        self._cond = threading.Condition()
        self._closed = False
        self._errors = []
        self.accepted = 0
        self.rejected = []  # dicts {"line", "reason", "message", "event"} the server refused as invalid
        self._thread = threading.Thread(target=self._run, name="cmrwatch-publisher", daemon=True)
        self._thread.start()

    # --- producing -------------------------------------------------------------------------------------------------

    def log(self, tokens, general_loss, domain_loss, step=None, **fields):
        """Queues one evaluation: losses at ``tokens`` CPT tokens; other schema fields as keyword arguments."""
        event = dict(fields)
        event.update(tokens=int(tokens), generalLoss=float(general_loss), domainLoss=float(domain_loss))
        if step is not None:
            event["step"] = int(step)
        self.publish(event)

    def publish(self, event):
        """Queues one event (a dict in the loss-event schema); blocks only while the queue is full."""
        e = dict(self._defaults)
        e.update(event)
        if "eventId" not in e and "run" in e and "tokens" in e:
            e["eventId"] = "%s/%d" % (e["run"], int(e["tokens"]))
        if "time" not in e:
            e["time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        line = json.dumps(e, separators=(",", ":"), allow_nan=True)
        with self._cond:
            if self._closed:
                raise PublishError("publisher is closed")
            while len(self._queue) >= self._max_queue:
                self._cond.wait(0.5)
            if not self._queue:
                self._oldest = time.monotonic()
            self._queue.append((line, e))
            if len(self._queue) >= self._batch_size:
                self._cond.notify_all()

    def flush(self, timeout=None):
        """Blocks until every event queued so far has been answered; raises PublishError if any could not be sent."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flushing += 1
            try:
                self._cond.notify_all()
                while self._queue or self._sending:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise PublishError(
                            "flush timed out with %d events unsent" % (len(self._queue) + self._sending))
                    self._cond.wait(0.1 if remaining is None else min(0.1, remaining))
            finally:
                self._flushing -= 1
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    def close(self, timeout=None):
        """Flushes, then stops the background thread."""
        try:
            self.flush(timeout)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- sending ---------------------------------------------------------------------------------------------------

    def _run(self):
        while True:
            with self._cond:
                # Send when a batch is full, when asked to flush or close, or when the oldest event has waited
                # flush_interval; otherwise wait for more events.
                if not self._queue:
                    if self._closed:
                        return
                    self._cond.wait(self._flush_interval)
                    continue
                due = self._oldest + self._flush_interval - time.monotonic()
                if len(self._queue) < self._batch_size and not self._flushing and not self._closed and due > 0:
                    self._cond.wait(due)
                    continue
                batch = self._queue[:self._batch_size]
                del self._queue[:len(batch)]
                self._oldest = time.monotonic()
                self._sending = len(batch)
                self._cond.notify_all()
            try:
                self._send(batch)
            except PublishError as err:
                log.error("cmrwatch: %s", err)
                with self._cond:
                    self._errors.append(err)
            except Exception as err:  # never let the sender thread die
                log.exception("cmrwatch: unexpected error while sending")
                with self._cond:
                    self._errors.append(PublishError(str(err)))
            finally:
                with self._cond:
                    self._sending = 0
                    self._cond.notify_all()

    def _send(self, batch):
        body = ("\n".join(line for line, _ in batch) + "\n").encode("utf-8")
        delay = self._backoff
        for attempt in range(self._max_retries + 1):
            req = urllib.request.Request(self._endpoint, data=body, method="POST", headers={
                "Content-Type": "application/x-ndjson", "Authorization": "Bearer " + self._token})
            wait = None
            try:
                with urllib.request.urlopen(req, timeout=self._timeout) as resp:
                    self._accepted(json.loads(resp.read() or b"{}"), batch)
                    return
            except urllib.error.HTTPError as err:
                payload = _json(err.read())
                if err.code == 400 and "rejected" in payload:
                    self._accepted(payload, batch)  # every line was invalid: nothing to retry
                    return
                if err.code not in _RETRYABLE:
                    raise PublishError("ingest refused %d events: HTTP %d %s" % (
                        len(batch), err.code, payload.get("message", "")), err.code, payload)
                wait = _retry_after(err.headers.get("Retry-After"))
                why = "HTTP %d %s" % (err.code, payload.get("error", ""))
            except (urllib.error.URLError, OSError) as err:
                why = str(getattr(err, "reason", err))
            if attempt == self._max_retries:
                raise PublishError("gave up on %d events after %d attempts: %s" % (len(batch), attempt + 1, why))
            if wait is None:
                wait = delay * (0.5 + random.random())  # jitter: many jobs must not retry in lockstep
                delay = min(delay * 2, self._max_backoff)
            log.warning("cmrwatch: %s; retrying %d events in %.1f s", why, len(batch), wait)
            time.sleep(wait)

    def _accepted(self, payload, batch):
        with self._cond:
            self.accepted += int(payload.get("accepted", 0))
            for r in payload.get("rejected", []):
                line = r.get("line", 0)
                r = dict(r)
                r["event"] = batch[line - 1][1] if 0 < line <= len(batch) else None
                self.rejected.append(r)
                log.warning("cmrwatch: event rejected (%s): %s", r.get("reason"), r.get("message"))


def _json(raw):
    try:
        value = json.loads(raw or b"{}")
        return value if isinstance(value, dict) else {}
    except ValueError:
        return {}


def _retry_after(value):
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None
