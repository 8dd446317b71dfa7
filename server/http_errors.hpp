// The one table that turns a PostgreSQL error (SQLSTATE + message) into an HTTP answer.
// The body's reason is either one of the stable contract/API reasons (matched as a prefix of
// the database message, never copied beyond it) or a fixed phrase per class: no SQL text,
// DETAIL, HINT, constraint or column names ever reach the client.
#pragma once

#include <string>
#include <string_view>

namespace tg::server {

struct HttpError {
  int status;
  std::string reason;             // goes into {"error": reason}
  bool bearer_challenge = false;  // add WWW-Authenticate: Bearer error="invalid_token"
};

// sqlstate is the five-character code; an empty sqlstate means the connection failed.
HttpError map_db_error(std::string_view sqlstate, std::string_view message);

// {"error":"<reason>"} with JSON escaping.
std::string error_body(std::string_view reason);

}  // namespace tg::server
