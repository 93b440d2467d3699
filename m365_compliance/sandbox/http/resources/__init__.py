"""Graph resource handlers, one module per resource family.

Each module registers its routes on ``routing.ROUTES`` when imported; ``http/route_tables.py``
imports them all for the app. This package imports nothing itself, so importing one resource
module (or its helpers in ``addressing``) never pulls in the rest.
"""
