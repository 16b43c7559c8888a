"""Pure-Python helpers of emc_contract: no ORM, unit-tested without a database."""
