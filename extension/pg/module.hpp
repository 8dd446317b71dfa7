// Module-wide facts recorded by _PG_init (module.cpp).
#pragma once

namespace tg::pg {

// True when the library was loaded from shared_preload_libraries (hooks installed); features
// that need the hooks say so in a clear error when this is false.
bool loaded_by_preload() noexcept;

}  // namespace tg::pg
