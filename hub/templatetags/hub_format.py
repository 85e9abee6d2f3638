from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()


@register.filter
def hkd_short(value) -> str:
    """HK$ amounts the way headline tiles show them: HK$58.1bn and HK$475.4m, or 581.0億港元 in Chinese."""
    if value is None:
        return "—"
    amount = float(value)
    # Chinese counts large sums in 萬 (ten thousand) and 億 (a hundred million), not in millions.
    if (get_language() or "").startswith("zh"):
        if abs(amount) >= 1e8:
            return f"{number_format(amount / 1e8, 1)}億港元"
        if abs(amount) >= 1e4:
            return f"{number_format(amount / 1e4, 1)}萬港元"
        return f"{number_format(round(amount), 0, force_grouping=True)}港元"
    if abs(amount) >= 1e9:
        return f"HK${number_format(amount / 1e9, 1)}bn"
    if abs(amount) >= 1e6:
        return f"HK${number_format(amount / 1e6, 1)}m"
    return "HK$" + number_format(round(amount), 0, force_grouping=True)


@register.filter
def hkd(value) -> str:
    """A full HK$ amount with cents: HK$1,234.50, or 1,234.50港元 in Chinese."""
    if value is None:
        return "—"
    amount = number_format(float(value), 2, force_grouping=True)
    return f"{amount}港元" if (get_language() or "").startswith("zh") else f"HK${amount}"


@register.filter
def percent(value, signed: str = "") -> str:
    """A ratio as a percentage with one decimal (0.625 is 62.5%); with "signed", a change: +12.5% or -4.0%."""
    if value is None:
        return "—"
    number = round(float(value) * 100, 1)
    if not signed:
        return f"{number_format(number, 1)}%"
    sign = "+" if number > 0 else "-" if number < 0 else ""
    return f"{sign}{number_format(abs(number), 1)}%"
