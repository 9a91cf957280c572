"""Batch mode: Anthropic Message Batches and the OpenAI Batch API (half price, hours not seconds).

The same request builder as the live runner makes every body; each request's ``custom_id``
is ``<condition>-<item>-e<epoch>-<hash>`` (readable, unique, within the 64-character limit).
Submitted batches are remembered in ``answers.batch.json``, so a rerun polls and collects
them instead of submitting again; results go through the same parser into the same answer log
and request log, and a job already answered is never written twice.

Retries: the few batch calls (create, retrieve, results) use the SDK's own retries only —
this module adds none — so there is still one retry layer per path.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hhvalues.core.bank import Bank
from hhvalues.errors import ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.log import AnswerSink, JsonlSink, read_json, sibling, write_manifest
from hhvalues.evals.prompts import build_prompt
from hhvalues.evals.providers import (
    BatchAPI,
    Failure,
    Provider,
    batch_api,
    build_body,
    make_provider,
)
from hhvalues.evals.runner import Job, RunConfig, Runner, RunSummary, plan_jobs

_T = TypeVar("_T")
BATCH_RETRIES = 3
MAX_PER_BATCH = 10_000


def custom_id(job: Job) -> str:
    """``<condition>-<item>-e<epoch>-<12 hex>``, only ``[A-Za-z0-9_-]``, at most 64 characters."""
    raw = f"{job.condition.name}\x00{job.item.id}\x00{job.epoch}"
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", f"{job.condition.name}-{job.item.id}-e{job.epoch}")
    return f"{readable[: 64 - 13]}-{digest}"


async def run_batch(
    bank: Bank,
    conditions: Sequence[Condition],
    config: RunConfig,
    *,
    poll_seconds: float = 30.0,
    wait: bool = True,
    provider: Provider | None = None,
    sink_factory: Callable[[Path], AnswerSink] = JsonlSink,
) -> RunSummary:
    """Submit what is not yet answered or in flight, then (with ``wait``) poll and collect."""
    prov = provider or make_provider(config.provider, config.model, base_url=config.base_url)
    sink = sink_factory(config.out)
    runner = Runner(bank, conditions, config, prov, sink)
    state_path = sibling(config.out, "batch.json")
    state = read_json(state_path) or {"provider": prov.name, "model": config.model, "batches": []}
    api = batch_api(prov.name, prov.client.with_options(max_retries=BATCH_RETRIES))
    try:
        if config.retry_errors:
            sink.drop_errors()
        jobs = {custom_id(j): j for j in plan_jobs(bank, conditions, config)}
        done = sink.done()
        in_flight = {cid for b in state["batches"] if not b["collected"] for cid in b["jobs"]}
        todo = [
            cid
            for cid, j in jobs.items()
            if (j.respondent, j.item.id, j.epoch) not in done and cid not in in_flight
        ]
        runner.summary.skipped = len(jobs) - len(todo)
        for start in range(0, len(todo), MAX_PER_BATCH):
            chunk = todo[start : start + MAX_PER_BATCH]
            bodies = [(cid, _body(bank, jobs[cid], config)) for cid in chunk]
            batch_id = await _guard(api.submit(bodies), prov.name, "submitting a batch")
            runner.summary.calls += 1
            state["batches"].append(
                {
                    "id": batch_id,
                    "submitted": time.time(),
                    "collected": False,
                    "jobs": {
                        cid: [jobs[cid].condition.name, jobs[cid].item.id, jobs[cid].epoch]
                        for cid in chunk
                    },
                }
            )
            write_manifest(state_path, state)
        while wait and any(not b["collected"] for b in state["batches"]):
            for b in state["batches"]:
                if not b["collected"] and await _guard(
                    api.ended(b["id"]), prov.name, f"polling {b['id']}"
                ):
                    await _collect(runner, api, b, jobs)
                    b["collected"] = True
                    write_manifest(state_path, state)
            if any(not b["collected"] for b in state["batches"]):
                await asyncio.sleep(poll_seconds)
    finally:
        runner.requests.close()
        sink.close()
        if provider is None:
            await prov.aclose()
    for (who, _, _), status in sink.done().items():
        runner.summary.counts.setdefault(who, Counter())[status.value] += 1
    runner.write_manifest("aborted" if runner.abort else "finished")
    if runner.abort is not None:
        raise runner.abort
    return runner.summary


async def _guard(call: Awaitable[_T], provider: str, doing: str) -> _T:
    """Await an SDK batch call; any SDK failure (after the SDK's own retries) becomes one line."""
    try:
        return await call
    except ProviderError:
        raise
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        message = " ".join(str(exc).split())[:300]
        raise ProviderError(
            f"{doing} failed: {type(exc).__name__}: {message}",
            where=provider,
            status=status if isinstance(status, int) else None,
        ) from exc


def _body(bank: Bank, job: Job, config: RunConfig) -> dict[str, Any]:
    prompt = build_prompt(bank, job.item, job.condition, epoch=job.epoch)
    return build_body(config.provider, prompt, job.condition, model=config.model)


async def _collect(
    runner: Runner, api: BatchAPI, batch: dict[str, Any], jobs: dict[str, Job]
) -> None:
    done = runner.sink.done()
    results = await _guard(
        api.results(batch["id"]), runner.provider.name, f"collecting {batch['id']}"
    )
    for cid, result in results:
        job = jobs.get(cid)
        if job is None or (job.respondent, job.item.id, job.epoch) in done:
            continue
        prompt = build_prompt(runner.bank, job.item, job.condition, epoch=job.epoch)
        body = build_body(runner.config.provider, prompt, job.condition, model=runner.config.model)
        runner.record(job, cid, body, result, 1, time.monotonic())
        if (
            isinstance(result, Failure)
            and result.rejected
            and not set(result.rejected) <= set(job.condition.allow_dropped)
        ):
            runner.abort = ProviderError(
                f"the model rejected {', '.join(result.rejected)} ({result.message}) in batch "
                f"{batch['id']}; those answers are not written",
                where=runner.provider.name,
            )
            continue
        answer = runner.answer_of(job, prompt, result, (), 1, 0.0, cached=False)
        runner.sink.write(answer)
        done[(job.respondent, job.item.id, job.epoch)] = answer.status


__all__ = ["custom_id", "run_batch"]
