from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; ours must differ and never change.
    name = "sessions"
    label = "schedule"
    verbose_name = "Schedule"

    def navigation_items(self, user):
        from panitch.enums import Role
        from panitch.navigation import NavItem, is_staff_role, url

        items = []
        # Participants (anyone without a staff role: knowing who has a place would cost every
        # page a query; the page says when there is none yet) and facilitators.
        if user.has_role(Role.FACILITATOR) or not is_staff_role(user):
            items.append(NavItem("Schedule", url("schedule:schedule")))
        if user.is_superuser or user.has_role(Role.PROGRAMME_ADMIN):
            items.append(NavItem("Curriculum", url("schedule:editions")))
        return items

    def load_demo_data(self):
        from .demo import load

        load()
