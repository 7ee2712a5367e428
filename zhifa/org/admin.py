from django.contrib import admin

from .models import Adviser, AdviserLoan, Agency, Certificate, Jurisdiction, Person, RoleGrant, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    search_fields = ("name", "code")
    readonly_fields = ("path",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "field", "jurisdiction", "status", "is_justice_bureau")
    list_filter = ("status", "kind", "field", "is_justice_bureau")
    search_fields = ("name",)
    list_select_related = ("jurisdiction",)
    autocomplete_fields = ("jurisdiction", "upper_agency", "entrusted_by")
    readonly_fields = ("confirmed_at", "confirmed_by")
    inlines = [UnitInline]


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    autocomplete_fields = ("area",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "unit", "post", "is_reviewer", "active")
    list_filter = ("is_reviewer", "active", "agency__field")
    search_fields = ("name", "certificates__number")
    list_select_related = ("agency", "unit")
    autocomplete_fields = ("agency", "user")
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "person", "category", "area", "valid_from", "valid_to", "revoked_at")
    list_filter = ("category",)
    search_fields = ("number", "person__name")
    list_select_related = ("person", "area")
    autocomplete_fields = ("person", "area")


@admin.register(Adviser)
class AdviserAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "field", "pool_jurisdiction", "active")
    list_filter = ("kind", "field", "active")
    search_fields = ("name",)


@admin.register(AdviserLoan)
class AdviserLoanAdmin(admin.ModelAdmin):
    list_display = ("adviser", "agency", "starts_on", "ends_on", "approved_by")


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "agency", "jurisdiction", "granted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user", "agency", "jurisdiction")
