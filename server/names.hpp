// Text checks of the names in a request path (/api/<table>, /rpc/<function>) and of the request
// headers the server passes on. The PostgREST query language itself is parsed in the extension
// (extension/core/postgrest), once, by auth.http_request.
#pragma once

#include <string>

namespace tg::server {

// A table, column or function name: 1..63 bytes of valid UTF-8 without control characters.
bool is_valid_name(const std::string& name) noexcept;

// Valid UTF-8 with no NUL and no C0/DEL control characters.
bool is_clean_text(const std::string& s) noexcept;

}  // namespace tg::server
