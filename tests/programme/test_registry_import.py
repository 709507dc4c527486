"""`smsgw registry import`: every row checked, bad ones reported by line, good ones upserted."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from gateway.cli import cli
from gateway.platform import services
from gateway.platform.dates import utcnow
from gateway.programme import registry_import
from gateway.programme.registry_import import (
    REGISTRY_COLUMNS,
    RowError,
    import_registry,
    parse_flag,
    parse_registry_row,
)
from gateway.store.models import Association, AuditEvent, Pensioner
from gateway.store.registry import PensionerLoader, copy_text

HEADER = ",".join(REGISTRY_COLUMNS)
GOOD_ID, OTHER_ID, THIRD_ID = "0012345679", "1234567891", "0084575948"
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def associations(app, db):
    db.add_all([Association(code="08", name="تهران"), Association(code="04", name="اصفهان")])
    db.commit()


def invoke(cli_env, *args):
    return CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)


def write(tmp_path, *lines, name="registry.csv", bom=False) -> str:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([HEADER, *lines]) + "\n", "utf-8")
    return str(path)


def pensioners(db) -> dict[str, Pensioner]:
    db.rollback()  # a fresh snapshot
    return {p.national_id: p for p in db.scalars(select(Pensioner))}


def row(**changes) -> dict:
    values = dict(
        national_id=GOOD_ID, pension_number="123456", full_name="علی رضایی",
        association_code="08", mobile="09121234567", eligible="1", prior_loan="0",
    )  # fmt: skip
    return values | changes


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("1", False, True), ("0", True, False), ("TRUE", False, True), ("false", True, False),
        ("Yes", False, True), ("NO", True, False), ("", True, True), ("  ", False, False),
        ("۱", False, True), ("۰", True, False),
    ],
)  # fmt: skip
def test_parse_flag_reads_one_zero_true_false_yes_no_in_any_case(text, default, expected):
    assert parse_flag(text, default) is expected


@pytest.mark.parametrize("text", ["2", "y", "maybe", "-1", "t"])
def test_parse_flag_refuses_anything_else(text):
    with pytest.raises(RowError, match="is not 1/0, true/false or yes/no"):
        parse_flag(text, True)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("national_id", GOOD_ID.translate(PERSIAN), GOOD_ID),
        ("national_id", "12345679", GOOD_ID),  # leading zeros dropped
        ("national_id", "001-234567-9", GOOD_ID),
        ("pension_number", "۱۲۳۴۵۶", "123456"),
        ("full_name", "  علي   رضایی ", "علی رضایی"),
        ("association_code", "۰۸", "08"),
        ("mobile", "09121234567", "+989121234567"),
        ("mobile", "9121234567", "+989121234567"),
        ("mobile", "+98 912 123 4567", "+989121234567"),
        ("mobile", "00989121234567", "+989121234567"),
        ("mobile", "۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
        ("mobile", "", None),
        ("eligible", "", True),
        ("prior_loan", "", False),
    ],
)
def test_registry_row_normalises_each_field(field, raw, expected):
    assert parse_registry_row(row(**{field: raw}))[field] == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"national_id": "0012345678"},
            "national_id: '0012345678' is not a valid national ID (10 digits, check digit)",
        ),
        (
            {"national_id": "1111111111"},
            "national_id: '1111111111' is not a valid national ID (10 digits, check digit)",
        ),
        ({"national_id": ""}, "national_id: missing"),
        ({"pension_number": "12"}, "pension_number: '12' is not 4 to 12 digits"),
        ({"pension_number": "12a45"}, "pension_number: '12a45' is not 4 to 12 digits"),
        ({"full_name": " "}, "full_name: missing"),
        ({"full_name": "x" * 201}, "full_name: longer than 200 characters"),
        ({"association_code": "0123456789ABCDEFG"}, "association_code: longer than 16 characters"),
        ({"mobile": "12345"}, "mobile: '12345' is not a phone number"),
        ({"eligible": "maybe"}, "eligible: 'maybe' is not 1/0, true/false or yes/no"),
        (
            {"national_id": "", "prior_loan": "2"},
            "national_id: missing; prior_loan: '2' is not 1/0, true/false or yes/no",
        ),
    ],
)
def test_registry_row_refuses_with_the_reason(changes, reason):
    with pytest.raises(RowError) as error:
        parse_registry_row(row(**changes))
    assert str(error.value) == reason


def test_import_stores_good_rows_and_reports_bad_ones_by_line(associations, db, cli_env, tmp_path):
    path = write(
        tmp_path,
        f"{GOOD_ID},123456,علی رضایی,08,0912 123 4567,yes,",
        f"{OTHER_ID},12,,08,,1,0",
        "",
        f"{THIRD_ID.translate(PERSIAN)},۷۷۷۷۷,مریم,04,,false,true",
    )
    result = invoke(cli_env, "registry", "import", path)
    assert result.exit_code == 0, result.output
    assert "line 3: pension_number: '12' is not 4 to 12 digits; full_name: missing" in result.output
    assert "imported 2, rejected 1 (see " in result.output
    stored = pensioners(db)
    assert sorted(stored) == [GOOD_ID, THIRD_ID]
    assert stored[GOOD_ID].mobile == "+989121234567" and stored[GOOD_ID].eligible is True
    third = stored[THIRD_ID]
    assert (third.pension_number, third.mobile, third.eligible, third.prior_loan) == (
        "77777", None, False, True,
    )  # fmt: skip
    with open(tmp_path / "registry.rejects.csv", encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.reader(handle))
    assert rejects[0] == ["line", "reason", *REGISTRY_COLUMNS]
    assert rejects[1][0] == "3" and rejects[1][2:] == [OTHER_ID, "12", "", "08", "", "1", "0"]
    assert len(rejects) == 2


def test_import_again_updates_by_national_id(associations, db, cli_env, tmp_path):
    invoke(cli_env, "registry", "import", write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0"))
    again = write(tmp_path, f"{GOOD_ID},654321,علی رضایی,04,09351234567,0,1", name="b.csv")
    assert invoke(cli_env, "registry", "import", again).exit_code == 0
    stored = pensioners(db)[GOOD_ID]
    assert (stored.pension_number, stored.association_code, stored.mobile) == (
        "654321", "04", "+989351234567",
    )  # fmt: skip
    assert (stored.eligible, stored.prior_loan) == (False, True)


def test_strict_imports_nothing_when_a_row_is_bad_and_keeps_what_was_stored(
    associations, db, cli_env, tmp_path
):
    invoke(cli_env, "registry", "import", write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0"))
    bad = write(
        tmp_path, f"{GOOD_ID},999999,تغییر,08,,1,0", f"{OTHER_ID},123456,x,08,,2,0", name="b.csv"
    )
    result = invoke(cli_env, "registry", "import", bad, "--strict")
    assert result.exit_code == 1
    assert "line 3: eligible: '2' is not 1/0, true/false or yes/no" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: nothing imported (--strict, 1 bad rows); most frequent reason (1 rows): "
        "eligible: '…' is not 1/0, true/false or yes/no"
    )
    stored = pensioners(db)
    assert list(stored) == [GOOD_ID] and stored[GOOD_ID].pension_number == "123456"


def test_strict_imports_a_good_file(associations, db, cli_env, tmp_path):
    path = write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0", f"{OTHER_ID},123457,رضا,04,,1,0")
    result = invoke(cli_env, "registry", "import", path, "--strict")
    assert result.exit_code == 0, result.output
    assert "imported 2, rejected 0" in result.output
    assert sorted(pensioners(db)) == [GOOD_ID, OTHER_ID]


def test_bom_quoted_newlines_and_broken_rows_keep_their_file_line_numbers(
    associations, db, cli_env, tmp_path
):
    path = write(
        tmp_path,
        f'{GOOD_ID},123456,"علی\nرضایی",08,,1,0',  # lines 2-3
        f"{OTHER_ID},123456,رضا,08,,1",  # line 4: a column short
        f"{THIRD_ID},123456,مریم,08,,1,0",  # line 5
        bom=True,
    )
    with open(path, "ab") as handle:
        handle.write(f"{OTHER_ID},123456,\xff\xfe,08,,1,0\n".encode("latin-1"))  # line 6
    result = invoke(cli_env, "registry", "import", path, "--rejects", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.output
    assert "line 4: expected 7 columns, found 6" in result.output
    assert "line 6: not UTF-8 text" in result.output
    assert "imported 2, rejected 2" in result.output
    assert pensioners(db)[GOOD_ID].full_name == "علی رضایی"
    assert (tmp_path / "r.csv").exists()


def test_a_wrong_header_is_an_error_and_nothing_is_imported(associations, db, cli_env, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(f"national_id,pension\n{GOOD_ID},123456\n", "utf-8")
    result = invoke(cli_env, "registry", "import", str(path))
    assert result.exit_code == 1
    assert "Error: line 1: the header must be national_id,pension_number," in result.output
    assert pensioners(db) == {}


def test_the_later_row_of_a_national_id_wins_within_and_across_chunks(
    app, associations, db, tmp_path
):
    write(
        tmp_path,
        f"{GOOD_ID},111111,اول,08,,1,0",
        f"{GOOD_ID},222222,دوم,08,,1,0",
        f"{OTHER_ID},333333,سوم,08,,1,0",
        f"{GOOD_ID},444444,چهارم,08,,1,0",
    )
    database = services.database()
    report = import_registry(
        database, tmp_path / "registry.csv", tmp_path / "r.csv", "test", chunk_rows=2
    )
    assert (report.imported, report.rejected) == (4, 0)
    assert pensioners(db)[GOOD_ID].pension_number == "444444"


def test_more_than_twenty_rejects_shows_twenty_then_a_count(associations, cli_env, tmp_path):
    path = write(tmp_path, *[f"{OTHER_ID},1,x,08,,1,0"] * 25)
    result = invoke(cli_env, "registry", "import", path)
    assert result.output.count("pension_number: '1' is not 4 to 12 digits") == 20
    assert "... and 5 more" in result.output
    assert "imported 0, rejected 25" in result.output


def test_a_file_with_no_good_row_exits_non_zero_with_the_most_frequent_reason_last(
    associations, cli_env, tmp_path
):
    rows = [f"{OTHER_ID},1,x,08,,1,0"] * 3 + [f"{GOOD_ID},123456,,08,,1,0"]
    result = invoke(cli_env, "registry", "import", write(tmp_path, *rows))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: nothing imported (4 bad rows); most frequent reason (3 rows): "
        "pension_number: '…' is not 4 to 12 digits"
    )


def test_logs_hold_counts_never_national_ids(associations, cli_env, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    invoke(cli_env, "registry", "import", write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0"))
    assert "registry_imported imported=1 rejected=0" in caplog.text
    assert GOOD_ID not in caplog.text


def test_an_empty_file_imports_nothing_and_says_so(associations, db, cli_env, tmp_path):
    result = invoke(cli_env, "registry", "import", write(tmp_path))
    assert result.exit_code == 1 and "imported 0, rejected 0" in result.output
    assert result.output.splitlines()[-1] == "Error: nothing imported: the file has no rows"
    assert db.scalar(select(func.count()).select_from(Pensioner)) == 0


def test_the_rejects_file_can_never_overwrite_the_input(associations, cli_env, tmp_path):
    path = write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0")
    result = invoke(cli_env, "registry", "import", path, "--rejects", path)
    assert result.exit_code == 1
    assert "Error: the rejects file must not be the file being imported" in result.output
    assert GOOD_ID in (tmp_path / "registry.csv").read_text("utf-8")


def test_an_association_no_quotas_file_has_named_is_created_and_reported(
    associations, db, cli_env, tmp_path
):
    path = write(
        tmp_path,
        f"{GOOD_ID},123456,علی,THR,,1,0",
        f"{OTHER_ID},123457,رضا,THR,,1,0",
        f"{THIRD_ID},123458,مریم,08,,1,0",
    )
    result = invoke(cli_env, "registry", "import", path)
    assert result.exit_code == 0, result.output
    assert "imported 3, rejected 0" in result.output
    assert (
        "warning: no quotas file has named these association codes yet (a typo?): THR (2 rows)"
        in result.output
    )
    db.rollback()
    assert db.get(Association, "THR").name is None
    assert pensioners(db)[GOOD_ID].association_code == "THR"
    # No foreign key holds this (migration 0008): the import itself creates every code.
    orphans = (
        select(func.count())
        .select_from(Pensioner)
        .outerjoin(Association, Association.code == Pensioner.association_code)
    )
    assert db.scalar(orphans.where(Association.code.is_(None))) == 0


def test_every_import_is_audited_with_the_files_hash_and_counts(
    associations, db, cli_env, tmp_path
):
    path = write(tmp_path, f"{GOOD_ID},123456,علی,08,,1,0", f"{OTHER_ID},1,x,08,,1,0")
    invoke(cli_env, "registry", "import", path)
    db.rollback()
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "registry.import")).all()
    details = json.loads(event.details)
    assert (event.target, event.actor.startswith("cli:")) == ("registry.csv", True)
    assert details["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert (details["imported"], details["rejected"]) == (1, 1)
    assert GOOD_ID not in event.details


def test_a_control_character_rejects_its_row_and_the_rest_is_imported(
    associations, db, cli_env, tmp_path
):
    path = write(
        tmp_path, f"{GOOD_ID},123456,علی\x00رضایی,08,,1,0", f"{OTHER_ID},123457,رضا,08,,1,0"
    )
    result = invoke(cli_env, "registry", "import", path)
    assert result.exit_code == 0, result.output
    assert "line 2: a control character (such as NUL) in the text" in result.output
    assert sorted(pensioners(db)) == [OTHER_ID]


def test_text_that_means_something_to_copy_is_stored_as_written(
    associations, db, cli_env, tmp_path
):
    """PostgreSQL's COPY reads backslashes and \\N specially: names keep them as written."""
    names = {GOOD_ID: r"علی \N رضایی", OTHER_ID: "C:\\temp\\ta\\tb", THIRD_ID: "NULL"}
    path = write(tmp_path, *(f'{nid},123456,"{name}",08,,1,0' for nid, name in names.items()))
    result = invoke(cli_env, "registry", "import", path)
    assert result.exit_code == 0, result.output
    assert {nid: p.full_name for nid, p in pensioners(db).items()} == names


