"""Assets: how target state and assets are recorded (records, acceptance), what people do with them
(accept, pin, seed, upload checked by its bytes) and garbage collection of unreferenced blobs."""
