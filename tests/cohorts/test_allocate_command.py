"""`manage.py allocate`: CSV in, JSON or a table out, no database, clear errors."""

import json
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

PLACES = """\
id,weekend,region,postcode,journey:London,journey:Leeds,pin
ann,either,yorkshire,LS6 1AA,,,
bob,a,london,SE15 4AA,under-1h,over-2.5h,
cat,either,,M1 1AA,,,leeds
dee,b,north-west,,over-2.5h,1h-2.5h,
"""
COHORTS = """\
id,weekend,venue_city,capacity
london,a,London,20
leeds,b,Leeds,20
"""


def write(tmp_path, places=PLACES, cohorts=COHORTS):
    (tmp_path / "places.csv").write_text(places, encoding="utf-8")
    (tmp_path / "cohorts.csv").write_text(cohorts, encoding="utf-8")
    return ["--places", str(tmp_path / "places.csv"), "--cohorts", str(tmp_path / "cohorts.csv")]


def run(*args):
    out = StringIO()
    call_command("allocate", *args, stdout=out)
    return out.getvalue()


def test_allocate_prints_the_allocation_as_json(tmp_path):
    data = json.loads(run(*write(tmp_path), "--json"))

    assert data == {
        "status": "optimal",
        "objective": 2.0,
        "imbalance": 2.5,
        "gap": 0.0,
        "assignments": {"ann": "leeds", "bob": "london", "cat": "leeds", "dee": "leeds"},
        "explanation": {
            "ann": "Leeds: under 1 hour (estimated from postcode area LS), London: over 2½ hours "
            "(estimated from postcode area LS); either weekend",
            "bob": "Leeds: over 2½ hours, London: under 1 hour; weekend A only",
            "cat": "Leeds: 1 to 2½ hours (estimated from postcode area M), London: over 2½ hours "
            "(estimated from postcode area M); either weekend; pinned to leeds",
            "dee": "Leeds: 1 to 2½ hours, London: over 2½ hours; weekend B only",
        },
        "problems": [],
    }


def test_allocate_prints_a_table_without_json(tmp_path):
    table = run(*write(tmp_path))

    assert table.splitlines()[:3] == [
        "Status: optimal",
        "Journey burden: 2; imbalance: 2.500",
        "",
    ]
    assert "leeds — Leeds, weekend B: 3 of 20" in table
    assert "london — London, weekend A: 1 of 20" in table
    assert "  bob  burden 0  Leeds: over 2½ hours, London: under 1 hour; weekend A only" in table


def test_allocate_same_json_twice_and_with_rows_shuffled(tmp_path):
    rng = random.Random(3)
    rows = ["id,weekend,region,postcode,journey:London,journey:Leeds"]
    for i in range(30):
        rows.append(
            f"p{i:02},{rng.choice(['a', 'b', 'either'])},{rng.choice(['london', 'yorkshire', ''])},"
            f"{rng.choice(['LS1 1AA', 'E1 6AN', 'B1 1AA', ''])},"
            f"{rng.choice(['', 'under-1h', 'over-2.5h'])},{rng.choice(['', '1h-2.5h'])}"
        )
    cohorts = "id,weekend,venue_city,capacity\nl1,a,London,10\nl2,b,London,10\nd1,b,Leeds,15\n"
    args = write(tmp_path, places="\n".join(rows) + "\n", cohorts=cohorts)
    first, second = run(*args, "--json"), run(*args, "--json")
    body = rows[1:]
    rng.shuffle(body)
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    cohort_lines = cohorts.splitlines()
    third = run(
        *write(
            shuffled,
            places="\n".join([rows[0], *body]) + "\n",
            cohorts="\n".join([cohort_lines[0], *reversed(cohort_lines[1:])]) + "\n",
        ),
        "--json",
    )

    assert json.loads(first)["status"] == "optimal"
    assert first == second == third


def test_allocate_infeasible_prints_why_and_fails(tmp_path):
    places = "id,weekend,region,postcode\n" + "".join(f"p{i},a,,\n" for i in range(3))
    cohorts = "id,weekend,venue_city,capacity\nx,a,Leeds,2\ny,b,London,5\n"
    out = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("allocate", *write(tmp_path, places, cohorts), "--json", stdout=out)

    assert error.value.returncode == 1
    assert json.loads(out.getvalue())["problems"] == [
        "3 people can only attend weekend A, which has 2 places: unpin, add capacity or "
        "move someone"
    ]


