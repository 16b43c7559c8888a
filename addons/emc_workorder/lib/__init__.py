"""Pure-Python helpers of emc_workorder: no ORM, unit-tested without a database."""
