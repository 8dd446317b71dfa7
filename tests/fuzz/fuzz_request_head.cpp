// libFuzzer target: the server's request-head judge (server/request_head.cpp), which sees every
// byte a client sends before cpp-httplib does. Beyond "no crash, no sanitizer report": a
// verdict is either an acceptance with a known method and a Content-Length within the limit,
// or a refusal with one of the statuses the shim answers with and a reason for its JSON body;
// and judging is a pure function of the bytes; taking the Range lines out of an accepted head
// keeps it acceptable, with the same verdict.
#include <cstddef>
#include <cstdint>
#include <string>

#include "request_head.hpp"

namespace {

bool known_refusal(int status) {
  switch (status) {
    case 400:
    case 401:
    case 405:
    case 408:
    case 411:
    case 413:
    case 414:
    case 415:
    case 431:
    case 501:
    case 505: return true;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tg::server::FramingLimits;
  using tg::server::HeadVerdict;
  FramingLimits limits;
  limits.max_headers = 16;  // small limits so that the fuzzer reaches them
  limits.max_uri = 256;
  limits.max_body = 4096;
  const std::string head(reinterpret_cast<const char*>(data), size);
  const HeadVerdict v = tg::server::judge_head(head, limits);
  if (v.status == 0) {
    if (v.method != "GET" && v.method != "HEAD" && v.method != "POST" && v.method != "PATCH" && v.method != "DELETE" &&
        v.method != "OPTIONS")
      __builtin_trap();
    if (v.content_length > limits.max_body) __builtin_trap();
    // An accepted head is CRLF-framed and ends with the empty line.
    if (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) __builtin_trap();
    if (!v.reason.empty() || v.bearer_challenge) __builtin_trap();
    // Taking the Range lines out (guarded_server.cpp) leaves a head that is judged the same
    // way, with no Range line left, and only ever removes whole lines.
    std::string stripped = head;
    const auto ranges = tg::server::take_range_headers(stripped);
    const HeadVerdict after = tg::server::judge_head(stripped, limits);
    if (after.status != 0 || after.method != v.method || after.content_length != v.content_length) __builtin_trap();
    if (!tg::server::take_range_headers(stripped).empty()) __builtin_trap();
    std::size_t removed = 0;
    for (const auto& r : ranges) removed += r.size();
    if (stripped.size() + removed > head.size() || (ranges.empty() && stripped != head)) __builtin_trap();
  } else {
    if (!known_refusal(v.status) || v.reason.empty()) __builtin_trap();
    if (v.bearer_challenge != (v.status == 401)) __builtin_trap();
  }
  const HeadVerdict again = tg::server::judge_head(head, limits);
  if (again.status != v.status || again.reason != v.reason || again.method != v.method ||
      again.content_length != v.content_length)
    __builtin_trap();
  return 0;
}
