"""Assets beyond storing and serving them: garbage collection of unreferenced blobs."""
