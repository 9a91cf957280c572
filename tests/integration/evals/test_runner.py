"""The harness end to end: real SDK clients → a real local server speaking both wire formats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, STUDY, TINY_BANK
from provider_server import ProviderServer

from hhvalues.cli import main

WIRES = {"anthropic": "", "openai": "/v1"}


def run(
    server: ProviderServer,
    tmp: Path,
    provider: str,
    model: str,
    *extra: str,
    condition: str = "baseline",
    conditions: Path = STUDY,
) -> tuple[int, list[dict[str, Any]]]:
    out = tmp / "answers.jsonl"
    argv = [
        "eval",
        "--bank",
        str(TINY_BANK),
        "--provider",
        provider,
        "--model",
        model,
        "--conditions",
        str(conditions),
        "--condition",
        condition,
        "--epochs",
        "1",
        "--base-url",
        server.url + WIRES.get(provider, "/v1"),
        "--out",
        str(out),
        "--cache-dir",
        str(tmp / "cache"),
        "--no-progress",
        "--backoff",
        "0.01",
        *extra,
    ]
    code = main(argv)
    lines = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
    return code, lines


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize(
    ("model", "status"),
    [
        ("clean", "ok"),
        ("prose", "ok"),
        ("refusal-signal", "refused"),
        ("refusal-text", "refused"),
        ("defer", "refused"),
        ("truncate", "truncated"),
        ("empty", "empty"),
        ("garbage", "invalid"),
    ],
)
def test_scripted_replies_get_their_status(
    server: ProviderServer, tmp_path: Path, provider: str, model: str, status: str
) -> None:
    code, lines = run(server, tmp_path, provider, model)
    assert code == 0
    assert [a["status"] for a in lines] == [status] * 3
    assert {a["respondent"] for a in lines} == {f"model:{provider}/{model}/baseline"}
    assert all(a["model_id"].startswith(model + "-20") for a in lines)
    assert all(len(a["stimulus"]) == 64 for a in lines)
    assert server.count() == 3


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_429_honours_retry_after(server: ProviderServer, tmp_path: Path, provider: str) -> None:
    t0 = time.monotonic()
    code, lines = run(server, tmp_path, provider, "ratelimit", "--concurrency", "1", "--limit", "1")
    assert code == 0 and time.monotonic() - t0 >= 1.0
    assert [(a["status"], a["attempts"]) for a in lines] == [("ok", 2)]


@pytest.mark.parametrize("model", ["flaky", "drop"])
def test_5xx_and_dropped_connection_are_retried(
    server: ProviderServer, tmp_path: Path, model: str
) -> None:
    code, lines = run(server, tmp_path, "openai", model, "--concurrency", "1")
    assert code == 0
    assert [a["status"] for a in lines] == ["ok"] * 3
    assert sorted(a["attempts"] for a in lines) == [1, 1, 2]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize(
    ("model", "words"),
    [("unauthorized", "authentication failed (401)"), ("notfound", "not found (404)")],
)
def test_auth_and_not_found_abort_without_retry(
    server: ProviderServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    provider: str,
    model: str,
    words: str,
) -> None:
    code, lines = run(server, tmp_path, provider, model, "--concurrency", "1")
    err = [
        x for x in capsys.readouterr().err.strip().splitlines() if not x.startswith("database: ")
    ]
    assert code == 2 and lines == []
    assert any(words in line for line in err) and "Traceback" not in "\n".join(err)
    assert server.count() == 1
    assert json.loads((tmp_path / "answers.manifest.json").read_text())["state"] == "aborted"


def test_timeouts_become_errors_then_retry_errors_fixes_them(
    server: ProviderServer, tmp_path: Path
) -> None:
    server.slow_seconds = 1.5
    code, lines = run(
        server,
        tmp_path,
        "anthropic",
        "slow",
        "--timeout",
        "0.3",
        "--max-attempts",
        "2",
        "--concurrency",
        "3",
    )
    assert code == 0 and [a["status"] for a in lines] == ["error"] * 3
    assert all(a["attempts"] == 2 for a in lines) and server.count() == 6
    server.slow_seconds = 0.0
    code, lines = run(server, tmp_path, "anthropic", "slow")
    assert code == 0 and server.count() == 6, "errors are not redone without --retry-errors"
    code, lines = run(server, tmp_path, "anthropic", "slow", "--retry-errors")
    assert code == 0 and [a["status"] for a in lines] == ["ok"] * 3
    assert server.count() == 9


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_rejected_temperature_is_recorded_and_fails_the_run(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], provider: str
) -> None:
    code, lines = run(server, tmp_path, provider, "no-temperature", "--concurrency", "1")
    assert code == 2 and lines == []
    assert "rejected temperature" in capsys.readouterr().err
    rec = json.loads((tmp_path / "answers.requests.jsonl").read_text().splitlines()[0])
    assert rec["sent"]["temperature"] == 1.0
    assert rec["error"]["status"] == 400 and rec["error"]["rejected"] == ["temperature"]


def test_allowed_drop_resends_without_it_and_records_it(
    server: ProviderServer, tmp_path: Path
) -> None:
    conds = tmp_path / "c.toml"
    conds.write_text('[conditions.t1]\ntemperature = 1.0\nallow_dropped = ["temperature"]\n')
    code, lines = run(
        server, tmp_path, "anthropic", "no-temperature", condition="t1", conditions=conds
    )
    assert code == 0 and [a["status"] for a in lines] == ["ok"] * 3
    assert all(a["dropped"] == ["temperature"] for a in lines)
    bodies = [b for _, _, b in server.requests]
    assert sum("temperature" in b for b in bodies) == 1 and len(bodies) == 4


@pytest.mark.parametrize("concurrency", ["1", "8"])
def test_a_rejected_parameter_is_learned_once_per_model_and_condition(
    server: ProviderServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    concurrency: str,
) -> None:
    """Issue 15 item 16: one rejected request per (model, condition), not one per job, even
    with every job in flight at once; a rerun on the same answers file knows it already. The
    summary and the manifest list what was dropped."""
    conds = tmp_path / "c.toml"
    conds.write_text('[conditions.t1]\ntemperature = 1.0\nallow_dropped = ["temperature"]\n')
    first = ("--limit", "2", "--concurrency", concurrency, "--json")
    code, lines = run(
        server, tmp_path, "anthropic", "no-temperature", *first, condition="t1", conditions=conds
    )
    assert code == 0 and [a["status"] for a in lines] == ["ok"] * 2
    assert all(a["dropped"] == ["temperature"] for a in lines)
    bodies = [b for _, _, b in server.requests]
    assert len(bodies) == 3 and sum("temperature" in b for b in bodies) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["dropped"] == {"t1": ["temperature"]}
    manifest = json.loads((tmp_path / "answers.manifest.json").read_text())
    assert manifest["dropped"] == {"t1": ["temperature"]}
    assert manifest["rejected"] == {"t1": ["temperature"]}
    code, lines = run(
        server, tmp_path, "anthropic", "no-temperature", condition="t1", conditions=conds
    )
    assert code == 0 and len(lines) == 3 and lines[-1]["dropped"] == ["temperature"]
    bodies = [b for _, _, b in server.requests]
    assert len(bodies) == 4 and sum("temperature" in b for b in bodies) == 1
    assert "condition t1: sent without temperature (allow_dropped)" in capsys.readouterr().err


def test_paid_responses_in_flight_when_the_run_stops_are_written(
    server: ProviderServer, tmp_path: Path
) -> None:
    """Issue 15 item 15: the first reply is a 401 and the run stops, but the two calls already
    in flight come back with answers: they are written (and cached), and the rerun buys only
    the third."""
    import threading

    lock, seen = threading.Lock(), []

    def script(model: str, body: dict[str, Any]) -> str:
        with lock:
            seen.append(model)
            return "unauthorized" if len(seen) == 1 else "slow"

    server.override, server.slow_seconds = script, 0.5
    code, lines = run(server, tmp_path, "openai", "clean", "--concurrency", "3")
    assert code == 2 and server.count() == 3
    assert [a["status"] for a in lines] == ["ok", "ok"]
    requests = (tmp_path / "answers.requests.jsonl").read_text().splitlines()
    assert len(requests) == 3
    manifest = json.loads((tmp_path / "answers.manifest.json").read_text())
    assert manifest["state"] == "aborted" and manifest["calls"] == 3
    server.override = None
    code, lines = run(server, tmp_path, "openai", "clean", "--concurrency", "3")
    assert code == 0 and server.count() == 4 and [a["status"] for a in lines] == ["ok"] * 3


def test_ctrl_c_marks_the_manifest_aborted(server: ProviderServer, tmp_path: Path) -> None:
    """Issue 15 item 17: an interrupted run does not stay "running" in its manifest."""
    server.latency = 0.3
    out = tmp_path / "answers.jsonl"
    argv = [sys.executable, "-m", "hhvalues.cli", "eval", "--bank", str(TINY_BANK)]
    argv += ["--provider", "openai", "--model", "clean", "--conditions", str(STUDY)]
    argv += ["--condition", "baseline", "--epochs", "20", "--base-url", server.url + "/v1"]
    argv += ["--out", str(out), "--no-cache", "--no-progress", "--concurrency", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A shell running the suite in the background starts it with SIGINT ignored, and a child
    # would inherit that: the run would finish and exit 0. A terminal's Ctrl-C is not ignored.
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    manifest = tmp_path / "answers.manifest.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and out.read_text().count("\n") >= 2):
        time.sleep(0.05)
    assert json.loads(manifest.read_text())["state"] == "running"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Traceback" not in err
    assert json.loads(manifest.read_text())["state"] == "aborted"


def test_dry_run_makes_no_request(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run(
        server, tmp_path, "anthropic", "clean", "--dry-run", condition="image-and-text"
    )
    out = capsys.readouterr().out
    assert code == 0 and lines == [] and server.count() == 0
    paths = [
        line.split("[image ", 1)[1].rstrip("]") for line in out.splitlines() if "[image " in line
    ]
    assert paths and all(Path(p).read_bytes().startswith(b"\x89PNG") for p in paths)
    assert "Question p1" in out and "3 calls would be made" in out


def test_cache_answers_a_rerun_without_requests(server: ProviderServer, tmp_path: Path) -> None:
    # --no-store: the JSONL is the only record, so the rerun asks again and the cache answers
    code, first = run(server, tmp_path, "openai", "clean", "--no-store")
    (tmp_path / "answers.jsonl").unlink()
    code, again = run(server, tmp_path, "openai", "clean", "--no-store")
    assert code == 0 and server.count() == 3
    assert [a["cached"] for a in again] == [True] * 3
    assert {a["item"]: a["choices"] for a in again} == {a["item"]: a["choices"] for a in first}


def test_errors_are_never_cached(server: ProviderServer, tmp_path: Path) -> None:
    run(server, tmp_path, "openai", "unauthorized", "--limit", "1")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.json"))


def test_openai_compatible_without_key(
    server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    code, lines = run(server, tmp_path, "openai-compatible", "clean")
    assert code == 0 and [a["status"] for a in lines] == ["ok"] * 3
    assert all(
        "max_tokens" in b and "max_completion_tokens" not in b for _, _, b in server.requests
    )


def test_api_key_is_never_written(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(server, tmp_path, "anthropic", "clean")
    run(server, tmp_path, "openai", "unauthorized")
    text = capsys.readouterr()
    blobs = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(b"never-logged" not in b for b in blobs)
    assert "never-logged" not in text.out + text.err


def test_manifest_records_the_run(server: ProviderServer, tmp_path: Path) -> None:
    run(server, tmp_path, "anthropic", "clean")
    m = json.loads((tmp_path / "answers.manifest.json").read_text())
    assert m["state"] == "finished" and m["model_ids"] == ["clean-20250101"]
    assert len(m["bank"]["hash"]) == 64 and m["versions"]["sdk"].startswith("anthropic ")
    assert m["conditions"][0]["name"] == "baseline" and m["conditions"][0]["seed"] == 0


def test_missing_sdk_names_the_pip_line(
    server: ProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)
    code, _ = run(server, tmp_path, "anthropic", "clean")
    assert code == 2
    assert "pip install 'hhvalues[anthropic]'" in capsys.readouterr().err


def test_importing_the_harness_imports_no_sdk() -> None:
    code = (
        "import sys, hhvalues.evals.runner, hhvalues.evals.batch, hhvalues.cli; "
        "bad = [m for m in ('anthropic', 'openai') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_killed_run_resumes_without_duplicates_or_repeated_calls(
    server: ProviderServer, tmp_path: Path
) -> None:
    server.latency = 0.15
    out = tmp_path / "answers.jsonl"
    argv = [
        sys.executable,
        "-m",
        "hhvalues.cli",
        "eval",
        "--bank",
        str(TINY_BANK),
        "--provider",
        "openai",
        "--model",
        "clean",
        "--conditions",
        str(STUDY),
        "--condition",
        "baseline",
        "--condition",
        "temperature-0",
        "--epochs",
        "8",
        "--base-url",
        server.url + "/v1",
        "--out",
        str(out),
        "--no-cache",
        "--no-progress",
        "--concurrency",
        "2",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        n = len(out.read_text().splitlines()) if out.exists() else 0
        if n >= 10:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # a request already in the server's socket buffer is counted before the rerun
    done_before = (
        {
            (a["respondent"], a["item"], a["epoch"])
            for a in map(json.loads, filter(None, out.read_text().splitlines()))
            if a.get("status")
        }
        if out.exists()
        else set()
    )
    calls_before = server.count()
    assert 10 <= len(done_before) < 48
    server.latency = 0.0
    result = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(x) for x in out.read_text().splitlines()]
    keys = [(a["respondent"], a["item"], a["epoch"]) for a in answers]
    assert len(keys) == len(set(keys)) == 48
    assert all(a["status"] == "ok" for a in answers)
    assert server.count() - calls_before == 48 - len(done_before)


def test_answers_reach_the_store_and_resume_from_it(server: ProviderServer, tmp_path: Path) -> None:
    from hhvalues.store.db import iter_answers, make_engine, read_session

    url = f"sqlite:///{tmp_path / 'db' / 'h.db'}"
    code, lines = run(server, tmp_path, "anthropic", "clean", "--db", url)
    assert code == 0 and len(lines) == 3
    engine = make_engine(url)
    with read_session(engine) as s:
        stored = [x.answer for x in iter_answers(s, respondent_kind="model")]
    assert {(a.respondent, a.item, a.epoch) for a in stored} == {
        (a["respondent"], a["item"], a["epoch"]) for a in lines
    }
    assert all(a.stimulus and a.status.value == "ok" for a in stored)
    (tmp_path / "answers.jsonl").unlink()
    code, lines = run(server, tmp_path, "anthropic", "clean", "--db", url, "--no-cache")
    assert code == 0 and server.count() == 3, "the store alone let the rerun skip finished calls"


def test_answers_go_to_the_project_database_by_default(
    server: ProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 19 item 18: with no flag and no setting, `eval` stores its answers where every
    other command reads (the default database), so they reach the console's Results; the
    flag is `--db` as everywhere, and `--no-store` keeps them in the JSONL only."""
    from hhvalues.settings import Settings
    from hhvalues.store.db import iter_answers, make_engine, read_session

    monkeypatch.delenv("HHVALUES_DATABASE_URL")
    original = Settings.from_env.__func__  # type: ignore[attr-defined]
    site = tmp_path / "site-packages"  # an installed copy: the per-user data directory
    site.mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    monkeypatch.setattr(
        Settings,
        "from_env",
        classmethod(lambda cls, environ=None, root=None: original(cls, env, root=site)),
    )
    default = tmp_path / "xdg" / "hhvalues" / "hhvalues.db"
    capsys.readouterr()
    code, lines = run(server, tmp_path, "anthropic", "clean")
    assert code == 0 and len(lines) == 3
    err = capsys.readouterr().err
    assert (
        f"database: sqlite:///{default} (the per-user data directory), new, answers stored" in err
    )
    engine = make_engine(f"sqlite:///{default}")
    with read_session(engine) as s:
        assert len(list(iter_answers(s, respondent_kind="model"))) == 3
    engine.dispose()
    assert main(["eval", "--database-url", "sqlite:///x.db"]) == 2
    (tmp_path / "answers.jsonl").unlink()
    default.unlink()
    code, lines = run(server, tmp_path, "anthropic", "clean", "--no-store")
    assert code == 0 and len(lines) == 3 and not default.exists()
    assert "answers in the JSONL only" in capsys.readouterr().err


