"""The programme: deciding applications, quotas and waitlists, phases, cancelling, the
staff's files in (registry, quotas) and out (the bank's export), and the job table.

May import: flows (messages, timings), gateway.platform, gateway.store,
gateway.monitoring, gateway.outbound.
"""
