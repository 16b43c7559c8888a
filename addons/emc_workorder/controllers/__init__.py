from . import portal
from . import evidence
