"""Benchmark of the participant app under simulated participants (issue 3, Performance).

Run ``python bench/bench_app.py [--bots 50] [--items 6] [--think 10] [--processes 1] [--idle 50]
[--results bench/RESULTS.md]``.

* **submit → next item**: ``--bots`` concurrent ``hhvalues bots`` participants on SQLite, through
  the real ``streamlit run app.py`` subprocess and Streamlit's websocket protocol; for every
  submit, the time from sending the submit rerun to the end of the script run that renders the
  next page (server time plus one localhost round trip). Goal p95 ≤ 150 ms.
* **pace**: each bot pauses ``--think`` seconds (±50%) before every click while the countdown
  ticks every second, as in a browser. The default, 10 s, is a participant's pace or faster: an
  item of the demo bank has 1-3 walks to watch and 1-4 questions, about 40 s a set at 10 s a
  click, against a 120 s limit. ``--think 2`` (about 8 s a set) is a stress pace: five times
  the clicks for the same countdown ticks.
* **bare rerun**: the same websocket client, concurrency and pace (``--bare-clicks`` clicks a
  session) against a bare Streamlit app (one button), started and measured in the same run under
  the app's ``.streamlit/config.toml``; the goal is
  app p95 ≤ 1.5 × bare p95 + 100 ms.
* **image**: a demonstration PNG rendered cold (first time, per demonstration) and served from
  ``st.cache_data`` (what the item page does).
* **memory per idle session**: server RSS before and after ``--idle`` sessions that opened the
  study link and stay connected.
* **server CPU per run** (one client, back to back, before the bots): a countdown timer run, a
  probe click (fragment rerun with its draft save), a whole-page rerun; and the server's CPU
  over the bots' run.

``--burst [N]`` (issue 14, "ready for a launch burst") measures a launch instead: N bots (200)
open their study links at random moments within ``--window`` seconds (10), split between
``--processes`` app processes on one SQLite file, and click through consent and instructions
without pausing; each must reach the first item (goal: link opened → ``script_finished`` of the
run showing it, p95 ≤ 2 s). Then they answer ``--items`` items (3) at ``--think`` (10 s a
click) and submit → next item is measured as above (goal p95 ≤ 150 ms). The server CPU per run
(timer / probe click / whole page) is measured and printed first, the figure to compare when
the participant page changes: run the same command on the new page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhvalues.cli.bots import (  # noqa: E402 (after sys.path)
    BotResult,
    StreamlitClient,
    percentile,
    run_bots,
)
from tests.browser.harness import DEMO_BANK, AppServer, make_study  # noqa: E402

BARE_APP = """\
import streamlit as st
st.button("Go", key="go")
st.write("runs:", st.session_state.setdefault("n", 0))
st.session_state["n"] += 1
"""
HEADING = "## Participant app under bots (`python bench/bench_app.py"
BURST_HEADING = "## Participant app: launch burst (`python bench/bench_app.py --burst"


def rss_kib(pid: int) -> int:
    """Resident set size of a process and its children (KiB)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


async def bare_latencies(url: str, sessions: int, clicks: int, think: float = 0.0) -> list[float]:
    """Click the bare app's button ``clicks`` times in each of ``sessions`` concurrent sessions."""
    import random

    async def one(i: int) -> list[float]:
        out = []
        rng = random.Random(i)
        async with StreamlitClient(url) as c:
            page = await c.rerun()
            wid = page.widgets()["go"][1].id
            for _ in range(clicks):
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                t0 = time.perf_counter()
                await c.rerun(trigger=wid)
                out.append(time.perf_counter() - t0)
        return out

    return [x for xs in await asyncio.gather(*(one(i) for i in range(sessions))) for x in xs]


async def idle_sessions(url: str, slug: str, n: int) -> list[StreamlitClient]:
    clients = []
    for _ in range(n):
        c = StreamlitClient(url, f"study={slug}")
        await c.connect()
        await c.rerun()
        clients.append(c)
    return clients


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def loop_lag(samples: list[float], every: float = 0.01) -> None:
    """Record how late this process's event loop wakes up (the bots' own delay in each latency)."""
    while True:
        t0 = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - t0 - every)


