"""The holiday package adapter: the years the installed chinese-calendar knows, and the test
seam that makes a later release's year known (read from a file in the package's shape)."""
import json
from datetime import date

from booking.adapters.official_package import ChineseCalendarPackage, load_supplement


def test_the_installed_release_knows_2026_and_not_2027():
    package = ChineseCalendarPackage()
    assert package.knows(2026) and not package.knows(2027)
    assert package.is_working(date(2026, 10, 1)) is False and package.is_working(date(2027, 1, 4)) is None
    holidays, workdays = package.year_lists(2026)
    assert date(2026, 10, 1) in holidays and all(d.year == 2026 for d in holidays + workdays)
    assert package.year_lists(2027) == ([], [])


def test_a_supplement_behaves_as_a_later_release(tmp_path):
    f = tmp_path / "release.json"
    f.write_text(json.dumps({"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-20"]}}))
    package = ChineseCalendarPackage(load_supplement(str(f)))
    assert package.knows(2027)
    assert package.is_working(date(2027, 1, 1)) is False and package.is_working(date(2027, 2, 20)) is True
    assert package.is_working(date(2027, 1, 4)) is True
    assert package.year_lists(2027) == ([date(2027, 1, 1)], [date(2027, 2, 20)])
    assert load_supplement(None) == {}
