from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def navigation_items(self, user):
        from panitch.navigation import NavItem, is_staff_role, url

        if not is_staff_role(user):
            # Applicants and participants: no permission lookups needed to know this.
            return [NavItem("Your application", url("applications:dashboard"))]
        items = []
        if user.has_perm("applications.review_application"):
            items.append(NavItem("Reviews", url("applications:review_list")))
        if user.has_perm("applications.decide_application"):
            items.append(NavItem("Selection", url("applications:selection_dashboard")))
        return items

    def load_demo_data(self):
        from .demo import load

        load()
