"""Who may do what with the schedule. Participants and facilitators reach sessions through
sessions.selectors, which scope every query to them; these rules govern staff pages and the
admin."""

import rules

from panitch.rules import is_facilitator, is_programme_admin

is_schedule_admin = is_programme_admin | rules.is_superuser

rules.add_perm("schedule", is_schedule_admin)
rules.add_perm("schedule.manage_curriculum", is_schedule_admin)
rules.add_perm("schedule.view_completion", is_schedule_admin)
rules.add_perm("schedule.lead_sessions", is_facilitator | is_schedule_admin)
for model in ("session", "attendance", "material", "schedulesettings", "freesessionrequest"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"schedule.{action}_{model}", is_schedule_admin)
