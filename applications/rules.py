"""Who may see and change applications. Applicants reach only their own through the views
(every query there is scoped to request.user); these rules govern staff pages and the admin."""

import rules

from panitch.rules import is_programme_admin, is_reviewer

rules.add_perm("applications", is_reviewer | is_programme_admin)
rules.add_perm("applications.view_application", is_reviewer | is_programme_admin)
rules.add_perm("applications.change_application", is_programme_admin)
rules.add_perm("applications.view_referee", is_reviewer | is_programme_admin)
rules.add_perm("applications.view_reference", is_reviewer | is_programme_admin)

# Reviewing and deciding (the review and decision capability).
rules.add_perm("applications.review_application", is_reviewer)
# The staff review pages: reviewers score there, programme admins read every review.
rules.add_perm("applications.read_reviews", is_reviewer | is_programme_admin)
rules.add_perm("applications.decide_application", is_programme_admin)
rules.add_perm("applications.view_review", is_programme_admin)
rules.add_perm("applications.view_decisionchange", is_programme_admin)
rules.add_perm("applications.view_decisionrelease", is_programme_admin)
rules.add_perm("applications.change_decisionrelease", is_programme_admin)
rules.add_perm("applications.view_outcomeemail", is_programme_admin)
rules.add_perm("applications.add_outcomeemail", is_programme_admin)
rules.add_perm("applications.change_outcomeemail", is_programme_admin)
