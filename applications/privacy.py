# Bump a version whenever the matching notice's text changes: consent records which one was
# shown (templates/applications/privacy_<version>.html, reference_privacy_<version>.html).
APPLICANT_NOTICE_VERSION = "2021-1"
REFEREE_NOTICE_VERSION = "2021-1"
