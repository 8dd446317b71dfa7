#include "guarded_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "http_errors.hpp"

namespace tg::server {
namespace {

using Clock = std::chrono::steady_clock;

const char* status_text(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

// The per-connection stream httplib reads requests from and writes responses to.
class GuardedStream : public httplib::Stream {
 public:
  GuardedStream(socket_t sock, SSL* ssl, const FramingLimits& limits) : sock_(sock), ssl_(ssl), limits_(limits) {}

  enum class Head { Ok, Closed, Rejected };

  bool has_buffered() const { return pos_ < buf_.size() || (ssl_ != nullptr && SSL_pending(ssl_) > 0); }

  // Reads and judges the next request head; on a refusal writes the answer itself.
  Head read_head(int& status) {
    buf_.erase(0, pos_);
    pos_ = 0;
    head_end_ = 0;
    body_left_ = 0;
    deadline_ = Clock::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
    std::size_t start = 0;
    for (;;) {
      // Tolerate CRLFs between pipelined requests (RFC 9112 §2.2), a few only.
      while (start + 1 < buf_.size() && start < 8 && buf_[start] == '\r' && buf_[start + 1] == '\n') start += 2;
      // A bare LF anywhere in the head is refused at once (httplib would skip such lines).
      for (std::size_t k = start; k < buf_.size() && k < start + limits_.max_header_bytes; ++k) {
        if (buf_[k] == '\n' && (k == start || buf_[k - 1] != '\r')) {
          status = 400;
          send_refusal(head_refusal(400, "malformed request"));
          return Head::Rejected;
        }
        if (k + 3 < buf_.size() && buf_.compare(k, 4, "\r\n\r\n") == 0) break;
      }
      auto end = buf_.find("\r\n\r\n", start);
      if (end != std::string::npos && end + 4 - start <= limits_.max_header_bytes) {
        std::string head = buf_.substr(start, end + 4 - start);
        HeadVerdict v = judge_head(head, limits_);
        if (v.status != 0) {
          status = v.status;
          send_refusal(v);
          return Head::Rejected;
        }
        ranges_ = take_range_headers(head);
        if (!ranges_.empty()) buf_.replace(start, end + 4 - start, head);
        pos_ = start;
        head_end_ = start + head.size();
        body_left_ = v.content_length;
        return Head::Ok;
      }
      std::size_t first_line = buf_.find("\r\n", start);
      if (first_line == std::string::npos && buf_.size() - start > limits_.max_uri + 32) {
        status = 414;
        send_refusal(head_refusal(414, "uri too long"));
        return Head::Rejected;
      }
      if (buf_.size() - start > limits_.max_header_bytes) {
        status = 431;
        send_refusal(head_refusal(431, "headers too large"));
        return Head::Rejected;
      }
      char tmp[4096];
      ssize_t n = raw_read(tmp, sizeof tmp);
      if (n == 0 || n == -1) return Head::Closed;
      if (n == -2) {  // deadline or read timeout
        if (buf_.size() == start) return Head::Closed;
        status = 408;
        send_refusal(head_refusal(408, "request timeout"));
        return Head::Rejected;
      }
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

  // Drops body bytes httplib did not read (e.g. a GET with a body), keeping framing intact.
  bool discard_body() {
    char tmp[4096];
    while (body_left_ > 0) {
      if (read(tmp, sizeof tmp) <= 0) return false;
    }
    return true;
  }

  bool is_readable() const override { return pos_ < buf_.size() || body_left_ > 0; }
  bool is_writable() const override {
    pollfd p{sock_, POLLOUT, 0};
    return ::poll(&p, 1, limits_.read_timeout_ms) > 0;
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (pos_ < head_end_) {
      std::size_t n = std::min(size, head_end_ - pos_);
      std::memcpy(ptr, buf_.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (body_left_ == 0 || size == 0) return 0;
    std::size_t want = static_cast<std::size_t>(std::min<unsigned long long>(size, body_left_));
    if (pos_ < buf_.size()) {
      std::size_t n = std::min(want, buf_.size() - pos_);
      std::memcpy(ptr, buf_.data() + pos_, n);
      pos_ += n;
      body_left_ -= n;
      return static_cast<ssize_t>(n);
    }
    ssize_t n = raw_read(ptr, want);
    if (n <= 0) return -1;
    body_left_ -= static_cast<unsigned long long>(n);
    return n;
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (ssl_ != nullptr) {
      int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
      return n > 0 ? n : -1;
    }
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { addr(false, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { addr(true, ip, port); }
  socket_t socket() const override { return sock_; }

  // The current request's Range header values, kept away from httplib's parser.
  const std::vector<std::string>& ranges() const { return ranges_; }

 private:
  // >0 bytes, 0 EOF, -1 error, -2 timeout (per-read timeout or the request deadline).
  ssize_t raw_read(char* ptr, std::size_t size) {
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) {
      int n = SSL_read(ssl_, ptr, static_cast<int>(size));
      return n > 0 ? n : -1;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return -2;
    int wait = static_cast<int>(std::min<long long>(left, limits_.read_timeout_ms));
    pollfd p{sock_, POLLIN, 0};
    int r;
    do {
      r = ::poll(&p, 1, wait);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return -2;
    if (r < 0) return -1;
    if (ssl_ != nullptr) {
      int n = SSL_read(ssl_, ptr, static_cast<int>(size));
      if (n > 0) return n;
      return SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }
    ssize_t n;
    do {
      n = ::recv(sock_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : n;
  }

  void send_refusal(const HeadVerdict& v) {
    std::string body = error_body(v.status, v.reason);
    std::string out = "HTTP/1.1 " + std::to_string(v.status) + " " + status_text(v.status) + "\r\n";
    out += "Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n";
    if (v.bearer_challenge) out += "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t off = 0;
    while (off < out.size()) {
      ssize_t n = write(out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  }

  void addr(bool local, std::string& ip, int& port) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int r = local ? getsockname(sock_, reinterpret_cast<sockaddr*>(&ss), &len)
                  : getpeername(sock_, reinterpret_cast<sockaddr*>(&ss), &len);
    ip.clear();
    port = 0;
    if (r != 0) return;
    char buf[INET6_ADDRSTRLEN] = {0};
    if (ss.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
      port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
      port = ntohs(a->sin6_port);
    }
    ip = buf;
  }

  socket_t sock_;
  SSL* ssl_;
  const FramingLimits& limits_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t head_end_ = 0;
  unsigned long long body_left_ = 0;
  Clock::time_point deadline_{};
  std::vector<std::string> ranges_;
};

}  // namespace

GuardedServer::GuardedServer(FramingLimits limits, SSL_CTX* tls, RejectHook on_reject)
    : limits_(limits), tls_(tls), on_reject_(std::move(on_reject)) {}

bool GuardedServer::set_listen_backlog(int backlog) {
  socket_t s = svr_sock_;
  return s != INVALID_SOCKET && ::listen(s, backlog) == 0;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  // Every response is written whole before the next read: without TCP_NODELAY the last
  // segment of a reply waits for the client's delayed ACK (Nagle), ~40 ms per request.
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL* ssl = nullptr;
  bool ok = true;
  if (tls_ != nullptr) {
    // listen_internal set SO_RCVTIMEO/SO_SNDTIMEO on the socket: a stalled handshake fails.
    ssl = SSL_new(tls_);
    ok = ssl != nullptr && SSL_set_fd(ssl, sock) == 1 && SSL_accept(ssl) == 1;
  }
  if (ok) {
    GuardedStream strm(sock, ssl, limits_);
    std::size_t count = keep_alive_max_count_;
    while (svr_sock_ != INVALID_SOCKET && count > 0) {
      if (!strm.has_buffered()) {
        // Idle keep-alive wait, in short slices so that stop() ends it promptly.
        bool readable = false;
        auto until = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
        while (svr_sock_ != INVALID_SOCKET && Clock::now() < until) {
          pollfd p{sock, POLLIN, 0};
          int r = ::poll(&p, 1, 50);
          if (r > 0) {
            readable = true;
            break;
          }
          if (r < 0 && errno != EINTR) break;
        }
        if (!readable) break;
      }
      int status = 0;
      auto head = strm.read_head(status);
      if (head == GuardedStream::Head::Rejected) {
        if (on_reject_) {
          std::string ip;
          int port;
          strm.get_remote_ip_and_port(ip, port);
          on_reject_(ip, status);
        }
        break;
      }
      if (head != GuardedStream::Head::Ok) break;
      bool close_connection = count == 1 || svr_sock_ == INVALID_SOCKET;
      bool connection_closed = false;
      // Runs after httplib parsed the head (req.ranges stays empty: no body is ever cut).
      auto setup = [ssl, &strm](httplib::Request& req) {
        req.ssl = ssl;
        for (const auto& v : strm.ranges()) req.headers.emplace("Range", v);
      };
      bool done = process_request(strm, close_connection, connection_closed, setup);
      if (!done || connection_closed || close_connection) break;
      if (!strm.discard_body()) break;
      --count;
    }
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return true;
}

SSL_CTX* make_tls_context(const std::string& cert, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace tg::server
