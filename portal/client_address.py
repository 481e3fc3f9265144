"""The client's address, for rate limits and the audit.

Behind proxies the address comes from X-Forwarded-For, trusting exactly the number of
proxies ``TRUSTED_PROXY_COUNT`` names (none by default): each trusted proxy appends the
address it saw, so the right-most entries are trustworthy and anything further left may be
forged by the client.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        # With N trusted proxies, the client is N entries from the right, counting the
        # last proxy's own peer (REMOTE_ADDR) as the right-most one.
        chain = [*forwarded, remote]
        if len(chain) > proxies:
            remote = chain[-1 - proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return None


def client_network(request):
    """The client as a rate limit should count it: an IPv4 address, or an IPv6 address's /64
    (one household or phone gets a whole /64 and may use any address in it)."""
    address = client_address(request)
    if address is None:
        return None
    parsed = ipaddress.ip_address(address)
    if parsed.version == 4:
        return address
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 client
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))
