"""Work that must neither delay nor time an answer: it runs after the response is sent.

WSGI servers call a response's ``close()`` once they have written its body (gunicorn, the
development server; Django's ASGI handler and its test client do the same), and ``close()``
calls the response's resource closers, still inside the request's database connection. So
an answer that must look the same for a known and an unknown e-mail address leaves equally
fast, and the work that depends on the address (looking it up, rendering and queueing an
e-mail) happens afterwards.
"""

import logging

logger = logging.getLogger(__name__)


def run_after_response(response, work):
    """Call ``work()`` when ``response`` is closed; an error is logged (``close()`` would
    swallow it silently) and never reaches the visitor, who has the answer already."""

    def run():
        try:
            work()
        except Exception:
            logger.exception("work after the response failed")

    response._resource_closers.append(run)
    return response
