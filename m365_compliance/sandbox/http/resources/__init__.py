"""Graph resource handlers; importing this package registers every route on ROUTES."""
