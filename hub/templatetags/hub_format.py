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
