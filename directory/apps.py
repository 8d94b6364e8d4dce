from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Member directory")

    def ready(self) -> None:
        from directory.triggers import install_change_triggers

        post_migrate.connect(install_change_triggers, sender=self)
