"""The audit log page: admins read who did what, newest first, by action, page by page."""

from __future__ import annotations

from gateway.store.audit import add_audit_event


def test_admins_read_the_audit_log_newest_first_and_filter_by_action(signed_in, db):
    client = signed_in("admin")  # itself a `login` row
    add_audit_event(db, "cli:root", "quota.set", "quota:08:1", before=2, after=5)
    db.commit()
    page = client.get("/console/audit").text
    assert page.index("quota.set") < page.index(">login<")
    assert "quota:08:1" in page
    only = client.get("/console/audit?action=quota.set").text
    assert "quota:08:1" in only and ">login<" not in only


def test_pages_go_back_by_id_and_show_every_row_once(signed_in, db):
    client = signed_in("admin")
    for n in range(130):
        add_audit_event(db, "cli:root", "test.row", f"row:{n}")
    db.commit()
    first = client.get("/console/audit?action=test.row").text
    assert "row:129<" in first and "row:29<" not in first
    older = first.split("before=")[1].split('"')[0]
    second = client.get(f"/console/audit?action=test.row&before={older}").text
    seen = [f"row:{n}<" for n in range(130)]
    assert all((mark in first) != (mark in second) for mark in seen)


def test_a_bad_page_key_shows_the_newest_page(signed_in):
    assert signed_in("admin").get("/console/audit?before=not-a-number").status_code == 200
