#include "web_root.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "cors.hpp"
#include "http_errors.hpp"

namespace tg::server {
namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;  // a web app's file, not a download site

void static_headers(httplib::Response& res) {
  put_header(res, "Content-Security-Policy", kCsp);
  put_header(res, "X-Content-Type-Options", "nosniff");
  put_header(res, "Referrer-Policy", "no-referrer");
  put_header(res, "X-Frame-Options", "DENY");
}

void refuse(httplib::Response& res, int status) {
  res.status = status;
  res.set_content(error_body(status, status == 404 ? "not found" : "invalid path"), "application/json; charset=utf-8");
  put_header(res, "Cache-Control", "no-store");
}

}  // namespace

WebRoot::WebRoot(const std::string& dir) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(dir.c_str(), nullptr), &std::free);
  struct stat st {};
  if (!real || ::stat(real.get(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("--web-root: not a directory: " + dir);
  root_ = real.get();
  if (root_ == "/") throw std::runtime_error("--web-root: refusing to serve the whole file system");
}

WebRoot::Lookup WebRoot::read_file(const std::string& rel, std::string& body) const {
  std::string joined = root_ + "/" + rel;
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(joined.c_str(), nullptr), &std::free);
  if (!real) {
    struct stat lst {};
    // A dangling symlink is refused like one pointing outside; a name that is not there is missing.
    return ::lstat(joined.c_str(), &lst) == 0 ? Lookup::Refused : Lookup::Missing;
  }
  std::string_view r(real.get());
  // Symlinks are followed only to a place under the root, and never to a hidden name there.
  if (r.size() <= root_.size() + 1 || r.substr(0, root_.size()) != root_ || r[root_.size()] != '/')
    return Lookup::Refused;
  if (r.find("/.", root_.size()) != std::string_view::npos) return Lookup::Refused;
  int fd = ::open(real.get(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Lookup::Refused;
  Lookup result = Lookup::Refused;
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  if (stat_ok && S_ISDIR(st.st_mode)) {
    result = Lookup::Missing;  // never listed
  } else if (stat_ok && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= kMaxFileBytes) {
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::read(fd, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    if (off == data.size()) {
      body = std::move(data);
      result = Lookup::Found;
    }
  }
  ::close(fd);
  return result;
}

void WebRoot::serve(const httplib::Request& req, httplib::Response& res) const {
  static_headers(res);
  WebPath p = web_path(req.target);
  if (p.status != 0) return refuse(res, p.status);
  std::string name = p.rel.empty() ? "index.html" : p.rel;
  std::string body;
  Lookup found = read_file(name, body);
  if (found == Lookup::Missing && !p.has_extension) {  // an app route (history mode): the app decides
    name = "index.html";
    found = read_file(name, body);
  }
  if (found != Lookup::Found) return refuse(res, 404);
  res.status = 200;
  res.set_content(body, content_type_for(name));
  put_header(res, "Cache-Control", name.rfind("assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
}

}  // namespace tg::server
