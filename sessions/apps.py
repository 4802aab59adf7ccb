from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; ours must differ and never change.
    name = "sessions"
    label = "schedule"
    verbose_name = "Schedule"

    def navigation_items(self, user):
        from cohorts.selectors import has_cohort
        from panitch.enums import Role
        from panitch.navigation import NavItem, url

        items = []
        # Participants (has_cohort is cached: every page asks) and facilitators.
        if user.has_role(Role.FACILITATOR) or has_cohort(user=user):
            items.append(NavItem("Schedule", url("schedule:schedule")))
        if user.is_superuser or user.has_role(Role.PROGRAMME_ADMIN):
            items.append(NavItem("Curriculum", url("schedule:editions")))
        return items

    def load_demo_data(self):
        from .demo import load

        load()
