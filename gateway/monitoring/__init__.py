"""What operators watch: Prometheus metrics, health and readiness, and the console's
running counters (kept as data arrives, never recounted).

May import: flows (the funnel's step names), gateway.platform, gateway.store.
"""
