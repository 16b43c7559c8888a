from . import test_readings
from . import test_mv_baseline
from . import test_mv_savings
from . import test_mv_forecast
from . import test_mv_weather
from . import test_mv_report
from . import test_mv_portal
