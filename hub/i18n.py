"""The hub's strings for translation, found as `makemessages` finds them but without GNU gettext: Babel
reads the Python, and Django's own `templatize` first turns each template into gettext calls."""

import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from django.conf import settings
from django.utils.translation.template import templatize

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
# The hub's own code and templates: not the tests, the benchmark or the reliability harness.
SKIPPED = {".venv", "tests", "bench", "reliability", "var", "node_modules", "migrations", "locale", "static"}
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
    "gettext_noop": None,
}
# Lines as wide as the catalogue has always had them, so an update changes only what changed.
WIDTH = 100


def _sources(root: Path, suffix: str) -> Iterator[Path]:
    for path in sorted(root.rglob(f"*{suffix}")):
        if not SKIPPED & set(path.relative_to(root).parts):
            yield path


def messages_extract(root: Path | None = None) -> Catalog:
    """Every string the hub's code and templates mark for translation, with where each comes from."""
    root = root or Path(settings.BASE_DIR)
    catalog = Catalog(project="CDI Hub", version="1", charset="utf-8")
    for path in [*_sources(root, ".py"), *_sources(root, ".html")]:
        if path.suffix == ".html":
            code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            source = io.BytesIO(code.encode())
        else:
            source = io.BytesIO(path.read_bytes())
        for lineno, message, _comments, context in extract("python", source, KEYWORDS):
            if message and (message[0] if isinstance(message, tuple) else message):
                catalog.add(message, locations=[(str(path.relative_to(root)), lineno)], context=context)
    return catalog