async def run_costs(
    url: str, slug: str, pid: int, n: int = 200, probe: int = 0
) -> dict[str, float]:
    """Server CPU (ms) of one run of each kind, from one client on an item page, back to back
    (the clicks on the item's question ``probe``, counted from 0 in page order)."""
    async with StreamlitClient(url, f"study={slug}") as c:
        page = await c.rerun()
        for key in ("consent", "start"):
            if key in page.widgets():
                page = await c.rerun(trigger=page.widgets()[key][1].id)
        probe = [p for k, (_, p) in page.widgets().items() if k.startswith("probe-")][probe]
        timer = next(iter(c.auto_reruns))
        flip = [0]

        async def click() -> object:
            flip[0] ^= 1
            return await c.rerun(set_values={probe.id: ("string_value", probe.options[flip[0]])})

        out = {}
        for name, run in (
            ("timer_ms", lambda: c.tick(timer)),
            ("click_ms", click),
            ("full_ms", lambda: c.rerun()),
        ):
            for _ in range(10):
                await run()
            c0 = cpu_seconds(pid)
            for _ in range(n):
                await run()
            out[name] = (cpu_seconds(pid) - c0) / n * 1000
        return out


def image_figures(runs: int = 20) -> dict[str, float]:
    """Cold render of each demonstration, then the st.cache_data hit the item page gets."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st

    from hhvalues.core.bank import load_bank
    from hhvalues.core.render import render_demo_png

    bank = load_bank(DEMO_BANK)
    demos = [(it.id, k, d) for it in bank.items for k, d in enumerate(it.demos)][:runs]

    @st.cache_data(show_spinner=False)
    def cached(item_id: str, k: int) -> bytes:
        d = next(d for i, kk, d in demos if i == item_id and kk == k)
        return render_demo_png(bank.features, d.grid, d.path, horizon=bank.model.horizon)

    cold, hit = [], []
    for item_id, k, _ in demos:
        t0 = time.perf_counter()
        cached(item_id, k)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cached(item_id, k)
        hit.append(time.perf_counter() - t0)
    return {"cold_ms": statistics.median(cold) * 1000, "cached_ms": statistics.median(hit) * 1000}


async def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    db = f"sqlite:///{tmp / 'bench.db'}"
    study = make_study(
        db,
        slug="bench",
        train=0,
        items=args.items,
        catch=0,
        item_seconds=600,
        session_minutes=600,
        min_answer_seconds=0,
    )
    bare_dir = tmp / "bare"
    (bare_dir / ".streamlit").mkdir(parents=True)
    (bare_dir / "app.py").write_text(BARE_APP)
    # The bare page runs under the app's own Streamlit settings (postScriptGC off, ...), so the
    # ratio compares pages, not configurations.
    (bare_dir / ".streamlit" / "config.toml").write_text(
        (ROOT / ".streamlit" / "config.toml").read_text()
    )
    n = args.processes
    apps = [AppServer(db, log_dir=tmp).start() for _ in range(n)]
    bares = [AppServer(db, log_dir=tmp, app=bare_dir / "app.py").start() for _ in range(n)]
    app = apps[0]
    try:
        for a, b in zip(apps, bares, strict=True):  # warm every server (imports, caches)
            await run_bots(a.url, study.slug, 1, completion_code=study.completion_code)
            await bare_latencies(b.url, 1, 3)
        costs = await run_costs(app.url, study.slug, app.proc.pid)  # type: ignore[union-attr]
        rss0 = rss_kib(app.proc.pid)  # type: ignore[union-attr]
        clients = await idle_sessions(app.url, study.slug, args.idle)
        await asyncio.sleep(2)
        rss1 = rss_kib(app.proc.pid)  # type: ignore[union-attr]
        for c in clients:
            await c.close()

        # The bots' own full garbage collections (up to ~75 ms) would stall every latency in
        # flight: their start-up heap is frozen, as the server's is (hhvalues.ui.server_tuning).
        gc.collect()
        gc.freeze()
        t0, cpu0 = time.perf_counter(), [cpu_seconds(a.proc.pid) for a in apps]  # type: ignore[union-attr]
        lag: list[float] = []
        lag_task = asyncio.create_task(loop_lag(lag))
        shares = [args.bots // n + (k < args.bots % n) for k in range(n)]  # bots per process
        groups = await asyncio.gather(
            *(
                run_bots(
                    a.url,
                    study.slug,
                    m,
                    think=args.think,
                    completion_code=study.completion_code,
                    timeout=120,
                    seed=1 + k,
                )
                for k, (a, m) in enumerate(zip(apps, shares, strict=True))
            )
        )
        results = [r for g in groups for r in g]
        wall = time.perf_counter() - t0
        lag_task.cancel()
        cpu = sum(cpu_seconds(a.proc.pid) - c for a, c in zip(apps, cpu0, strict=True))  # type: ignore[union-attr]
        failed = [r for r in results if r.error or not r.completion_code]
        lat = [x for r in results for x in r.latencies]
        bare_lat = [
            x
            for g in await asyncio.gather(
                *(
                    bare_latencies(b.url, m, args.bare_clicks, think=args.think)
                    for b, m in zip(bares, shares, strict=True)
                )
            )
            for x in g
        ]
    finally:
        for server in (*apps, *bares):
            server.stop()
    return {
        "processes": n,
        "bots": args.bots,
        "items": args.items,
        "think": args.think,
        "failed": len(failed),
        "first_error": failed[0].error if failed else None,
        "wall_s": wall,
        "submits": len(lat),
        "runs": sum(r.pages for r in results),
        "fragment_runs": sum(r.fragment_reruns for r in results),
        "timer_runs": sum(r.ticks for r in results),
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "bare_p50_ms": percentile(bare_lat, 50) * 1000,
        "bare_p95_ms": percentile(bare_lat, 95) * 1000,
        "idle": args.idle,
        "rss_before_mib": rss0 / 1024,
        "rss_after_mib": rss1 / 1024,
        "per_idle_kib": (rss1 - rss0) / max(1, args.idle),
        "server_cpu_s": cpu,
        **costs,
        "lag_p50_ms": percentile(lag, 50) * 1000,
        "lag_p95_ms": percentile(lag, 95) * 1000,
        "lag_max_ms": max(lag, default=0.0) * 1000,
    }


def report(f: dict[str, Any], img: dict[str, float]) -> str:
    goal = 1.5 * f["bare_p95_ms"] + 100

    def ok(b: bool) -> str:
        return "yes" if b else "**no**"

    return f"""\