def fail_on_second_chunk(monkeypatch, error: BaseException) -> None:
    """Chunks of two rows; the writer thread stores the first and fails on the second."""
    monkeypatch.setattr(registry_import, "CHUNK_ROWS", 2)
    add = PensionerLoader.add

    def add_then_fail(loader, rows, updated_at):
        if loader.session.info.setdefault("chunks", 0):
            raise error
        loader.session.info["chunks"] += 1
        add(loader, rows, updated_at)

    monkeypatch.setattr(PensionerLoader, "add", add_then_fail)


def test_a_database_error_mid_file_is_one_line_and_postgresql_keeps_nothing(
    app, associations, db, cli_env, tmp_path, monkeypatch
):
    """PostgreSQL imports the file in one transaction; SQLite keeps the chunks committed."""
    fail_on_second_chunk(monkeypatch, OperationalError("COPY", None, Exception("gone")))
    path = write(
        tmp_path,
        f"{GOOD_ID},123456,علی,08,,1,0",
        f"{OTHER_ID},123457,رضا,08,,1,0",
        f"{THIRD_ID},123458,مریم,08,,1,0",
    )
    result = invoke(cli_env, "registry", "import", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: the database did not answer (OperationalError); try again when it does"
    ]
    on_postgresql = db.get_bind().dialect.name == "postgresql"
    assert sorted(pensioners(db)) == ([] if on_postgresql else [GOOD_ID, OTHER_ID])


