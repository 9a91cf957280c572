"""Model-harness benchmark (issue 5): throughput against a local server, CPU per call, import time.

Run: ``python bench/bench_evals.py [--calls 1000] [--concurrency 32] [--latency 0.2]``.
The scripted provider server (tests/integration/evals/provider_server.py) runs in a separate
process so the runner's CPU time is its own. Targets: wall ≤ 1.3 × calls / concurrency × latency;
≤ 2 ms CPU per call; ``import hhvalues.evals`` ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
from provider_server import ProviderServer
s = ProviderServer()
s.latency = {latency}
s.start()
print(s.url, flush=True)
sys.stdin.read()
"""


def import_seconds(module: str, repeats: int = 5) -> float:
    """Median wall time of ``import module`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(repeats)
    )
    return times[len(times) // 2]


async def throughput(
    url: str, provider: str, calls: int, concurrency: int, out: Path
) -> dict[str, float]:
    from hhvalues.core.bank import load_bank
    from hhvalues.evals.conditions import parse_conditions
    from hhvalues.evals.providers import make_provider
    from hhvalues.evals.runner import RunConfig, run_eval

    bank = load_bank(ROOT / "tests" / "data" / "examples" / "tiny_bank.json")
    n_items = sum(1 for it in bank.items if it.split.value != "train")
    epochs = math.ceil(calls / n_items)
    cond = parse_conditions({"conditions": {"bench": {"temperature": 0.0, "epochs": epochs}}})
    config = RunConfig(
        provider=provider,
        model="clean",
        out=out,
        concurrency=concurrency,
        base_url=url + ("" if provider == "anthropic" else "/v1"),
        cache_dir=None,
        progress=False,
    )
    # The SDK import and client set-up are a one-off start-up cost, measured apart.
    t0 = time.perf_counter()
    prov = make_provider(provider, "clean", base_url=config.base_url)
    startup = time.perf_counter() - t0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    summary = await run_eval(bank, cond, config, provider=prov)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    await prov.aclose()
    return {
        "calls": summary.calls,
        "wall": wall,
        "cpu_ms_per_call": 1000 * cpu / summary.calls,
        "startup_s": startup,
    }


async def bare_sdk(url: str, provider: str, calls: int, concurrency: int) -> dict[str, float]:
    """The same bodies sent straight through the SDK with a plain semaphore: the floor."""
    from hhvalues.core.bank import load_bank
    from hhvalues.evals.conditions import parse_conditions
    from hhvalues.evals.prompts import build_prompt
    from hhvalues.evals.providers import make_provider

    bank = load_bank(ROOT / "tests" / "data" / "examples" / "tiny_bank.json")
    cond = parse_conditions({"conditions": {"bench": {"temperature": 0.0}}})[0]
    prov = make_provider(
        provider, "clean", base_url=url + ("" if provider == "anthropic" else "/v1")
    )
    items = [it for it in bank.items if it.split.value != "train"]
    bodies = [
        prov.build_body(build_prompt(bank, items[i % len(items)], cond, epoch=i), cond)  # type: ignore[attr-defined]
        for i in range(calls)
    ]
    sem = asyncio.Semaphore(concurrency)

    async def one(body: dict[str, object]) -> None:
        async with sem:
            await prov.send(body, timeout=60)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(b) for b in bodies))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    await prov.aclose()
    return {"wall": wall, "cpu_ms_per_call": 1000 * cpu / calls}


def inspect_throughput(url: str, calls: int, concurrency: int) -> dict[str, float] | None:
    """The same items through Inspect AI's own OpenAI provider, if the extra is installed."""
    try:
        import inspect_ai
    except ImportError:
        return None
    from hhvalues.inspect_task import hhvalues

    bank = ROOT / "tests" / "data" / "examples" / "tiny_bank.json"
    task = hhvalues(bank=str(bank), condition="temperature-0", epochs=math.ceil(calls / 3))
    with tempfile.TemporaryDirectory() as tmp:
        wall0 = time.perf_counter()
        logs = inspect_ai.eval(
            task,
            model="openai/clean",
            model_base_url=url + "/v1",
            model_args={"responses_api": False},
            log_dir=tmp,
            display="none",
            max_connections=concurrency,
            max_samples=concurrency,
        )
        wall = time.perf_counter() - wall0
        n = len(logs[0].samples or [])
    return {"calls": float(n), "wall": wall}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("ANTHROPIC_API_KEY", "bench")
    os.environ.setdefault("OPENAI_API_KEY", "bench")
    tests = str(ROOT / "tests" / "integration" / "evals")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(tests=tests, latency=args.latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        results: dict[str, object] = {}
        for provider in ("anthropic", "openai"):
            with tempfile.TemporaryDirectory() as tmp:
                r = asyncio.run(
                    throughput(
                        url, provider, args.calls, args.concurrency, Path(tmp) / "answers.jsonl"
                    )
                )
            ideal = r["calls"] / args.concurrency * args.latency
            bare = asyncio.run(bare_sdk(url, provider, int(r["calls"]), args.concurrency))
            r.update(
                {
                    "ideal": ideal,
                    "ratio": r["wall"] / ideal,
                    "bare_wall": bare["wall"],
                    "bare_ratio": bare["wall"] / ideal,
                    "bare_cpu_ms_per_call": bare["cpu_ms_per_call"],
                    "overhead_cpu_ms_per_call": r["cpu_ms_per_call"] - bare["cpu_ms_per_call"],
                }
            )
            results[provider] = r
        insp = inspect_throughput(url, args.calls, args.concurrency)
        if insp is not None:
            ideal = insp["calls"] / args.concurrency * args.latency
            results["inspect"] = {**insp, "ideal": ideal, "ratio": insp["wall"] / ideal}
        results["import_hhvalues_evals_s"] = import_seconds("hhvalues.evals")
        results["import_hhvalues_evals_runner_s"] = import_seconds("hhvalues.evals.runner")
    finally:
        server.kill()
        server.wait()
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for provider in ("anthropic", "openai"):
        r = results[provider]
        assert isinstance(r, dict)
        print(
            f"{provider:<9} {r['calls']:.0f} calls at concurrency {args.concurrency}, "
            f"{args.latency * 1000:.0f} ms latency: {r['wall']:.2f} s vs ideal {r['ideal']:.2f} s "
            f"= {r['ratio']:.2f}x (target <= 1.3x); CPU {r['cpu_ms_per_call']:.2f} ms/call incl. SDK; "
            f"SDK import + client {r['startup_s']:.2f} s"
        )
        print(
            f"{'':<9} bare SDK, same bodies and concurrency: {r['bare_wall']:.2f} s = "
            f"{r['bare_ratio']:.2f}x ideal, CPU {r['bare_cpu_ms_per_call']:.2f} ms/call; harness "
            f"overhead {r['overhead_cpu_ms_per_call']:.2f} ms CPU/call (<= 2 ms)"
        )
    if "inspect" in results:
        r = results["inspect"]
        assert isinstance(r, dict)
        print(
            f"inspect   {r['calls']:.0f} samples through Inspect AI's openai provider: {r['wall']:.2f} s "
            f"= {r['ratio']:.2f}x ideal"
        )
    print(
        f"import hhvalues.evals {results['import_hhvalues_evals_s']:.3f} s, "
        f"import hhvalues.evals.runner {results['import_hhvalues_evals_runner_s']:.3f} s (<= 0.5 s)"
    )


if __name__ == "__main__":
    main()
