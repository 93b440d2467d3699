"""Graph resource handlers; importing this package registers every route on ROUTES."""
from m365_compliance.sandbox.http.resources import sites  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import lists  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import directory  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import batch  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import retention_events  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import drives  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import delta  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import permissions  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import labels  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import mail  # noqa: F401,E402
from m365_compliance.sandbox.http.resources import content  # noqa: F401
from m365_compliance.sandbox.http.resources import search  # noqa: F401