def test_an_error_while_parsing_stops_the_writer_and_postgresql_keeps_nothing(
    app, associations, db, tmp_path, monkeypatch
):
    monkeypatch.setattr(registry_import, "CHUNK_ROWS", 2)
    write(tmp_path, *(f"{GOOD_ID},{123456 + n},علی,08,,1,0" for n in range(2500)))
    calls = []

    def progress(position):
        calls.append(position)
        if len(calls) == 2:  # line 2000: chunks written already
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_registry(
            services.database(), tmp_path / "registry.csv", tmp_path / "r.csv", "test",
            progress=progress,
        )  # fmt: skip
    assert not any(thread.name == "writer" for thread in threading.enumerate())
    stored = pensioners(db)
    if db.get_bind().dialect.name == "postgresql":
        assert stored == {}
    else:  # each chunk committed: the last one written is one the parser had reached
        assert int(stored[GOOD_ID].pension_number) < 123456 + 2000


# How a COPY is made to fail: into the staging table (a registry that holds rows), or
# straight into the registry (an empty one).
FAILED_COPIES = [
    ("staged", "DROP TABLE pensioners_import", ProgrammingError),
    ("straight in", "ALTER TABLE pensioners ADD CONSTRAINT none CHECK (false) NOT VALID",
     IntegrityError),
]  # fmt: skip


