from . import emc_weather_temperature_import
from . import emc_meter_reading_import
