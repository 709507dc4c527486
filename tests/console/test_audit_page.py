"""The audit log page: admins read who did what, newest first, by action, page by page."""

from __future__ import annotations

from gateway.store.audit import add_audit_event


def test_admins_read_the_audit_log_newest_first_and_filter_by_action(signed_in, db):
    client = signed_in("admin")  # itself a `login` row
    add_audit_event(db, "cli:root", "quota.set", "quota:08:1", before=2, after=5)
    db.commit()
    page = client.get("/console/audit").text
    assert page.index('data-code="quota.set"') < page.index('data-code="login"')
    assert "quota:08:1" in page
    only = client.get("/console/audit?action=quota.set").text
    assert "quota:08:1" in only and 'data-code="login"' not in only


def test_pages_go_back_by_id_and_show_every_row_once(signed_in, db):
    client = signed_in("admin")
    for n in range(130):
        add_audit_event(db, "cli:root", "quota.set", f"row:{n}")
    db.commit()
    first = client.get("/console/audit?action=quota.set").text
    assert "row:129<" in first and "row:29<" not in first
    older = first.split("before=")[1].split('"')[0]
    assert "action=quota.set" in first.split('rel="next"')[0].rsplit("href=", 1)[1]
    second = client.get(f"/console/audit?action=quota.set&before={older}").text
    seen = [f"row:{n}<" for n in range(130)]
    assert all((mark in first) != (mark in second) for mark in seen)


def test_a_bad_page_key_shows_the_newest_page(signed_in):
    assert signed_in("admin").get("/console/audit?before=not-a-number").status_code == 200


def test_a_group_finds_its_sub_actions_and_the_user_and_date_filters_narrow(signed_in, db):
    client = signed_in("admin")
    add_audit_event(db, "tehran", "login.failed", None, address="127.0.0.1")
    add_audit_event(db, "tehran", "export.requested", "f.csv", format="csv")
    db.commit()
    logins = client.get("/console/audit?action=login").text
    assert 'data-code="login.failed"' in logins and 'data-code="login"' in logins
    assert 'data-code="export.requested"' not in logins
    tehran = client.get("/console/audit?actor=tehran").text
    assert tehran.count("data-audit=") == 2
    assert (
        client.get("/console/audit?since=2000-01-01&until=2000-01-02").text.count("data-audit=")
        == 0
    )


def test_details_are_words_not_json(signed_in, db):
    client = signed_in("admin")
    add_audit_event(db, "admin", "export.requested", "f.csv", format="xlsx",
                    filters={"association": "08", "phase": 1, "status": "approved"})  # fmt: skip
    db.commit()
    page = client.get("/console/audit?action=export").text
    row = page[page.index('data-code="export.requested"') :]
    row = row[: row.index("</tr>")]
    assert "{" not in row and '"format"' not in row
    assert "اکسل (XLSX)" in row and "تهران (۰۸)" in row and "پذیرفته" in row
