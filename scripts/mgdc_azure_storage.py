#!/usr/bin/env python3
"""Reading an MGDC delivery from Azure storage through ``abfs://``, against Azurite (Microsoft's storage emulator).

Writes the demo tenant as a Parquet delivery, uploads it to a container of the emulator with adlfs, reads every
dataset back through ``Delivery("abfs://<container>/<folder>")`` — the product's own path, credentials from
``AZURE_STORAGE_CONNECTION_STRING`` as on a runner — and prints, per dataset, the rows read locally and remotely and
whether they are equal. Needs the ``[azure-storage]`` extra and a running Azurite blob service:

    pip install -e '.[azure-storage]'
    npx azurite-blob --location /tmp/azurite --blobPort 10000 &      # npm package "azurite"
    python scripts/mgdc_azure_storage.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

#: Azurite's documented development account (learn.microsoft.com: "Use the Azurite emulator", connection strings).
AZURITE = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50"
           "uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")


def main() -> int:
    os.environ.setdefault("AZURE_STORAGE_CONNECTION_STRING", AZURITE)
    import fsspec

    from m365_compliance.mgdc.delivery import DATASET_IDS, Delivery
    from m365_compliance.mgdc.rows import read_dataset
    from m365_compliance.sandbox.demo import build_demo_tenant
    from m365_compliance.sandbox.mgdc_export import write_mgdc

    tenant = build_demo_tenant().tenant
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / "delivery"
        write_mgdc(tenant, local, snapshot_date=tenant.clock.date(), fmt="parquet")
        storage = fsspec.filesystem("abfs", connection_string=os.environ["AZURE_STORAGE_CONNECTION_STRING"])
        if not storage.exists("mgdc"):
            storage.mkdir("mgdc")
        storage.put(str(local), "mgdc/delivery", recursive=True)
        equal = True
        print(f"{'dataset':<45} {'local rows':>10} {'abfs rows':>10}  equal")
        for dataset, name in DATASET_IDS.items():
            here = read_dataset(Delivery(str(local)), dataset, lambda r: True).rows
            there = read_dataset(Delivery("abfs://mgdc/delivery"), dataset, lambda r: True).rows
            equal &= here == there
            print(f"{name:<45} {len(here):>10} {len(there):>10}  {'yes' if here == there else 'NO'}")
        storage.rm("mgdc/delivery", recursive=True)
        shutil.rmtree(local)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
