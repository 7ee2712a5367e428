"""Staff pages of random inspections: the setup part (see urls.py)."""

from django.urls import path

from . import views_setup as v

urlpatterns = [
    path("", v.home, name="inspections-home"),
    path("items/", v.item_list_list, name="inspections-item-lists"),
    path("items/new/", v.item_list_new, name="inspections-item-list-new"),
    path("items/template.xlsx", v.item_template, name="inspections-item-template"),
    path("items/<int:pk>/", v.item_list_detail, name="inspections-item-list"),
    path("items/<int:pk>/act/<str:move>/", v.item_list_act, name="inspections-item-list-act"),
    path("items/<int:pk>/export.xlsx", v.item_list_export, name="inspections-item-list-export"),
    path("directory/<int:agency>/", v.directory_page, name="inspections-directory"),
    path("directory/<int:agency>/inspectors/", v.inspector_directory, name="inspections-inspectors"),
    path("directory/<int:agency>/import/", v.directory_import, name="inspections-directory-import"),
    path("directory/<int:agency>/template.xlsx", v.directory_template, name="inspections-directory-template"),
    path("directory/<int:agency>/export.xlsx", v.directory_export, name="inspections-directory-export"),
    path("targets/<int:pk>/", v.target_detail, name="inspections-target"),
    path("targets/<int:pk>/recusals/", v.recusal_declare, name="inspections-recusal-declare"),
    path("recusals/<int:pk>/end/", v.recusal_end, name="inspections-recusal-end"),
    path("plans/", v.plan_list, name="inspections-plans"),
    path("plans/new/", v.plan_new, name="inspections-plan-new"),
    path("plans/<int:pk>/", v.plan_detail, name="inspections-plan"),
    path("plans/<int:pk>/batches/new/", v.batch_new, name="inspections-batch-new"),
    path("plans/<int:pk>/file/", v.plan_file, name="inspections-plan-file"),
    path("batches/<int:pk>/", v.batch_detail, name="inspections-batch"),
]
