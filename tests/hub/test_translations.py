from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_traditional_chinese_translation():
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (not message.string or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
