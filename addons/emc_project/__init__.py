from . import controllers, lib, models