class _DroppingSDK:
    """A real provider whose wire body loses ``temperature`` on the way, as an SDK that
    silently drops a parameter would: the runner must notice from the body actually sent."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.model, self.base_url = inner.name, inner.model, inner.base_url
        self.sdk_version = inner.sdk_version

    async def send(self, body: Any, *, timeout: float) -> Any:
        from dataclasses import replace

        from hhvalues.evals.providers.base import Reply, dropped_keys

        reply = await self.inner.send(
            {k: v for k, v in body.items() if k != "temperature"}, timeout=timeout
        )
        assert isinstance(reply, Reply)
        return replace(reply, dropped=dropped_keys(body, reply.sent))

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("allowed", [False, True])
def test_parameter_dropped_by_the_sdk_fails_the_run_unless_allowed(
    server: ProviderServer, tmp_path: Path, allowed: bool
) -> None:
    import asyncio

    from hhvalues.core.bank import load_bank
    from hhvalues.errors import ProviderError
    from hhvalues.evals.conditions import parse_conditions
    from hhvalues.evals.providers import make_provider
    from hhvalues.evals.runner import RunConfig, run_eval

    table: dict[str, Any] = {"temperature": 0.0}
    if allowed:
        table["allow_dropped"] = ["temperature"]
    conds = parse_conditions({"conditions": {"t0": table}})
    config = RunConfig(
        provider="anthropic",
        model="clean",
        out=tmp_path / "a.jsonl",
        base_url=server.url,
        progress=False,
        concurrency=1,
    )

    async def go() -> Any:
        prov = _DroppingSDK(make_provider("anthropic", "clean", base_url=server.url))
        try:
            return await run_eval(load_bank(TINY_BANK), conds, config, provider=prov)
        finally:
            await prov.aclose()

    if allowed:
        asyncio.run(go())
        lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
        assert [a["dropped"] for a in lines] == [["temperature"]] * 3
    else:
        with pytest.raises(ProviderError, match="did not send temperature"):
            asyncio.run(go())
        rec = json.loads((tmp_path / "a.requests.jsonl").read_text().splitlines()[0])
        assert "temperature" not in rec["sent"] and rec["dropped_by_sdk"] == ["temperature"]


def test_dry_run_prints_the_wire_body(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(server, tmp_path, "openai", "clean", "--dry-run", condition="image")
    out = capsys.readouterr().out
    bodies = [json.loads(line) for line in out.splitlines() if line.startswith('{"model"')]
    assert code == 0 and len(bodies) == 3 and server.count() == 0
    urls = [
        part["image_url"]["url"]
        for b in bodies
        for m in b["messages"]
        if isinstance(m["content"], list)
        for part in m["content"]
        if part["type"] == "image_url"
    ]
    assert urls and all(u.startswith("data:image/png;base64,file:") for u in urls)
    assert all(b["temperature"] == 1.0 and b["max_completion_tokens"] == 2048 for b in bodies)


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[conditions.a]\ntemprature = 1\n", "conditions.a.temprature: unknown key"),
        ("[conditions.a]\nmodality = 'smell'\n", "conditions.a.modality"),
    ],
)
def test_bad_conditions_exit_2_with_one_line(
    server: ProviderServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    words: str,
) -> None:
    conds = tmp_path / "c.toml"
    conds.write_text(toml)
    code, _ = run(server, tmp_path, "openai", "clean", condition="a", conditions=conds)
    err = [
        x for x in capsys.readouterr().err.strip().splitlines() if not x.startswith("database: ")
    ]
    assert code == 2 and len(err) == 1 and words in err[0] and str(conds) in err[0]
    assert server.count() == 0


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_non_json_200_is_an_error_answer(
    server: ProviderServer, tmp_path: Path, provider: str
) -> None:
    code, lines = run(server, tmp_path, provider, "not-json", "--limit", "1")
    assert code == 0 and [a["status"] for a in lines] == ["error"]
    rec = json.loads((tmp_path / "answers.requests.jsonl").read_text().splitlines()[0])
    assert "gateway" in rec["error"]["body"]


def test_missing_key_aborts_with_one_line(
    server: ProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, lines = run(server, tmp_path, "anthropic", "clean")
    err = [
        x for x in capsys.readouterr().err.strip().splitlines() if not x.startswith("database: ")
    ]
    assert code == 2 and lines == [] and server.count() == 0
    assert len(err) == 1 and "ANTHROPIC_API_KEY" in err[0]


def test_a_run_that_fails_before_any_answer_writes_no_database(
    server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 item 17: a failed command writes nothing. `eval` without an API key made the
    database and imported the bank before it failed; the store is touched at the first
    answer only. A run that answers still stores them (and resumes from them)."""
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    db = tmp_path / "db" / "h.db"
    code, _ = run(server, tmp_path, "anthropic", "clean", "--db", f"sqlite:///{db}")
    assert code == 2 and not db.exists()


def test_a_few_shot_condition_the_bank_cannot_fill_is_recorded_and_said(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19: few-shot-3 on a bank with one training item showed one example silently."""
    code, _ = run(server, tmp_path, "anthropic", "clean", condition="few-shot-3")
    assert code == 0
    m = json.loads((tmp_path / "answers.manifest.json").read_text())
    assert m["few_shot_short"] == {"few-shot-3": {"asked": 3, "shown": 1}}
    err = capsys.readouterr().err
    assert "few-shot-3 asks for 3 few-shot examples" in err and "so its prompts show 1" in err
    run(server, tmp_path / "b", "anthropic", "clean")
    assert (
        json.loads((tmp_path / "b" / "answers.manifest.json").read_text())["few_shot_short"] == {}
    )
