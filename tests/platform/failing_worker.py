"""A real `smsgw worker` whose decisions fail quoting the pensioner's data, as a bug might:
`python -m tests.platform.failing_worker worker --burst` (the personal-data test)."""

from __future__ import annotations

import sys

from gateway.programme import decisions


def check_registry_that_fails(application, pensioner, phone_policy):
    name = pensioner.full_name if pensioner else "?"
    raise ValueError(
        f"cannot decide for {name}: national ID {application.national_id}, "
        f"pension number {application.pension_number}, phone {application.phone}"
    )


if __name__ == "__main__":
    decisions.check_registry = check_registry_that_fails
    from gateway.cli import cli

    cli(args=sys.argv[1:], prog_name="smsgw")
