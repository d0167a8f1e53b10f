"""Cohorts and follow-up: creating cohorts, joining by deep link, coordinators, nudges
and when they may arrive."""
