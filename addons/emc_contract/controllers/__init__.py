from . import portal_settlement
from . import portal
