"""Intents about generation: what is stale and why, what a sync would cost, what ran, and starting a
run. A run spends, so it is only offered for confirmation, bound to the digest of the plan shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from craftology.agents.chat.acting import Acting
from craftology.agents.chat.confirmations import Pending
from craftology.agents.chat.events import ChatEvent, action, message
from craftology.ports.intent import IntentResult

ALL = "all"


async def _preview(acting: Acting) -> tuple[dict[str, Any], ChatEvent]:
    arguments = {"project_id": acting.project_id}
    plan: dict[str, Any] = await acting.tools.call("preview_plan", arguments)
    summary = f"{plan['count']} targets to regenerate, cost {plan['total_cost']}"
    return plan, action("preview_plan", arguments, summary)


def _cost(plan: dict[str, Any]) -> float:
    return float(plan["total_cost"])


async def _offer_run(acting: Acting, plan: dict[str, Any], why: str) -> ChatEvent:
    arguments = {"project_id": acting.project_id, "plan_digest": plan["plan_digest"]}
    summary = f"start a sync run {why}: {plan['count']} targets for {plan['total_cost']}"
    return await acting.offer(Pending("approve_plan", arguments, summary, _cost(plan)))


async def regenerate(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    plan, previewed = await _preview(acting)
    yield previewed
    wanted = result.slots.get("target")
    if not plan["items"]:
        yield message("Everything is up to date: a sync would regenerate nothing.")
        return
    if isinstance(wanted, str) and wanted != ALL:
        # A run makes exactly the previewed plan, so one target is regenerated through the plan it is in.
        chosen = [
            i["target"]
            for i in plan["items"]
            if i["target"] == wanted or i["target"].startswith(f"{wanted}/")
        ]
        if not chosen:
            yield message(f"{wanted} is up to date (or not a target of this project): nothing to regenerate.")
            return
        yield await _offer_run(acting, plan, f"regenerating {', '.join(chosen)} with the rest of the plan")
        return
    yield await _offer_run(acting, plan, "regenerating everything stale or missing")


async def approve_plan(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    plan, previewed = await _preview(acting)
    yield previewed
    if not plan["items"]:
        yield message("There is nothing to approve: every target is up to date.")
        return
    yield await _offer_run(acting, plan, "of the plan")


async def show_status(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    arguments: dict[str, Any] = {"project_id": acting.project_id, "limit": 200}
    status = await acting.tools.call("target_status", arguments)
    counts = (
        ", ".join(f"{n} {state.lower()}" for state, n in sorted(status["counts"].items())) or "no targets"
    )
    yield action("target_status", arguments, counts)
    plan, previewed = await _preview(acting)
    yield previewed
    yield message(
        f"Targets: {counts}. A sync would regenerate {plan['count']} of them for {plan['total_cost']}."
    )


async def show_usage(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    arguments = {"project_id": acting.project_id}
    runs: list[dict[str, Any]] = await acting.tools.call("list_runs", arguments)
    by_status = Counter(run["status"] for run in runs)
    ran = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "none yet"
    generated = sum(int(run["generated"]) for run in runs)
    yield action("list_runs", arguments, f"{len(runs)} runs")
    plan, previewed = await _preview(acting)
    yield previewed
    yield message(
        f"Sync runs of this project: {ran} ({generated} targets generated). "
        f"The current plan would cost {plan['total_cost']} for {plan['count']} targets."
    )
