// register_session_module: the tenants part of _PG_init, spelled out as a table of contents.
extern "C" {
#include "postgres.h"

#include "utils/guc.h"
}

#include "pg/session_module.hpp"

namespace tg::pg {

namespace {
char* base_domain_setting = nullptr;  // owned by the GUC machinery
}  // namespace

void register_session_module() {
  DefineCustomStringVariable("tenantgate.base_domain",
                             "Domain under which a tenant's host name is <slug>.<base_domain>.",
                             "auth.tenant_for_host and auth.authenticate(token, host) map a Host "
                             "header to a tenant slug with it.",
                             &base_domain_setting, "localhost", PGC_SUSET, 0, nullptr, nullptr,
                             nullptr);
}

}  // namespace tg::pg
