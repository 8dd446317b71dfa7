// Unit tests of the browser app's pieces of the server: the static files' path judge
// (server/web_path.cpp) and the cookie session's CSRF token, cookies and origin check
// (server/web_session.cpp). Named by the behaviour whose failure they catch.
#include <gtest/gtest.h>

#include "web_path.hpp"
#include "web_session.hpp"

using namespace tg::server;

TEST(WebPath, AcceptsAppPathsDecodedOnceWithTheirExtension) {
  struct Case {
    const char* target;
    const char* rel;
    bool ext;
  };
  for (const auto& c :
       {Case{"/", "", false}, Case{"/index.html", "index.html", true},
        Case{"/assets/app-1a2b.js?v=1#x", "assets/app-1a2b.js", true}, Case{"/users/42/", "users/42", false},
        Case{"/users/42", "users/42", false}, Case{"/a%20b.txt", "a b.txt", true},
        Case{"/caf%C3%A9", "caf\xc3\xa9", false}, Case{"/v1.2/x", "v1.2/x", false}, Case{"/x.", "x.", true}}) {
    WebPath p = web_path(c.target);
    EXPECT_EQ(p.status, 0) << c.target;
    EXPECT_EQ(p.rel, c.rel) << c.target;
    EXPECT_EQ(p.has_extension, c.ext) << c.target;
  }
}

TEST(WebPath, RefusesEveryTraversalFormBeforeTheFileSystem) {
  for (const char* bad :
       {"",        "index.html", "*",         "http://a/b",      "/..",     "/../x",      "/a/../../x",    "/.",
        "/./x",    "/%2e%2e/x",  "/%2E%2e/x", "/.%2e/x",         "/%2e./x", "/%2e",       "/%252e%252e/x", "/%25",
        "/..%2fx", "/a%2fb",     "/%2F",      "/..%5cx",         "/a\\b",   "/%5c",       "/x%00",         "/%00",
        "/x%0a",   "/x%7f",      "/\x01",     "/%c0%ae%c0%ae/x", "/%c0%af", "/%e0%80%ae", "/%ff",          "/%ed%a0%80",
        "//x",     "//",         "/a//b",     "/a///",           "/%",      "/%2",        "/%zz",          "/%g0"}) {
    EXPECT_EQ(web_path(bad).status, 400) << bad;
  }
}

TEST(WebPath, HiddenNamesAreNeverServed) {
  for (const char* hidden : {"/.env", "/%2eenv", "/.git/config", "/assets/.hidden.js", "/a/.b/c", "/.well"}) {
    EXPECT_EQ(web_path(hidden).status, 404) << hidden;
    EXPECT_TRUE(web_path(hidden).rel.empty()) << hidden;
  }
  EXPECT_EQ(web_path("/.env/../x").status, 400);  // malformed wins over hidden
}

TEST(WebPath, ApiPrefixesAreNotStaticOnSegmentBoundaries) {
  for (const char* api :
       {"/api", "/api/", "/api/t", "/rpc/f", "/auth/login", "/auth", "/.well-known/jwks.json", "/healthz", "/metrics"})
    EXPECT_FALSE(is_web_path(api)) << api;
  for (const char* web : {"/", "/index.html", "/apix", "/authors", "/rpcs", "/healthzz", "/metrics.json", "/users/api"})
    EXPECT_TRUE(is_web_path(web)) << web;
}

