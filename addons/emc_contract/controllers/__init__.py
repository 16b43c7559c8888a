from . import portal_settlement
