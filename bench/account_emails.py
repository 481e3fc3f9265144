"""How long sign-up and password-reset answers take for known and unknown addresses.

A difference tells an observer which addresses have an account. This serves the portal as
`make serve` does (gunicorn, one worker, DEBUG off) with a local SMTP sink as the mail server
(aiosmtpd), and times N POSTs of each kind over real HTTP, from the request to the last byte
of the answer, alternating known and unknown addresses:

    .venv/bin/python bench/account_emails.py [--requests 50]

It uses the development database (accounts named timing-*@example.com are created there).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
PORT = 8766
SMTP_PORT = 8026
CSRF = "timingcsrftoken0123456789abcdefg"  # a 32-character CSRF secret (cookie and header)
PASSWORD = "a long and unusual passphrase"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DJANGO_ENV": "production",
    "SECURE_HTTPS": "false",
    "SECRET_KEY": "timing-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "LOG_LEVEL": "WARNING",
    # Every request is measured, none is turned away by the e-mail limits.
    "ACCOUNT_EMAILS_PER_RECIPIENT": "1000000",
    "ACCOUNT_EMAILS_PER_ADDRESS": "1000000",
}


def known_accounts(count):
    """``count`` accounts with a password (created once, reused)."""
    os.environ.update(ENV)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User

    emails = [f"timing-known-{n}@example.com" for n in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(PASSWORD)
    User.objects.bulk_create(
        User(email=email, password=password, email_verified_at=timezone.now())
        for email in emails
        if email not in existing
    )
    return emails


def start(command, check_port):
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(300):
        try:
            HTTPConnection("127.0.0.1", check_port, timeout=1).connect()
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"{command[0]} did not start")


def timed_post(path, fields):
    """Seconds from sending the POST to reading the whole answer (a redirect)."""
    body = urlencode(fields)
    connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
        "Accept-Language": "en",
    }
    started = time.perf_counter()
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    response_body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    assert response.status == 302, (response.status, response_body[:300])
    return elapsed


def summary(name, seconds):
    ms = sorted(s * 1000 for s in seconds)
    return (
        f"{name:<22} median {statistics.median(ms):7.1f} ms   mean {statistics.mean(ms):7.1f} ms"
        f"   p90 {ms[int(len(ms) * 0.9) - 1]:7.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--pause", type=float, default=2.0, help="seconds between requests (work after answers)"
    )
    args = parser.parse_args()
    known = known_accounts(args.requests)
    run = uuid.uuid4().hex[:8]
    python = Path(sys.executable)
    smtp = start(
        [
            str(python),
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{SMTP_PORT}",
        ],
        SMTP_PORT,
    )
    server = start(
        [
            str(python.parent / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        PORT,
    )
    times = {key: [] for key in ("reset known", "reset unknown", "sign-up known", "sign-up new")}
    try:
        for n in range(args.requests):
            unknown = f"timing-{run}-{n}@example.com"
            pairs = [
                ("reset known", "/account/password/reset/", {"email": known[n]}),
                ("reset unknown", "/account/password/reset/", {"email": unknown}),
                ("sign-up known", "/account/sign-up/", {"email": known[n]}),
                ("sign-up new", "/account/sign-up/", {"email": "new-" + unknown}),
            ]
            if n % 2:  # alternate which goes first, so drift hits both alike
                pairs = [pairs[1], pairs[0], pairs[3], pairs[2]]
            for key, path, fields in pairs:
                fields = {"full_name": "Timing Test", "password": PASSWORD, **fields}
                times[key].append(timed_post(path, fields))
                time.sleep(args.pause)
    finally:
        server.terminate()
        smtp.terminate()
        server.wait()
        smtp.wait()
    print(f"{args.requests} POSTs of each kind, gunicorn (1 worker), SMTP sink on loopback")
    for key, seconds in times.items():
        print(summary(key, seconds))
    for kind in ("reset", "sign-up"):
        a, b = times[f"{kind} known"], times[f"{kind} {'unknown' if kind == 'reset' else 'new'}"]
        difference = 1000 * (statistics.median(a) - statistics.median(b))
        print(f"{kind}: known minus unknown, medians {difference:+.1f} ms")


if __name__ == "__main__":
    main()