TEST(WebPath, ContentTypeByExtensionWithCharsetForText) {
  const std::pair<const char*, const char*> cases[] = {
      {"index.html", "text/html; charset=utf-8"},
      {"assets/a.JS", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.svg", "image/svg+xml; charset=utf-8"},
      {"a.png", "image/png"},
      {"favicon.ico", "image/x-icon"},
      {"a.json", "application/json; charset=utf-8"},
      {"a.woff2", "font/woff2"},
      {"app.webmanifest", "application/manifest+json; charset=utf-8"},
      {"robots.txt", "text/plain; charset=utf-8"},
      {"a.js.map", "application/json; charset=utf-8"},
      {"a.bin", "application/octet-stream"},
      {"v1.2/README", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) EXPECT_STREQ(content_type_for(name), type) << name;
}

TEST(WebSession, CsrfTokenIsBase64urlSha256OfTheRefreshToken) {
  // base64url(SHA-256("tenantgate-csrf:tgr_abc")), computed independently (Python hashlib).
  const std::string expected = "FybXLRAFCKYTyusAi3B8uXilHHSmKrIJg0sBZPUcl-w";
  EXPECT_EQ(csrf_token_for("tgr_abc"), expected);
  EXPECT_NE(csrf_token_for("tgr_abd"), expected);
  EXPECT_TRUE(csrf_matches("tgr_abc", expected));
  for (const std::string& wrong :
       {expected.substr(0, 42) + "x", expected.substr(0, 42), std::string(), std::string("tgr_abc")})
    EXPECT_FALSE(csrf_matches("tgr_abc", wrong)) << wrong;
}

TEST(WebSession, CookieValuesFindsEveryValueOfTheNameOnly) {
  using V = std::vector<std::string>;
  const std::pair<const char*, V> cases[] = {
      {"a=1; tg_refresh=tgr_x; b=2", V{"tgr_x"}},
      {"tg_refresh=1;tg_refresh=2", V{"1", "2"}},
      {"tg_refresh=\"q\"", V{"q"}},
      {"xtg_refresh=1; tg_refresh_old=2; tg_refresh", V{}},
      {"", V{}},
      {"tg_refresh=", V{""}},
  };
  for (const auto& [header, values] : cases) EXPECT_EQ(cookie_values(header, "tg_refresh"), values) << header;
}

TEST(WebSession, SetCookieLinesAreHostOnlySecureStrict) {
  const std::pair<std::string, const char*> cases[] = {
      {refresh_cookie("tgr_x", 604800),
       "tg_refresh=tgr_x; Path=/auth; Max-Age=604800; HttpOnly; Secure; SameSite=Strict"},
      {csrf_cookie("abc", 60), "tg_csrf=abc; Path=/; Max-Age=60; Secure; SameSite=Strict"},
      {cleared_refresh_cookie(), "tg_refresh=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"},
      {cleared_csrf_cookie(), "tg_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict"},
      // A value a cookie cannot carry is never written into the header.
      {refresh_cookie("a;b", 1), "tg_refresh=; Path=/auth; Max-Age=1; HttpOnly; Secure; SameSite=Strict"},
  };
  for (const auto& [line, expected] : cases) EXPECT_EQ(line, expected);
}

TEST(WebSession, SameOriginIsSchemeHostAndPortOfTheHostHeader) {
  for (const char* own : {"https://a.example.com", "https://A.Example.COM", "https://a.example.com:443"})
    EXPECT_TRUE(is_same_origin(own, "a.example.com")) << own;
  for (const char* other :
       {"http://b.example.com", "https://a.example.com:8443", "null", "ftp://a.example.com", "https://a.example.com/",
        "https://", "https://a.example.com.evil.test", "https://user@a.example.com", "https://a.example.com:80"})
    EXPECT_FALSE(is_same_origin(other, "a.example.com")) << other;
  EXPECT_TRUE(is_same_origin("http://company1.localhost:8080", "company1.localhost:8080"));
  EXPECT_TRUE(is_same_origin("http://a.example.com:80", "a.example.com"));
  EXPECT_FALSE(is_same_origin("http://company1.localhost:8081", "company1.localhost:8080"));
  EXPECT_FALSE(is_same_origin("http://company2.localhost:8080", "company1.localhost:8080"));
  EXPECT_FALSE(is_same_origin("https://a.example.com", "a.example.com:80"));
}
