// The static files' request paths, judged without touching the file system (server/web_root.cpp
// serves them): which paths are the browser app's, the one decoding of a raw request target with
// every traversal form refused, and the Content-Type by extension. Pure: unit-tested
// (tests/http/unit) and fuzzed (tests/fuzz/fuzz_web_path.cpp).
#pragma once

#include <string>
#include <string_view>

namespace tg::server {

// Whether a (decoded) request path belongs to the static files rather than to a route of the
// API: not /api…, /rpc/…, /auth/…, /.well-known/…, /healthz, /metrics.
bool is_web_path(std::string_view path) noexcept;

// The verdict on a raw request target (origin-form, query allowed).
struct WebPath {
  int status = 0;              // 0: acceptable; else 400 (malformed) or 404 (never served)
  std::string rel;             // the decoded path below the root without its leading '/';
                               // "" for "/" (and a trailing '/' is dropped)
  bool has_extension = false;  // the last segment has a '.' (a file, not an app route)
};

// Percent-decodes the path of `target` once and refuses, before any file system access:
// a target not starting with '/', bad or double (%25) percent-encoding, NUL and other control
// bytes, backslashes, invalid or overlong UTF-8, empty segments ("//"), "." and ".." segments
// (raw or encoded) → 400; segments starting with '.' (hidden files such as /.env) → 404.
WebPath web_path(std::string_view target);

// The Content-Type for a file name by its extension (charset=utf-8 for text);
// application/octet-stream for one we do not know.
const char* content_type_for(std::string_view name) noexcept;

}  // namespace tg::server
