"""The `craftology` command line."""

from __future__ import annotations

from craftology.cli.agent import agent_app
from craftology.cli.app import app
from craftology.cli.models import models_app
from craftology.cli.policies import policies_app
from craftology.cli.providers import providers_app
from craftology.cli.users import users_app

# Registered here, not in app.py: the sub-app uses app.py's helpers, so app.py cannot import it first.
app.add_typer(models_app, name="models")
app.add_typer(users_app, name="users")
app.add_typer(policies_app, name="policies")
app.add_typer(agent_app, name="agent")
app.add_typer(providers_app, name="providers")


def main() -> None:
    app()
