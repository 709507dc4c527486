"""`python -m gateway.cli`: the `smsgw` command (what `smsgw run` starts its worker with)."""

from gateway.cli import main

main()
