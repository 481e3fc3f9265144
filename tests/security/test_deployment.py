"""Production settings: `check --deploy` is clean but for W021, secrets are required, every
page has a strict Content Security Policy and the error pages are ours."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOYMENT = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x7Kp2vQ9mZr4Tw8Ly3Nb6Hc1Fd5Gs0Ja9Ue2Io7Pq4Rx8Vz3Mw6Ek1Yt5Bn0Lc",
    "ALLOWED_HOSTS": "registry.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://registry.example.com",
}


def manage(*args, env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_warns_only_about_hsts_preload():
    result = manage("check", "--deploy", env=DEPLOYMENT)
    warnings = re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr)
    assert warnings == ["W021"], result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in DEPLOYMENT.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize(
    ("urls", "error"),
    [
        ({"DATABASE_OWNER_URL": "postgres://owner@db/registry"}, "needs DATABASE_URL"),
        (
            {
                "DATABASE_URL": "postgres://app@db/registry",
                "DATABASE_OWNER_URL": "postgres://owner@db/other",
            },
            "must name the DATABASE_URL database",
        ),
    ],
)
def test_production_refuses_a_database_owner_url_that_does_not_fit(urls, error):
    result = manage("check", env={**DEPLOYMENT, **urls})
    assert result.returncode != 0
    assert f"DATABASE_OWNER_URL {error}" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "accounts:sign_in", "accounts:sign_up"])
def test_pages_carry_a_strict_content_security_policy(client, name):
    policy = client.get(reverse(name))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_scripts_or_styles():
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue  # e-mail clients need inline styles; no CSP applies there
        text = path.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"\sstyle=", text)
            or "<style" in text
        ):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_error_pages_are_branded(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "Device Registry" in response.text


@pytest.mark.django_db
def test_oversized_request_bodies_are_refused(client, settings):
    response = client.post(
        reverse("accounts:sign_in"), {"username": "x@example.com", "password": "p" * 300_000}
    )
    assert response.status_code == 400


def test_database_urls_may_name_a_socket_directory_the_libpq_way():
    """`?host=/dir&port=…` (as `embedded_db url` and `make restore` print URLs) reaches
    Django's HOST and PORT for the site, the owner (migrations) and the replica alike."""
    urls = {
        name: f"postgres://{role}@/registry?host=/run/{server}&port=6432"
        for name, role, server in [
            ("DATABASE_URL", "app", "pooler"),
            ("DATABASE_OWNER_URL", "owner", "primary"),
            ("DATABASE_REPLICA_URL", "app", "standby"),
        ]
    }
    show = (
        "from django.conf import settings as s; d = s.DATABASES;"
        "print(d['default']['HOST'], d['default']['PORT'], s.DATABASE_OWNER['HOST'],"
        " d['replica']['HOST'], d['replica']['PORT'], d['replica']['OPTIONS']['connect_timeout'])"
    )
    result = manage("shell", "--no-imports", "-c", show, env={**DEPLOYMENT, **urls})
    assert result.stdout.split() == [
        "/run/pooler",
        "6432",
        "/run/primary",
        "/run/standby",
        "6432",
        "2",
    ], result.stderr