| what | goal | measured |
| --- | --- | --- |
| bots finished (completion code) | all | {f["bots"] - f["failed"]}/{f["bots"]} ({f["submits"]} submits, {f["wall_s"]:.1f} s wall) |
| server runs: clicks (of which fragment reruns) + countdown timer reruns | — | {f["runs"]} ({f["fragment_runs"]}) + {f["timer_runs"]} |
| server CPU over the bots' run (all app processes) | — | {f["server_cpu_s"]:.1f} s in {f["wall_s"]:.1f} s ({100 * f["server_cpu_s"] / f["wall_s"] / f["processes"]:.0f}% of a core per process) |
| server CPU per run, one client back to back: timer run / probe click (with draft save) / whole page | — | {f["timer_ms"]:.1f} / {f["click_ms"]:.1f} / {f["full_ms"]:.1f} ms |
| the bots' own event-loop delay (part of every latency), p50 / p95 / max | — | {f["lag_p50_ms"]:.1f} / {f["lag_p95_ms"]:.1f} / {f["lag_max_ms"]:.0f} ms |
| submit → next item, p50 / p95 | p95 ≤ 150 ms | {f["p50_ms"]:.0f} / {f["p95_ms"]:.0f} ms ({ok(f["p95_ms"] <= 150)}) |
| bare Streamlit rerun (one button), p50 / p95, same client and concurrency | — | {f["bare_p50_ms"]:.0f} / {f["bare_p95_ms"]:.0f} ms |
| app p95 vs 1.5 × bare p95 + 100 ms | ≤ {goal:.0f} ms | {f["p95_ms"]:.0f} ms ({ok(f["p95_ms"] <= goal)}); ratio p95 {f["p95_ms"] / f["bare_p95_ms"]:.2f}×, p50 {f["p50_ms"] / f["bare_p50_ms"]:.2f}× |
| demonstration PNG, cold / `st.cache_data` hit (median) | ≤ 10 ms / ~0 | {img["cold_ms"]:.1f} / {img["cached_ms"]:.3f} ms |
| server RSS before → after {f["idle"]} idle sessions | — | {f["rss_before_mib"]:.0f} → {f["rss_after_mib"]:.0f} MiB = **{f["per_idle_kib"]:.0f} KiB per idle session** |
"""


async def cpu_timeline(pids: list[int], out: list[tuple[float, float]], every: float = 0.5) -> None:
    """Sample (seconds since start, CPU seconds of all ``pids``) every ``every`` seconds."""
    t0 = time.perf_counter()
    while True:
        out.append((time.perf_counter() - t0, sum(cpu_seconds(p) for p in pids)))
        await asyncio.sleep(every)


def cpu_at(timeline: list[tuple[float, float]], t: float) -> float:
    """CPU seconds used by ``t`` (linear between samples)."""
    before = [(a, c) for a, c in timeline if a <= t] or timeline[:1]
    after = [(a, c) for a, c in timeline if a >= t] or timeline[-1:]
    (a0, c0), (a1, c1) = before[-1], after[0]
    return c0 if a1 == a0 else c0 + (c1 - c0) * (t - a0) / (a1 - a0)


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = f[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def own_cpu() -> float:
    """User + system CPU of this process (the bots)."""
    t = os.times()
    return t.user + t.system


async def measure_burst(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """A launch: ``args.burst`` bots open their links within ``args.window`` seconds."""
    db = f"sqlite:///{tmp / 'bench.db'}"
    study = make_study(
        db,
        slug="burst",
        train=0,
        items=args.items,
        catch=0,
        item_seconds=600,
        session_minutes=600,
        min_answer_seconds=0,
    )
    n = args.processes
    apps = [AppServer(db, log_dir=tmp).start() for _ in range(n)]
    pids = [a.proc.pid for a in apps]  # type: ignore[union-attr]
    try:
        for a in apps:  # the app is up and has served a participant before the launch
            await run_bots(a.url, study.slug, 1, completion_code=study.completion_code)
        costs = await run_costs(apps[0].url, study.slug, pids[0])
        print(
            "server CPU per run, one client back to back: timer run / probe click / whole page "
            f"= {costs['timer_ms']:.1f} / {costs['click_ms']:.1f} / {costs['full_ms']:.1f} ms",
            flush=True,
        )
        gc.collect()
        gc.freeze()
        load0 = os.getloadavg()
        timeline: list[tuple[float, float]] = []
        lag: list[float] = []
        tasks = [
            asyncio.create_task(cpu_timeline(pids, timeline)),
            asyncio.create_task(loop_lag(lag)),
        ]
        await asyncio.sleep(0)  # the first CPU sample is the start
        t0, bots_cpu0, machine0 = time.perf_counter(), own_cpu(), machine_cpu()
        submits: list[tuple[float, float]] = []

        def on_submit(record: dict[str, Any]) -> None:  # (sent, latency) for the timeline
            if record["event"] == "submit" and record.get("outcome") == "next":
                submits.append((record["sent_at"] - wall0, record["at"] - record["sent_at"]))

        wall0 = time.time()
        shares = [args.burst // n + (k < args.burst % n) for k in range(n)]
        groups = await asyncio.gather(
            *(
                run_bots(
                    a.url,
                    study.slug,
                    m,
                    think=args.think,
                    prologue_think=0.0,
                    arrive_within=args.window,
                    completion_code=study.completion_code,
                    timeout=120,
                    seed=1 + k,
                    log=on_submit,
                    timers=not args.no_timer_reruns,
                )
                for k, (a, m) in enumerate(zip(apps, shares, strict=True))
            )
        )
        wall = time.perf_counter() - t0
        bots_cpu = own_cpu() - bots_cpu0
        machine1 = machine_cpu()
        timeline.append((wall, sum(cpu_seconds(p) for p in pids)))
        for t in tasks:
            t.cancel()
        load1 = os.getloadavg()
    finally:
        for server in apps:
            server.stop()
    results: list[BotResult] = [r for g in groups for r in g]
    first = [r.first_item for r in results if r.first_item is not None]
    lat = [x for r in results for x in r.latencies]
    failed = [r for r in results if r.error or not r.completion_code]
    # The launch ends when the last bot has its first item; its CPU is the servers' until then.
    offsets = [_arrival(k, i, args) for k, m in enumerate(shares) for i in range(m)]
    launch = max(
        (o + r.first_item for o, r in zip(offsets, results, strict=True) if r.first_item),
        default=wall,
    )
    cpu_launch = cpu_at(timeline, launch) - timeline[0][1]
    cpu_all = timeline[-1][1] - timeline[0][1]
    busy, steal = (b - a for a, b in zip(machine0, machine1, strict=True))
    return {
        "mode": "burst",
        "processes": n,
        "bots": args.burst,
        "window": args.window,
        "items": args.items,
        "think": args.think,
        "timers": not args.no_timer_reruns,
        "reached_first": len(first),
        "failed": len(failed),
        "first_error": failed[0].error if failed else None,
        "wall_s": wall,
        "first_p50_s": percentile(first, 50),
        "first_p95_s": percentile(first, 95),
        "first_max_s": max(first, default=float("nan")),
        "submits": len(lat),
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "max_ms": max(lat, default=float("nan")) * 1000,
        "runs": sum(r.pages for r in results),
        "fragment_runs": sum(r.fragment_reruns for r in results),
        "timer_runs": sum(r.ticks for r in results),
        "reconnects": sum(r.reconnects for r in results),
        "retries": sum(r.retries for r in results),
        "launch_s": launch,
        "server_cpu_launch_s": cpu_launch,
        "server_cpu_s": cpu_all,
        "bots_cpu_s": bots_cpu,
        "others_cpu_s": busy - cpu_all - bots_cpu,
        "steal_s": steal,
        "submit_timeline": sorted(submits),
        **costs,
        "lag_p50_ms": percentile(lag, 50) * 1000,
        "lag_p95_ms": percentile(lag, 95) * 1000,
        "lag_max_ms": max(lag, default=0.0) * 1000,
        "load_before": load0,
        "load_after": load1,
    }


def _arrival(group: int, i: int, args: argparse.Namespace) -> float:
    from hhvalues.cli.bots import arrival_offsets

    m = args.burst // args.processes + (group < args.burst % args.processes)
    return arrival_offsets(m, args.window, 1 + group)[i]


def report_burst(f: dict[str, Any]) -> str:
    def ok(b: bool) -> str:
        return "yes" if b else "**no**"

    n = f["processes"]
    return f"""\
