#include "request_head.hpp"

#include <cctype>
#include <cstring>

#include "core/ascii.hpp"
#include "host.hpp"

namespace tg::server {
namespace {

bool is_tchar(unsigned char c) { return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr; }

using core::ascii_lower;

}  // namespace

HeadVerdict head_refusal(int status, const char* reason, bool challenge) {
  HeadVerdict v;
  v.status = status;
  v.reason = reason;
  v.bearer_challenge = challenge;
  return v;
}

std::vector<std::string> take_range_headers(std::string& head) {
  std::vector<std::string> values;
  std::size_t pos = head.find("\r\n");
  if (pos == std::string::npos) return values;
  pos += 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::size_t colon = head.find(':', pos);
    if (colon != std::string::npos && colon < end && ascii_lower(head.substr(pos, colon - pos)) == "range") {
      std::size_t b = colon + 1, e = end;
      while (b < e && (head[b] == ' ' || head[b] == '\t')) ++b;
      while (e > b && (head[e - 1] == ' ' || head[e - 1] == '\t')) --e;
      values.push_back(head.substr(b, e - b));
      head.erase(pos, end + 2 - pos);
      continue;
    }
    pos = end + 2;
  }
  return values;
}

HeadVerdict judge_head(const std::string& head, const FramingLimits& limits) {
  // head: request line + header lines, each ending in CRLF, then the empty line's CRLF.
  for (std::size_t i = 0; i < head.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(head[i]);
    if (c == '\n' && (i == 0 || head[i - 1] != '\r')) return head_refusal(400, "malformed request");
    if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) return head_refusal(400, "malformed request");
    if (c == 0 || (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7F)
      return head_refusal(400, "malformed request");
  }
  std::size_t eol = head.find("\r\n");
  if (eol == std::string::npos) return head_refusal(400, "malformed request");
  std::string line = head.substr(0, eol);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp1 == sp2) return head_refusal(400, "malformed request");
  HeadVerdict v;
  v.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = line.substr(sp2 + 1);
  if (v.method.empty() || target.empty()) return head_refusal(400, "malformed request");
  for (unsigned char c : v.method)
    if (!is_tchar(c)) return head_refusal(400, "malformed request");
  if (target.size() > limits.max_uri) return head_refusal(414, "uri too long");
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7F) return head_refusal(400, "malformed request");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    if (version.rfind("HTTP/", 0) == 0) return head_refusal(505, "http version not supported");
    return head_refusal(400, "malformed request");
  }
  if (v.method == "TRACE" || v.method == "CONNECT" || v.method == "PUT") return head_refusal(405, "method not allowed");
  if (v.method != "GET" && v.method != "HEAD" && v.method != "POST" && v.method != "PATCH" && v.method != "DELETE" &&
      v.method != "OPTIONS")
    return head_refusal(501, "method not implemented");
  if (target.front() != '/' || target.rfind("//", 0) == 0) return head_refusal(400, "malformed request");

  std::size_t count = 0, hosts = 0, lengths = 0, auths = 0;
  bool transfer_encoding = false, chunked_only = false;
  std::string host, length;
  std::size_t pos = eol + 2;
  for (;;) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) return head_refusal(400, "malformed request");
    if (end == pos) {  // the empty line
      pos = end + 2;
      break;
    }
    if (++count > limits.max_headers) return head_refusal(431, "too many headers");
    std::string h = head.substr(pos, end - pos);
    pos = end + 2;
    if (h[0] == ' ' || h[0] == '\t') return head_refusal(400, "malformed request");  // obs-fold
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) return head_refusal(400, "malformed request");
    for (std::size_t k = 0; k < colon; ++k)
      if (!is_tchar(static_cast<unsigned char>(h[k]))) return head_refusal(400, "malformed request");
    std::string name = ascii_lower(h.substr(0, colon));
    std::size_t b = colon + 1, e = h.size();
    while (b < e && (h[b] == ' ' || h[b] == '\t')) ++b;
    while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t')) --e;
    std::string value = h.substr(b, e - b);
    if (name == "host") {
      ++hosts;
      host = value;
    } else if (name == "content-length") {
      ++lengths;
      length = value;
    } else if (name == "transfer-encoding") {
      chunked_only = !transfer_encoding && ascii_lower(value) == "chunked";
      transfer_encoding = true;
    } else if (name == "content-encoding") {
      if (ascii_lower(value) != "identity") return head_refusal(415, "content encoding not supported");
    } else if (name == "authorization") {
      ++auths;
      // httplib would percent-decode it; a bearer token never contains '%'.
      if (value.find('%') != std::string::npos) return head_refusal(401, "malformed token", true);
    } else if (name == "origin" || name == "content-type" || name == "prefer") {
      if (value.find('%') != std::string::npos) return head_refusal(400, "malformed request");
    }
  }
  if (pos != head.size()) return head_refusal(400, "malformed request");
  if (transfer_encoding) {
    if (lengths == 0 && chunked_only) return head_refusal(411, "length required");
    return head_refusal(400, "transfer-encoding not supported");
  }
  if (lengths > 1) return head_refusal(400, "ambiguous content-length");
  if (auths > 1) return head_refusal(400, "duplicate authorization");
  if (hosts > 1 || (hosts == 0 && version == "HTTP/1.1")) return head_refusal(400, "invalid host");
  if (hosts == 1 && !parse_host(host)) return head_refusal(400, "invalid host");
  if (lengths == 1) {
    if (length.empty() || length.size() > 19) return head_refusal(400, "invalid content-length");
    for (char c : length)
      if (c < '0' || c > '9') return head_refusal(400, "invalid content-length");
    v.content_length = std::stoull(length);
    if (v.content_length > limits.max_body) return head_refusal(413, "payload too large");
  } else if (v.method == "POST" || v.method == "PATCH") {
    return head_refusal(411, "length required");
  }
  return v;
}

}  // namespace tg::server
