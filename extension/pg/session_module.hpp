// The tenants/sessions part of _PG_init: the GUCs, hooks and callbacks that make
// auth.authenticate's tenant context transaction-scoped. Called once from _PG_init (module.cpp).
#pragma once

namespace tg::pg {

// Defines tenantgate.base_domain (and, through the users module, its GUCs), installs the
// ProcessUtility hook and registers the transaction/subtransaction callbacks. Safe to call only
// from _PG_init; hooks are installed only when loaded via shared_preload_libraries.
void register_session_module();

// tenantgate.base_domain (never NULL): the domain under which <slug>.<base_domain> names a tenant.
const char* base_domain() noexcept;

}  // namespace tg::pg
