"""A minimal till client for the partner API (docs/api.md), standard library only.

    python docs/api_client.py BASE_URL API_KEY BOX_CODE CUSTOMER_EMAIL

Registers the sale with an Idempotency-Key, retrying on network errors and 5xx answers: a
retry never registers twice.
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid


def register_sale(base_url, api_key, box_code, customer_email, attempts=3):
    body = json.dumps({"box_code": box_code, "customer_email": customer_email}).encode()
    headers = {
        "Authorization": f"Api-Key {api_key}",
        "Content-Type": "application/json",
        "Accept-Language": "en",
        "Idempotency-Key": str(uuid.uuid4()),  # one per sale, the same for every retry
    }
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            f"{base_url.rstrip('/')}/api/v1/sales/", data=body, headers=headers, method="POST"
        )
        wait = 2**attempt
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            retry = error.code >= 500 or error.code == 429
            if not retry or attempt == attempts:
                return error.code, _answer(error)
            wait = int(error.headers.get("Retry-After") or wait)
        except OSError:
            if attempt == attempts:
                raise
        time.sleep(wait)
    raise RuntimeError("unreachable")


def _answer(error):
    """The problem document, or the raw text of a non-JSON answer (a proxy's error page)."""
    body = error.read().decode("utf-8", "replace")
    try:
        return json.loads(body)
    except ValueError:
        return {"status": error.code, "detail": body[:500]}


if __name__ == "__main__":
    status, answer = register_sale(*sys.argv[1:5])
    print(status, json.dumps(answer, indent=2, ensure_ascii=False))
    sys.exit(0 if status == 201 else 1)
