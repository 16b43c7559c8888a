"""The meter poller: a long-running process outside the Odoo server.

Started by ``odoo-bin emc-poller`` (``cli/emc_poller.py``, documented in
``readme/POLLER.md``). :mod:`.slots` holds the pure scheduling rules,
:mod:`.engine` the asyncio engine and its store interface, :mod:`.links`
the gateway workers (Modbus TCP/RTU, DL/T 645, MQTT) and :mod:`.store` the
Odoo side (leases, configuration, batched writes). Only :mod:`.store`
imports Odoo.
"""
