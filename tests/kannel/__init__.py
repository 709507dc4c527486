"""Tests against Debian's Kannel 1.4.5, run from the configuration in docs/KANNEL.md."""
