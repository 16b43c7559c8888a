"""``odoo-bin emc-poller``: the meter poller as an Odoo command (see readme/POLLER.md).

Odoo discovers the commands of the addons that have a ``cli`` folder when
the addons path comes first on the command line::

    odoo-bin --addons-path=ADDONS emc-poller -c odoo.conf -d DATABASE [options]

The poller's own options are parsed here; everything else goes to Odoo's
configuration parser (``-c``, ``-d``, ``--db_host``, ``--log-level``...).
"""

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import odoo
from odoo.cli import Command
from odoo.tools import config

_logger = logging.getLogger(__name__)


def build_parser(prog):
    parser = argparse.ArgumentParser(
        prog=prog,
        allow_abbrev=False,
        description="Poll the meters of emc_metering (Modbus TCP/RTU, DL/T 645-2007, MQTT) "
        "until SIGTERM or SIGINT. Pollers share the gateways through leases in the database.",
        epilog="Other options are Odoo's: -c CONFIG, -d DATABASE (required), --db_host, "
        "--log-level, --logfile...",
    )
    parser.add_argument(
        "--name",
        default=f"{socket.gethostname()}-{os.getpid()}",
        help="Name of this poller, unique among the running ones (default: host-pid). "
        "A fixed name lets a restarted poller resume its leases at once.",
    )
    parser.add_argument(
        "--gateways",
        default="%",
        metavar="PATTERN",
        help="Only take the gateways whose code matches this SQL LIKE pattern "
        "(%% for any text, e.g. 'BZ-%%'; default: all).",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=30.0,
        help="Lease length; renewed every third of it. A poller that dies loses its "
        "gateways to the others after this long (default 30).",
    )
    parser.add_argument(
        "--flush-seconds",
        type=float,
        default=1.0,
        help="Readings are written at least this often (default 1).",
    )
    parser.add_argument(
        "--max-buffer",
        type=int,
        default=2000,
        help="Polls held before an early write (default 2000).",
    )
    parser.add_argument(
        "--seconds-per-minute",
        type=float,
        default=60.0,
        help="Length of a minute of the polling intervals, in seconds: 60 in production; "
        "tests and demonstrations shrink it (default 60).",
    )
    return parser


class EmcPoller(Command):
    """Poll the EMC meters (Modbus, DL/T 645, MQTT) until stopped"""

    name = "emc-poller"

    def run(self, cmdargs):
        parser = build_parser(f"{Path(sys.argv[0]).name} {self.name}")
        options, rest = parser.parse_known_args(cmdargs)
        config.parse_config(rest, setup_logging=True)
        dbname = config["db_name"]
        if not dbname or "," in str(dbname):
            parser.error("one database is required: -d DATABASE")
        if options.lease_seconds <= 0 or options.flush_seconds <= 0:
            parser.error("--lease-seconds and --flush-seconds must be positive")
        from ..poller.engine import Poller
        from ..poller.store import OdooStore, PollerNameTaken

        threading.current_thread().dbname = dbname
        registry = odoo.modules.registry.Registry(dbname)
        if "emc.meter.poller" not in registry:
            sys.exit(f"emc_metering is not installed (or not up to date) in {dbname}.")
        poller = Poller(
            OdooStore(registry, scope=options.gateways),
            name=options.name,
            lease_seconds=options.lease_seconds,
            flush_interval=options.flush_seconds,
            max_buffer=options.max_buffer,
            seconds_per_minute=options.seconds_per_minute,
        )
        try:
            asyncio.run(self._serve(poller))
        except PollerNameTaken as exc:
            sys.exit(str(exc))
        return 0

    @staticmethod
    async def _serve(poller):
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, poller.request_stop)
        await poller.run()
