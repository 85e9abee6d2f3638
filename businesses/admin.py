from django.contrib import admin

from businesses.models import Business, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "brn", "created_at"]
    search_fields = ["legal_name", "brn"]
    inlines = [MembershipInline]
