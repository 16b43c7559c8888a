from . import emc_poller
