#include "web_session.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "host.hpp"

namespace tg::server {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

constexpr std::string_view kCsrfContext = "tenantgate-csrf:";

// RFC 6265 cookie-octet: a token value we set never needs anything else.
bool is_cookie_octets(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E || c == '"' || c == ',' || c == ';' || c == '\\') return false;
  }
  return true;
}

std::string set_cookie(std::string_view name, std::string_view value, std::string_view path, long max_age,
                       bool http_only) {
  std::string s(name);
  s += '=';
  s += is_cookie_octets(value) ? value : std::string_view();
  s += "; Path=";
  s += path;
  s += "; Max-Age=" + std::to_string(max_age < 0 ? 0 : max_age);
  if (http_only) s += "; HttpOnly";
  s += "; Secure; SameSite=Strict";
  return s;
}

}  // namespace

std::string csrf_token_for(std::string_view refresh_token) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), kCsrfContext.data(), kCsrfContext.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), refresh_token.data(), refresh_token.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
    return {};
  return tg::core::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), len),
                                 tg::core::Base64Alphabet::Url);
}

bool csrf_matches(std::string_view refresh_token, std::string_view given) {
  std::string expected = csrf_token_for(refresh_token);
  if (expected.empty() || given.size() != expected.size()) return false;  // the length is public (43)
  return CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

std::vector<std::string> cookie_values(std::string_view header, std::string_view name) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < header.size()) {
    std::size_t end = header.find(';', i);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(i, end - i);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view v = pair.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      out.emplace_back(v);
    }
    i = end + 1;
  }
  return out;
}

std::string refresh_cookie(std::string_view refresh_token, long max_age) {
  return set_cookie(kRefreshCookie, refresh_token, "/auth", max_age, true);
}
std::string csrf_cookie(std::string_view csrf_token, long max_age) {
  return set_cookie(kCsrfCookie, csrf_token, "/", max_age, false);
}
std::string cleared_refresh_cookie() { return set_cookie(kRefreshCookie, "", "/auth", 0, true); }
std::string cleared_csrf_cookie() { return set_cookie(kCsrfCookie, "", "/", 0, false); }

bool is_same_origin(std::string_view origin, std::string_view host_header) {
  std::string lower = tg::core::ascii_lower(origin);
  int default_port = 0;
  std::string_view rest(lower);
  if (rest.substr(0, 7) == "http://") {
    default_port = 80;
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    default_port = 443;
    rest.remove_prefix(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) return false;
  auto o = parse_host(rest);
  auto h = parse_host(host_header);
  if (!o || !h || o->name != h->name) return false;
  int op = o->port == 0 ? default_port : o->port;
  int hp = h->port == 0 ? default_port : h->port;
  return op == hp;
}

}  // namespace tg::server
