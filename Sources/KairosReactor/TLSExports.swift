// The TLS byte transformer moved to KairosTLS so the redis runner's client sessions share it;
// re-exported so the reactor's users and tests keep seeing TLSContext, TLSSession and TLSError here.
@_exported import KairosTLS
