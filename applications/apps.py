from django.apps import AppConfig
from django.urls import reverse


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def navigation_items(self, user):
        from panitch.navigation import NavItem, is_staff_role

        if is_staff_role(user):
            return []
        return [NavItem("Your application", reverse("applications:dashboard"))]

    def load_demo_data(self):
        from .demo import load

        load()
