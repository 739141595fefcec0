from pathlib import Path

import pytest

from craftology.config import Settings


def test_nested_environment_variables_pick_engines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRAFTOLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRAFTOLOGY_TEMPORAL__ADDRESS", "temporal.internal:7233")
    settings = Settings()
    assert settings.temporal.address == "temporal.internal:7233"
    assert settings.database_url == f"sqlite:///{tmp_path / 'control.db'}"


def test_every_field_is_described() -> None:
    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += walk(annotation)
            elif not field.description:
                missing.append(name)
        return missing

    assert walk(Settings) == []
