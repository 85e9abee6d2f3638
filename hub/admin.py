from django.contrib import admin

from hub.models import FxRate


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "on", "rate_to_hkd"]
    list_filter = ["currency"]
    date_hierarchy = "on"
