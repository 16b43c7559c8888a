from . import dispatcher
