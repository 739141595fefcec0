"""A project's activity feed (what the data-sync agent did and why) and approving what it proposed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from craftology.agents.datasync.agent import DataSyncAgent
from craftology.agents.datasync.feed import ActivityEntry
from craftology.api.deps import Caller
from craftology.api.params import ID, ProjectId
from craftology.api.problems import problem_responses
from craftology.api.routes.projects import Page

EntryId = Annotated[str, Path(pattern=f"^{ID}$", description="The activity entry's id.")]


class ActivityPage(BaseModel):
    """One page of the feed, oldest first; pass `next_cursor` as `cursor` for the next."""

    items: list[ActivityEntry]
    next_cursor: str | None


def build_activity_router(agent: DataSyncAgent) -> APIRouter:
    router = APIRouter(tags=["activity"])

    @router.get("/projects/{project_id}/activity", response_model=ActivityPage)
    def list_activity(
        project_id: ProjectId, caller: Caller, page: Page, request: Request, response: Response
    ) -> ActivityPage:
        """What the data-sync agent did after each burst of edits, and why: the plan's causes and
        cost, and the run it started or that it waits for approval (oldest first)."""
        items, following = agent.feed(caller, project_id, page.cursor, page.limit)
        if following is not None:
            response.headers["Link"] = f'<{request.url.include_query_params(cursor=following)}>; rel="next"'
        return ActivityPage(items=items, next_cursor=following)

    @router.post(
        "/projects/{project_id}/activity/{entry_id}/approve",
        response_model=ActivityEntry,
        responses=problem_responses(409),
    )
    async def approve_activity(project_id: ProjectId, entry_id: EntryId, caller: Caller) -> ActivityEntry:
        """Approve a plan the agent left waiting (its cost was above the project's threshold): a
        sync run starts now, as you, with the project's current plan. Answers the new feed entry
        naming the run; 409 if the entry is not waiting or a run is already going."""
        return await agent.approve(caller, project_id, entry_id)

    return router
