"""Who sees and who closes alerts (issue 20 §3), as keys of core.permissions.PERMISSIONS.

Supervisors (justice bureau roles, granted on a jurisdiction) see the alerts of every agency in their subtree; an
agency's staff see their agency's (an agency grant): the org scope of one permission gives both.
"""

VIEW = "supervision.view"
CLOSE = "supervision.alert_close"
# Switching a model on or off and setting its thresholds is a new version of a rule: the rules' own permission.
CONFIGURE = "rules.manage"
# Whose to-do list shows the agency's open alerts: its heads (an agency grant of the overdue-work permission).
TODO = "worklist.view_overdue"
