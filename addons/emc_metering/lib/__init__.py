"""Pure-Python helpers of emc_metering: no ORM, unit-tested without a database."""
