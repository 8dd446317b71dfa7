// Reading tenantgate's own tables from C: SPI as the owner of an auth.* table (the extension
// owner), in a security-restricted operation, with the latest committed snapshot. The caller
// needs no privilege on the table (an authenticator has none), and a REPEATABLE READ or
// SERIALIZABLE caller still sees a key revocation, a logout or a deactivation committed after its
// own snapshot was taken (JWT-33). Used by pg/key_cache.cpp (auth.keys), pg/fn_authenticate.cpp
// (the tenant row and the session check) and pg/family_revoker.cpp (a family's revocation).
//
// Plain PostgreSQL code, no RAII (longjmp-safe): the body runs between SPI_connect and
// SPI_finish; on an ERROR the user id and security context are restored and the snapshot is
// unregistered before the error propagates (SPI itself is cleaned up by the (sub)transaction
// abort). Inside guarded() C++ code, call it through pg_call; the body must create no C++ object
// with a destructor.
#pragma once

extern "C" {
#include "postgres.h"

#include "executor/spi.h"
#include "utils/snapshot.h"
}

namespace tg::pg {

// The owner of auth.<name>; 55000 "extension "tenantgate" is not installed in this database"
// when there is no such table. `relid`, when not null, receives the table's oid.
Oid auth_table_owner(const char* name, Oid* relid = nullptr);

// Connects to SPI as `owner` and runs body(latest, arg) with `latest` the latest snapshot
// (registered for the call). Run queries with SPI_execute_snapshot(..., latest, ...): pass
// read_only = false when the body must see what this transaction wrote (a command counter
// increment), true otherwise.
void spi_as_owner(Oid owner, void (*body)(Snapshot latest, void* arg), void* arg);

// The same for a lambda (captures by reference only; no C++ object with a destructor inside).
template <class Body>
void spi_as_owner(Oid owner, Body& body) {
  spi_as_owner(
      owner, [](Snapshot latest, void* arg) { (*static_cast<Body*>(arg))(latest); }, &body);
}

// A plan prepared once per backend (SPI_keepplan) in *slot; the plan cache re-plans it after
// DDL. Call while connected to SPI.
SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* query, int nargs, Oid* argtypes);

}  // namespace tg::pg