BAD_PLACES = [
    (
        "id,weekend,postcode\n",
        "places.csv has no region column (expected id, weekend, region, postcode).",
    ),
    (
        "id,weekend,region,postcode\np1,c,,\n",
        "places.csv, row 2 (p1): weekend must be a, b or either, not 'c'.",
    ),
    (
        "id,weekend,region,postcode\np1,,,\n",
        "places.csv, row 2 (p1): weekend must be a, b or either, not ''.",
    ),
    (
        "id,weekend,region,postcode\np1,a,,\np1,b,,\n",
        "places.csv, row 3 (p1): id p1 is also on row 2.",
    ),
    ("id,weekend,region,postcode\n,a,,\n", "places.csv, row 2: the id is blank."),
    (
        "id,weekend,region,postcode,journey:Leeds\np1,a,,,2 hours\n",
        "places.csv, row 2 (p1): journey:Leeds must be under-1h, 1h-2.5h, over-2.5h or blank, "
        "not '2 hours'.",
    ),
    (
        "id,weekend,region,postcode,pin\np1,a,,,york\n",
        "places.csv, row 2 (p1): pin 'york' is not a cohort id.",
    ),
    (
        "id,weekend,region,postcode\np1,a,mars,\n",
        "places.csv, row 2 (p1): 'mars' is not a region (expected one of east, east-midlands, "
        "london, north-east, north-west, northern-ireland, scotland, south-east, south-west, "
        "wales, west-midlands, yorkshire, or blank).",
    ),
    (
        "id,weekend,region,postcode,experienced\np1,a,,,maybe\n",
        "places.csv, row 2 (p1): experienced must be yes or no, not 'maybe'.",
    ),
    ("id,weekend,region,postcode\np1,a,,,extra\n", "places.csv, row 2: more cells than columns."),
]


@pytest.mark.parametrize(("places", "message"), BAD_PLACES)
def test_allocate_bad_places_csv_names_the_row(tmp_path, places, message):
    with pytest.raises(CommandError) as error:
        run(*write(tmp_path, places=places))
    assert str(error.value) == message
    assert error.value.returncode == 2


BAD_COHORTS = [
    (
        "id,weekend,capacity\n",
        "cohorts.csv has no venue_city column (expected id, weekend, venue_city, capacity).",
    ),
    (
        "id,weekend,venue_city,capacity\nx,a,Leeds,0\n",
        "cohorts.csv, row 2 (x): capacity must be a whole number of at least 1, not '0'.",
    ),
    (
        "id,weekend,venue_city,capacity\nx,a,Leeds,\n",
        "cohorts.csv, row 2 (x): capacity must be a whole number of at least 1, not ''.",
    ),
    (
        "id,weekend,venue_city,capacity\nx,c,Leeds,3\n",
        "cohorts.csv, row 2 (x): weekend must be a or b, not 'c'.",
    ),
    (
        "id,weekend,venue_city,capacity\nx,a,Leeds,3\nx,b,York,3\n",
        "cohorts.csv, row 3 (x): id x is also on row 2.",
    ),
    (
        "id,weekend,venue_city,capacity\nx,a,,3\n",
        "cohorts.csv, row 2 (x): the venue city is blank.",
    ),
    ("id,weekend,venue_city,capacity\n", "cohorts.csv has no cohorts."),
    ("", "cohorts.csv is empty: expected a header row."),
]


@pytest.mark.parametrize(("cohorts", "message"), BAD_COHORTS)
def test_allocate_bad_cohorts_csv_names_the_row(tmp_path, cohorts, message):
    with pytest.raises(CommandError) as error:
        run(*write(tmp_path, cohorts=cohorts))
    assert str(error.value) == message


def test_allocate_missing_file_is_a_message(tmp_path):
    with pytest.raises(CommandError) as error:
        run("--places", str(tmp_path / "none.csv"), "--cohorts", str(tmp_path / "none.csv"))
    assert str(error.value) == f"{tmp_path / 'none.csv'}: no such file."


def test_allocate_bad_input_from_the_shell_exits_non_zero_without_a_traceback(tmp_path):
    args = write(tmp_path, cohorts="id,weekend,venue_city,capacity\nx,a,Leeds,none\n")
    manage = Path(__file__).resolve().parents[2] / "manage.py"

    done = subprocess.run(
        [sys.executable, str(manage), "allocate", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "CommandError: cohorts.csv, row 2 (x): capacity must be a whole number of at least 1, "
        "not 'none'.\n"
    )


def test_allocate_help_defines_the_objective():
    parser = (
        __import__("cohorts.management.commands.allocate", fromlist=["Command"])
        .Command()
        .create_parser("manage.py", "allocate")
    )
    text = parser.format_help()

    assert "under 1 hour = 0, 1 to 2.5 hours = 1,\n   over 2.5 hours = 3" in text
    assert "region 1 (one group per region" in text
