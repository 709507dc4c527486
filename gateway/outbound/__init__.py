"""Outbound SMS: the providers (console, twilio, http, kannel), sending each stored message
once under the shared rate limit, and the delivery reports that come back.

May import: gateway.platform, gateway.store, gateway.monitoring.
"""
