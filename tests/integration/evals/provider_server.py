"""A real HTTP server on 127.0.0.1 speaking the Anthropic Messages and OpenAI chat-completions
wire formats (plus both batch APIs), with scripted replies chosen by the requested model name.

The model name is the script: ``clean``, ``prose``, ``refusal-signal``, ``refusal-text``,
``defer``, ``truncate``, ``empty``, ``garbage``, ``ratelimit`` (one 429 with Retry-After, then
clean), ``flaky`` (one 500, then clean), ``drop`` (one dropped connection, then clean),
``unauthorized`` (401), ``notfound`` (404), ``slow`` (sleeps ``slow_seconds``), ``not-json`` (a 200 with an HTML body), ``no-temperature``
(400 naming temperature when the body has one), ``always-429``. Every request is recorded in
``server.requests``. ``latency`` delays every reply (for the benchmark).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PROBES = re.compile(r'"(\w+)": "A" or "B"')


def _answer(body: dict[str, Any]) -> dict[str, str]:
    text = json.dumps(body)
    ids = _PROBES.findall(text.replace('\\"', '"'))
    return {p: "A" for p in ids} or {"p1": "A"}


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.seen: Counter[str] = Counter()
        self.latency = 0.0
        self.slow_seconds = 3.0
        self.retry_after = "1"
        self.batches: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.ids = itertools.count(1)
        self.override: Callable[[str, dict[str, Any]], str | None] | None = None
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> ProviderServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def count(self, path_part: str = "") -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.requests if path_part in p)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.seen.clear()


def anthropic_message(model: str, text: str | None, stop: str = "end_turn") -> dict[str, Any]:
    content = [] if text is None else [{"type": "text", "text": text}]
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": f"{model}-20250101",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 20},
    }


def openai_completion(
    model: str, text: str | None, finish: str = "stop", refusal: str | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": f"{model}-2025-01-01",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "logprobs": None,
                "message": {"role": "assistant", "content": text, "refusal": refusal},
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def reply_for(
    server: ProviderServer, wire: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
    """(status, JSON body or None to drop the connection, headers) for one request."""
    model = str(body.get("model", "clean"))
    with server.lock:
        server.seen[model] += 1
        nth = server.seen[model]
    script = (server.override(model, body) if server.override else None) or model
    answer = {"choices": _answer(body)}
    clean = json.dumps(answer)
    texts = {
        "clean": (clean, "end"),
        "prose": (f"Let me look at the walks.\n```json\n{clean}\n```\nThat is my answer.", "end"),
        "refusal-text": ("I'm sorry, but I can't help with guessing what a person values.", "end"),
        "defer": ("Only the person can know what they value; you should ask them directly.", "end"),
        "truncate": ("Let me think step by step. First, the walker", "max"),
        "empty": (None, "end"),
        "garbage": ("qwerty }{ asdf", "end"),
    }
    if script in ("ratelimit", "always-429") and (nth == 1 or script == "always-429"):
        return (
            429,
            _error(wire, "rate_limit_error", "slow down"),
            {"retry-after": server.retry_after},
        )
    if script == "flaky" and nth == 1:
        return 500, _error(wire, "api_error", "internal"), {}
    if script == "drop" and nth == 1:
        return 0, None, {}
    if script == "unauthorized":
        return 401, _error(wire, "authentication_error", "invalid x-api-key"), {}
    if script == "notfound":
        return 404, _error(wire, "not_found_error", f"model: {model}"), {}
    if script == "no-temperature" and "temperature" in body:
        return (
            400,
            _error(wire, "invalid_request_error", "`temperature` is not supported with this model"),
            {},
        )
    if script == "not-json":
        return 200, "<html>gateway</html>", {}  # type: ignore[return-value]
    if script == "slow":
        time.sleep(server.slow_seconds)
    if script == "refusal-signal":
        if wire == "anthropic":
            return 200, anthropic_message(model, None, "refusal"), {}
        return 200, openai_completion(model, None, "stop", refusal="I can't help with that."), {}
    text, stop = texts.get(script, (clean, "end"))
    if wire == "anthropic":
        return (
            200,
            anthropic_message(model, text, "max_tokens" if stop == "max" else "end_turn"),
            {},
        )
    return 200, openai_completion(model, text, "length" if stop == "max" else "stop"), {}


def _error(wire: str, kind: str, message: str) -> dict[str, Any]:
    if wire == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK, adding ~40 ms to every reply (the benchmark's "200 ms" server took 244 ms).
    disable_nagle_algorithm = True
    server: ProviderServer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _read(self) -> bytes:
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(
        self,
        status: int,
        doc: Any,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        ctype: str = "application/json",
    ) -> None:
        data = (
            raw
            if raw is not None
            else (doc.encode() if isinstance(doc, str) else json.dumps(doc).encode())
        )
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        raw = self._read()
        path = self.path.split("?")[0]
        if path.endswith("/files"):
            self._upload(raw)
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self.server.lock:
            self.server.requests.append(("POST", path, body))
        if self.server.latency:
            time.sleep(self.server.latency)
        if path.endswith("/messages/batches"):
            self._send(200, self._new_batch("anthropic", body))
            return
        if path.endswith("/batches"):
            self._send(200, self._new_batch("openai", body))
            return
        wire = "anthropic" if path.endswith("/messages") else "openai"
        status, doc, headers = reply_for(self.server, wire, body)
        if doc is None:
            self.close_connection = True
            self.connection.close()
            return
        self._send(status, doc, headers)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.requests.append(("GET", path, {}))
        m = re.search(r"/messages/batches/([\w-]+)(/results)?$", path)
        if m:
            b = self.server.batches[m.group(1)]
            if m.group(2):
                self._send(200, None, raw=b["results"], ctype="application/binary")
            else:
                self._send(200, self._poll(b))
            return
        m = re.search(r"/batches/([\w-]+)$", path)
        if m:
            self._send(200, self._poll(self.server.batches[m.group(1)]))
            return
        m = re.search(r"/files/([\w-]+)/content$", path)
        if m:
            self._send(
                200, None, raw=self.server.files[m.group(1)], ctype="application/octet-stream"
            )
            return
        self._send(404, {"error": {"message": "no route"}})

    # --- batches ------------------------------------------------------------------------------

    def _upload(self, raw: bytes) -> None:
        start = raw.find(b"\r\n\r\n", raw.find(b'name="file"')) + 4
        end = raw.find(b"\r\n--", start)
        fid = f"file-{next(self.server.ids)}"
        self.server.files[fid] = raw[start:end]
        with self.server.lock:
            self.server.requests.append(("POST", "/files", {"id": fid}))
        self._send(
            200,
            {
                "id": fid,
                "object": "file",
                "bytes": end - start,
                "created_at": 0,
                "filename": "batch.jsonl",
                "purpose": "batch",
                "status": "processed",
            },
        )

    def _new_batch(self, wire: str, body: dict[str, Any]) -> dict[str, Any]:
        bid = f"batch-{next(self.server.ids)}"
        if wire == "anthropic":
            lines = []
            for r in body["requests"]:
                status, doc, _ = reply_for(self.server, wire, r["params"])
                result = (
                    {"type": "succeeded", "message": doc}
                    if status == 200
                    else {"type": "errored", "error": doc}
                )
                lines.append(json.dumps({"custom_id": r["custom_id"], "result": result}))
        else:
            lines = []
            text = self.server.files[body["input_file_id"]].decode()
            for line in text.splitlines():
                r = json.loads(line)
                status, doc, _ = reply_for(self.server, wire, r["body"])
                lines.append(
                    json.dumps(
                        {
                            "id": f"resp-{r['custom_id']}",
                            "custom_id": r["custom_id"],
                            "response": {"status_code": status, "request_id": "x", "body": doc},
                            "error": None,
                        }
                    )
                )
            out_id = f"file-{next(self.server.ids)}"
            self.server.files[out_id] = ("\n".join(lines) + "\n").encode()
        b = {"id": bid, "wire": wire, "polls": 0, "results": ("\n".join(lines) + "\n").encode()}
        if wire == "openai":
            b["output_file_id"] = out_id
            b["input_file_id"] = body["input_file_id"]
        self.server.batches[bid] = b
        return self._poll(b, count=False)

    def _poll(self, b: dict[str, Any], count: bool = True) -> dict[str, Any]:
        if count:
            b["polls"] += 1
        done = b["polls"] >= 2
        if b["wire"] == "anthropic":
            return {
                "id": b["id"],
                "type": "message_batch",
                "processing_status": "ended" if done else "in_progress",
                "request_counts": {
                    "processing": 0,
                    "succeeded": 0,
                    "errored": 0,
                    "canceled": 0,
                    "expired": 0,
                },
                "ended_at": "2025-01-01T00:00:00Z" if done else None,
                "created_at": "2025-01-01T00:00:00Z",
                "expires_at": "2025-01-02T00:00:00Z",
                "archived_at": None,
                "cancel_initiated_at": None,
                "results_url": f"{self.server.url}/v1/messages/batches/{b['id']}/results"
                if done
                else None,
            }
        return {
            "id": b["id"],
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": b["input_file_id"],
            "completion_window": "24h",
            "status": "completed" if done else "in_progress",
            "created_at": 0,
            "output_file_id": b["output_file_id"] if done else None,
            "error_file_id": None,
        }
