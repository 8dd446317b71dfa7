// The ProcessUtility and post-parse-analysis hooks that keep an authenticated transaction inside its tenant
// and protect the tenant roles (see docs/isolation.md for the full list and the reasons).
#pragma once

namespace tg::pg {

// From _PG_init (module.cpp), only when loaded via shared_preload_libraries. Saves the
// previous hooks and chains them.
void install_isolation_hooks();

}  // namespace tg::pg
