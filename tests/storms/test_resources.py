"""The grief resources are data with sources, in English and Spanish; a server's region's own
entries come first."""

from __future__ import annotations

from cogs.storms.resources import checked, resources_for


def test_every_resource_names_its_source_in_both_languages() -> None:
    for language in ("en", "es"):
        found = resources_for(language, None)
        assert len(found) >= 3
        for item in found:
            assert item.name and item.what and item.where
            assert item.url.startswith("https://") and item.source.startswith("https://")
    assert checked() == "2026-12-07"


def test_the_region_comes_first_and_an_unknown_language_reads_english() -> None:
    assert resources_for("en", "US")[0].regions == ("US",)
    assert resources_for("en", "GB")[0].regions == ("GB",)
    assert resources_for("es", "ES")[0].regions == ("ES",)
    assert resources_for("fr", None) == resources_for("en", None)
