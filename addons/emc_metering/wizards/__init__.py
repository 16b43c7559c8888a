from . import emc_weather_temperature_import
