from bot.i18n import Translate, language_of, translator_for


def test_language_from_locale() -> None:
    assert language_of("en-US") == "en"
    assert language_of("en-GB") == "en"
    assert language_of("ja") is None  # no catalogue yet
    assert language_of(None) is None


def test_member_locale_first_then_server_then_english() -> None:
    assert translator_for("en-GB", "en").language == "en"
    assert translator_for("ja", None).language == "en"
    assert Translate("xx").language == "en"


def test_translation_fills_fields_after_translating() -> None:
    t = Translate("en")
    assert t("Hello {name}", name="{not a field}") == "Hello {not a field}"
    assert t.plural("{n} member", "{n} members", 1) == "1 member"
    assert t.plural("{n} member", "{n} members", 3) == "3 members"
