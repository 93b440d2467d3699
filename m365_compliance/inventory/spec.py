"""What the policy file asks the inventory to read, as an :class:`InventorySpec`."""

from __future__ import annotations

from m365_compliance.config.schema import Config
from m365_compliance.inventory.run import InventorySpec, RegisterSpec, ScopeSpec


def inventory_spec(config: Config) -> InventorySpec:
    rec, cus = config.recruitment, config.customers
    unit_columns = tuple(c for c in (rec.application_date_column, rec.hired_column, rec.email_column) if c)
    register = config.register
    return InventorySpec(
        scopes=(
            ScopeSpec("recruitment", rec.site_url, rec.library, rec.folder, rec.folder_depth, unit_columns),
            ScopeSpec("customers", cus.site_url, cus.library, cus.folder, 1, ()),
        ),
        roles={"recruiters": config.roles.recruiters, "management": config.roles.management,
               "sales": config.roles.sales},
        register=RegisterSpec(register.source, register.columns.names(), register.site_url, register.list_name,
                              register.path),
        mode=config.inventory.mode,
        policy_version=config.policy_version,
    )
