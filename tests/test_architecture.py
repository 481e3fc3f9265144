"""The layout tells the architecture, and CI holds it: apps depend one way, accounts <- devices
<- claims <- helpdesk <- api <- support, and the project package imports no app."""

import subprocess
import sys
from pathlib import Path

from django.apps import apps

LAYERS = ["accounts", "devices", "claims", "helpdesk", "api", "support"]
ROOT = Path(__file__).resolve().parent.parent


def test_imports_follow_the_layers():
    """import-linter's contracts (pyproject.toml), function-level imports included."""
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_model_points_up_a_layer():
    """String model references ("app.Model") are invisible to an import linter."""
    upward = []
    for model in apps.get_models():
        source = model._meta.app_label
        if source not in LAYERS:
            continue
        for field in model._meta.get_fields():
            target = field.related_model
            if not (field.is_relation and field.concrete and target is not None):
                continue
            layer = target._meta.app_label
            if layer in LAYERS and LAYERS.index(layer) > LAYERS.index(source):
                upward.append(f"{model._meta.label}.{field.name} -> {target._meta.label}")
    assert upward == []
