from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts"

    def navigation_items(self, user):
        from panitch.enums import Role
        from panitch.navigation import NavItem, url

        from .selectors import has_cohort

        items = []
        if has_cohort(user=user):
            items.append(NavItem("Your cohort", url("cohorts:mine")))
        if user.has_role(Role.FACILITATOR):
            items.append(NavItem("Your rosters", url("cohorts:roster_list")))
        if user.has_role(Role.PROGRAMME_ADMIN) or user.is_superuser:
            items.append(NavItem("Cohorts", url("cohorts:allocation_current")))
        return items

    def load_demo_data(self):
        from .demo import load

        load()
