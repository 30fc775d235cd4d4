"""The import's fast paths: parts of the store that exist only for speed (see README.md).

The simple route (`store.reading`, `store.batch`, `store.ingest`) imports every format on its
own; these modules make the common case quick and are held to the same results by tests.
"""