@pytest.mark.parametrize(("registry", "breaks", "error"), FAILED_COPIES)
def test_a_failed_copy_is_raised_as_sqlalchemys_error_like_every_statement(
    app, associations, db, registry, breaks, error
):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if registry == "staged":
        PensionerLoader(db).add([parse_registry_row(row(national_id=OTHER_ID))], utcnow())
        db.commit()
    loader = PensionerLoader(db)
    db.connection().exec_driver_sql(breaks)
    with pytest.raises(error):
        loader.add([parse_registry_row(row())], utcnow())
    db.rollback()


def test_an_id_in_two_chunks_of_a_first_import_keeps_its_later_row(app, associations, db):
    """Into an empty registry, chunks go straight in (PostgreSQL: COPY, no upsert) until
    one repeats an ID an earlier chunk wrote: it is upserted, and so is the rest."""
    upserts = []

    def note(_conn, _cursor, statement, *_):
        upserts.append(statement.startswith("INSERT INTO pensioners"))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        loader = PensionerLoader(db)
        first, later = utcnow(), utcnow() + timedelta(seconds=1)
        loader.add(
            [parse_registry_row(row()), parse_registry_row(row(national_id=OTHER_ID))], first
        )
        straight_in = not any(upserts)
        loader.add([parse_registry_row(row(pension_number="654321", mobile=""))], later)
        db.commit()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert straight_in is (engine.dialect.name == "postgresql") and any(upserts)
    stored = pensioners(db)
    assert (stored[GOOD_ID].pension_number, stored[GOOD_ID].mobile) == ("654321", None)
    assert stored[GOOD_ID].updated_at == later
    assert (stored[OTHER_ID].pension_number, stored[OTHER_ID].updated_at) == ("123456", first)


