// Versions of the extension: this build's (TG_VERSION, set by CMakeLists.txt from the project's
// VERSION, which tenantgate.control's default_version equals) and how two of them compare
// (pg/sql_version.cpp: is the database's SQL older or newer than this library?).
#pragma once

#include <optional>
#include <string_view>

#ifndef TG_VERSION
#error "TG_VERSION is defined by CMakeLists.txt (the project's VERSION)"
#endif

namespace tg::core {

inline constexpr std::string_view kVersion = TG_VERSION;

// "major.minor" (each one to three digits) as major * 1000 + minor, which orders versions;
// nullopt for anything else ("1", "1.0.1", "1.x", "").
std::optional<long> version_number(std::string_view version) noexcept;

}  // namespace tg::core
