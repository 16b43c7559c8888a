"""Meter protocol layer of emc_metering: pure Python, no ORM, no Odoo import.

Modules (import the one you need; this package imports none of them, so that
reading a device map does not pull in pymodbus or paho-mqtt):

* :mod:`.points`: register points, register codecs (every integer, float and
  BCD layout), read planning, device maps (``maps/*.csv``) and the
  :class:`~.points.Reading` every driver returns.
* :mod:`.modbus`: asynchronous Modbus RTU / TCP reader over pymodbus, one lock
  per gateway.
* :mod:`.dlt645`: DL/T 645-2007 frame codec and a serial client (with an
  asyncio wrapper).
* :mod:`.mqtt`: the JSON payload of MQTT gateways, its strict parser and a
  paho-mqtt subscriber.
"""