| what | goal | measured |
| --- | --- | --- |
| bots that reached the first item / the completion code | all | {f["reached_first"]}/{f["bots"]} / {f["bots"] - f["failed"]}/{f["bots"]} ({f["reconnects"]} reconnects, {f["retries"]} retries) |
| link opened → first item shown (consent and instructions clicked straight through), p50 / p95 / max | p95 ≤ 2 s | {f["first_p50_s"]:.2f} / {f["first_p95_s"]:.2f} / {f["first_max_s"]:.2f} s ({ok(f["first_p95_s"] <= 2)}) |
| submit → next item at {f["think"]:g} s a click, p50 / p95 / max ({f["submits"]} submits) | p95 ≤ 150 ms | {f["p50_ms"]:.0f} / {f["p95_ms"]:.0f} / {f["max_ms"]:.0f} ms ({ok(f["p95_ms"] <= 150)}) |
| server CPU during the launch (until the last first item, {f["launch_s"]:.1f} s) | — | {f["server_cpu_launch_s"]:.1f} s ({100 * f["server_cpu_launch_s"] / f["launch_s"] / n:.0f}% of a core per process) |
| server CPU over the whole run ({f["wall_s"]:.0f} s wall); the bots' own CPU | — | {f["server_cpu_s"]:.1f} s ({100 * f["server_cpu_s"] / f["wall_s"] / n:.0f}% of a core per process); bots {f["bots_cpu_s"]:.1f} s |
| other processes' CPU on the machine over the run (not the app, not the bots); CPU stolen by the host | — | {f["others_cpu_s"]:.1f} s ({f["others_cpu_s"] / f["wall_s"]:.2f} cores on average); steal {f["steal_s"]:.1f} s |
| server runs: clicks (of which fragment reruns) + countdown timer reruns | — | {f["runs"]} ({f["fragment_runs"]}) + {f["timer_runs"]} |
| **server CPU per run**, one client back to back: timer run / probe click (with draft save) / whole page | no more after the redesign | **{f["timer_ms"]:.1f} / {f["click_ms"]:.1f} / {f["full_ms"]:.1f} ms** |
| the bots' own event-loop delay (part of every latency), p50 / p95 / max | — | {f["lag_p50_ms"]:.1f} / {f["lag_p95_ms"]:.1f} / {f["lag_max_ms"]:.0f} ms |
| load average (1 / 5 / 15 min) before → after | — | {"/".join(f"{x:.1f}" for x in f["load_before"])} → {"/".join(f"{x:.1f}" for x in f["load_after"])} |
"""


def burst_flags(f: dict[str, Any]) -> str:
    """The command-line flags of a burst run (also its RESULTS.md section's key)."""
    return (
        f" {f['bots']} --window {f['window']:g} --items {f['items']} --think {f['think']:g}"
        f" --processes {f['processes']}" + ("" if f["timers"] else " --no-timer-reruns")
    )


def write_burst_results(path: Path, table: str, f: dict[str, Any]) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    today = dt.date.today().isoformat()
    flags = burst_flags(f)
    procs = (
        "one app process"
        if f["processes"] == 1
        else f"{f['processes']} app processes (bots split between them)"
    )
    section = (
        f"{BURST_HEADING}{flags}`, {today})\n\n{f['bots']} `hhvalues bots` participants open "
        f"their study links at random moments within {f['window']:g} s, {procs} "
        "(`streamlit run serve.py`) on one SQLite file, this 2-core machine shared with "
        "other work; each clicks consent and the instructions' start without pausing, then "
        f"answers {f['items']} probe items pausing {f['think']:g} s (±50%) before every click "
        + (
            "while the countdown ticks each second. "
            if f["timers"]
            else "**with the countdown's timer left unfired (a what-if, not the page as it is)**. "
        )
        + "Latencies are client-side (they include one "
        "localhost round trip and the bots' own event loop, which shares the 2 cores).\n\n"
        f"{table}"
    )
    start = text.find(f"{BURST_HEADING}{flags}`,")  # one section per command
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bots", type=int, default=50)
    ap.add_argument("--items", type=int, default=None, help="Items per bot (6; 3 with --burst).")
    ap.add_argument(
        "--burst",
        type=int,
        nargs="?",
        const=200,
        default=None,
        help="A launch burst of this many bots (200) instead of the steady run.",
    )
    ap.add_argument(
        "--window",
        type=float,
        default=10.0,
        help="With --burst: seconds within which the bots open their links.",
    )
    ap.add_argument("--idle", type=int, default=50)
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="App processes on the same database, bots split between them (and as "
        "many bare-page processes); a real deployment puts them behind a proxy "
        "with sticky sessions.",
    )
    ap.add_argument(
        "--think",
        type=float,
        default=10.0,
        help="Mean seconds each bot pauses before a click: 10 is a participant's pace "
        "or faster, 2 a stress pace, 0 flat out.",
    )
    ap.add_argument(
        "--bare-clicks",
        type=int,
        default=8,
        help="Clicks per session on the bare page (same pace and concurrency).",
    )
    ap.add_argument("--results", type=Path, default=None, help="Update this RESULTS.md section.")
    ap.add_argument(
        "--no-timer-reruns",
        action="store_true",
        help="With --burst, a what-if: the bots leave the countdown's run_every timer "
        "unfired (the server's load if the countdown ran in the browser).",
    )
    ap.add_argument(
        "--dump", type=Path, default=None, help="With --burst: write every figure here (JSON)."
    )
    args = ap.parse_args()
    if args.burst is not None:
        args.items = args.items or 3
        with tempfile.TemporaryDirectory() as tmp:
            burst = asyncio.run(measure_burst(args, Path(tmp)))
        table = report_burst(burst)
        timeline = burst.pop("submit_timeline")
        if args.dump is not None:
            args.dump.write_text(json.dumps(burst | {"submit_timeline": timeline}))
        print(json.dumps(burst, indent=1))
        print(f"python bench/bench_app.py --burst{burst_flags(burst)}\n")
        print(table)
        if args.results is not None:
            write_burst_results(args.results, table, burst)
        return 0 if not burst["failed"] else 2
    args.items = args.items or 6
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(args, Path(tmp)))
    img = image_figures()
    table = report(figures, img)
    print(json.dumps(figures | img, indent=1))
    print(table)
    if args.results is not None:
        write_results(args.results, table, figures)
    return 0 if not figures["failed"] else 2


def write_results(path: Path, table: str, f: dict[str, Any]) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    today = dt.date.today().isoformat()
    procs = (
        "one `streamlit run app.py` process"
        if f["processes"] == 1
        else f"{f['processes']} `streamlit run app.py` processes (bots split between them)"
    )
    flags = f" --think {f['think']:g}" + (
        f" --processes {f['processes']}" if f["processes"] > 1 else ""
    )
    section = (
        f"{HEADING}{flags}`, {today})\n\n{f['bots']} concurrent `hhvalues bots` participants, "
        f"{f['items']} probe items each, pausing {f['think']:g} s (±50%) before every click, SQLite, {procs} on this "
        "2-core machine; latencies are client-side (send → `script_finished` of the run "
        "that shows the next page), so they include one localhost round trip.\n\n"
        f"{table}"
    )
    start = text.find(f"{HEADING}{flags}`,")  # one section per pace and number of processes
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
