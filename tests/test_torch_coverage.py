"""torch's commonly used names (issue 15's list, lamina._coverage): every tracked name lamina
has stays there, and the documented list of missing ones stays true."""
from __future__ import annotations

import pytest

from lamina import _coverage as cov


@pytest.mark.parametrize("ns", sorted(cov.TRACKED))
def test_present_names_stay_present(ns):
    obj = cov.lookup(ns)
    gone = [n for n in cov.TRACKED[ns] if n not in cov.MISSING[ns] and not hasattr(obj, n)]
    assert not gone, f"{cov.NAMESPACES[ns]} lost {gone} (or list them in _coverage.MISSING)"


@pytest.mark.parametrize("ns", sorted(cov.TRACKED))
def test_missing_list_is_true(ns):
    obj = cov.lookup(ns)
    here = [n for n in cov.MISSING[ns] if hasattr(obj, n)]
    assert not here, (f"{cov.NAMESPACES[ns]} now has {here}: remove them from "
                      f"_coverage.MISSING and update the README's coverage paragraph")
    assert set(cov.MISSING[ns]) <= set(cov.TRACKED[ns])


def test_readme_quotes_the_counts():
    import pathlib
    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README next to the tests")
    text = readme.read_text()
    for ns, (present, total) in cov.report().items():
        assert f"{present} / {total}" in text, (f"README should say {present} / {total} for "
                                                f"{cov.NAMESPACES[ns]}")
