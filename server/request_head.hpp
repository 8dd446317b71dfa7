// The verdict on one raw HTTP/1.x request head, judged from its bytes before cpp-httplib
// parses it (guarded_server.hpp says why). No sockets and no httplib here: unit-tested in
// tests/http/unit and fuzzed in tests/fuzz/fuzz_request_head.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tg::server {

struct FramingLimits {
  std::size_t max_header_bytes = 16384;
  std::size_t max_headers = 64;
  std::size_t max_uri = 8192;
  std::size_t max_body = 1u << 20;
  int read_timeout_ms = 5000;
  int request_timeout_ms = 10000;
};

struct HeadVerdict {
  int status = 0;      // 0 = acceptable
  std::string reason;  // for the JSON body
  bool bearer_challenge = false;
  std::string method;
  unsigned long long content_length = 0;
};

// head: the request line and header lines, each ending in CRLF, then the empty line's CRLF.
// Strict CRLF framing, header count cap, exactly one valid Host (HTTP/1.1), no
// Transfer-Encoding, one plain-digit Content-Length within max_body, no Content-Encoding,
// origin-form targets, a known method.
HeadVerdict judge_head(const std::string& head, const FramingLimits& limits);

// Removes every Range header line from an accepted head and returns their values (trimmed, in
// order). cpp-httplib 0.11.4 parses Range itself: it cuts every response body to a `bytes=`
// range (a JSON document cut in the middle, answered 200) and answers 416 on its own to any
// other unit (PostgREST's `Range: 0-9` with `Range-Unit: items`). The connection loop hands the
// values back to the request as headers after httplib's parser ran, so handlers still read them
// and no body is ever cut.
std::vector<std::string> take_range_headers(std::string& head);

// A refusal: status, its reason phrase, and whether it carries a Bearer challenge.
HeadVerdict head_refusal(int status, const char* reason, bool bearer_challenge = false);

}  // namespace tg::server
