"""Thin RQ jobs: each loads ids, calls the gateway's domain, and returns."""
