// Strict JSON request bodies. The database's jsonb keeps the LAST of duplicate keys while other
// parsers keep the first, so duplicates are refused here (catalogue HTTP-17), as are deep
// nesting and strings with NUL (libpq parameters are C strings).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tg::server {

// nullopt when the text is not one strict JSON value within the limits.
std::optional<nlohmann::json> parse_json_body(const std::string& text, int max_depth = 32);

}  // namespace tg::server
