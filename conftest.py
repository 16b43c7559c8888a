"""Repository-wide pytest hooks for the browser tests.

Odoo's HttpCase skips a browser test (a tour) when it cannot find or start
Chromium. Where a browser is required -- ``scripts/test.sh`` sets
``EMC_REQUIRE_BROWSER=1``, and CI sets ``CI=true`` -- such a skip is turned
into a failure, so that the tours can never silently stop running.

Odoo's own test runner generates the asset bundles once before its HTTP
tests (``ir.qweb._pregenerate_assets_bundles``); pytest-odoo does not, and
every tour would then compile them inside its own rolled-back transaction,
slowly enough to miss the browser's 60-second readiness timeout. The
session fixture below does what Odoo's runner does.
"""

import os

import pytest

_TRUE = {"1", "true", "yes"}


def _browser_required():
    return (
        os.environ.get("EMC_REQUIRE_BROWSER", "").lower() in _TRUE
        or os.environ.get("CI", "").lower() in _TRUE
    )


def _is_http_case(item):
    instance = getattr(item, "instance", None)
    return instance is not None and any(
        cls.__name__ == "HttpCase" for cls in type(instance).__mro__
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _is_http_case(item) and _browser_required():
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: an HTTP/browser test was skipped ({reason}) while a browser "
            "is required (EMC_REQUIRE_BROWSER or CI is set). Install Chromium "
            "(scripts/setup.sh does) and check that it starts headless."
        )


def pytest_collection_modifyitems(session, config, items):
    session.emc_has_http_case = any(_is_http_case(item) for item in items)


@pytest.fixture(scope="session", autouse=True)
def emc_pregenerated_assets(request):
    """Asset bundles committed to the test database before the first tour."""
    if not (
        getattr(request.session, "emc_has_http_case", False)
        and request.config.getoption("--odoo-http", default=False)
    ):
        return
    request.getfixturevalue("load_registry")  # pytest-odoo's: the registry is loaded
    import odoo
    from odoo.modules.registry import Registry

    with Registry(odoo.tools.config["db_name"]).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.qweb"]._pregenerate_assets_bundles()
