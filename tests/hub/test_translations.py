from babel.messages.pofile import read_po

from hub.i18n import CATALOGUE, messages_extract


def _catalogue():
    with CATALOGUE.open("rb") as source:
        return read_po(source)


def test_every_message_has_a_traditional_chinese_translation():
    catalogue = _catalogue()
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (not message.string or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_visible_string_in_the_code_is_in_the_catalogue():
    """A string marked for translation but missing from the catalogue shows in English on a Chinese page."""
    catalogue = _catalogue()
    missing = sorted(
        (message.context or "", message.id if isinstance(message.id, str) else message.id[0])
        for message in messages_extract()
        if message.id and catalogue.get(message.id, context=message.context) is None
    )
    assert missing == [], "run `manage.py update_catalogue`, then translate"
