"""Security headers on every console response, and no caching of pages with personal data."""

from __future__ import annotations

from flask.wrappers import Response

from gateway.platform import services

# Everything the console loads is its own: no inline script or style, no frames, no plugins.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response, cache: bool = False) -> Response:
    """The headers of HEADERS, HSTS in production, and `no-store` unless `cache`."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if services.settings().is_production:
        response.headers["Strict-Transport-Security"] = HSTS
    if not cache:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
