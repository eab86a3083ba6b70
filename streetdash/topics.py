"""The metrics of each topic, in the order the dashboard shows them: a topic page's cards and its
section's table in the monthly report are the same list (keys of ``metrics.toml``)."""

TASKS = [
    # Judged by the tasks due in the period (GB/T 30428, the 12345 hotline's 考核) ...
    "tasks.due",
    "tasks.closure_rate",
    "tasks.on_time_rate",
    "tasks.overdue_open",
    # ... and the flow of tasks published in it.
    "tasks.published",
    "tasks.response_rate",
    "tasks.median_days_to_close",
    "tasks.satisfaction_rate",
    "tasks.claims",
    "tasks.closed",
    "tasks.published_closure_rate",
    "tasks.due_closed",
]
MEDIATION = [
    "mediation.cases",
    "mediation.success_rate",
    "mediation.grid_rate",
    "mediation.community_rate",
    "mediation.settled",
    "mediation.escalated",
    "mediation.median_days",
    "mediation.closed",
]
EMPLOYMENT = [
    "jobs.postings",
    "jobs.vacancies",
    "jobs.registrations",
    "jobs.intents",
    "jobs.placements",
    "jobs.trainees",
    "jobs.certified",
    "events.count",
]
GRIDS = [
    "grids.count",
    "grids.area_coverage",
    "grids.overlaps",
    "grids.oversized",
    "grids.no_leader",
    "grids.households_per_staff",
    "grids.household_coverage",
    "grids.events_per_1000",
]
POINTS = ["points.participants", "points.earned", "points.redeemed", "points.redeemers", "points.balance"]
PARTY = [
    "party.registered",
    "party.active_rate",
    "party.service_hours",
    "party.orgs",
    "projects.total",
    "projects.closure_rate",
    "projects.overdue",
    "party.grid_groups",
    "units.count",
    "units.alliance",
    "volunteers.teams",
    "volunteers.neighbours",
]
