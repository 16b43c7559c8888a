"""Pure-Python helpers of emc_project: no ORM, unit-tested without a database."""
