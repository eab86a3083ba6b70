"""The metrics of each topic, in the order the dashboard shows them: a topic page's cards and its
section's table in the monthly report are the same list (keys of ``metrics.toml``)."""

TASKS = [
    "tasks.published",
    "tasks.claims",
    "tasks.closed",
    "tasks.closure_rate",
    "tasks.on_time_rate",
    "tasks.median_days_to_close",
    "tasks.overdue_open",
    "tasks.satisfaction_rate",
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