@pytest.mark.parametrize("tail", ["\n", "\t2026-11-29T08:00:00+00:00\n"])
def test_copy_text_escapes_only_when_a_field_needs_it(tail):
    plain = parse_registry_row(row(mobile=""))
    line = f"{GOOD_ID}\t123456\tعلی رضایی\t08\t\\N\tt\tf{tail}"
    assert copy_text([plain, plain], tail) == line * 2
    for odd, escaped in [
        ("a\tb", "a\\tb"),
        ("a\nb", "a\\nb"),
        ("a\\b", "a\\\\b"),
        ("a\rb", "a\\rb"),
    ]:
        text = copy_text([plain, {**plain, "full_name": odd}], tail)
        assert text == line + line.replace("علی رضایی", escaped)


def test_a_second_import_waits_for_the_first_to_commit(app, associations, db):
    """PostgreSQL: imports take turns, so the second sees the rows of the first (and one
    into an empty registry is never raced by another)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite commits each chunk; its writers queue on the database's lock")
    first = PensionerLoader(db)
    first.add([parse_registry_row(row())], utcnow())
    started, database = {}, services.database()

    def second_import():
        with database.session(write=True) as session:
            started["registry was empty"] = PensionerLoader(session)._straight_in

    second = threading.Thread(target=second_import)
    second.start()
    second.join(timeout=1)
    assert second.is_alive() and not started  # waiting on the first's lock
    db.commit()
    second.join(timeout=10)
    assert started == {"registry was empty": False}
